/**
 * The public API: Datahike's JavaScript functions, promise-based, taking and returning
 * public values (see convert.ts). Each function is also an entry of the specification
 * table (specification.ts) from which the server, client and CLI are generated.
 */

import { readFileSync } from 'node:fs';
import {
  Connection,
  collectGarbage,
  configToData,
  connect as connectDb,
  createDatabase as createDb,
  DurableBranch,
  databaseExists as dbExists,
  deleteDatabase as deleteDb,
  normaliseConfig,
  release as releaseConn,
} from '../connection/index.js';
import {
  AsOfDb,
  componentsBound,
  Db,
  DbView,
  dbFromDatoms,
  entid,
  FilteredDb,
  HistoricalDb,
  SinceDb,
  whenLoaded,
} from '../db/index.js';
import { parseEdn } from '../edn/index.js';
import { boundDatom, Datom, type IndexName, TX0 } from '../index/datom.js';
import { entity as entityOf, pullMany as pullAll, pull as pullOne } from '../pull/index.js';
import { explainQuery, type QueryOptions, runQuery } from '../query/index.js';
import { K } from '../schema/index.js';
import { type TransactOptions, type TxReport, transactData } from '../tx/index.js';
import {
  DatahikeError,
  isKeyword,
  type Keyword,
  keyword,
  randomUuid as newUuid,
  printValue,
  Uuid,
} from '../values/index.js';
import { type DatomObject, datomToObject, stringIn, toExternal, toInternal } from './convert.js';
import { EntityView } from './entity.js';

/** A database configuration: `{ store: { backend: ':memory', id: 'x' }, 'keep-history?': true }` or EDN. */
export type Config = Record<string, unknown> | string;

/** Tx-data: an array of entity objects and list forms, or EDN text. */
export type TxData = readonly unknown[] | string;

/** `transact`'s argument: tx-data, or `{ 'tx-data': …, 'tx-meta': … }`. */
export type TransactArg = TxData | { 'tx-data': TxData; 'tx-meta'?: unknown };

/** A point in time: a transaction id, a Date, or a database value (its latest transaction). */
export type TimePoint = number | Date | DbView;

export type IndexKeyword = ':eavt' | ':aevt' | ':avet' | 'eavt' | 'aevt' | 'avet';

export interface TransactionReport {
  'db-before': DbView;
  'db-after': DbView;
  'tx-data': DatomObject[];
  /** Tempids (as given: `"-1"`, `"alice"`) and `"db/current-tx"` → entity ids. */
  tempids: Record<string, number>;
  'tx-meta': Record<string, unknown> | unknown;
}

export type { Connection, DatomObject, Db, DbView, EntityView };

