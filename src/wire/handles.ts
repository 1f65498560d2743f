/**
 * Remote pointers as plain data, and the tagged types every wire format shares.
 *
 * A server never sends a connection or a database itself: it sends a handle naming it
 * (`!datahike/Connection [store-id branch]`, `!datahike/DB {…}`), and a client sends the
 * handle back to mean that object. The codecs know only these handle classes; a
 * {@link HandleMapper} turns the program's own objects into handles when encoding
 * (server: `Connection`/`Db` → handle) and handles into objects when decoding (server:
 * handle → live object; client: handle → remote proxy).
 *
 * Each tagged type has one payload shape shared by all formats (vectors and maps with
 * keyword keys, as Datahike writes them); a format only chooses how to write the tag.
 */

import { Datom } from '../index/datom.js';
import { isKeyword, type Keyword, keyword, Uuid } from '../values/index.js';
import { isPlainObject, PayloadError } from './common.js';

/** A connection: the store it writes to and the branch. Datahike: `[store-id branch]`. */
export class ConnectionHandle {
  constructor(
    /** The store's id: a Uuid in Datahike; any string here. */
    readonly storeId: unknown,
    readonly branch: Keyword,
  ) {}
}

/** A database value: one commit of one branch of one store. */
export class DbHandle {
  constructor(
    readonly storeId: unknown,
    readonly branch: Keyword,
    /** The commit; null for a database that was never committed (e.g. from `dbWith`). */
    readonly commitId: Uuid | null,
    readonly maxEid: number,
    readonly maxTx: number,
  ) {}
}

/**
 * `history(db)`. With a mapper, `origin` holds what the mapper made of the origin's handle
 * (decoding works from the inside out), and when encoding it may hold any object the
 * mapper turns into a handle; the same holds for the other wrappers and `EntityHandle.db`.
 */
export class HistoricalDbHandle<O = DbHandle> {
  constructor(readonly origin: O) {}
}

/** `asOf(db, timePoint)`: a tx id or an instant. */
export class AsOfDbHandle<O = DbHandle> {
  constructor(
    readonly origin: O,
    readonly timePoint: number | Date,
  ) {}
}

/** `since(db, timePoint)`. */
export class SinceDbHandle<O = DbHandle> {
  constructor(
    readonly origin: O,
    readonly timePoint: number | Date,
  ) {}
}

export type AnyDbHandle = DbHandle | HistoricalDbHandle | AsOfDbHandle | SinceDbHandle;

/** An entity: its database, its id and the attributes the sender had loaded. */
export class EntityHandle<D = AnyDbHandle> {
  constructor(
    readonly db: D,
    readonly eid: number,
    readonly attrs: ReadonlyMap<unknown, unknown> = new Map(),
  ) {}
}

export type Handle =
  | ConnectionHandle
  | DbHandle
  | HistoricalDbHandle<unknown>
  | AsOfDbHandle<unknown>
  | SinceDbHandle<unknown>
  | EntityHandle<unknown>;

/**
 * How a program's objects cross the wire. An encoder asks `toHandle` about every value it
 * does not know itself (anything but the value model's types, datoms, handles and plain
 * objects) and encodes what it returns; `undefined` means "not mine" and the encoder
 * fails with `wire/unencodable`. A decoder passes every decoded handle (never datoms or
 * tx reports) to `fromHandle` and uses what it returns in its place.
 */
export interface HandleMapper {
  toHandle(x: unknown): unknown | undefined;
  fromHandle(h: Handle): unknown;
}

/**
 * A transaction report on the wire: the shape of `tx/transact`'s `TxReport`, with the
 * databases as whatever stands for them (Db objects, handles or proxies). Encoders
 * recognise a plain object with these fields; decoders produce one.
 */
export interface WireTxReport {
  readonly dbBefore: unknown;
  readonly dbAfter: unknown;
  readonly txData: readonly unknown[];
  readonly tempids: ReadonlyMap<unknown, unknown>;
  readonly txMeta: unknown;
}

export function isTxReport(x: unknown): x is WireTxReport {
  if (typeof x !== 'object' || x === null || !isPlainObject(x)) return false;
  const r = x as Record<string, unknown>;
  return (
    'dbBefore' in r &&
    'dbAfter' in r &&
    Array.isArray(r.txData) &&
    r.tempids instanceof Map &&
    'txMeta' in r
  );
}

