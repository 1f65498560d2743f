/**
 * What the ported DataScript and Datahike suites share: databases made the way their
 * tests make them (`empty-db` / `init-db` with a schema map: no schema entities, schema
 * on read, no history; or a connection with `:initial-tx`), and the views of a database
 * their assertions compare (all datoms, an entity as a map).
 */

import { expect } from 'vitest';
import { toInternal } from '../../src/api/convert.js';
import { dbFromDatoms, emptyDb } from '../../src/db/index.js';
import { Datom, TX0 } from '../../src/index/datom.js';
import * as d from '../../src/index.js';
import { Schema } from '../../src/schema/index.js';
import type { Keyword } from '../../src/values/index.js';

export { TX0 };

export type SchemaMap = Record<string, Record<string, unknown>>;

/** Datahike's storeless defaults (`db/empty-db`): schema on read, no history. */
const STORELESS = { keepHistory: false, schemaFlexibility: 'read' } as const;

function schemaOf(schema: SchemaMap): Schema {
  return Schema.fromDefinitions(
    toInternal(schema) as Map<Keyword, Map<Keyword, unknown>>,
    STORELESS.schemaFlexibility,
  );
}

/** `(d/empty-db schema)`: the attributes of `schema` take no entity ids. */
export function emptyDbWith(schema: SchemaMap = {}): d.Db {
  return emptyDb(STORELESS, undefined, schemaOf(schema));
}

/** `(d/init-db datoms schema)`: `[e a v]` or `[e a v tx]` rows, tx0 when left out. */
export function initDbWith(rows: readonly (readonly unknown[])[], schema: SchemaMap = {}): d.Db {
  const datoms = rows.map(
    ([e, a, v, tx]) =>
      new Datom(e as number, toInternal(a) as Keyword, toInternal(v), (tx as number) ?? TX0),
  );
  return dbFromDatoms(datoms, STORELESS, undefined, schemaOf(schema));
}

/** `(d/db-with db tx)`. */
export function dbWith(db: d.DbView, tx: unknown): Promise<d.Db> {
  return d.dbWith(db, tx as d.TxData);
}

/** `(d/with db tx)`: the report. */
export function withTx(db: d.DbView, tx: unknown): Promise<d.TransactionReport<d.Db>> {
  return d.withDb(db, tx as d.TxData);
}

/** Chains `dbWith` over several transactions. */
export async function dbWithAll(db: d.DbView, ...txs: unknown[]): Promise<d.Db> {
  let out = db as d.Db;
  for (const tx of txs) out = await dbWith(out, tx);
  return out;
}

let n = 0;

/** Datahike's `setup-db`: a memory database (schema on read, history on) and a connection. */
export async function setupConn(opts: Record<string, unknown> = {}): Promise<d.LocalConnection> {
  const cfg = await d.createDatabase({
    store: { backend: ':memory', id: `upstream-${process.pid}-${++n}` },
    'keep-history?': true,
    'schema-flexibility': ':read',
    ...opts,
  });
  return d.connect(cfg);
}

/**
 * `tdc/all-datoms`: every current `[e a v]` but the transactions' `:db/txInstant` (which
 * Datahike adds to every transaction and DataScript does not have).
 */
export async function allDatoms(db: d.DbView): Promise<Set<unknown[]>> {
  const out = new Set<unknown[]>();
  for (const x of await d.datoms(db, ':eavt'))
    if (x.a !== ':db/txInstant') out.add([x.e, x.a, x.v]);
  return out;
}

/** `[e a v]` of datoms as the API returns them. */
export function eav(datoms: readonly d.DatomObject[]): unknown[][] {
  return datoms.map((x) => [x.e, x.a, x.v]);
}

/**
 * `tdc/entity-map`: an entity's attributes with `db/id`, references (components too) as
 * `{db/id}`, many-valued attributes as sets; null when the id names nothing.
 */
export async function entityMap(
  db: d.DbView,
  eid: unknown,
): Promise<Record<string, unknown> | null> {
  const e = await d.entity(db, eid as never);
  if (e === null) return null;
  const ref = (v: unknown) =>
    v instanceof Object && 'id' in v && 'keys' in v ? { 'db/id': (v as { id: number }).id } : v;
  const out: Record<string, unknown> = { 'db/id': e.id };
  for (const k of e.keys()) {
    const v = e.get(k);
    out[k.slice(1)] = Array.isArray(v) ? new Set(v.map(ref)) : ref(v);
  }
  return out;
}

/** The rows of a query result as a set, for order-free comparison. */
export async function rows(p: Promise<unknown>): Promise<Set<unknown>> {
  return new Set((await p) as unknown[]);
}

/** Expects a rejection with this code whose message matches `message`. */
export async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(d.DatahikeError);
  expect((err as d.DatahikeError).code).toBe(code);
  if (message !== undefined) expect((err as Error).message).toMatch(message);
}
