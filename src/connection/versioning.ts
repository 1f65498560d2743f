/**
 * Branches of a store, as Datahike's `datahike.versioning` has them: listing, branching
 * from a branch or a commit (no new commit), deleting (not `:db`), forcing a branch onto a
 * database value (a new commit with the given parents), resolving merge parents, finding a
 * commit in any branch and walking a branch's history through the parents.
 *
 * A memory store keeps a branch as a named reference to its head database (every commit's
 * database is kept by id). A durable store keeps each branch as its own log: a new branch's
 * log starts with one checkpoint record, a copy of the commit it starts from that names the
 * roots of a flush of that commit's database (written here), so the branch opens without
 * the log it came from. A deleted branch's log ends with a tombstone (a checkpoint copy of
 * its head marked `deleted`): it is no longer listed, opened or kept by garbage collection.
 */

import type { Db } from '../db/index.js';
import { packDatoms } from '../storage/codec.js';
import type { MemoryStore } from '../storage/memory.js';
import type { Store } from '../storage/store.js';
import { DatahikeError, Uuid } from '../values/index.js';
import { DurableBranch, LiveBranch, type LiveHead } from './branches.js';
import { commitHash } from './commit-hash.js';
import type { Connection } from './connection.js';
import { closeBranch, openConnections } from './databases.js';
import { BranchLog } from './durable.js';
import { GC_LOG } from './gc.js';
import { liveLog } from './log.js';
import { type CommitRecord, decodeCommit, encodeCommit } from './records.js';

/** Where a commit comes from: a branch's head, or a commit by id. */
export type CommitRef = { readonly branch: string } | { readonly commit: string };

/** The main branch, which `deleteBranch` refuses. */
const MAIN = 'db';

function memoryStoreOf(conn: Connection): MemoryStore | null {
  return conn.branch instanceof LiveBranch ? conn.branch.store : null;
}

function durableOf(conn: Connection): DurableBranch | null {
  return conn.branch instanceof DurableBranch ? conn.branch : null;
}

function notFound(name: string): DatahikeError {
  return new DatahikeError('branch/not-found', `No branch :${name} in this store.`, {
    branch: name,
  });
}

/** The last record of a durable branch log, decoded; null for none. */
async function headRecord(
  store: Store,
  name: string,
): Promise<{ seq: number; record: CommitRecord } | null> {
  const last = await store.lastRecord(name);
  return last === null ? null : { seq: last.seq, record: decodeCommit(last, name) };
}

/** The branches of the connection's store, sorted. */
export async function branchNames(conn: Connection): Promise<string[]> {
  const memory = memoryStoreOf(conn);
  if (memory !== null) return memory.refNames().sort();
  const store = durableOf(conn)!.store;
  const out: string[] = [];
  for (const name of await store.branches()) {
    if (name === GC_LOG) continue;
    const head = await headRecord(store, name);
    if (head !== null && head.record.deleted !== true) out.push(name);
  }
  return out.sort();
}

async function exists(conn: Connection, name: string): Promise<boolean> {
  return (await branchNames(conn)).includes(name);
}

/**
 * The database of a commit in any branch of the connection's store: the connection's own
 * branch first, then the others' logs; null when no branch has it.
 */
export async function commitDbAnywhere(conn: Connection, id: string): Promise<Db | null> {
  const own = await conn.branch.commitDb(id);
  if (own !== null) return own;
  const durable = durableOf(conn);
  if (durable === null) return null;
  for (const name of await durable.store.branches()) {
    if (name === GC_LOG || name === conn.config.branch.fqn) continue;
    const log = new BranchLog(durable.store, name, durable.cache);
    const found = await log.findCommit(id, undefined, () => undefined);
    if (found === null) continue;
    const db = await log.dbFromBase(found.record.base, found.seq);
    if (db !== null) return db;
  }
  return null;
}

