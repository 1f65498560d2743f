/**
 * The API's implementation on internal values: one function per entry of the
 * specification table (specification.ts), keyed by its `jsName` in `internalApi`.
 *
 * Arguments are what the public functions take — public JavaScript values, EDN text, or
 * internal values (keywords, maps with keyword keys, Uuids, datoms, …) — normalised per
 * argument kind by arguments.ts; the work itself is done by the layers below (this module
 * only composes it, and reads lazily loaded indices inside `whenLoaded`). Results are internal values, as the
 * HTTP server needs them to encode faithfully in EDN, transit or tagged JSON:
 * - `q`: a relation find (`[:find ?a ?b]`, only variables, no `:with` and no `:keys`)
 *   gives a `Set` of arrays, as Datahike does; a relation with aggregates, pulls, `:with`
 *   or `:keys` gives an array (of arrays, or of maps), as DataScript returns a vector or
 *   sequence for those; a collection or tuple find gives an array, a scalar find the value.
 * - `queryStats`: a Map `{:result …, :plan [{:clause :estimate :rows :ms} …]}`.
 * - `transact`, `withDb`, `loadEntities`: the internal `TxReport` (datoms in `txData`).
 * - `datoms`, `seekDatoms`, `rseekDatoms`, `indexRange`: `Datom[]`.
 * - `pull`, `pullMany`, `schema`, `reverseSchema`, `metrics`, `gcStorage`,
 *   `createDatabase`: Maps with keyword keys (sets where Datahike has sets).
 * - `entity`: the internal `Entity` (keyword attributes, `Set`s for many-valued ones,
 *   `Entity` for references; `eid` and `entries()` give what an encoder needs), or null.
 * - `connect`: the `Connection`; `db`, `asOf`, `since`, `history`, `filter`, `dbWith`,
 *   `initDb`, `commitAsDb`, `branchAsDb`, `entityDb`: database values.
 * - `commitId`, `parentCommitIds`, `randomUuid`, `uuid`: `Uuid`s.
 * Callbacks given to the internal functions see internal values: `listen`'s callback gets
 * the `TxReport`, `filter`'s predicate the `Datom`.
 *
 * The public functions (functions.ts) are these functions with their results converted
 * by `toExternal` (or, for reports, entities and callbacks, its equivalent there).
 */

import { readFileSync } from 'node:fs';
import {
  type Connection,
  configToData,
  connect as connectDb,
  createDatabase as createDb,
  databaseExists as dbExists,
  deleteDatabase as deleteDb,
  release as releaseConn,
  type WriterFactory,
} from '../connection/index.js';
import {
  AsOfDb,
  componentsBound,
  type Db,
  type DbView,
  datomCounts,
  dbFromDatoms,
  FilteredDb,
  HistoricalDb,
  SinceDb,
  whenLoaded,
} from '../db/index.js';
import { boundDatom, type Datom } from '../index/datom.js';
import { Entity, entity as entityOf, pullMany as pullAll, pull as pullOne } from '../pull/index.js';
import { explainQuery, runQuery } from '../query/index.js';
import {
  exportedTransactions,
  reloadForms,
  settleTxFunctions,
  type TxReport,
  transactData,
} from '../tx/index.js';
import {
  DatahikeError,
  type Keyword,
  keyword,
  randomUuid as newUuid,
  printValue,
  Uuid,
} from '../values/index.js';
import {
  argError,
  asConn,
  asDb,
  baseDb,
  branchName,
  callback,
  commitIdText,
  config,
  datomIn,
  dbConfig,
  eids,
  exportedDatoms,
  type GcOptions,
  gcOptions,
  indexArgs,
  indexRangeArgs,
  type PullPattern,
  pullArgs,
  type QueryArgs,
  type QueryInput,
  type QueryMap,
  queryCall,
  rangeEnd,
  removeBefore as removeBeforeDate,
  type TimePoint,
  type TransactArg,
  timePoint,
  timeViewable,
  transactArgs,
  uuidText,
} from './arguments.js';
import { toInternal } from './convert.js';
import { EntityView } from './entity.js';
import { indexPull } from './index-pull.js';
import { reportStream, txRange } from './log.js';
import type { ApiEntry } from './specification.js';
import type { ConfigInput as Config } from './typed-config.js';
import { versionsApi } from './versions.js';

