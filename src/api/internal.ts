/**
 * The API's implementation on internal values: one function per entry of the
 * specification table (specification.ts), keyed by its `jsName` in `internalApi`.
 *
 * Arguments are what the public functions take — public JavaScript values, EDN text, or
 * internal values (keywords, maps with keyword keys, Uuids, datoms, …), converted with
 * `toInternal` where the public API converts them. Results are internal values, as the
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
  Connection,
  configToData,
  connect as connectDb,
  createDatabase as createDb,
  databaseExists as dbExists,
  deleteDatabase as deleteDb,
  normaliseConfig,
  release as releaseConn,
  type WriterFactory,
} from '../connection/index.js';
import {
  AsOfDb,
  componentsBound,
  Db,
  DbView,
  dbFromDatoms,
  entidStrict,
  FilteredDb,
  HistoricalDb,
  SinceDb,
  TimeView,
  type TimeViewable,
  whenLoaded,
} from '../db/index.js';
import { parseEdn } from '../edn/index.js';
import { boundDatom, Datom, type IndexName, TX0 } from '../index/datom.js';
import { Entity, entity as entityOf, pullMany as pullAll, pull as pullOne } from '../pull/index.js';
import { explainQuery, type QueryOptions, runQuery } from '../query/index.js';
import { K } from '../schema/index.js';
import {
  settleTxFunctions,
  type TransactOptions,
  type TxReport,
  transactData,
} from '../tx/index.js';
import {
  DatahikeError,
  isKeyword,
  type Keyword,
  keyword,
  randomUuid as newUuid,
  printValue,
  Uuid,
} from '../values/index.js';
import { type DatomObject, stringIn, toInternal } from './convert.js';
import { EntityView } from './entity.js';
import type { ApiEntry } from './specification.js';

/**
 * A database configuration as Datahike's JavaScript API takes it (keys with or without the
 * colon): `{ store: { backend: ':memory', id: 'x' }, 'keep-history?': true }`.
 */
export interface DatabaseConfig {
  store?: { backend?: string; id?: string | Uuid; path?: string; [key: string]: unknown };
  'keep-history?'?: boolean;
  /** The spelling of Datahike's TypeScript typings, accepted as an alias. */
  'keep-history'?: boolean;
  'schema-flexibility'?: string;
  'initial-tx'?: TxData;
  name?: string;
  branch?: string;
  [key: string]: unknown;
}

/** A configuration object, or EDN text of one. */
export type Config = DatabaseConfig | string;

/** One form of tx-data: an entity object or a list form (`[':db/add', -1, ':name', 'Ann']`). */
export type Transaction = readonly unknown[] | Record<string, unknown>;

/** Tx-data: an array of forms, or EDN text. */
export type TxData = readonly (Transaction | unknown)[] | string;

/** `transact`'s argument: tx-data, or `{ 'tx-data': …, 'tx-meta': … }`. */
export type TransactArg = TxData | { 'tx-data': TxData; 'tx-meta'?: unknown };

/** A point in time: a transaction id, a Date or a database value (its latest transaction). */
export type TimePoint = number | Date | DbView;

export type IndexKeyword = ':eavt' | ':aevt' | ':avet' | 'eavt' | 'aevt' | 'avet';

/** A query: EDN text, data (`[':find', '?e', ':where', ['?e', ':name', '?n']]`) or map form. */
export type QueryInput = string | readonly unknown[] | Record<string, unknown>;

/** `q({ query, args, limit, offset, timeout })` as Datahike takes it. */
export interface QueryArgs {
  query: QueryInput;
  args?: readonly unknown[];
  limit?: number;
  offset?: number;
  /** Milliseconds; the query stops with a `query/timeout` error after it. */
  timeout?: number;
}

/** Internal map forms of a query or of q's argument map (`{:query … :args […]}`). */
type QueryMap = Map<Keyword, unknown>;

/** A pull pattern: EDN text (`'[:name {:friend [:name]}]'`) or data (`[':name', '*']`). */
export type PullPattern = string | readonly unknown[];

