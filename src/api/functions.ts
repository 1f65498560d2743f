/**
 * The public API: Datahike's JavaScript functions, promise-based, taking and returning
 * public values (see convert.ts). Each function is also an entry of the specification
 * table (specification.ts) from which the server, client and CLI are generated.
 *
 * `createApi(parts)` makes them. Each is its internal twin (internal.ts: the
 * implementation, on internal values, composed with `parts` by compose.ts, so that calls
 * on remote objects and configs naming a server run there) with the result converted out
 * by `toExternal`, or by its equivalent where the public form is not `toExternal` of the
 * internal one: transaction reports (`reportOut`), entities (an `EntityView`) and
 * callbacks (which see public values). Connections, database values and Uuids pass
 * through unchanged.
 */

import type { Connection } from '../connection/index.js';
import type { Db, DbView } from '../db/index.js';
import { Entity } from '../pull/index.js';
import type { TxReport } from '../tx/index.js';
import { isKeyword, type Uuid } from '../values/index.js';
import type {
  GcOptions,
  PullPattern,
  QueryArgs,
  QueryInput,
  TimePoint,
  TransactArg,
} from './arguments.js';
import { type ApiParts, composeApi } from './compose.js';
import { type DatomObject, datomToObject, toExternal } from './convert.js';
import { EntityView } from './entity.js';
import { isPromise, randomUuid, uuid } from './extras.js';
import { queryRows } from './internal.js';
import { reportStream } from './log.js';
import { elsewhere } from './remote.js';
import type { Tempids, TransactionReport } from './typed-api.js';
import type { ConfigInput } from './typed-config.js';

export type {
  Config,
  DatabaseConfig,
  GcOptions,
  IndexKeyword,
  PullPattern,
  QueryArgs,
  QueryInput,
  TimePoint,
  TransactArg,
  Transaction,
  TxData,
} from './arguments.js';

export type { Connection, DatomObject, Db, DbView, EntityView };

/** A transaction of the log, as `txRange` gives it. */
export interface LogEntry {
  t: number;
  data: DatomObject[];
  'commit-id': string;
  parents: string[];
}

// The type names of Datahike's TypeScript typings.
/** A datom as the API hands it out. */
export type Datom = DatomObject;
/** What `schema(db)` returns: attribute name (without colon) → its definition. */
export type Schema = Record<string, Record<string, unknown>>;
/** What `metrics(db)` returns. */
export type Metrics = Record<string, unknown>;

/** The public form of a transaction report. */
function reportOut(r: TxReport): TransactionReport {
  const tempids: Record<string, number> = {};
  for (const [k, v] of r.tempids) tempids[isKeyword(k) ? k.fqn : String(k)] = v;
  return {
    'db-before': r.dbBefore,
    'db-after': r.dbAfter,
    'tx-data': r.txData.map(datomToObject),
    // Every report has db/current-tx.
    tempids: tempids as Tempids,
    'tx-meta': toExternal(r.txMeta),
  };
}

/**
 * The public API, composed from its parts (compose.ts): every function below, with the
 * writers elsewhere and the config routes of `parts` (the package entry passes the
 * client's). Calls on remote connections, databases and entities run where they live.
 */