/** The database a commit reference names; errors when there is none. */
async function dbOf(conn: Connection, from: CommitRef): Promise<Db> {
  if ('branch' in from) {
    const db =
      from.branch === conn.config.branch.fqn
        ? await conn.latest()
        : await conn.branch.branchDb(from.branch);
    if (db === null) throw notFound(from.branch);
    return db;
  }
  const db = await commitDbAnywhere(conn, from.commit);
  if (db === null)
    throw new DatahikeError('commit/not-found', `No commit ${from.commit} in this store.`, {
      commitId: from.commit,
    });
  return db;
}

/**
 * Writes `db` as the head of a durable branch: a flush of its nodes (those already in the
 * store are not written again), then one record after the branch's last, naming those
 * roots as a base that covers everything before it. `record` fills the commit's identity.
 */
async function writeHead(
  branch: DurableBranch,
  name: string,
  db: Db,
  record: Pick<CommitRecord, 'id' | 'parents'> &
    Partial<Pick<CommitRecord, 'checkpoint' | 'updatedAt'>>,
): Promise<void> {
  const store = branch.store;
  const log = new BranchLog(store, name, branch.cache);
  const head = await store.lastRecord(name);
  const seq = (head?.seq ?? 0) + 1;
  const { blobs, rootsKey } = await log.flushBlobs(db, seq, branch.storedConfig);
  await store.put(blobs);
  const m = db.meta;
  const next: CommitRecord = {
    id: record.id,
    parents: record.parents,
    maxEid: db.maxEid,
    maxTx: db.maxTx,
    createdAt: m.createdAt?.getTime() ?? 0,
    updatedAt: record.updatedAt ?? m.updatedAt?.getTime() ?? 0,
    datoms: packDatoms([]),
    base: { roots: rootsKey, seq: seq - 1 },
    ...(record.checkpoint === true ? { checkpoint: true } : {}),
  };
  if (!(await store.append(name, seq - 1, [encodeCommit(next)])))
    throw new DatahikeError(
      'writer/conflict',
      `The ${name} branch of the ${store.label} moved while it was being written: try again.`,
      { branch: name },
    );
}

/** Makes branch `name` start at a commit or another branch's head; makes no commit. */
export async function createBranch(conn: Connection, from: CommitRef, name: string): Promise<void> {
  if (await exists(conn, name))
    throw new DatahikeError('branch/exists', `The branch :${name} exists already.`, {
      branch: name,
    });
  const db = await dbOf(conn, from);
  const memory = memoryStoreOf(conn);
  if (memory !== null) {
    const source = memory.readRef(conn.config.branch.fqn) as LiveHead;
    if (!memory.casRef(name, memory.readRef(name), { db, config: source.config }))
      throw notFound(name);
    liveLog(memory, name).length = 0;
    return;
  }
  const id = db.meta.commitId!.str;
  await writeHead(durableOf(conn)!, name, db, {
    id,
    parents: db.meta.parentCommitIds.map((p) => p.str),
    checkpoint: true,
  });
}

/** Deletes a branch other than `:db`; what only it reached goes at the next gc. */
export async function removeBranch(conn: Connection, name: string): Promise<void> {
  if (name === MAIN)
    throw new DatahikeError(
      'branch/protected',
      'The :db branch cannot be deleted: delete the database instead.',
      { branch: name },
    );
  if (!(await exists(conn, name))) throw notFound(name);
  await closeBranch(conn.config, name);
  const memory = memoryStoreOf(conn);
  if (memory !== null) {
    memory.casRef(name, memory.readRef(name), undefined);
    return;
  }
  const store = durableOf(conn)!.store;
  const head = (await headRecord(store, name))!;
  const tombstone: CommitRecord = {
    ...head.record,
    datoms: packDatoms([]),
    checkpoint: true,
    deleted: true,
  };
  await store.append(name, head.seq, [encodeCommit(tombstone)]);
}

