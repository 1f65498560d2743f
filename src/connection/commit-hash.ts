/**
 * Commit ids that are content hashes (Merkle style): the id of a commit is a SHA-256 over
 * its parents' ids (which are hashes of theirs), its max-eid and max-tx, its tx instant and
 * the datoms of its transaction, written as a UUID of version 8 (RFC 9562's custom
 * version). So a commit id names its whole history: changing any datom of any earlier
 * transaction, or the order of the commits, changes every id after it, and
 * `verifyCommits` finds the first record whose content no longer gives its id.
 *
 * Commits made before (random version-4 ids) and creation records keep their ids; they are
 * read as before and counted as not verifiable.
 */

import { createHash, type Hash } from 'node:crypto';
import type { Datom } from '../index/datom.js';
import { bytesToBase64, isKeyword, isSym, rankOf, Uuid } from '../values/index.js';

/** What a commit's id covers. */
export interface CommitContent {
  readonly parents: readonly string[];
  readonly maxEid: number;
  readonly maxTx: number;
  /** The tx instant, in ms. */
  readonly updatedAt: number;
  readonly datoms: readonly Datom[];
}

/** A value written so that equal values, and only they, give the same text (by type rank). */
function feed(h: Hash, v: unknown): void {
  h.update(String(rankOf(v)));
  h.update(':');
  if (Array.isArray(v)) {
    h.update(`[${v.length}`);
    for (const x of v) feed(h, x);
    h.update(']');
  } else if (isKeyword(v) || isSym(v)) h.update(v.fqn);
  else if (v instanceof Uuid) h.update(v.str);
  else if (v instanceof Date) h.update(String(v.getTime()));
  else if (v instanceof Uint8Array) h.update(bytesToBase64(v));
  else if (typeof v === 'number' && Object.is(v, -0)) h.update('-0');
  else h.update(String(v));
  h.update(';');
}

/** The id of a commit with this content: a version-8 UUID of its SHA-256. */
export function commitHash(c: CommitContent): Uuid {
  const h = createHash('sha256');
  h.update(`datahike-ts commit 1\n${c.parents.join(',')}\n${c.maxEid} ${c.maxTx} ${c.updatedAt}\n`);
  for (const d of c.datoms) {
    h.update(`${d.e} ${d.a.fqn} ${d.t} `);
    feed(h, d.v);
  }
  const b = h.digest();
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const x = b.subarray(0, 16).toString('hex');
  return new Uuid(
    `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`,
  );
}

/** Whether an id was made by `commitHash` (version 8), and so can be checked. */
export function isContentId(id: string): boolean {
  return id.length === 36 && id[14] === '8';
}
