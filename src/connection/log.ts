/**
 * The transaction log of a branch, as Datomic's Log API reads it: the commits in tx order,
 * each with its tx id, commit id and datoms, from a start tx (inclusive) to an end tx
 * (exclusive). A durable branch reads them from its log of commit records, a chunk at a
 * time; a memory branch keeps them as it commits (live values, like its databases).
 */

import type { Datom } from '../index/datom.js';
import { TX0 } from '../index/datom.js';
import { unpackDatoms } from '../storage/codec.js';
import type { MemoryStore } from '../storage/memory.js';
import type { Store } from '../storage/store.js';
import { decodeCommit } from './records.js';

/** One transaction of the log. */
export interface LogEntry {
  readonly tx: number;
  readonly commitId: string;
  readonly parents: readonly string[];
  readonly datoms: readonly Datom[];
}

/** Records read from a durable log per store read. */
const CHUNK = 256;

/**
 * The transactions of a durable branch with `from <= tx < to`. Every transaction adds one
 * record and one to max-tx (the creation record is seq 1 at tx0); checkpoints and fences
 * repeat a commit, so the record of tx `t` is at seq `t - tx0 + 1` or later, never before:
 * reading starts there. Records without datoms (the creation, checkpoints) are no
 * transactions. A log truncated by garbage collection starts where it now starts.
 */
export async function* durableLog(
  store: Store,
  branch: string,
  from: number,
  to: number,
): AsyncGenerator<LogEntry> {
  let seq = Math.max(1, from - TX0 + 1);
  for (;;) {
    const records = await store.readLog(branch, seq, seq + CHUNK - 1);
    for (const r of records) {
      const c = decodeCommit(r, branch);
      if (c.maxTx >= to) return;
      if (c.checkpoint === true || c.maxTx < from || c.datoms.d.length === 0) continue;
      yield { tx: c.maxTx, commitId: c.id, parents: c.parents, datoms: unpackDatoms(c.datoms) };
    }
    if (records.length < CHUNK) return;
    seq = records[records.length - 1]!.seq + 1;
  }
}

/** The key under which a memory store keeps a branch's log (an array of entries, in tx order). */
function liveLogKey(branch: string): string {
  return `log/${branch}`;
}

/** The log of a memory branch, to append to (made empty on first use). */
export function liveLog(store: MemoryStore, branch: string): LogEntry[] {
  const key = liveLogKey(branch);
  let log = store.get(key) as LogEntry[] | undefined;
  if (log === undefined) {
    log = [];
    store.put([[key, log]]);
  }
  return log;
}

/** The transactions of a memory branch with `from <= tx < to`. */
export async function* liveLogRange(
  store: MemoryStore,
  branch: string,
  from: number,
  to: number,
): AsyncGenerator<LogEntry> {
  const log = liveLog(store, branch);
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (log[mid]!.tx < from) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < log.length && log[i]!.tx < to; i++) yield log[i]!;
}