/** Keywords of the API's result maps. */
const R = {
  count: keyword('count'),
  avetCount: keyword('avet-count'),
  perAttr: keyword('per-attr-counts'),
  perEntity: keyword('per-entity-counts'),
  temporalCount: keyword('temporal-count'),
  temporalAvetCount: keyword('temporal-avet-count'),
  result: keyword('result'),
  plan: keyword('plan'),
  clause: keyword('clause'),
  estimate: keyword('estimate'),
  rows: keyword('rows'),
  ms: keyword('ms'),
};

// ---- databases and connections ------------------------------------------------------

// The functions on configs take the writer factories the API was composed with (localApi).

/** The configuration with defaults filled in, as a map with keyword keys. */
async function createDatabase(
  writers: readonly WriterFactory[],
  cfg: Config = {},
): Promise<Map<Keyword, unknown>> {
  return configToData(await createDb(config(cfg), writers));
}

async function deleteDatabase(writers: readonly WriterFactory[], cfg: Config = {}): Promise<null> {
  await deleteDb(config(cfg), writers);
  return null;
}

async function databaseExists(cfg: Config = {}): Promise<boolean> {
  return dbExists(config(cfg));
}

async function connect(writers: readonly WriterFactory[], cfg: Config = {}): Promise<Connection> {
  return connectDb(config(cfg), writers);
}

async function release(conn: Connection, releaseAll = false): Promise<null> {
  await releaseConn(asConn('release', conn), releaseAll);
  return null;
}

async function db(conn: Connection): Promise<Db> {
  return asConn('db', conn).latest();
}

async function transact(
  conn: Connection,
  arg: TransactArg | Map<Keyword, unknown>,
): Promise<TxReport> {
  const c = asConn('transact', conn);
  const { data, opts } = transactArgs('transact', arg);
  return c.transact(data, opts);
}

/** The report of the last transaction made, or null when there was nothing to load. */
async function loadEntities(
  conn: Connection,
  entities: readonly unknown[] | string,
): Promise<TxReport | null> {
  const c = asConn('loadEntities', conn);
  let last: TxReport | undefined;
  const txIds = new Map<number, number>();
  for (const [tx, datoms] of exportedTransactions(exportedDatoms('loadEntities', entities))) {
    last = await c.transact(reloadForms(c.db().schema, tx, datoms, txIds));
    txIds.set(tx, last.dbAfter.maxTx);
  }
  return last ?? null;
}

/** `listen(conn, callback)` or `listen(conn, key, callback)`; the callback gets the TxReport. */
async function listen(
  conn: Connection,
  keyOrCallback: unknown,
  cb?: (report: TxReport) => void,
): Promise<unknown> {
  const c = asConn('listen', conn);
  const [key, f] = cb === undefined ? [undefined, keyOrCallback] : [keyOrCallback, cb];
  return c.listen(callback<(report: TxReport) => void>('listen', f, 'a callback function'), key);
}

/** Removes a listener; the listeners left, by key (Datahike's `unlisten!` answers so). */
async function unlisten(conn: Connection, key: unknown): Promise<ReadonlyMap<unknown, unknown>> {
  return asConn('unlisten', conn).unlisten(key);
}

// ---- database values --------------------------------------------------------------

async function asOf(database: DbView, t: TimePoint): Promise<DbView> {
  const d = timeViewable('asOf', database);
  const tp = await whenLoaded([d], () => timePoint('asOf', d, t));
  return new AsOfDb(d, tp.tx, tp.date);
}

async function since(database: DbView, t: TimePoint): Promise<DbView> {
  const d = timeViewable('since', database);
  const tp = await whenLoaded([d], () => timePoint('since', d, t));
  return new SinceDb(d, tp.tx, tp.date);
}

async function history(database: DbView): Promise<DbView> {
  return new HistoricalDb(timeViewable('history', database));
}

/** The predicate gets the view and the internal Datom. */
async function filter(
  database: DbView,
  pred: (db: DbView, datom: Datom) => boolean,
): Promise<DbView> {
  const d = asDb('filter', database);
  const p = callback<typeof pred>('filter', pred, 'a predicate function (db, datom) => boolean');
  return new FilteredDb(d, (view: DbView, datom: Datom) => p(view, datom) === true);
}