/** Keywords of the API's own argument and result maps. */
const A = {
  txData: keyword('tx-data'),
  txMeta: keyword('tx-meta'),
  attrid: keyword('attrid'),
  start: keyword('start'),
  end: keyword('end'),
  index: keyword('index'),
  components: keyword('components'),
  query: keyword('query'),
  find: keyword('find'),
  args: keyword('args'),
  limit: keyword('limit'),
  offset: keyword('offset'),
  timeout: keyword('timeout'),
  selector: keyword('selector'),
  eid: keyword('eid'),
  eids: keyword('eids'),
  keepHistory: keyword('keep-history?'),
  schemaFlexibility: keyword('schema-flexibility'),
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
  graceMs: keyword('graceMs'),
};

// ---- argument checks --------------------------------------------------------------

function argError(fn: string, message: string, data: Record<string, unknown> = {}): never {
  throw new DatahikeError('api/invalid-argument', `${fn}: ${message}`, { function: fn, ...data });
}

function asDb(fn: string, x: unknown): DbView {
  if (x instanceof DbView) return x;
  return argError(fn, `expected a database value (from db(conn)), got ${printValue(x)}.`);
}

function asConn(fn: string, x: unknown): Connection {
  if (x instanceof Connection) return x;
  return argError(fn, `expected a connection (from connect(config)), got ${printValue(x)}.`);
}

/** A plain object: an argument map in public form (internal ones are `Map`s). */
function isObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** A structure given as EDN text or as JavaScript data, in internal form. */
function structure(x: unknown): unknown {
  return typeof x === 'string' ? parseEdn(x) : toInternal(x);
}

function config(x: unknown) {
  return normaliseConfig(structure(x));
}

function txData(fn: string, x: unknown): unknown[] {
  const data = structure(x);
  if (!Array.isArray(data))
    argError(
      fn,
      `tx-data must be an array of forms (or EDN text of a vector), got ${printValue(x)}.`,
    );
  return data;
}

function transactArgs(fn: string, arg: unknown): { data: unknown[]; opts: TransactOptions } {
  if (isObject(arg)) {
    const data = arg['tx-data'] ?? arg[':tx-data'];
    if (data === undefined)
      argError(fn, 'a map argument needs tx-data: { "tx-data": [...], "tx-meta": {...} }.');
    const meta = arg['tx-meta'] ?? arg[':tx-meta'];
    return { data: txData(fn, data), opts: meta === undefined ? {} : { txMeta: toInternal(meta) } };
  }
  // An EDN map, or a map with keyword keys: its contents are internal values already.
  const parsed = typeof arg === 'string' ? parseEdn(arg) : arg;
  if (parsed instanceof Map) {
    const data = parsed.get(A.txData);
    if (!Array.isArray(data))
      argError(fn, `${typeof arg === 'string' ? 'an EDN' : 'a'} map argument needs :tx-data.`);
    const meta = parsed.get(A.txMeta);
    return { data, opts: meta === undefined ? {} : { txMeta: meta } };
  }
  return { data: txData(fn, arg), opts: {} };
}

/** A public datom (`{e, a, v, tx}` object, `[e a v tx]` array or Datom) → a Datom, for initDb. */
function datomIn(row: unknown): Datom {
  if (row instanceof Datom) return row;
  if (row !== null && typeof row === 'object' && !Array.isArray(row) && 'e' in row && 'a' in row) {
    // Datom objects as `datoms` returns them: convert the fields, not a whole map.
    const o = row as DatomObject;
    const a = typeof o.a === 'string' ? stringIn(o.a) : o.a;
    if (typeof o.e === 'number' && isKeyword(a) && typeof o.tx === 'number')
      return new Datom(o.e, a, toInternal(o.v), o.added === false ? -o.tx : o.tx);
  }
  const [e, a, v, tx, added] = datomRow(
    'initDb',
    toInternal(Array.isArray(row) && row.length === 4 ? [...row, true] : row),
  );
  return new Datom(e, a, v, added ? tx : -tx);
}

