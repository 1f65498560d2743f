/**
 * Argument normalisation, one section per argument kind of the specification table
 * (`ArgKind`): what the API functions accept for each kind — public JavaScript values, EDN
 * text, or internal values (keywords, maps with keyword keys, Uuids, datoms, …) — turned
 * into what the layers below take, with an `api/invalid-argument` error naming the function
 * otherwise. The argument types of the public functions are declared here too.
 */

import { Connection as Conn, type Connection, normaliseConfig } from '../connection/index.js';
import {
  Db,
  type DbConfig,
  DbView,
  entidStrict,
  TimeView,
  type TimeViewable,
  txAtOrBefore,
} from '../db/index.js';
import { parseEdn } from '../edn/index.js';
import { Datom, type IndexName, TX0 } from '../index/datom.js';
import type { QueryOptions } from '../query/index.js';
import type { ExportedDatom, TransactOptions } from '../tx/index.js';
import {
  DatahikeError,
  isKeyword,
  type Keyword,
  keyword,
  printValue,
  Uuid,
} from '../values/index.js';
import { type DatomObject, toInternal } from './convert.js';

export type { Config, DatabaseConfig } from './typed-config.js';

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
export type QueryMap = Map<Keyword, unknown>;

/** A pull pattern: EDN text (`'[:name {:friend [:name]}]'`) or data (`[':name', '*']`). */
export type PullPattern = string | readonly unknown[];

/** `gcStorage`'s options; `progress` hears what a long collection is doing (the CLI shows it). */
export interface GcOptions {
  graceMs?: number;
  progress?: (message: string) => void;
}

/** Keywords of the API's own argument maps. */
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
  graceMs: keyword('graceMs'),
  progress: keyword('progress'),
};

export function argError(fn: string, message: string, data: Record<string, unknown> = {}): never {
  throw new DatahikeError('api/invalid-argument', `${fn}: ${message}`, { function: fn, ...data });
}

/** A plain object: an argument map in public form (internal ones are `Map`s). */
function isObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** A structure given as EDN text or as JavaScript data, in internal form. */
export function structure(x: unknown): unknown {
  return typeof x === 'string' ? parseEdn(x) : toInternal(x);
}

// ---- config -----------------------------------------------------------------------

export function config(x: unknown) {
  return normaliseConfig(structure(x));
}

/**
 * `initDb`'s config as an object (`{ 'keep-history?': false }`), a map with keyword keys or
 * EDN text: only the database options count.
 */
export function dbConfig(x: unknown): DbConfig {
  const o = structure(x);
  const get = (k: Keyword) => (o instanceof Map ? o.get(k) : undefined);
  const flexibility = get(A.schemaFlexibility);
  return {
    keepHistory: (get(A.keepHistory) as boolean | undefined) ?? true,
    schemaFlexibility: isKeyword(flexibility) && flexibility.fqn === 'read' ? 'read' : 'write',
  };
}

// ---- conn ---------------------------------------------------------------------------

export function asConn(fn: string, x: unknown): Connection {
  if (x instanceof Conn) return x;
  return argError(fn, `expected a connection (from connect(config)), got ${printValue(x)}.`);
}

// ---- db -----------------------------------------------------------------------------

export function asDb(fn: string, x: unknown): DbView {
  if (x instanceof DbView) return x;
  return argError(fn, `expected a database value (from db(conn)), got ${printValue(x)}.`);
}

/** A current database value, not a view. */
export function baseDb(fn: string, x: unknown): Db {
  const d = asDb(fn, x);
  if (!(d instanceof Db))
    argError(
      fn,
      'expected a current database value, not an as-of, since, history or filtered view.',
    );
  return d;
}

/** A database or a time view of one (views nest as in Datahike 0.6+); not a filtered one. */
export function timeViewable(fn: string, x: unknown): TimeViewable {
  const d = asDb(fn, x);
  if (!(d instanceof Db) && !(d instanceof TimeView))
    argError(
      fn,
      'expected a database value or an as-of, since or history view, not a filtered one.',
    );
  return d;
}

// ---- tx and tx-meta -------------------------------------------------------------------

export function txData(fn: string, x: unknown): unknown[] {
  const data = structure(x);
  if (!Array.isArray(data))
    argError(
      fn,
      `tx-data must be an array of forms (or EDN text of a vector), got ${printValue(x)}.`,
    );
  return data;
}