async function isFiltered(database: DbView): Promise<boolean> {
  return asDb('isFiltered', database).isFiltered;
}

async function withDb(
  database: DbView,
  arg: TransactArg | Map<Keyword, unknown>,
  txMeta?: unknown,
): Promise<TxReport> {
  const d = baseDb('withDb', database);
  const { data, opts } = transactArgs('withDb', arg);
  const o = txMeta === undefined ? opts : { txMeta: toInternal(txMeta) };
  const settled = (await settleTxFunctions(d, data)) as typeof data;
  return whenLoaded([d], () => transactData(d, settled, o));
}

/** `cfg` as an object (`{ 'keep-history?': false }`), a map with keyword keys or EDN text. */
async function initDb(
  rows: readonly unknown[],
  cfg: { 'keep-history?'?: boolean; 'schema-flexibility'?: string } | Map<Keyword, unknown> = {},
): Promise<Db> {
  if (!Array.isArray(rows)) argError('initDb', 'expected an array of datoms.');
  const list: Datom[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) list[i] = datomIn(rows[i]);
  return dbFromDatoms(list, dbConfig(cfg));
}

async function dbWith(database: DbView, arg: TransactArg | Map<Keyword, unknown>): Promise<Db> {
  const d = baseDb('dbWith', database);
  const { data, opts } = transactArgs('dbWith', arg);
  const settled = (await settleTxFunctions(d, data)) as typeof data;
  return (await whenLoaded([d], () => transactData(d, settled, opts))).dbAfter;
}

// ---- index access -----------------------------------------------------------------

async function datoms(database: DbView, ...args: unknown[]): Promise<Datom[]> {
  const d = asDb('datoms', database);
  return whenLoaded([d], () => {
    const { index, components } = indexArgs('datoms', d, args);
    return d.search(index, componentsBound(index, components));
  });
}

async function seekDatoms(database: DbView, ...args: unknown[]): Promise<Datom[]> {
  const d = asDb('seekDatoms', database);
  return whenLoaded([d], () => {
    const { index, components } = indexArgs('seekDatoms', d, args);
    return d.select(index, componentsBound(index, components), undefined, false);
  });
}

async function rseekDatoms(database: DbView, ...args: unknown[]): Promise<Datom[]> {
  const d = asDb('rseekDatoms', database);
  return whenLoaded([d], () => {
    const { index, components } = indexArgs('rseekDatoms', d, args);
    return d.select(index, componentsBound(index, components), undefined, true);
  });
}

/**
 * AVET datoms of one attribute from `start` to `end` (inclusive; nil for open), as
 * `(db, {attrid, start, end})` (Datahike) or `(db, attr, start, end)` (DataScript).
 */
async function indexRange(database: DbView, ...args: unknown[]): Promise<Datom[]> {
  const d = asDb('indexRange', database);
  const { attrid, start, end } = indexRangeArgs('indexRange', d, args);
  return whenLoaded([d], () =>
    d.select(
      'avet',
      boundDatom(undefined, attrid, rangeEnd(d, attrid, start)),
      boundDatom(undefined, attrid, rangeEnd(d, attrid, end)),
      false,
    ),
  );
}

/** The internal Entity (its datoms already read), or null when the id names nothing. */
async function entity(database: DbView, eid: unknown): Promise<Entity | null> {
  const d = asDb('entity', database);
  // Its datoms are read now, so that reading its attributes later finds them in memory.
  const e = await whenLoaded([d], () => {
    const found = entityOf(d, toInternal(eid));
    if (found !== undefined) d.search('eavt', boundDatom(found.eid));
    return found;
  });
  return e ?? null;
}

/** Takes the public EntityView or the internal Entity. */
async function entityDb(e: EntityView | Entity): Promise<DbView> {
  if (e instanceof EntityView || e instanceof Entity) return e.db;
  return argError('entityDb', `expected an entity, got ${printValue(e)}.`);
}

async function schema(database: DbView): Promise<Map<Keyword, Map<Keyword, unknown>>> {
  return asDb('schema', database).schema.toMap();
}

async function reverseSchema(database: DbView): Promise<Map<Keyword, Set<Keyword>>> {
  return asDb('reverseSchema', database).schema.reverseMap();
}