/** `[e a v tx added]`, a datom, or a datom object → its five fields. */
function datomRow(fn: string, row: unknown): [number, Keyword, unknown, number, boolean] {
  let fields: unknown[] | undefined;
  if (Array.isArray(row)) fields = row;
  else if (row instanceof Datom) fields = [row.e, row.a, row.v, row.tx, row.added];
  else if (row instanceof Map)
    fields = ['e', 'a', 'v', 'tx', 'added'].map((k) => row.get(keyword(k)));
  const [e, a, v, tx, added] = fields ?? [];
  if (typeof e !== 'number' || !isKeyword(a) || typeof tx !== 'number' || v === undefined)
    argError(fn, `not a datom: ${printValue(row)}; expected [e a v tx added].`);
  return [e, a, v, tx, added !== false];
}

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
  const rows = structure(entities);
  if (!Array.isArray(rows)) argError('loadEntities', 'expected an array of datoms.');
  const byTx = new Map<number, unknown[][]>();
  for (const row of rows) {
    const [e, a, v, tx, added] = datomRow('loadEntities', row);
    let group = byTx.get(tx);
    if (group === undefined) byTx.set(tx, (group = []));
    group.push([e, a, v, tx, added !== false]);
  }
  let last: TxReport | undefined;
  const txMap = new Map<number, number>();
  for (const [oldTx, group] of [...byTx].sort((x, y) => x[0] - y[0])) {
    const forms = group.map(([e, a, v, , added]) => {
      const ent = e === oldTx ? K.currentTx : (txMap.get(e as number) ?? e);
      const isRef = c.db().schema.attr(a as Keyword)?.isRef === true;
      const val = isRef && typeof v === 'number' && v >= TX0 ? (txMap.get(v) ?? v) : v;
      return [added ? K.add : K.retract, ent, a, val];
    });
    last = await c.transact(forms);
    txMap.set(oldTx, last.dbAfter.maxTx);
  }
  return last ?? null;
}

/** `listen(conn, callback)` or `listen(conn, key, callback)`; the callback gets the TxReport. */
async function listen(
  conn: Connection,
  keyOrCallback: unknown,
  callback?: (report: TxReport) => void,
): Promise<unknown> {
  const c = asConn('listen', conn);
  const [key, cb] = callback === undefined ? [undefined, keyOrCallback] : [keyOrCallback, callback];
  if (typeof cb !== 'function') argError('listen', 'expected a callback function.');
  return c.listen(cb as (report: TxReport) => void, key);
}

/** Removes a listener; the listeners left, by key (Datahike's `unlisten!` answers so). */
async function unlisten(conn: Connection, key: unknown): Promise<ReadonlyMap<unknown, unknown>> {
  return asConn('unlisten', conn).unlisten(key);
}

// ---- database values --------------------------------------------------------------

function timePoint(fn: string, db: DbView, t: unknown): { tx: number; date: Date | undefined } {
  if (t instanceof DbView) return { tx: t.maxTx, date: undefined };
  if (t instanceof Date) {
    // Transaction ids and instants grow together: the last transaction at or before t.
    const txs = db.origin.search('aevt', boundDatom(undefined, K.txInstant));
    let lo = 0;
    let hi = txs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((txs[mid]!.v as Date).getTime() <= t.getTime()) lo = mid + 1;
      else hi = mid;
    }
    return { tx: lo > 0 ? txs[lo - 1]!.e : TX0, date: t };
  }
  if (typeof t === 'number' && Number.isInteger(t)) {
    if (t < TX0)
      argError(
        fn,
        `a transaction id is at least ${TX0}; got ${t}. Pass a tx id from a report, a Date or a database value.`,
      );
    return { tx: t, date: undefined };
  }
  return argError(
    fn,
    `expected a transaction id, a Date or a database value, got ${printValue(t)}.`,
  );
}

function baseDb(fn: string, x: unknown): Db {
  const d = asDb(fn, x);
  if (!(d instanceof Db))
    argError(
      fn,
      'expected a current database value, not an as-of, since, history or filtered view.',
    );
  return d;
}

/** A database or a time view of one (views nest as in Datahike 0.6+); not a filtered one. */
function timeViewable(fn: string, x: unknown): TimeViewable {
  const d = asDb(fn, x);
  if (!(d instanceof Db) && !(d instanceof TimeView))
    argError(
      fn,
      'expected a database value or an as-of, since or history view, not a filtered one.',
    );
  return d;
}

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
  if (typeof pred !== 'function')
    argError('filter', 'expected a predicate function (db, datom) => boolean.');
  return new FilteredDb(d, (view: DbView, datom: Datom) => pred(view, datom) === true);
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
  const o = structure(cfg);
  const get = (k: Keyword) => (o instanceof Map ? o.get(k) : undefined);
  const list: Datom[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) list[i] = datomIn(rows[i]);
  const flexibility = get(A.schemaFlexibility);
  const flex = isKeyword(flexibility) && flexibility.fqn === 'read' ? 'read' : 'write';
  const keepHistory = (get(A.keepHistory) as boolean | undefined) ?? true;
  return dbFromDatoms(list, { keepHistory, schemaFlexibility: flex });
}