export function createApi(parts: ApiParts = {}) {
  const core = composeApi(parts);
  const qElsewhere = elsewhere('q', parts.configRoutes ?? []);

  // ---- databases and connections ------------------------------------------------------

  /**
   * Creates a database and returns its configuration with defaults filled in (and a
   * generated store id when a memory store had none). Applies `initial-tx` if given.
   * @example await createDatabase({ store: { backend: ':memory', id: 'people' } })
   */
  async function createDatabase(cfg: ConfigInput = {}): Promise<Record<string, unknown>> {
    return toExternal(await core.createDatabase(cfg)) as Record<string, unknown>;
  }

  /** Deletes a database and its store; connections to it are released. */
  async function deleteDatabase(cfg: ConfigInput = {}): Promise<null> {
    return core.deleteDatabase(cfg);
  }

  /** True when the configured store holds a database. */
  async function databaseExists(cfg: ConfigInput = {}): Promise<boolean> {
    return core.databaseExists(cfg);
  }

  /** Connects to an existing database; connections are shared (and counted) per database. */
  async function connect(cfg: ConfigInput = {}): Promise<Connection> {
    return core.connect(cfg);
  }

  /** Releases a connection (all uses of it with `releaseAll`). */
  async function release(conn: Connection, releaseAll = false): Promise<null> {
    return core.release(conn, releaseAll);
  }

  /**
   * The current database value of a connection; on a durable store, the newest commit,
   * including those another process made (see `refresh-interval-ms`).
   */
  async function db(conn: Connection): Promise<Db> {
    return core.db(conn);
  }

  /**
   * Transacts tx-data and resolves once the transaction is committed.
   * @example await transact(conn, [{ name: 'Alice', age: 30 }])
   * @example await transact(conn, { 'tx-data': [[':db/add', -1, ':name', 'Bob']], 'tx-meta': { source: 'import' } })
   */
  async function transact(conn: Connection, arg: TransactArg): Promise<TransactionReport> {
    return reportOut(await core.transact(conn, arg));
  }

  /**
   * Loads exported datoms (`[e, a, v, tx, added]` arrays or datom objects), one
   * transaction per original transaction, keeping entity ids and transaction instants.
   */
  async function loadEntities(
    conn: Connection,
    entities: readonly unknown[] | string,
  ): Promise<TransactionReport | null> {
    const last = await core.loadEntities(conn, entities);
    return last === null ? null : reportOut(last);
  }

  /** The callbacks given to `listen`, by the wrappers registered for them. */
  const listenerOf = new WeakMap<object, unknown>();

  /** A callback on public reports as one on internal reports (anything else as it is). */
  function reportCallback(cb: unknown): unknown {
    if (typeof cb !== 'function') return cb;
    const wrapper = (r: TxReport) => cb(reportOut(r));
    listenerOf.set(wrapper, cb);
    return wrapper;
  }

  /**
   * Calls `callback` with each later transaction's report; returns the key for
   * `unlisten`. Call as `listen(conn, callback)` or `listen(conn, key, callback)`.
   */
  async function listen(
    conn: Connection,
    callback: (report: TransactionReport) => void,
  ): Promise<unknown>;
  async function listen(
    conn: Connection,
    key: unknown,
    callback: (report: TransactionReport) => void,
  ): Promise<unknown>;
  async function listen(
    conn: Connection,
    keyOrCallback: unknown,
    callback?: (report: TransactionReport) => void,
  ): Promise<unknown> {
    return callback === undefined
      ? core.listen(conn, reportCallback(keyOrCallback))
      : core.listen(conn, keyOrCallback, reportCallback(callback) as (r: TxReport) => void);
  }

  /**
   * Removes a listener. Resolves to the listeners left, as Datahike's npm package does: an
   * object from key (a keyword key without its colon) to callback.
   */
  async function unlisten(
    conn: Connection,
    key: unknown,
  ): Promise<Record<string, (report: TransactionReport) => void>> {
    const left = (await core.unlisten(conn, key)) as ReadonlyMap<unknown, unknown>;
    const out: Record<string, (report: TransactionReport) => void> = {};
    for (const [k, cb] of left) {
      const name = isKeyword(k)
        ? k.fqn
        : typeof k === 'string' && k.startsWith(':')
          ? k.slice(1)
          : String(k);
      out[name] = (listenerOf.get(cb as object) ?? cb) as (report: TransactionReport) => void;
    }
    return out;
  }

  /**
   * The transactions of the log with `start <= t < end` (tx ids or Dates; null or left out
   * for the log's start and the newest commit), in order: `{ t, data, 'commit-id', parents }`
   * each, `data` the transaction's datoms. `txRange(conn, { start, end })` or `txRange(conn, start, end)`.
   */
  async function txRange(
    conn: Connection,
    ...range:
      | []
      | [{ start?: number | Date | null; end?: number | Date | null }]
      | [number | Date | null, (number | Date | null)?]
  ): Promise<LogEntry[]> {
    return toExternal(await core.txRange(conn, ...range)) as LogEntry[];
  }

  /**
   * The reports of the transactions from `{ from }` (a tx id) on: the past ones read from the
   * log (without tempids and tx-meta), then each new one as it commits, every one once and in
   * order, also across that seam. Without `from`, the transactions after the current commit.
   * Listens from the moment the promise resolves until the loop ends:
   * `for await (const r of await reports(conn, { from: tx })) …`.
   */
  async function reports(
    conn: Connection,
    opts?: { from?: number },
  ): Promise<AsyncIterableIterator<TransactionReport>> {
    const stream = await reportStream(core, conn, opts);
    const out: AsyncIterableIterator<TransactionReport> = {
      [Symbol.asyncIterator]: () => out,
      async next() {
        const n = await stream.next();
        return n.done === true ? n : { done: false, value: reportOut(n.value) };
      },
      async return() {
        await stream.return!();
        return { done: true, value: undefined };
      },
    };
    return out;
  }

  // ---- database values --------------------------------------------------------------

  /** The database as of a point in time (tx id, Date or database value). */
  async function asOf(database: DbView, t: TimePoint): Promise<DbView> {
    return core.asOf(database, t);
  }

  /** Only the datoms added after a point in time. */
  async function since(database: DbView, t: TimePoint): Promise<DbView> {
    return core.since(database, t);
  }

  /** Every assertion and retraction ever made (`added` tells which). */
  async function history(database: DbView): Promise<DbView> {
    return core.history(database);
  }

  /** A view that keeps only datoms for which `pred(db, datom)` is true. */
  async function filter(
    database: DbView,
    pred: (db: DbView, datom: DatomObject) => boolean,
  ): Promise<DbView> {
    return core.filter(
      database,
      typeof pred === 'function' ? (view, datom) => pred(view, datomToObject(datom)) : pred,
    );
  }

  /** True for a filtered view. */
  async function isFiltered(database: DbView): Promise<boolean> {
    return core.isFiltered(database);
  }

  /** Applies tx-data to a database value without committing; returns the report. */
  async function withDb(
    database: DbView,
    arg: TransactArg,
    txMeta?: unknown,
  ): Promise<TransactionReport> {
    return reportOut(await core.withDb(database, arg, txMeta));
  }

  /**
   * A database value holding exactly the given datoms (`[e, a, v, tx]` arrays or datom
   * objects, schema datoms included), built in one pass: the fast path for imports.
   * Not connected to any store.
   */
  async function initDb(
    rows: readonly unknown[],
    cfg: { 'keep-history?'?: boolean; 'schema-flexibility'?: string } = {},
  ): Promise<Db> {
    return core.initDb(rows, cfg);
  }

  /** The database value after applying tx-data, without committing. */
  async function dbWith(database: DbView, arg: TransactArg): Promise<Db> {
    return core.dbWith(database, arg);
  }

  // ---- index access -----------------------------------------------------------------

  /**
   * Datoms of an index whose leading components match:
   * `datoms(db, ':eavt', 1)`, `datoms(db, ':avet', ':person/email', 'a@b.c')`,
   * or `datoms(db, { index: ':aevt', components: [':person/name'] })`.
   */
  async function datoms(database: DbView, ...args: unknown[]): Promise<DatomObject[]> {
    return toExternal(await core.datoms(database, ...args)) as DatomObject[];
  }

  /** Datoms from the given components to the end of the index. */
  async function seekDatoms(database: DbView, ...args: unknown[]): Promise<DatomObject[]> {
    return toExternal(await core.seekDatoms(database, ...args)) as DatomObject[];
  }

  /** Datoms from the given components backwards to the start of the index. */
  async function rseekDatoms(database: DbView, ...args: unknown[]): Promise<DatomObject[]> {
    return toExternal(await core.rseekDatoms(database, ...args)) as DatomObject[];
  }

  /**
   * AVET datoms of an indexed attribute with values between `start` and `end`
   * (inclusive; either may be null or left out):
   * `indexRange(db, { attrid: ':age', start: 18, end: 65 })` or `indexRange(db, ':age', 18, 65)`.
   */
  async function indexRange(
    database: DbView,
    ...args: [{ attrid: string; start?: unknown; end?: unknown }] | [string, unknown, unknown]
  ): Promise<DatomObject[]> {
    return toExternal(await core.indexRange(database, ...args)) as DatomObject[];
  }

  /**
   * Datomic's index-pull: walks `:avet` or `:aevt` from `start` (the attribute, then
   * optionally a value or entity) to the attribute's end (`reverse`: back to its start),
   * pulling each datom's entity with `selector`; skips `offset` datoms and pulls at most `limit`.
   * @example await indexPull(db, { index: ':avet', selector: '[:name]', start: [':age', 30], limit: 10 })
   */
  async function indexPull(
    database: DbView,
    opts: {
      index: ':avet' | ':aevt' | 'avet' | 'aevt';
      selector: PullPattern;
      start: readonly unknown[];
      reverse?: boolean;
      offset?: number;
      limit?: number;
    },
  ): Promise<(Record<string, unknown> | null)[]> {
    return toExternal(await core.indexPull(database, opts)) as (Record<string, unknown> | null)[];
  }

  /** The entity with this id, ident or lookup ref, or null when that names nothing. */
  async function entity(database: DbView, eid: unknown): Promise<EntityView | null> {
    const e = await core.entity(database, eid);
    // A remote entity comes ready for public use; a local one is wrapped.
    return e === null
      ? null
      : e instanceof Entity
        ? new EntityView(e)
        : (e as unknown as EntityView);
  }

  /** The database an entity reads from. */
  async function entityDb(e: EntityView): Promise<DbView> {
    return core.entityDb(e);
  }

  /** The user schema: ident → attribute definition (with `db/id`). */
  async function schema(database: DbView): Promise<Schema> {
    return toExternal(await core.schema(database)) as Schema;
  }

  /** Property → attributes having it, e.g. `{ 'db/index': [':age'] }`. */
  async function reverseSchema(database: DbView): Promise<Record<string, string[]>> {
    return toExternal(await core.reverseSchema(database)) as Record<string, string[]>;
  }

  /** The database as of one commit of the connection's branch (by commit id). */
  async function commitAsDb(conn: Connection, id: unknown): Promise<Db> {
    return core.commitAsDb(conn, id);
  }

  /** The newest database of another branch of the connection's store. */
  async function branchAsDb(conn: Connection, branch: unknown): Promise<Db> {
    return core.branchAsDb(conn, branch);
  }

  /** The branches of the connection's store, as keywords (`':db'`). */
  async function branches(conn: Connection): Promise<string[]> {
    return toExternal(await core.branches(conn)) as string[];
  }

  /**
   * Starts branch `newBranch` at the head of branch `from` (`':db'`) or at a commit (its id);
   * makes no commit. Connect to it with `branch` in the config.
   */
  async function branch(conn: Connection, from: string | Uuid, newBranch: string): Promise<null> {
    return core.branch(conn, from, newBranch);
  }

  /** Deletes a branch other than `:db`; its connections in this process are released. */
  async function deleteBranch(conn: Connection, name: string): Promise<null> {
    return core.deleteBranch(conn, name);
  }

  /**
   * Makes a database value the head of branch `name` (created if need be) as a new commit
   * whose parents are `parents` (branch names or commit ids), whatever the branch held.
   */
  async function forceBranch(
    database: DbView,
    name: string,
    parents: readonly (string | Uuid)[],
  ): Promise<null> {
    return core.forceBranch(database, name, parents);
  }

  /**
   * A merge: transacts tx-data (which brings over what is merged) as a commit whose parents
   * are the branch's head and `parents` (branch names, by their heads, or commit ids).
   */
  async function mergeDb(
    conn: Connection,
    parents: readonly (string | Uuid)[],
    arg: TransactArg,
    txMeta?: unknown,
  ): Promise<TransactionReport> {
    const report =
      txMeta === undefined
        ? await core.mergeDb(conn, parents, arg)
        : await core.mergeDb(conn, parents, arg, txMeta);
    return reportOut(report);
  }

  /** The databases of the commits the branch's head reaches through its parents, newest first. */
  async function branchHistory(conn: Connection): Promise<DbView[]> {
    return core.branchHistory(conn);
  }

  /**
   * The datoms asserted and retracted from `a` to `b`, two database values of one store (in
   * EAVT order); it reads only where their indices differ, so its cost grows with the
   * difference, not the database.
   */
  async function diff(
    a: DbView,
    b: DbView,
  ): Promise<{ asserted: DatomObject[]; retracted: DatomObject[] }> {
    return toExternal(await core.diff(a, b)) as {
      asserted: DatomObject[];
      retracted: DatomObject[];
    };
  }

  /**
   * The newest commit that `a` and `b` (commit ids, or branch names by their heads) both
   * reach: the base of a three-way merge; null when they share none.
   */
  async function commonAncestor(
    conn: Connection,
    a: string | Uuid,
    b: string | Uuid,
  ): Promise<Uuid | null> {
    return core.commonAncestor(conn, a, b);
  }

  /**
   * Checks that the branch's commits are what their ids say (content hashes over parents and
   * datoms), from `{ from: commitId }` on: `{ 'valid?', verified, unverifiable, failures }`.
   */
  async function verifyCommits(
    conn: Connection,
    opts?: { from?: string | Uuid },
  ): Promise<{
    'valid?': boolean;
    verified: number;
    unverifiable: number;
    failures: { seq: number; 'commit-id': string; reason: string }[];
  }> {
    const r =
      opts === undefined ? await core.verifyCommits(conn) : await core.verifyCommits(conn, opts);
    return toExternal(r) as never;
  }

  /**
   * Removes from a durable store the index nodes no kept commit reaches; commits made
   * before `removeBefore` are dropped unless a later one needs them. Blobs are deleted only
   * once they have been unreachable for the grace period (`opts.graceMs`, five minutes by
   * default), so readers still using an older commit keep working; `opts.progress` hears
   * what a long collection is doing. `gcStorage(conn, null, { graceMs })` sets the grace
   * period and keeps every commit.
   */
  async function gcStorage(
    conn: Connection,
    removeBefore?: Date | null,
    opts?: GcOptions,
  ): Promise<Record<string, unknown>> {
    // Only the arguments given: a server checks the count against the arities.
    const result =
      opts !== undefined
        ? await core.gcStorage(conn, removeBefore ?? null, opts)
        : removeBefore !== undefined && removeBefore !== null
          ? await core.gcStorage(conn, removeBefore)
          : await core.gcStorage(conn);
    return toExternal(result) as Record<string, unknown>;
  }

  /** The id of the commit a database value comes from (null for a value made by `dbWith`). */
  async function commitId(database: DbView): Promise<Uuid | null> {
    return core.commitId(database);
  }

  /** The ids of the commits the database's commit was made on. */
  async function parentCommitIds(database: DbView): Promise<Uuid[]> {
    return core.parentCommitIds(database);
  }

  /** Datom counts: in total, in AVET, per attribute and per entity (and in the history indices). */
  async function metrics(database: DbView): Promise<Metrics> {
    return toExternal(await core.metrics(database)) as Metrics;
  }

  // ---- queries ----------------------------------------------------------------------

  /**
   * Runs a Datalog query: `q('[:find ?n :where [?e :name ?n]]', db)` or
   * `q({ query, args: [db], limit, offset, timeout })`. Relations come back as arrays of arrays.
   * Typed `any`, as in Datahike's typings: the shape follows the query's `:find`.
   */
  async function q(query: QueryInput | QueryArgs, ...inputs: unknown[]): Promise<any> {
    const remote = qElsewhere([query, ...inputs]);
    if (remote !== undefined) return toExternal(await remote);
    return toExternal(await queryRows(query, ...inputs));
  }

  /** Runs a query and returns its result with the plan: rows and time per clause. */
  async function queryStats(
    query: QueryInput | QueryArgs,
    ...inputs: unknown[]
  ): Promise<Record<string, unknown>> {
    return toExternal(await core.queryStats(query, ...inputs)) as Record<string, unknown>;
  }

  /** The plan of a query: clauses in the order the planner runs them, with estimates and rows. */
  async function explain(query: QueryInput, ...inputs: unknown[]): Promise<string> {
    return core.explain(query, ...inputs);
  }

  // ---- pull -------------------------------------------------------------------------

  /**
   * Pulls an entity's attributes as an object: `pull(db, '[:name {:friend [:name]}]', eid)` or
   * `pull(db, { selector, eid })`; null when the entity does not exist.
   */
  async function pull(
    database: DbView,
    pattern: PullPattern | { selector: PullPattern; eid: unknown },
    eid?: unknown,
  ): Promise<Record<string, unknown> | null> {
    return toExternal(await core.pull(database, pattern, eid)) as Record<string, unknown> | null;
  }

  /** Pulls many entities with one pattern; null for those that do not exist. */
  async function pullMany(
    database: DbView,
    pattern: PullPattern | { selector: PullPattern; eids: readonly unknown[] },
    eids?: readonly unknown[],
  ): Promise<(Record<string, unknown> | null)[]> {
    return toExternal(await core.pullMany(database, pattern, eids)) as (Record<
      string,
      unknown
    > | null)[];
  }

  // ---- small helpers ----------------------------------------------------------------

  /** A fresh temporary id (a negative number) for tx-data; `tempid(part, n)` returns -|n|. */
  async function tempid(part?: unknown, x?: number): Promise<number> {
    return core.tempid(part, x);
  }

  /** The datahike-ts version. */
  async function datahikeVersion(): Promise<string> {
    return core.datahikeVersion();
  }

  return {
    createDatabase,
    deleteDatabase,
    databaseExists,
    connect,
    release,
    db,
    transact,
    loadEntities,
    listen,
    unlisten,
    asOf,
    since,
    history,
    filter,
    isFiltered,
    withDb,
    initDb,
    dbWith,
    datoms,
    seekDatoms,
    rseekDatoms,
    indexRange,
    entity,
    entityDb,
    schema,
    reverseSchema,
    commitAsDb,
    branchAsDb,
    gcStorage,
    commitId,
    parentCommitIds,
    metrics,
    q,
    queryStats,
    explain,
    pull,
    pullMany,
    tempid,
    datahikeVersion,
    txRange,
    reports,
    indexPull,
    branches,
    branch,
    deleteBranch,
    forceBranch,
    mergeDb,
    branchHistory,
    diff,
    commonAncestor,
    verifyCommits,
    // The three synchronous extras of Datahike's JavaScript API (browser-safe, in extras.ts).
    isPromise,
    randomUuid,
    uuid,
  };
}

/** The public API's functions, as `createApi` composes them. */
export type Api = ReturnType<typeof createApi>;