async function commitAsDb(conn: Connection, id: unknown): Promise<Db> {
  const c = asConn('commitAsDb', conn);
  const str = commitIdText('commitAsDb', id);
  const found = await c.branch.commitDb(str);
  if (found === null)
    throw new DatahikeError('commit/not-found', `No commit ${str} on this branch.`, {
      commitId: str,
    });
  return found;
}

async function branchAsDb(conn: Connection, branch: unknown): Promise<Db> {
  const c = asConn('branchAsDb', conn);
  const name = branchName('branchAsDb', branch);
  const found = await c.branch.branchDb(name);
  if (found === null)
    throw new DatahikeError('branch/not-found', `No branch :${name} in this store.`, {
      branch: name,
    });
  return found;
}

/**
 * `{:removed n :marked n :kept n :truncated {branch first-kept}}` (`:truncated` on durable
 * stores). `options` is `{ graceMs, progress }`, or a map with `:graceMs`.
 */
async function gcStorage(
  conn: Connection,
  removeBefore?: Date | null,
  options?: GcOptions | Map<Keyword, unknown>,
): Promise<Map<Keyword, unknown>> {
  const c = asConn('gcStorage', conn);
  const before = removeBeforeDate('gcStorage', removeBefore);
  // The connection's writer collects (it may be elsewhere).
  const result = await c.gcStorage(before, gcOptions('gcStorage', options));
  const out = new Map<Keyword, unknown>();
  for (const [k, v] of Object.entries(result))
    out.set(
      keyword(k),
      k === 'truncated'
        ? new Map(Object.entries(v as Record<string, number>).map(([b, n]) => [keyword(b), n]))
        : v,
    );
  return out;
}

async function commitId(database: DbView): Promise<Uuid | null> {
  return asDb('commitId', database).origin.meta.commitId ?? null;
}

async function parentCommitIds(database: DbView): Promise<Uuid[]> {
  return [...asDb('parentCommitIds', database).origin.meta.parentCommitIds];
}

async function metrics(database: DbView): Promise<Map<Keyword, unknown>> {
  const d = asDb('metrics', database);
  // Sizes too are read inside whenLoaded: a tree opened from a store loads its root lazily.
  const counts = await whenLoaded([d], () => datomCounts(d));
  const out = new Map<Keyword, unknown>([
    [R.count, counts.count],
    [R.avetCount, counts.avetCount],
    [R.perAttr, counts.perAttr],
    [R.perEntity, counts.perEntity],
  ]);
  if (counts.temporal !== null) {
    out.set(R.temporalCount, counts.temporal.count);
    out.set(R.temporalAvetCount, counts.temporal.avetCount);
  }
  return out;
}

// ---- queries ----------------------------------------------------------------------

/** A query result as Datahike gives it: a set for a plain relation find (see the header). */
function resultOf({ result, plainRelation }: { result: unknown; plainRelation: boolean }): unknown {
  return plainRelation ? new Set(result as unknown[]) : result;
}

async function q(query: QueryInput | QueryArgs | QueryMap, ...inputs: unknown[]): Promise<unknown> {
  const { query: form, inputs: ins, opts } = queryCall('q', [query, ...inputs]);
  return resultOf(await runQuery(form, ins, opts));
}

/**
 * `q` for the public function run here: a relation stays an array (of distinct rows), since
 * the public form is one; the Set `q` builds for the wire would only be copied back.
 */
export async function queryRows(query: unknown, ...inputs: unknown[]): Promise<unknown> {
  const { query: form, inputs: ins, opts } = queryCall('q', [query, ...inputs]);
  return (await runQuery(form, ins, opts)).result;
}

/** `{:result …, :plan [{:clause "…" :estimate n :rows n :ms n} …]}`. */
async function queryStats(
  query: QueryInput | QueryArgs | QueryMap,
  ...inputs: unknown[]
): Promise<Map<Keyword, unknown>> {
  const { query: form, inputs: ins, opts } = queryCall('queryStats', [query, ...inputs]);
  const answer = await runQuery(form, ins, { ...opts, stats: true });
  const steps = (answer.plan ?? []).map(
    (s) =>
      new Map<Keyword, unknown>([
        [R.clause, s.clause],
        [R.estimate, s.estimate],
        [R.rows, s.rows],
        [R.ms, s.ms],
      ]),
  );
  return new Map<Keyword, unknown>([
    [R.result, resultOf(answer)],
    [R.plan, steps],
  ]);
}

