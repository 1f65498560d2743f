import * as d from '../../src/index.js';

let n = 0;

/** A fresh memory database with the given schema (tx-data) and options; returns a connection. */
export async function freshConn(
  schema: unknown[] = [],
  opts: Record<string, unknown> = {},
): Promise<d.LocalConnection> {
  const cfg = await d.createDatabase({
    store: { backend: ':memory', id: `test-${process.pid}-${++n}` },
    ...opts,
  });
  const conn = await d.connect(cfg);
  if (schema.length > 0) await d.transact(conn, schema);
  return conn;
}

/** `[e, a, v]` triples of an index, sorted as the index is. */
export async function eav(
  db: d.DbView,
  index = ':eavt',
  ...components: unknown[]
): Promise<unknown[][]> {
  return (await d.datoms(db, index, ...components)).map((x) => [x.e, x.a, x.v]);
}

export const PERSON_SCHEMA = [
  {
    'db/ident': ':person/name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
  },
  {
    'db/ident': ':person/email',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/identity',
  },
  {
    'db/ident': ':person/age',
    'db/valueType': ':db.type/long',
    'db/cardinality': ':db.cardinality/one',
    'db/index': true,
  },
  {
    'db/ident': ':person/nick',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/many',
  },
  {
    'db/ident': ':person/ssn',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/value',
  },
  {
    'db/ident': ':person/friend',
    'db/valueType': ':db.type/ref',
    'db/cardinality': ':db.cardinality/many',
  },
  {
    'db/ident': ':person/spouse',
    'db/valueType': ':db.type/ref',
    'db/cardinality': ':db.cardinality/one',
  },
  {
    'db/ident': ':person/address',
    'db/valueType': ':db.type/ref',
    'db/cardinality': ':db.cardinality/one',
    'db/isComponent': true,
  },
  {
    'db/ident': ':address/city',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
  },
];