/** Payload keys, as Datahike names them. */
export const K = {
  storeId: keyword('store-id'),
  commitId: keyword('commit-id'),
  maxEid: keyword('max-eid'),
  maxTx: keyword('max-tx'),
  origin: keyword('origin'),
  timePoint: keyword('time-point'),
  db: keyword('db'),
  eid: keyword('eid'),
  dbBefore: keyword('db-before'),
  dbAfter: keyword('db-after'),
  txData: keyword('tx-data'),
  tempids: keyword('tempids'),
  txMeta: keyword('tx-meta'),
  currentTx: keyword('db/current-tx'),
} as const;

/** One tagged type: its tag (without `!` or `#`), its payload, and how to rebuild it. */
export interface TaggedType {
  readonly tag: string;
  /** Passed through {@link HandleMapper.fromHandle} after decoding. */
  readonly isHandle: boolean;
  readonly payload: (x: any) => unknown;
  readonly build: (payload: unknown) => unknown;
}

function need(ok: boolean, tag: string, what: string): asserts ok {
  if (!ok) throw new PayloadError(`${tag} needs ${what}`);
}

function asMap(p: unknown, tag: string): ReadonlyMap<unknown, unknown> {
  need(p instanceof Map, tag, 'a map payload');
  return p as ReadonlyMap<unknown, unknown>;
}

function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function storeRef(p: ReadonlyMap<unknown, unknown>, tag: string): [unknown, Keyword] {
  const ref = p.get(K.storeId);
  need(
    Array.isArray(ref) && ref.length === 2 && isKeyword(ref[1]) && ref[0] != null,
    tag,
    ':store-id [store-id branch-keyword]',
  );
  return [ref[0], ref[1] as Keyword];
}

function timePoint(p: ReadonlyMap<unknown, unknown>, tag: string): number | Date {
  const tp = p.get(K.timePoint);
  need(isNum(tp) || tp instanceof Date, tag, ':time-point (a tx id or an instant)');
  return tp as number | Date;
}

function origin(p: ReadonlyMap<unknown, unknown>, tag: string): unknown {
  const o = p.get(K.origin);
  need(o !== undefined && o !== null, tag, ':origin (a database)');
  return o;
}

export const CONNECTION: TaggedType = {
  tag: 'datahike/Connection',
  isHandle: true,
  payload: (h: ConnectionHandle) => [h.storeId, h.branch],
  build: (p) => {
    need(
      Array.isArray(p) && p.length === 2 && p[0] != null && isKeyword(p[1]),
      'datahike/Connection',
      'a payload [store-id branch-keyword]',
    );
    return new ConnectionHandle(p[0], p[1] as Keyword);
  },
};

export const DB: TaggedType = {
  tag: 'datahike/DB',
  isHandle: true,
  payload: (h: DbHandle) =>
    new Map<Keyword, unknown>([
      [K.storeId, [h.storeId, h.branch]],
      [K.commitId, h.commitId],
      [K.maxEid, h.maxEid],
      [K.maxTx, h.maxTx],
    ]),
  build: (payload) => {
    const tag = 'datahike/DB';
    const p = asMap(payload, tag);
    const [storeId, branch] = storeRef(p, tag);
    const commitId = p.get(K.commitId) ?? null;
    need(commitId === null || commitId instanceof Uuid, tag, ':commit-id (a uuid)');
    const maxEid = p.get(K.maxEid);
    const maxTx = p.get(K.maxTx);
    need(isNum(maxEid), tag, ':max-eid (a number)');
    need(isNum(maxTx), tag, ':max-tx (a number)');
    return new DbHandle(storeId, branch, commitId as Uuid | null, maxEid, maxTx);
  },
};

export const HISTORICAL_DB: TaggedType = {
  tag: 'datahike/HistoricalDB',
  isHandle: true,
  payload: (h: HistoricalDbHandle<unknown>) => new Map([[K.origin, h.origin]]),
  build: (p) =>
    new HistoricalDbHandle(origin(asMap(p, 'datahike/HistoricalDB'), 'datahike/HistoricalDB')),
};

function timeView(tag: string, make: (o: unknown, tp: number | Date) => unknown): TaggedType {
  return {
    tag,
    isHandle: true,
    payload: (h: AsOfDbHandle<unknown>) =>
      new Map<Keyword, unknown>([
        [K.origin, h.origin],
        [K.timePoint, h.timePoint],
      ]),
    build: (payload) => {
      const p = asMap(payload, tag);
      return make(origin(p, tag), timePoint(p, tag));
    },
  };
}