async function dbWith(database: DbView, arg: TransactArg | Map<Keyword, unknown>): Promise<Db> {
  const d = baseDb('dbWith', database);
  const { data, opts } = transactArgs('dbWith', arg);
  const settled = (await settleTxFunctions(d, data)) as typeof data;
  return (await whenLoaded([d], () => transactData(d, settled, opts))).dbAfter;
}

// ---- index access -----------------------------------------------------------------

function indexName(fn: string, x: unknown): IndexName {
  const k = typeof x === 'string' ? x.replace(/^:/, '') : isKeyword(x) ? x.fqn : undefined;
  if (k === 'eavt' || k === 'aevt' || k === 'avet') return k;
  return argError(fn, `index must be :eavt, :aevt or :avet, got ${printValue(x)}.`);
}

/** Where the entity, attribute, value and tx sit among an index's components. */
const POSITIONS: Record<IndexName, readonly [number, number, number]> = {
  eavt: [0, 1, 2],
  aevt: [1, 0, 2],
  avet: [2, 0, 1],
};

function requireIndexed(fn: string, db: DbView, a: Keyword): void {
  if (db.schema.attr(a)?.inAvet !== true)
    throw new DatahikeError(
      'index-range/not-indexed',
      `${fn}: attribute ${a} should be marked as :db/index true (or be :db/unique or a reference) to be read from AVET.`,
      { attribute: a },
    );
}

/** A transaction component: a tx id. */
function txComponent(fn: string, t: unknown): number {
  if (typeof t === 'number' && Number.isInteger(t) && t >= TX0) return t;
  return argError(fn, `the transaction component must be a transaction id, got ${printValue(t)}.`);
}

/**
 * Index name and components from `(db, index, ...components)` or
 * `(db, {index, components})` (an object or a map with keyword keys), checked and
 * resolved as DataScript does: the entity (and a reference value) may be an ident or a
 * lookup ref, which must name something; the attribute must be a keyword, and one read
 * from AVET must be in it.
 */
function indexArgs(
  fn: string,
  db: DbView,
  args: unknown[],
): { index: IndexName; components: unknown[] } {
  let index: unknown = args[0];
  let comps: unknown[] = args.slice(1);
  if (isObject(index)) {
    const o = index;
    index = o.index ?? o[':index'];
    comps = (o.components ?? o[':components'] ?? []) as unknown[];
  } else if (index instanceof Map) {
    const o = index;
    index = o.get(A.index);
    comps = (o.get(A.components) ?? []) as unknown[];
  }
  const name = indexName(fn, index);
  if (!Array.isArray(comps) || comps.length > 4)
    argError(fn, `expected up to 4 components of ${name}, got ${printValue(comps)}.`);
  const components = comps.map(toInternal);
  const [ePos, aPos, vPos] = POSITIONS[name];
  const given = (x: unknown) => x !== undefined && x !== null;
  const a = components[aPos];
  if (given(a) && !isKeyword(a))
    argError(fn, `the attribute component must be a keyword, got ${printValue(a)}.`);
  if (name === 'avet' && isKeyword(a)) requireIndexed(fn, db, a);
  if (given(components[ePos])) components[ePos] = entidStrict(db, components[ePos]);
  if (given(components[vPos]) && isKeyword(a) && db.schema.attr(a)?.isRef)
    components[vPos] = entidStrict(db, components[vPos]);
  if (given(components[3])) components[3] = txComponent(fn, components[3]);
  return { index: name, components };
}

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
  let attrid: unknown;
  let start: unknown;
  let end: unknown;
  if (args.length === 1) {
    const o = toInternal(args[0]);
    if (!(o instanceof Map))
      argError('indexRange', 'expected { attrid, start, end } or attribute, start and end.');
    attrid = o.get(A.attrid);
    start = o.get(A.start);
    end = o.get(A.end);
  } else if (args.length === 3) [attrid, start, end] = args.map(toInternal);
  else argError('indexRange', 'expected { attrid, start, end } or attribute, start and end.');
  if (!isKeyword(attrid))
    argError('indexRange', `attrid must be an attribute keyword, got ${printValue(attrid)}.`);
  requireIndexed('indexRange', d, attrid);
  return whenLoaded([d], () => {
    const bound = (v: unknown) =>
      v === undefined || v === null
        ? undefined
        : d.schema.attr(attrid)?.isRef
          ? entidStrict(d, v)
          : v;
    return d.select(
      'avet',
      boundDatom(undefined, attrid, bound(start)),
      boundDatom(undefined, attrid, bound(end)),
      false,
    );
  });
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
  const str = id instanceof Uuid ? id.str : typeof id === 'string' ? id : undefined;
  if (str === undefined)
    argError('commitAsDb', `expected a commit id (a UUID), got ${printValue(id)}.`);
  const found = await c.branch.commitDb(str);
  if (found === null)
    throw new DatahikeError('commit/not-found', `No commit ${str} on this branch.`, {
      commitId: str,
    });
  return found;
}

