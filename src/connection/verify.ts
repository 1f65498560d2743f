/**
 * `verifyCommits`: checks that a branch's history is what its commit ids say. Every commit
 * whose id is a content hash (commit-hash.ts) must hash to its id from what its record
 * holds, and every commit's first parent must be the commit before it in the branch's log
 * (a checkpoint must repeat the commit before it). Since each id covers its parents' ids,
 * the ids of the last commits vouch for everything before them. Commits with random ids
 * (made before content ids, and creation records) are counted as not verifiable.
 */

import type { Datom } from '../index/datom.js';
import { unpackDatoms } from '../storage/codec.js';
import { DurableBranch, LiveBranch } from './branches.js';
import { commitHash, isContentId } from './commit-hash.js';
import type { Connection } from './connection.js';
import { liveLog } from './log.js';
import { decodeCommit } from './records.js';

export interface VerifyFailure {
  readonly seq: number;
  readonly commitId: string;
  readonly reason: string;
}

export interface VerifyResult {
  /** Commits whose content gives their id. */
  readonly verified: number;
  /** Commits with random ids, which say nothing about their content. */
  readonly unverifiable: number;
  readonly failures: VerifyFailure[];
}

interface Seen {
  readonly seq: number;
  readonly id: string;
  readonly parents: readonly string[];
  readonly maxEid: number;
  readonly maxTx: number;
  readonly updatedAt: number;
  readonly checkpoint: boolean;
  /** A tombstone (deleteBranch) or a forced head (forceBranch): the chain starts again after it. */
  readonly restart: boolean;
  readonly datoms: () => readonly Datom[];
}

/** Records read per store read. */
const CHUNK = 256;

/** The commits of a branch in log order (checkpoints too), from the store or memory. */
async function* commitsOf(conn: Connection): AsyncGenerator<Seen> {
  const branch = conn.branch;
  const name = conn.config.branch.fqn;
  if (branch instanceof LiveBranch) {
    let seq = 0;
    for (const e of liveLog(branch.store, name)) {
      const db = await branch.commitDb(e.commitId);
      yield {
        seq: ++seq,
        id: e.commitId,
        parents: e.parents,
        maxEid: db?.maxEid ?? 0,
        maxTx: e.tx,
        updatedAt: db?.meta.updatedAt?.getTime() ?? 0,
        checkpoint: false,
        restart: false,
        datoms: () => e.datoms,
      };
    }
    return;
  }
  if (!(branch instanceof DurableBranch)) return;
  const store = branch.store;
  for (let seq = 1; ; seq += CHUNK) {
    const records = await store.readLog(name, seq, seq + CHUNK - 1);
    for (const r of records) {
      const c = decodeCommit(r, name);
      yield {
        seq: r.seq,
        id: c.id,
        parents: c.parents,
        maxEid: c.maxEid,
        maxTx: c.maxTx,
        updatedAt: c.updatedAt,
        checkpoint: c.checkpoint === true,
        restart: c.deleted === true,
        datoms: () => unpackDatoms(c.datoms),
      };
    }
    if (records.length < CHUNK) return;
    seq = records[records.length - 1]!.seq + 1 - CHUNK;
  }
}

/** Checks the commits of the connection's branch, from commit `from` on (all by default). */
export async function verifyBranch(conn: Connection, from?: string): Promise<VerifyResult> {
  let verified = 0;
  let unverifiable = 0;
  const failures: VerifyFailure[] = [];
  let started = from === undefined;
  let previous: Seen | undefined;
  for await (const c of commitsOf(conn)) {
    if (!started && c.id !== from) continue;
    const fail = (reason: string) => failures.push({ seq: c.seq, commitId: c.id, reason });
    // A forced head (a commit of no datoms) names the parents it was given.
    const forced = !c.checkpoint && c.parents.length > 0 && c.datoms().length === 0;
    if (started && previous !== undefined && !previous.restart && !forced) {
      if (c.checkpoint) {
        if (c.id !== previous.id)
          fail(`a checkpoint of commit ${c.id} follows commit ${previous.id}`);
      } else if (c.parents[0] !== previous.id)
        fail(`its first parent is ${c.parents[0] ?? 'none'}, the commit before it ${previous.id}`);
    }
    started = true;
    if (!c.checkpoint) {
      if (!isContentId(c.id)) unverifiable++;
      else if (commitHash({ ...c, datoms: c.datoms() }).str === c.id) verified++;
      else fail('its content does not give its id');
    }
    previous = c;
  }
  return { verified, unverifiable, failures };
}
