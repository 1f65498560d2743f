/**
 * The versioning functions of the API (Datahike's `datahike.versioning`): branches,
 * branch, deleteBranch, forceBranch, mergeDb and branchHistory, on internal values. The
 * work is connection/versioning.ts's; this module reads the arguments.
 */

import {
  commonAncestor as ancestorOf,
  branchNames,
  type CommitRef,
  type Connection,
  connectionOf,
  createBranch,
  forceBranch as force,
  branchHistory as historyOf,
  removeBranch,
  resolveParents,
  verifyBranch,
} from '../connection/index.js';
import { diffDbs } from '../db/diff.js';
import { type Db, type DbView, whenLoaded } from '../db/index.js';
import type { Datom } from '../index/datom.js';
import type { TxReport } from '../tx/index.js';
import {
  DatahikeError,
  isKeyword,
  type Keyword,
  keyword,
  printValue,
  Uuid,
} from '../values/index.js';
import { argError, asConn, baseDb, branchName, commitIdText, transactArgs } from './arguments.js';
import { toInternal } from './convert.js';

/** A branch (a keyword, or its text) or a commit (a Uuid, or its text). */
function commitRef(fn: string, x: unknown): CommitRef {
  if (x instanceof Uuid) return { commit: x.str };
  if (typeof x === 'string' && Uuid.isValid(x)) return { commit: x };
  if (isKeyword(x) || typeof x === 'string') return { branch: branchName(fn, x) };
  return argError(fn, `expected a branch keyword or a commit id, got ${printValue(x)}.`);
}

/** A list or set of branches and commits, at least one. */
function commitRefs(fn: string, x: unknown): CommitRef[] {
  const list = x instanceof Set ? [...x] : Array.isArray(x) ? x : undefined;
  if (list === undefined || list.length === 0)
    argError(
      fn,
      `expected a non-empty list of parent branches or commit ids, got ${printValue(x)}.`,
    );
  return list.map((p) => commitRef(fn, p));
}

/** The branches of the connection's store, as Datahike gives them: a set of keywords. */
async function branches(conn: Connection): Promise<Set<Keyword>> {
  return new Set((await branchNames(asConn('branches', conn))).map((b) => keyword(b)));
}

/** `branch(conn, from, newBranch)`: from a branch (keyword) or a commit (id). */
async function branch(conn: Connection, from: unknown, newBranch: unknown): Promise<null> {
  const c = asConn('branch', conn);
  await createBranch(c, commitRef('branch', toInternal(from)), branchName('branch', newBranch));
  return null;
}

async function deleteBranch(conn: Connection, name: unknown): Promise<null> {
  await removeBranch(asConn('deleteBranch', conn), branchName('deleteBranch', name));
  return null;
}

/** Makes a database value the head of a branch, a new commit with the given parents. */
async function forceBranch(database: DbView, name: unknown, parents: unknown): Promise<null> {
  const db: Db = baseDb('forceBranch', database);
  const n = branchName('forceBranch', name);
  const refs = commitRefs('forceBranch', toInternal(parents));
  const conn = connectionOf(db);
  if (conn === undefined)
    throw new DatahikeError(
      'api/invalid-argument',
      'forceBranch: the database must come from a connection this process has open (db, commitAsDb, branchAsDb).',
      { function: 'forceBranch' },
    );
  await force(conn, db, n, await resolveParents(conn, refs));
  return null;
}

/**
 * A commit on the connection's branch whose parents are its head and `parents` (branches,
 * by their heads, or commits): the caller's tx-data brings over what is merged.
 */
async function mergeDb(
  conn: Connection,
  parents: unknown,
  txData: unknown,
  txMeta?: unknown,
): Promise<TxReport> {
  const c = asConn('mergeDb', conn);
  const refs = commitRefs('mergeDb', toInternal(parents));
  const { data, opts } = transactArgs('mergeDb', txData);
  const own = (await c.latest()).meta.commitId?.str;
  const merged = (await resolveParents(c, refs)).filter((p) => p.str !== own);
  return c.transact(data, {
    ...opts,
    ...(txMeta === undefined ? {} : { txMeta: toInternal(txMeta) }),
    mergeParents: merged,
  });
}

async function branchHistory(conn: Connection): Promise<Db[]> {
  return historyOf(asConn('branchHistory', conn));
}

/** `{:asserted [datoms] :retracted [datoms]}` from `a` to `b`, in EAVT order. */
async function diff(a: DbView, b: DbView): Promise<Map<Keyword, Datom[]>> {
  const x = baseDb('diff', a);
  const y = baseDb('diff', b);
  const { asserted, retracted } = await whenLoaded([x, y], () => diffDbs(x, y));
  return new Map([
    [V.asserted, asserted],
    [V.retracted, retracted],
  ]);
}

/** Commits `a` and `b` are ids, or branches (keywords) by their heads. */
async function commonAncestor(conn: Connection, a: unknown, b: unknown): Promise<Uuid | null> {
  const c = asConn('commonAncestor', conn);
  const [x, y] = await resolveParents(c, [
    commitRef('commonAncestor', toInternal(a)),
    commitRef('commonAncestor', toInternal(b)),
  ]);
  return ancestorOf(c, x!.str, (y ?? x)!.str);
}

/**
 * `{:valid? bool :verified n :unverifiable n :failures [{:seq :commit-id :reason}]}` for the
 * commits of the connection's branch, from `{:from commit-id}` on.
 */
async function verifyCommits(conn: Connection, opts?: unknown): Promise<Map<Keyword, unknown>> {
  const c = asConn('verifyCommits', conn);
  const o = toInternal(opts ?? null);
  const from = o instanceof Map ? (o.get(V.from) ?? undefined) : undefined;
  const r = await verifyBranch(
    c,
    from === undefined ? undefined : commitIdText('verifyCommits', from),
  );
  return new Map<Keyword, unknown>([
    [V.valid, r.failures.length === 0],
    [V.verified, r.verified],
    [V.unverifiable, r.unverifiable],
    [
      V.failures,
      r.failures.map(
        (f) =>
          new Map<Keyword, unknown>([
            [V.seq, f.seq],
            [V.commitId, new Uuid(f.commitId)],
            [V.reason, f.reason],
          ]),
      ),
    ],
  ]);
}

const V = {
  asserted: keyword('asserted'),
  retracted: keyword('retracted'),
  from: keyword('from'),
  valid: keyword('valid?'),
  verified: keyword('verified'),
  unverifiable: keyword('unverifiable'),
  failures: keyword('failures'),
  seq: keyword('seq'),
  commitId: keyword('commit-id'),
  reason: keyword('reason'),
};

export const versionsApi = {
  branches,
  branch,
  deleteBranch,
  forceBranch,
  mergeDb,
  branchHistory,
  diff,
  commonAncestor,
  verifyCommits,
};