async function explain(query: QueryInput | QueryMap, ...inputs: unknown[]): Promise<string> {
  const { query: form, inputs: ins } = queryCall('explain', [query, ...inputs]);
  return explainQuery(form, ins);
}

// ---- pull -------------------------------------------------------------------------

/** A map with keyword keys (nested maps for references), or null. */
async function pull(
  database: DbView,
  pattern: PullPattern | { selector: PullPattern; eid: unknown } | Map<Keyword, unknown>,
  eid?: unknown,
): Promise<Map<Keyword, unknown> | null> {
  const d = asDb('pull', database);
  const { pattern: p, target } = pullArgs('pull', [pattern, eid]);
  const pulled = await whenLoaded([d], () => pullOne(d, p, toInternal(target)));
  return pulled as Map<Keyword, unknown> | null;
}

async function pullMany(
  database: DbView,
  pattern:
    | PullPattern
    | { selector: PullPattern; eids: readonly unknown[] }
    | Map<Keyword, unknown>,
  ids?: readonly unknown[],
): Promise<(Map<Keyword, unknown> | null)[]> {
  const d = asDb('pullMany', database);
  const { pattern: p, target } = pullArgs('pullMany', [pattern, ids]);
  const targets = eids('pullMany', target);
  const pulled = await whenLoaded([d], () => pullAll(d, p, targets));
  return pulled as (Map<Keyword, unknown> | null)[];
}

// ---- small helpers ----------------------------------------------------------------

let nextTempid = -1000000;

async function tempid(_part?: unknown, x?: number): Promise<number> {
  if (x !== undefined) return -Math.abs(x);
  return nextTempid--;
}

async function randomUuid(): Promise<Uuid> {
  return newUuid();
}

async function uuid(str: string): Promise<Uuid> {
  return new Uuid(uuidText('uuid', str));
}

let version: string | undefined;

async function datahikeVersion(): Promise<string> {
  version ??= (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  return version;
}

/** `reports` on a local connection: the stream over the local functions. */
async function reports(conn: Connection, opts?: unknown) {
  const c = asConn('reports', conn);
  return reportStream({ listen, unlisten, db, txRange, commitAsDb }, c, opts);
}

/**
 * Every function of the specification table, by `jsName`, on internal values (see the
 * header). `internalApi.q('[:find ?e ?n :where [?e :name ?n]]', db)` is a `Set` of
 * `[e, n]` arrays; `toExternal` of a result is what the public function returns, except
 * for reports (`transact`, `withDb`, `loadEntities`), `entity` (an EntityView) and the
 * Uuids, which the public API keeps as Uuid objects. It runs in this process with no
 * writer elsewhere; `localApi` and compose.ts make the others.
 */
export const internalApi = {
  q,
  queryStats,
  pull,
  pullMany,
  explain,
  databaseExists,
  createDatabase: (cfg?: Config) => createDatabase([], cfg),
  deleteDatabase: (cfg?: Config) => deleteDatabase([], cfg),
  connect: (cfg?: Config) => connect([], cfg),
  db,
  release,
  transact,
  loadEntities,
  listen,
  unlisten,
  withDb,
  dbWith,
  initDb,
  asOf,
  since,
  history,
  filter,
  isFiltered,
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
  tempid,
  randomUuid,
  uuid,
  datahikeVersion,
  txRange,
  reports,
  indexPull,
  ...versionsApi,
} as const satisfies Record<ApiEntry['jsName'], (...args: never[]) => Promise<unknown>>;

export type InternalApi = typeof internalApi;

/** `internalApi` with a config's `:writer` elsewhere made by one of `writers`. */
export function localApi(writers: readonly WriterFactory[]): InternalApi {
  return {
    ...internalApi,
    createDatabase: (cfg?: Config) => createDatabase(writers, cfg),
    deleteDatabase: (cfg?: Config) => deleteDatabase(writers, cfg),
    connect: (cfg?: Config) => connect(writers, cfg),
  };
}