export const AS_OF_DB = timeView('datahike/AsOfDB', (o, tp) => new AsOfDbHandle(o, tp));
export const SINCE_DB = timeView('datahike/SinceDB', (o, tp) => new SinceDbHandle(o, tp));

export const ENTITY: TaggedType = {
  tag: 'datahike/Entity',
  isHandle: true,
  payload: (h: EntityHandle<unknown>) => {
    const m = new Map<unknown, unknown>(h.attrs);
    m.set(K.db, h.db);
    m.set(K.eid, h.eid);
    return m;
  },
  build: (payload) => {
    const tag = 'datahike/Entity';
    const p = asMap(payload, tag);
    const db = p.get(K.db);
    const eid = p.get(K.eid);
    need(db !== undefined && db !== null, tag, ':db (a database)');
    need(isNum(eid), tag, ':eid (an entity id)');
    const attrs = new Map(p);
    attrs.delete(K.db);
    attrs.delete(K.eid);
    return new EntityHandle(db, eid, attrs);
  },
};

export const DATOM: TaggedType = {
  tag: 'datahike/Datom',
  isHandle: false,
  payload: (d: Datom) => [d.e, d.a, d.v, d.tx, d.added],
  build: (p) => {
    need(
      Array.isArray(p) &&
        (p.length === 4 || p.length === 5) &&
        isNum(p[0]) &&
        isKeyword(p[1]) &&
        isNum(p[3]) &&
        (p.length === 4 || typeof p[4] === 'boolean'),
      'datahike/Datom',
      'a payload [e attribute-keyword v tx added?]',
    );
    const arr = p as unknown[];
    const t = arr[3] as number;
    // Without `added`, a negative tx (the internal form) marks a retraction.
    const added = arr.length === 5 ? (arr[4] as boolean) : t >= 0;
    const tx = Math.abs(t);
    return new Datom(arr[0] as number, arr[1] as Keyword, arr[2], added ? tx : -tx);
  },
};

export const TX_REPORT: TaggedType = {
  tag: 'datahike/TxReport',
  isHandle: false,
  payload: (r: WireTxReport) =>
    new Map<Keyword, unknown>([
      [K.dbBefore, r.dbBefore],
      [K.dbAfter, r.dbAfter],
      [K.txData, r.txData],
      [K.tempids, r.tempids],
      [K.txMeta, r.txMeta],
    ]),
  build: (payload) => {
    const tag = 'datahike/TxReport';
    const p = asMap(payload, tag);
    const txData = p.get(K.txData);
    const tempids = p.get(K.tempids) ?? new Map();
    need(Array.isArray(txData), tag, ':tx-data (a vector of datoms)');
    need(tempids instanceof Map, tag, ':tempids (a map)');
    const report: WireTxReport = {
      dbBefore: p.get(K.dbBefore) ?? null,
      dbAfter: p.get(K.dbAfter) ?? null,
      txData,
      tempids,
      txMeta: p.get(K.txMeta) ?? null,
    };
    return report;
  },
};

export const TAGGED_TYPES: readonly TaggedType[] = [
  CONNECTION,
  DB,
  HISTORICAL_DB,
  AS_OF_DB,
  SINCE_DB,
  ENTITY,
  DATOM,
  TX_REPORT,
];

const BY_CLASS = new Map<unknown, TaggedType>([
  [ConnectionHandle, CONNECTION],
  [DbHandle, DB],
  [HistoricalDbHandle, HISTORICAL_DB],
  [AsOfDbHandle, AS_OF_DB],
  [SinceDbHandle, SINCE_DB],
  [EntityHandle, ENTITY],
  [Datom, DATOM],
]);

/** The tagged type of a value (a handle, a datom or a tx report), if it has one. */
export function taggedTypeOf(x: object): TaggedType | undefined {
  const t = BY_CLASS.get(x.constructor);
  if (t !== undefined) return t;
  if (x instanceof Datom) return DATOM;
  if (isTxReport(x)) return TX_REPORT;
  return undefined;
}

/** Rebuilds a tagged value from its payload, through the mapper for handles. */
export function buildTagged(t: TaggedType, payload: unknown, mapper: HandleMapper | undefined) {
  const v = t.build(payload);
  return t.isHandle && mapper !== undefined ? mapper.fromHandle(v as Handle) : v;
}