async function branchAsDb(conn: Connection, branch: unknown): Promise<Db> {
  const c = asConn('branchAsDb', conn);
  const b = toInternal(branch);
  const name = isKeyword(b) ? b.fqn : typeof b === 'string' ? b.replace(/^:/, '') : undefined;
  if (name === undefined)
    argError('branchAsDb', `expected a branch keyword, got ${printValue(branch)}.`);
  const found = await c.branch.branchDb(name);
  if (found === null)
    throw new DatahikeError('branch/not-found', `No branch :${name} in this store.`, {
      branch: name,
    });
  return found;
}

/** gcStorage's options: `{ graceMs }`, or a map with `:graceMs` (as it arrives over the wire). */
function gcOptions(x: unknown): { graceMs?: number } {
  if (x === undefined || x === null) return {};
  const grace = x instanceof Map ? x.get(A.graceMs) : isObject(x) ? x.graceMs : x;
  if (grace !== undefined && (typeof grace !== 'number' || !(grace >= 0)))
    argError('gcStorage', `options must be { graceMs: milliseconds }, got ${printValue(x)}.`);
  return grace === undefined ? {} : { graceMs: grace };
}

/** `{:removed n :marked n :kept n :truncated {branch first-kept}}` (`:truncated` on durable stores). */
async function gcStorage(
  conn: Connection,
  removeBefore?: Date | null,
  options?: { graceMs?: number } | Map<Keyword, unknown>,
): Promise<Map<Keyword, unknown>> {
  const c = asConn('gcStorage', conn);
  if (removeBefore === null) removeBefore = undefined;
  if (removeBefore !== undefined && !(removeBefore instanceof Date))
    argError('gcStorage', `removeBefore must be a Date, got ${printValue(removeBefore)}.`);
  const opts = gcOptions(options);
  const tty = process.stderr.isTTY === true;
  // The connection's writer collects (it may be elsewhere).
  const result = await c.gcStorage(removeBefore, {
    ...opts,
    progress: tty ? (m) => process.stderr.write(`\r\x1b[Kgc: ${m}`) : undefined,
  });
  if (tty) process.stderr.write('\r\x1b[K');
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
  const [all, avetCount, temporalSizes] = await whenLoaded([d], () => {
    const temporal = d.origin.temporal;
    return [
      d.select('eavt', undefined, undefined, false),
      d.select('avet', undefined, undefined, false).length,
      temporal === null ? null : ([temporal.eavt.size, temporal.avet.size] as const),
    ] as const;
  });
  const perAttr = new Map<Keyword, number>();
  const perEntity = new Map<number, number>();
  for (const x of all) {
    perAttr.set(x.a, (perAttr.get(x.a) ?? 0) + 1);
    perEntity.set(x.e, (perEntity.get(x.e) ?? 0) + 1);
  }
  const out = new Map<Keyword, unknown>([
    [A.count, all.length],
    [A.avetCount, avetCount],
    [A.perAttr, perAttr],
    [A.perEntity, perEntity],
  ]);
  if (temporalSizes !== null) {
    // Each history record is an assertion and its retraction: two datoms of history(db).
    out.set(A.temporalCount, temporalSizes[0] * 2);
    out.set(A.temporalAvetCount, temporalSizes[1] * 2);
  }
  return out;
}

// ---- queries ----------------------------------------------------------------------

/** The `{ query, args, … }` argument map (an object, or a map with keyword keys). */
function queryArgMap(x: unknown): QueryArgs | undefined {
  if (isObject(x) && 'query' in x) return x as unknown as QueryArgs;
  if (x instanceof Map && x.has(A.query)) {
    const o: Record<string, unknown> = { query: x.get(A.query) };
    for (const k of ['args', 'limit', 'offset', 'timeout'] as const) {
      const v = x.get(A[k]);
      if (v !== undefined && v !== null) o[k] = v;
    }
    return o as unknown as QueryArgs;
  }
  return undefined;
}

