/**
 * Garbage collection of a durable store: index nodes and roots that no kept commit
 * reaches are removed, and the branch logs lose the records no kept commit needs.
 *
 * Nothing a running reader may still use disappears at once: a blob found unreachable is
 * first marked (the marks are a record in the store's `__gc` log, with the time), and only
 * a later collection, at least the grace period after the mark, deletes it if it is still
 * unreachable. A reader holding an old commit, or a writer still flushing new nodes, is
 * safe for that long.
 */

import { asRecord, decode, encode, Kind, nodeChildren } from '../storage/codec.js';
import type { Store } from '../storage/store.js';
import { type CommitRecord, decodeCommit, decodeRoots } from './records.js';

/** The log holding gc marks; not a database branch. */
export const GC_LOG = '__gc';

export interface GcOptions {
  /** Commits made before this stay readable only if a later kept commit needs them. */
  readonly removeBefore?: Date;
  /** How long a blob stays marked before it may be deleted (ms). */
  readonly graceMs: number;
  /** Roots to keep besides those the logs name (a writer's flush not yet in a record). */
  readonly keepRoots?: readonly string[];
  readonly now?: number;
  readonly progress?: (message: string) => void;
  /** Told, per branch, of the first kept commit's seq: the commits before it are gone. */
  readonly collected?: (branch: string, firstKeptCommit: number) => void;
}

export interface GcResult {
  readonly removed: number;
  readonly marked: number;
  readonly kept: number;
  readonly truncated: Record<string, number>;
}

interface Marks {
  readonly at: Record<string, number>;
}

/** The roots blob keys each kept commit of a branch needs, and where its log may start. */
async function keptOf(
  store: Store,
  branch: string,
  removeBefore: number | undefined,
): Promise<{ roots: Set<string>; firstKept: number; firstCommit: number }> {
  const records = await store.readLog(branch, 1);
  const decoded: { seq: number; record: CommitRecord }[] = records.map((r) => ({
    seq: r.seq,
    record: decodeCommit(r, branch),
  }));
  const last = decoded.length - 1;
  // A deleted branch keeps nothing but its tombstone.
  if (decoded[last]?.record.deleted === true)
    return { roots: new Set(), firstKept: decoded[last]!.seq, firstCommit: decoded[last]!.seq };
  let from = last;
  if (removeBefore !== undefined) {
    const i = decoded.findIndex((x) => x.record.updatedAt >= removeBefore);
    from = i === -1 ? last : i;
  }
  const roots = new Set<string>();
  let firstKept = decoded[from]?.seq ?? 1;
  for (const { record } of decoded.slice(from)) {
    if (record.base.roots !== null) roots.add(record.base.roots);
    firstKept = Math.min(firstKept, record.base.seq + 1);
  }
  return { roots, firstKept, firstCommit: decoded[from]?.seq ?? 1 };
}

/** Every blob a roots blob reaches: itself and the nodes of its trees. */
async function reachable(
  store: Store,
  rootsKeys: Iterable<string>,
  out: Set<string>,
): Promise<void> {
  let frontier: string[] = [];
  for (const key of rootsKeys) {
    if (out.has(key)) continue;
    out.add(key);
    const bytes = await store.get(key);
    if (bytes === null) continue;
    const r = decodeRoots(bytes, key);
    for (const trees of [r.current, r.temporal])
      if (trees !== null) frontier.push(trees.eavt, trees.aevt, trees.avet);
  }
  while (frontier.length > 0) {
    const todo = frontier.filter((a) => !out.has(a));
    for (const a of todo) out.add(a);
    frontier = [];
    const blobs = await store.getMany(todo);
    blobs.forEach((bytes, i) => {
      if (bytes === null) return;
      // A branch names its children; leaves name nothing.
      for (const a of nodeChildren(bytes, todo[i]!)) frontier.push(a);
    });
  }
}

export async function collectGarbage(store: Store, opts: GcOptions): Promise<GcResult> {
  const now = opts.now ?? Date.now();
  const say = opts.progress ?? (() => undefined);
  const branches = (await store.branches()).filter((b) => b !== GC_LOG);
  const live = new Set<string>();
  await reachable(store, opts.keepRoots ?? [], live);
  const truncated: Record<string, number> = {};
  for (const branch of branches) {
    say(`reading the ${branch} log`);
    const { roots, firstKept, firstCommit } = await keptOf(
      store,
      branch,
      opts.removeBefore?.getTime(),
    );
    say(`walking the indices of ${roots.size} commit(s) of ${branch}`);
    await reachable(store, roots, live);
    await store.truncateLog(branch, firstKept);
    truncated[branch] = firstKept;
    opts.collected?.(branch, firstCommit);
  }
  say('listing blobs');
  const all = await store.keys();
  const lastMarks = await store.lastRecord(GC_LOG);
  const previous: Record<string, number> =
    lastMarks === null
      ? {}
      : asRecord<Record<string, number>>(
          asRecord<Marks>(decode(lastMarks.bytes, Kind.roots, 'gc marks')).at,
        );
  const marks: Record<string, number> = {};
  const doomed: string[] = [];
  for (const key of all) {
    if (live.has(key)) continue;
    const since = previous[key];
    if (opts.graceMs === 0 || (since !== undefined && now - since >= opts.graceMs))
      doomed.push(key);
    else marks[key] = since ?? now;
  }
  for (let i = 0; i < doomed.length; i += 500) {
    say(`removing blobs ${i + 1}–${Math.min(i + 500, doomed.length)} of ${doomed.length}`);
    await store.delete(doomed.slice(i, i + 500));
  }
  const seq = lastMarks?.seq ?? 0;
  if (await store.append(GC_LOG, seq, [encode(Kind.roots, { at: marks })]))
    await store.truncateLog(GC_LOG, seq + 1);
  return {
    removed: doomed.length,
    marked: Object.keys(marks).length,
    kept: live.size,
    truncated,
  };
}