/** Keywords of the API's own argument and result maps. */
const A = {
  txData: keyword('tx-data'),
  txMeta: keyword('tx-meta'),
  attrid: keyword('attrid'),
  start: keyword('start'),
  end: keyword('end'),
  count: keyword('count'),
  avetCount: keyword('avet-count'),
  perAttr: keyword('per-attr-counts'),
  perEntity: keyword('per-entity-counts'),
  temporalCount: keyword('temporal-count'),
  temporalAvetCount: keyword('temporal-avet-count'),
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

function reportOut(r: TxReport): TransactionReport {
  const tempids: Record<string, number> = {};
  for (const [k, v] of r.tempids) tempids[isKeyword(k) ? k.fqn : String(k)] = v;
  return {
    'db-before': r.dbBefore,
    'db-after': r.dbAfter,
    'tx-data': r.txData.map(datomToObject),
    tempids,
    'tx-meta': toExternal(r.txMeta),
  };
}

function transactArgs(fn: string, arg: unknown): { data: unknown[]; opts: TransactOptions } {
  if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) {
    const o = arg as Record<string, unknown>;
    const data = o['tx-data'] ?? o[':tx-data'];
    if (data === undefined)
      argError(fn, 'a map argument needs tx-data: { "tx-data": [...], "tx-meta": {...} }.');
    const meta = o['tx-meta'] ?? o[':tx-meta'];
    return { data: txData(fn, data), opts: meta === undefined ? {} : { txMeta: toInternal(meta) } };
  }
  if (typeof arg === 'string') {
    const parsed = parseEdn(arg);
    if (parsed instanceof Map) {
      const data = parsed.get(A.txData);
      if (!Array.isArray(data)) argError(fn, 'an EDN map argument needs :tx-data.');
      const meta = parsed.get(A.txMeta);
      return { data, opts: meta === undefined ? {} : { txMeta: meta } };
    }
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

/**
 * Creates a database and returns its configuration with defaults filled in (and a
 * generated store id when a memory store had none). Applies `initial-tx` if given.
 * @example await createDatabase({ store: { backend: ':memory', id: 'people' } })
 */
export async function createDatabase(cfg: Config = {}): Promise<Record<string, unknown>> {
  const c = await createDb(config(cfg));
  return toExternal(configToData(c)) as Record<string, unknown>;
}

/** Deletes a database and its store; connections to it are released. */
export async function deleteDatabase(cfg: Config = {}): Promise<null> {
  await deleteDb(config(cfg));
  return null;
}

/** True when the configured store holds a database. */
export async function databaseExists(cfg: Config = {}): Promise<boolean> {
  return dbExists(config(cfg));
}

/** Connects to an existing database; connections are shared (and counted) per database. */
export async function connect(cfg: Config = {}): Promise<Connection> {
  return connectDb(config(cfg));
}

/** Releases a connection (all uses of it with `releaseAll`). */
export async function release(conn: Connection, releaseAll = false): Promise<null> {
  await releaseConn(asConn('release', conn), releaseAll);
  return null;
}

/**
 * The current database value of a connection; on a durable store, the newest commit,
 * including those another process made (see `refresh-interval-ms`).
 */
export async function db(conn: Connection): Promise<Db> {
  return asConn('db', conn).latest();
}

/**
 * Transacts tx-data and resolves once the transaction is committed.
 * @example await transact(conn, [{ name: 'Alice', age: 30 }])
 * @example await transact(conn, { 'tx-data': [[':db/add', -1, ':name', 'Bob']], 'tx-meta': { source: 'import' } })
 */
export async function transact(conn: Connection, arg: TransactArg): Promise<TransactionReport> {
  const c = asConn('transact', conn);
  const { data, opts } = transactArgs('transact', arg);
  return reportOut(await c.transact(data, opts));
}

/**
 * Loads exported datoms (`[e, a, v, tx, added]` arrays or datom objects), one
 * transaction per original transaction, keeping entity ids and transaction instants.
 */
export async function loadEntities(
  conn: Connection,
  entities: readonly unknown[] | string,
): Promise<TransactionReport | null> {
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
  return last === undefined ? null : reportOut(last);
}

/**
 * Calls `callback` with each later transaction's report; returns the key for
 * `unlisten`. Call as `listen(conn, callback)` or `listen(conn, key, callback)`.
 */
export async function listen(
  conn: Connection,
  callback: (report: TransactionReport) => void,
): Promise<unknown>;
export async function listen(
  conn: Connection,
  key: unknown,
  callback: (report: TransactionReport) => void,
): Promise<unknown>;
export async function listen(
  conn: Connection,
  keyOrCallback: unknown,
  callback?: (report: TransactionReport) => void,
): Promise<unknown> {
  const c = asConn('listen', conn);
  const [key, cb] = callback === undefined ? [undefined, keyOrCallback] : [keyOrCallback, callback];
  if (typeof cb !== 'function') argError('listen', 'expected a callback function.');
  return c.listen((r) => (cb as (r: TransactionReport) => void)(reportOut(r)), key);
}

/** Removes a listener. */
export async function unlisten(conn: Connection, key: unknown): Promise<boolean> {
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

/** The database as of a point in time (tx id, Date or database value). */
export async function asOf(database: DbView, t: TimePoint): Promise<DbView> {
  const d = baseDb('asOf', database);
  const tp = await whenLoaded([d], () => timePoint('asOf', d, t));
  return new AsOfDb(d, tp.tx, tp.date);
}

/** Only the datoms added after a point in time. */
export async function since(database: DbView, t: TimePoint): Promise<DbView> {
  const d = baseDb('since', database);
  const tp = await whenLoaded([d], () => timePoint('since', d, t));
  return new SinceDb(d, tp.tx, tp.date);
}

/** Every assertion and retraction ever made (`added` tells which). */
export async function history(database: DbView): Promise<DbView> {
  return new HistoricalDb(baseDb('history', database));
}

/** A view that keeps only datoms for which `pred(db, datom)` is true. */
export async function filter(
  database: DbView,
  pred: (db: DbView, datom: DatomObject) => boolean,
): Promise<DbView> {
  const d = asDb('filter', database);
  if (typeof pred !== 'function')
    argError('filter', 'expected a predicate function (db, datom) => boolean.');
  return new FilteredDb(
    d,
    (view: DbView, datom: Datom) => pred(view, datomToObject(datom)) === true,
  );
}

/** True for a filtered view. */
export async function isFiltered(database: DbView): Promise<boolean> {
  return asDb('isFiltered', database).isFiltered;
}

/** Applies tx-data to a database value without committing; returns the report. */
export async function withDb(
  database: DbView,
  arg: TransactArg,
  txMeta?: unknown,
): Promise<TransactionReport> {
  const d = baseDb('withDb', database);
  const { data, opts } = transactArgs('withDb', arg);
  const o = txMeta === undefined ? opts : { txMeta: toInternal(txMeta) };
  return reportOut(await whenLoaded([d], () => transactData(d, data, o)));
}

/**
 * A database value holding exactly the given datoms (`[e, a, v, tx]` arrays or datom
 * objects, schema datoms included), built in one pass: the fast path for imports.
 * Not connected to any store.
 */
export async function initDb(
  rows: readonly unknown[],
  cfg: { 'keep-history?'?: boolean; 'schema-flexibility'?: string } = {},
): Promise<Db> {
  if (!Array.isArray(rows)) argError('initDb', 'expected an array of datoms.');
  const list: Datom[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) list[i] = datomIn(rows[i]);
  const flex = cfg['schema-flexibility'] === ':read' ? 'read' : 'write';
  return dbFromDatoms(list, { keepHistory: cfg['keep-history?'] ?? true, schemaFlexibility: flex });
}

/** The database value after applying tx-data, without committing. */
export async function dbWith(database: DbView, arg: TransactArg): Promise<Db> {
  const d = baseDb('dbWith', database);
  const { data, opts } = transactArgs('dbWith', arg);
  return (await whenLoaded([d], () => transactData(d, data, opts))).dbAfter;
}

// ---- index access -----------------------------------------------------------------

function indexName(fn: string, x: unknown): IndexName {
  const k = typeof x === 'string' ? x.replace(/^:/, '') : isKeyword(x) ? x.fqn : undefined;
  if (k === 'eavt' || k === 'aevt' || k === 'avet') return k;
  return argError(fn, `index must be :eavt, :aevt or :avet, got ${printValue(x)}.`);
}

/** Index name and components from `(db, index, ...components)` or `(db, {index, components})`. */
function indexArgs(
  fn: string,
  db: DbView,
  args: unknown[],
): { index: IndexName; components: unknown[] | null } {
  let index: unknown = args[0];
  let comps: unknown[] = args.slice(1);
  if (index !== null && typeof index === 'object' && !Array.isArray(index)) {
    const o = index as Record<string, unknown>;
    index = o.index ?? o[':index'];
    comps = (o.components ?? o[':components'] ?? []) as unknown[];
  }
  const name = indexName(fn, index);
  const components = comps.map(toInternal);
  // The entity position may be an ident or a lookup ref, and so may a reference value.
  const ePos = name === 'eavt' ? 0 : name === 'aevt' ? 1 : 2;
  const aPos = name === 'eavt' ? 1 : 0;
  const vPos = name === 'avet' ? 1 : 2;
  const a = components[aPos];
  if (a !== undefined && !isKeyword(a))
    argError(fn, `the attribute component must be a keyword, got ${printValue(a)}.`);
  if (components[ePos] !== undefined) {
    const e = entid(db, components[ePos]);
    if (e === undefined) return { index: name, components: null };
    components[ePos] = e;
  }
  if (components[vPos] !== undefined && isKeyword(a) && db.schema.attr(a)?.isRef) {
    const v = entid(db, components[vPos]);
    if (v === undefined) return { index: name, components: null };
    components[vPos] = v;
  }
  return { index: name, components };
}

/**
 * Datoms of an index whose leading components match:
 * `datoms(db, ':eavt', 1)`, `datoms(db, ':avet', ':person/email', 'a@b.c')`,
 * or `datoms(db, { index: ':aevt', components: [':person/name'] })`.
 */
export async function datoms(database: DbView, ...args: unknown[]): Promise<DatomObject[]> {
  const d = asDb('datoms', database);
  return whenLoaded([d], () => {
    const { index, components } = indexArgs('datoms', d, args);
    if (components === null) return [];
    return d.search(index, componentsBound(index, components)).map(datomToObject);
  });
}

/** Datoms from the given components to the end of the index. */
export async function seekDatoms(database: DbView, ...args: unknown[]): Promise<DatomObject[]> {
  const d = asDb('seekDatoms', database);
  return whenLoaded([d], () => {
    const { index, components } = indexArgs('seekDatoms', d, args);
    if (components === null) return [];
    return d.select(index, componentsBound(index, components), undefined, false).map(datomToObject);
  });
}

/** Datoms from the given components backwards to the start of the index. */
export async function rseekDatoms(database: DbView, ...args: unknown[]): Promise<DatomObject[]> {
  const d = asDb('rseekDatoms', database);
  return whenLoaded([d], () => {
    const { index, components } = indexArgs('rseekDatoms', d, args);
    if (components === null) return [];
    return d.select(index, componentsBound(index, components), undefined, true).map(datomToObject);
  });
}

/**
 * AVET datoms of an indexed attribute with values between `start` and `end`
 * (inclusive; either may be left out): `indexRange(db, { attrid: ':age', start: 18, end: 65 })`.
 */
export async function indexRange(
  database: DbView,
  args: { attrid: string; start?: unknown; end?: unknown },
): Promise<DatomObject[]> {
  const d = asDb('indexRange', database);
  const o = toInternal(args) as Map<Keyword, unknown>;
  if (!(o instanceof Map)) argError('indexRange', 'expected { attrid, start, end }.');
  const attrid = o.get(A.attrid);
  if (!isKeyword(attrid))
    argError('indexRange', `attrid must be an attribute keyword, got ${printValue(attrid)}.`);
  const attr = d.schema.attr(attrid);
  if (attr === undefined || !attr.inAvet)
    throw new DatahikeError(
      'index-range/not-indexed',
      `indexRange needs an indexed attribute: declare ${attrid} with :db/index true (or :db/unique).`,
      { attribute: attrid },
    );
  const start = o.get(A.start) ?? undefined;
  const end = o.get(A.end) ?? undefined;
  return whenLoaded([d], () =>
    d
      .select(
        'avet',
        boundDatom(undefined, attrid, start),
        boundDatom(undefined, attrid, end),
        false,
      )
      .map(datomToObject),
  );
}

/** The entity with this id, ident or lookup ref, or null when that names nothing. */
export async function entity(database: DbView, eid: unknown): Promise<EntityView | null> {
  const d = asDb('entity', database);
  // Its datoms are read now, so that reading its attributes later finds them in memory.
  const e = await whenLoaded([d], () => {
    const found = entityOf(d, toInternal(eid));
    if (found !== undefined) d.search('eavt', boundDatom(found.eid));
    return found;
  });
  return e === undefined ? null : new EntityView(e);
}

/** The database an entity reads from. */
export async function entityDb(e: EntityView): Promise<DbView> {
  if (!(e instanceof EntityView)) argError('entityDb', `expected an entity, got ${printValue(e)}.`);
  return e.db;
}

/** The user schema: ident → attribute definition (with `db/id`). */
export async function schema(database: DbView): Promise<Record<string, Record<string, unknown>>> {
  return toExternal(asDb('schema', database).schema.toMap()) as Record<
    string,
    Record<string, unknown>
  >;
}

/** Property → attributes having it, e.g. `{ 'db/index': [':age'] }`. */
export async function reverseSchema(database: DbView): Promise<Record<string, string[]>> {
  return toExternal(asDb('reverseSchema', database).schema.reverseMap()) as Record<
    string,
    string[]
  >;
}

/** The database as of one commit of the connection's branch (by commit id). */
export async function commitAsDb(conn: Connection, id: unknown): Promise<Db> {
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

/** The newest database of another branch of the connection's store. */
export async function branchAsDb(conn: Connection, branch: unknown): Promise<Db> {
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

/**
 * Removes from a durable store the index nodes no kept commit reaches; commits made
 * before `removeBefore` are dropped unless a later one needs them. Blobs are deleted only
 * once they have been unreachable for the grace period (`opts.graceMs`, five minutes by
 * default), so readers still using an older commit keep working. Shows progress on a
 * terminal.
 */
export async function gcStorage(
  conn: Connection,
  removeBefore?: Date,
  opts: { graceMs?: number } = {},
): Promise<Record<string, unknown>> {
  const c = asConn('gcStorage', conn);
  if (removeBefore !== undefined && !(removeBefore instanceof Date))
    argError('gcStorage', `removeBefore must be a Date, got ${printValue(removeBefore)}.`);
  if (!(c.branch instanceof DurableBranch)) return { removed: 0, marked: 0, kept: 0 };
  await c.flush();
  await c.branch.settle();
  const tty = process.stderr.isTTY === true;
  const result = await collectGarbage(c.branch.store, {
    removeBefore,
    graceMs: opts.graceMs ?? 5 * 60_000,
    keepRoots: c.branch.base.roots === null ? [] : [c.branch.base.roots],
    progress: tty ? (m) => process.stderr.write(`\r\x1b[Kgc: ${m}`) : undefined,
  });
  if (tty) process.stderr.write('\r\x1b[K');
  return { ...result };
}

/** The id of the commit a database value comes from (null for a value made by `dbWith`). */
export async function commitId(database: DbView): Promise<Uuid | null> {
  return asDb('commitId', database).origin.meta.commitId ?? null;
}

/** The ids of the commits the database's commit was made on. */
export async function parentCommitIds(database: DbView): Promise<Uuid[]> {
  return [...asDb('parentCommitIds', database).origin.meta.parentCommitIds];
}

/** Datom counts: in total, in AVET, per attribute and per entity (and in the history indices). */
export async function metrics(database: DbView): Promise<Record<string, unknown>> {
  const d = asDb('metrics', database);
  const [all, avetCount] = await whenLoaded(
    [d],
    () =>
      [
        d.select('eavt', undefined, undefined, false),
        d.select('avet', undefined, undefined, false).length,
      ] as const,
  );
  const perAttr = new Map<Keyword, number>();
  const perEntity = new Map<number, number>();
  for (const x of all) {
    perAttr.set(x.a, (perAttr.get(x.a) ?? 0) + 1);
    perEntity.set(x.e, (perEntity.get(x.e) ?? 0) + 1);
  }
  const out = new Map<unknown, unknown>([
    [A.count, all.length],
    [A.avetCount, avetCount],
    [A.perAttr, perAttr],
    [A.perEntity, perEntity],
  ]);
  const temporal = d.origin.temporal;
  if (temporal !== null) {
    // Each history record is an assertion and its retraction: two datoms of history(db).
    out.set(A.temporalCount, temporal.eavt.size * 2);
    out.set(A.temporalAvetCount, temporal.avet.size * 2);
  }
  return toExternal(out) as Record<string, unknown>;
}

// ---- queries ----------------------------------------------------------------------

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

function queryCall(
  fn: string,
  args: unknown[],
): { query: unknown; inputs: unknown[]; opts: QueryOptions } {
  const first = args[0];
  if (
    first !== null &&
    typeof first === 'object' &&
    !Array.isArray(first) &&
    !(first instanceof Map) &&
    'query' in first
  ) {
    const o = first as unknown as QueryArgs;
    const num = (k: 'limit' | 'offset' | 'timeout') => {
      const v = o[k];
      if (v !== undefined && (typeof v !== 'number' || v < 0))
        argError(fn, `${k} must be a non-negative number.`);
      return v;
    };
    return {
      query: queryForm(o.query),
      inputs: (o.args ?? []).map(toInternal),
      opts: { limit: num('limit'), offset: num('offset'), timeout: num('timeout') },
    };
  }
  if (first === undefined) argError(fn, 'expected a query.');
  return { query: queryForm(first), inputs: args.slice(1).map(toInternal), opts: {} };
}

/** Query text stays text (parsed and cached by the engine); data is converted. */
function queryForm(q: unknown): unknown {
  return typeof q === 'string' ? q : toInternal(q);
}

/**
 * Runs a Datalog query: `q('[:find ?n :where [?e :name ?n]]', db)` or
 * `q({ query, args: [db], limit, offset, timeout })`. Relations come back as arrays of arrays.
 */
export async function q(query: QueryInput | QueryArgs, ...inputs: unknown[]): Promise<unknown> {
  const { query: form, inputs: ins, opts } = queryCall('q', [query, ...inputs]);
  return toExternal((await whenLoaded(ins, () => runQuery(form, ins, opts, pullInQuery))).result);
}

/** `(pull ?e pattern)` in :find, on the source it names. */
function pullInQuery(src: unknown, pattern: unknown, eid: unknown): unknown {
  return pullOne(asDb('q', src), pattern, eid);
}

/** Runs a query and returns its result with the plan: rows and time per clause. */
export async function queryStats(
  query: QueryInput | QueryArgs,
  ...inputs: unknown[]
): Promise<Record<string, unknown>> {
  const { query: form, inputs: ins, opts } = queryCall('queryStats', [query, ...inputs]);
  const { result, plan } = await whenLoaded(ins, () =>
    runQuery(form, ins, { ...opts, stats: true }, pullInQuery),
  );
  return { result: toExternal(result), plan };
}

/** The plan of a query: clauses in the order the planner runs them, with estimates and rows. */
export async function explain(query: QueryInput, ...inputs: unknown[]): Promise<string> {
  const { query: form, inputs: ins } = queryCall('explain', [query, ...inputs]);
  return whenLoaded(ins, () => explainQuery(form, ins, pullInQuery));
}

// ---- pull -------------------------------------------------------------------------

/** A pull pattern: EDN text (`'[:name {:friend [:name]}]'`) or data (`[':name', '*']`). */
export type PullPattern = string | readonly unknown[];

function pullArgs(fn: string, args: unknown[]): { pattern: unknown; target: unknown } {
  const [first, second] = args;
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    const o = first as Record<string, unknown>;
    if (!('selector' in o)) argError(fn, 'expected a pattern and an entity, or { selector, eid }.');
    return { pattern: queryForm(o.selector), target: o.eid ?? o.eids };
  }
  return { pattern: queryForm(first), target: second };
}

/**
 * Pulls an entity's attributes as an object: `pull(db, '[:name {:friend [:name]}]', eid)` or
 * `pull(db, { selector, eid })`; null when the entity does not exist.
 */
export async function pull(
  database: DbView,
  pattern: PullPattern | { selector: PullPattern; eid: unknown },
  eid?: unknown,
): Promise<Record<string, unknown> | null> {
  const d = asDb('pull', database);
  const { pattern: p, target } = pullArgs('pull', [pattern, eid]);
  const pulled = await whenLoaded([d], () => pullOne(d, p, toInternal(target)));
  return toExternal(pulled) as Record<string, unknown> | null;
}

/** Pulls many entities with one pattern; null for those that do not exist. */
export async function pullMany(
  database: DbView,
  pattern: PullPattern | { selector: PullPattern; eids: readonly unknown[] },
  eids?: readonly unknown[],
): Promise<(Record<string, unknown> | null)[]> {
  const d = asDb('pullMany', database);
  const { pattern: p, target } = pullArgs('pullMany', [pattern, eids]);
  if (!Array.isArray(target)) argError('pullMany', 'expected an array of entity ids.');
  const pulled = await whenLoaded([d], () => pullAll(d, p, target.map(toInternal)));
  return toExternal(pulled) as (Record<string, unknown> | null)[];
}

// ---- small helpers ----------------------------------------------------------------

let nextTempid = -1000000;

/** A fresh temporary id (a negative number) for tx-data; `tempid(part, n)` returns -|n|. */
export async function tempid(_part?: unknown, x?: number): Promise<number> {
  if (x !== undefined) return -Math.abs(x);
  return nextTempid--;
}

/** A random UUID value, for `:db.type/uuid` attributes and store ids. */
export async function randomUuid(): Promise<Uuid> {
  return newUuid();
}

/** The UUID value of a string. */
export async function uuid(str: string): Promise<Uuid> {
  if (typeof str !== 'string' || !Uuid.isValid(str))
    argError('uuid', `not a UUID: ${printValue(str)}.`);
  return new Uuid(str);
}

let version: string | undefined;

/** The datahike-ts version. */
export async function datahikeVersion(): Promise<string> {
  version ??= (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  return version;
}