/**
 * A query given as a map (data, not text) with :limit, :offset or :timeout among its keys,
 * as `{ query, … }` (the query already internal).
 */
function queryMapOptions(q: unknown): QueryArgs | undefined {
  if (typeof q === 'string' || !(isObject(q) || q instanceof Map)) return undefined;
  const m = toInternal(q);
  if (!(m instanceof Map) || !m.has(A.find)) return undefined;
  const query = new Map(m);
  const o: Record<string, unknown> = {};
  for (const k of ['limit', 'offset', 'timeout'] as const) {
    if (!query.has(A[k])) continue;
    o[k] = query.get(A[k]);
    query.delete(A[k]);
  }
  if (query.size === m.size) return undefined;
  o.query = query;
  return o as unknown as QueryArgs;
}

function queryCall(
  fn: string,
  args: unknown[],
): { query: unknown; inputs: unknown[]; opts: QueryOptions } {
  const first = args[0];
  // A query map may carry :limit, :offset and :timeout itself (Datahike's normalize-q-input).
  const inline = queryArgMap(first) === undefined ? queryMapOptions(first) : undefined;
  const o = queryArgMap(first) ?? inline;
  if (o !== undefined) {
    // As in Datahike, a negative or nil limit or offset means none.
    const num = (k: 'limit' | 'offset' | 'timeout') => {
      const v = o[k];
      if (v === undefined || v === null || (k !== 'timeout' && typeof v === 'number' && v < 0))
        return undefined;
      if (typeof v !== 'number' || v < 0) argError(fn, `${k} must be a non-negative number.`);
      return v;
    };
    return {
      query: inline !== undefined ? inline.query : queryForm(o.query),
      // Without :args the inputs follow the map, as in Datahike.
      inputs: (o.args ?? args.slice(1)).map(toInternal),
      opts: { limit: num('limit'), offset: num('offset'), timeout: num('timeout') },
    };
  }
  if (first === undefined) argError(fn, 'expected a query.');
  return { query: queryForm(first), inputs: args.slice(1).map(toInternal), opts: {} };
}

/** Query text stays text (parsed and cached by the query layer); data is converted. */
function queryForm(q: unknown): unknown {
  return typeof q === 'string' ? q : toInternal(q);
}

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
        [A.clause, s.clause],
        [A.estimate, s.estimate],
        [A.rows, s.rows],
        [A.ms, s.ms],
      ]),
  );
  return new Map<Keyword, unknown>([
    [A.result, resultOf(answer)],
    [A.plan, steps],
  ]);
}

async function explain(query: QueryInput | QueryMap, ...inputs: unknown[]): Promise<string> {
  const { query: form, inputs: ins } = queryCall('explain', [query, ...inputs]);
  return explainQuery(form, ins);
}

// ---- pull -------------------------------------------------------------------------

/** `(pattern, target)` or `({ selector, eid | eids })` (an object or a map with keyword keys). */
function pullArgs(fn: string, args: unknown[]): { pattern: unknown; target: unknown } {
  const [first, second] = args;
  if (isObject(first)) {
    if (!('selector' in first))
      argError(fn, 'expected a pattern and an entity, or { selector, eid }.');
    return { pattern: queryForm(first.selector), target: first.eid ?? first.eids };
  }
  if (first instanceof Map) {
    if (!first.has(A.selector))
      argError(fn, 'expected a pattern and an entity, or { selector, eid }.');
    return {
      pattern: queryForm(first.get(A.selector)),
      target: first.get(A.eid) ?? first.get(A.eids),
    };
  }
  return { pattern: queryForm(first), target: second };
}

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
  eids?: readonly unknown[],
): Promise<(Map<Keyword, unknown> | null)[]> {
  const d = asDb('pullMany', database);
  const { pattern: p, target } = pullArgs('pullMany', [pattern, eids]);
  if (!Array.isArray(target)) argError('pullMany', 'expected an array of entity ids.');
  const pulled = await whenLoaded([d], () => pullAll(d, p, target.map(toInternal)));
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
  if (typeof str !== 'string' || !Uuid.isValid(str))
    argError('uuid', `not a UUID: ${printValue(str)}.`);
  return new Uuid(str);
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