/** Commit ids of parents given as branch names (their heads) or commit ids. */
export async function resolveParents(
  conn: Connection,
  parents: readonly CommitRef[],
): Promise<Uuid[]> {
  const out: Uuid[] = [];
  for (const p of parents) {
    const id = 'commit' in p ? p.commit : (await dbOf(conn, p)).meta.commitId?.str;
    if (id === undefined) throw notFound('branch' in p ? p.branch : '');
    if (!out.some((u) => u.str === id)) out.push(new Uuid(id));
  }
  return out;
}

/** The connection of this process whose store holds `db` (through its node cache or commits). */
export function connectionOf(db: Db): Connection | undefined {
  const cache = db.indices.eavt.store;
  const id = db.meta.commitId?.str;
  return openConnections().find((c) => {
    if (c.branch instanceof DurableBranch) return c.branch.cache === cache;
    return id !== undefined && c.branch instanceof LiveBranch && c.branch.knowsCommit(id, db);
  });
}

/**
 * Makes `db` the head of branch `name` (created if need be) as a new commit whose parents
 * are `parents`, whatever the branch held: like `git reset --hard`, connections to the
 * branch see the new head at their next refresh.
 */
export async function forceBranch(
  conn: Connection,
  db: Db,
  name: string,
  parents: readonly Uuid[],
): Promise<void> {
  const updatedAt = Date.now();
  const id = commitHash({
    parents: parents.map((p) => p.str),
    maxEid: db.maxEid,
    maxTx: db.maxTx,
    updatedAt,
    datoms: [],
  });
  const memory = memoryStoreOf(conn);
  if (memory !== null) {
    const forced = db.withMeta({
      ...db.meta,
      commitId: id,
      parentCommitIds: [...parents],
      updatedAt: new Date(updatedAt),
    });
    memory.put([[id.str, forced]]);
    const source = memory.readRef(conn.config.branch.fqn) as LiveHead;
    memory.casRef(name, memory.readRef(name), { db: forced, config: source.config });
    return;
  }
  await writeHead(durableOf(conn)!, name, db, {
    id: id.str,
    parents: parents.map((p) => p.str),
    updatedAt,
  });
}

/**
 * The commits a branch's head reaches through its parents, newest first (a commit reached
 * twice comes once, at its first place), as database values.
 */
export async function branchHistory(conn: Connection): Promise<Db[]> {
  return historyFrom(conn, await conn.latest());
}

/** `head` and the commits it reaches through its parents, newest first. */
async function historyFrom(conn: Connection, head: Db): Promise<Db[]> {
  const out: Db[] = [];
  const seen = new Set<string>();
  const todo: Db[] = [head];
  while (todo.length > 0) {
    todo.sort(
      (a, b) =>
        b.maxTx - a.maxTx ||
        (b.meta.updatedAt?.getTime() ?? 0) - (a.meta.updatedAt?.getTime() ?? 0),
    );
    const db = todo.shift()!;
    const id = db.meta.commitId?.str;
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    out.push(db);
    for (const p of db.meta.parentCommitIds) {
      if (seen.has(p.str)) continue;
      const parent = await commitDbAnywhere(conn, p.str);
      if (parent !== null) todo.push(parent);
    }
  }
  return out;
}

/**
 * The newest commit both `a` and `b` reach through their parents (themselves included):
 * where two branches parted, the base of a three-way merge; null when they share none.
 */
export async function commonAncestor(conn: Connection, a: string, b: string): Promise<Uuid | null> {
  const dbOfId = async (id: string) => {
    const db = await commitDbAnywhere(conn, id);
    if (db === null)
      throw new DatahikeError('commit/not-found', `No commit ${id} in this store.`, {
        commitId: id,
      });
    return db;
  };
  const ofA = new Set((await historyFrom(conn, await dbOfId(a))).map((x) => x.meta.commitId!.str));
  for (const x of await historyFrom(conn, await dbOfId(b)))
    if (ofA.has(x.meta.commitId!.str)) return x.meta.commitId!;
  return null;
}