/** Tx-data, or a map of `tx-data` and `tx-meta` (an object, a keyword map or EDN text of one). */
export function transactArgs(fn: string, arg: unknown): { data: unknown[]; opts: TransactOptions } {
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

/** `[e a v tx added]`, a datom, or a datom map → an exported datom (`added` true unless false). */
export function exportedDatom(fn: string, row: unknown): ExportedDatom {
  let fields: unknown[] | undefined;
  if (Array.isArray(row)) fields = row;
  else if (row instanceof Datom) fields = [row.e, row.a, row.v, row.tx, row.added];
  else if (row instanceof Map)
    fields = ['e', 'a', 'v', 'tx', 'added'].map((k) => row.get(keyword(k)));
  const [e, a, v, tx, added] = fields ?? [];
  if (typeof e !== 'number' || !isKeyword(a) || typeof tx !== 'number' || v === undefined)
    argError(fn, `not a datom: ${printValue(row)}; expected [e a v tx added].`);
  return { e, a, v, tx, added: added !== false };
}

/** Datoms to load: an array (or EDN text of a vector) of datom rows. */
export function exportedDatoms(fn: string, x: unknown): ExportedDatom[] {
  const rows = structure(x);
  if (!Array.isArray(rows)) argError(fn, 'expected an array of datoms.');
  return rows.map((row) => exportedDatom(fn, row));
}

/**
 * A datom as `initDb` takes it, in DataScript's `init-db` forms too: a `{e, a, v, tx}`
 * object (as `datoms` gives it, or DataScript's, whose attribute is `"name"`), `[e a v tx]`,
 * `[e a v]` (in the first transaction, as DataScript's `datom` defaults it), a Datom.
 */
export function datomIn(row: unknown): Datom {
  if (row instanceof Datom) return row;
  if (Array.isArray(row)) {
    const [e, a, v, tx = TX0, added = true] = row as unknown[];
    const attr = attrIn(a);
    if (
      row.length >= 3 &&
      row.length <= 5 &&
      typeof e === 'number' &&
      isKeyword(attr) &&
      typeof tx === 'number' &&
      v !== undefined
    )
      return new Datom(e, attr, toInternal(v), added === false ? -tx : tx);
  }
  if (row !== null && typeof row === 'object' && 'e' in row && 'a' in row) {
    const o = row as DatomObject;
    const a = attrIn(o.a);
    if (typeof o.e === 'number' && isKeyword(a) && typeof o.tx === 'number')
      return new Datom(o.e, a, toInternal(o.v), o.added === false ? -o.tx : o.tx);
  }
  return argError(
    'initDb',
    `not a datom: ${printValue(toInternal(row))}; expected [e a v], [e a v tx] or {e, a, v, tx}.`,
  );
}

/** A datom's attribute: a keyword, or its name, with or without the colon. */
function attrIn(a: unknown): unknown {
  return typeof a === 'string' && a.length > 0 ? keyword(a) : a;
}

// ---- time-point ---------------------------------------------------------------------

/** A transaction id, a Date (the last transaction at or before it) or a database value. */
export function timePoint(
  fn: string,
  db: DbView,
  t: unknown,
): { tx: number; date: Date | undefined } {
  if (t instanceof DbView) return { tx: t.maxTx, date: undefined };
  if (t instanceof Date) return { tx: txAtOrBefore(db, t), date: t };
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

/** gcStorage's date: commits before it go; null or nothing keeps them all. */
export function removeBefore(fn: string, x: unknown): Date | undefined {
  if (x === undefined || x === null) return undefined;
  if (!(x instanceof Date)) argError(fn, `removeBefore must be a Date, got ${printValue(x)}.`);
  return x;
}

// ---- index and component ---------------------------------------------------------------

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

/** An attribute read from AVET must be in it. */
export function requireIndexed(fn: string, db: DbView, a: Keyword): void {
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
 * from AVET must be in it. Resolving reads the database: call it inside `whenLoaded`.
 */
export function indexArgs(
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

// ---- index-range ----------------------------------------------------------------------

/**
 * `{attrid, start, end}` (Datahike) or `attr, start, end` (DataScript): an indexed attribute
 * and the ends of its value range (undefined for open).
 */
export function indexRangeArgs(
  fn: string,
  db: DbView,
  args: unknown[],
): { attrid: Keyword; start: unknown; end: unknown } {
  let attrid: unknown;
  let start: unknown;
  let end: unknown;
  if (args.length === 1) {
    const o = toInternal(args[0]);
    if (!(o instanceof Map))
      argError(fn, 'expected { attrid, start, end } or attribute, start and end.');
    attrid = o.get(A.attrid);
    start = o.get(A.start);
    end = o.get(A.end);
  } else if (args.length === 3) [attrid, start, end] = args.map(toInternal);
  else argError(fn, 'expected { attrid, start, end } or attribute, start and end.');
  if (!isKeyword(attrid))
    argError(fn, `attrid must be an attribute keyword, got ${printValue(attrid)}.`);
  requireIndexed(fn, db, attrid);
  return { attrid, start, end };
}

/** One end of a value range: nil is open; a reference attribute's value names an entity. */
export function rangeEnd(db: DbView, attrid: Keyword, v: unknown): unknown {
  if (v === undefined || v === null) return undefined;
  return db.schema.attr(attrid)?.isRef ? entidStrict(db, v) : v;
}

// ---- query (and the inputs after it) ---------------------------------------------------

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

/** A query and its inputs, from `(query, ...inputs)` or `({ query, args, limit, offset, timeout })`. */
export function queryCall(
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

/** Query (or pattern) text stays text (parsed and cached by the query layer); data is converted. */
function queryForm(q: unknown): unknown {
  return typeof q === 'string' ? q : toInternal(q);
}

// ---- pattern, pull-options, eid and eids ---------------------------------------------------

/** `(pattern, target)` or `({ selector, eid | eids })` (an object or a map with keyword keys). */
export function pullArgs(fn: string, args: unknown[]): { pattern: unknown; target: unknown } {
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

/** Entity ids, idents or lookup refs, for pullMany. */
export function eids(fn: string, x: unknown): unknown[] {
  if (!Array.isArray(x)) argError(fn, 'expected an array of entity ids.');
  return x.map(toInternal);
}

// ---- fn -----------------------------------------------------------------------------

export function callback<F>(fn: string, x: unknown, what: string): F {
  if (typeof x !== 'function') argError(fn, `expected ${what}.`);
  return x as F;
}

// ---- key and string -------------------------------------------------------------------

/** A branch name from a keyword (or its text). */
export function branchName(fn: string, x: unknown): string {
  const b = toInternal(x);
  const name = isKeyword(b) ? b.fqn : typeof b === 'string' ? b.replace(/^:/, '') : undefined;
  if (name === undefined) argError(fn, `expected a branch keyword, got ${printValue(x)}.`);
  return name;
}

/** A commit id: a Uuid or its text. */
export function commitIdText(fn: string, x: unknown): string {
  const str = x instanceof Uuid ? x.str : typeof x === 'string' ? x : undefined;
  if (str === undefined) argError(fn, `expected a commit id (a UUID), got ${printValue(x)}.`);
  return str;
}

export function uuidText(fn: string, x: unknown): string {
  if (typeof x !== 'string' || !Uuid.isValid(x)) argError(fn, `not a UUID: ${printValue(x)}.`);
  return x;
}

// ---- any: gcStorage's options ------------------------------------------------------------

/** `{ graceMs, progress }`, or a map with `:graceMs` (as it arrives over the wire) and `:progress`. */
export function gcOptions(fn: string, x: unknown): GcOptions {
  if (x === undefined || x === null) return {};
  const grace = x instanceof Map ? x.get(A.graceMs) : isObject(x) ? x.graceMs : x;
  if (grace !== undefined && (typeof grace !== 'number' || !(grace >= 0)))
    argError(fn, `options must be { graceMs: milliseconds }, got ${printValue(x)}.`);
  const progress = x instanceof Map ? x.get(A.progress) : isObject(x) ? x.progress : undefined;
  if (progress !== undefined && typeof progress !== 'function')
    argError(fn, `progress must be a function (message) => void, got ${printValue(progress)}.`);
  return {
    ...(grace === undefined ? {} : { graceMs: grace }),
    ...(progress === undefined ? {} : { progress: progress as (message: string) => void }),
  };
}
