/**
 * Shared by the ported query suites (test/upstream/query-*.test.ts): databases built the
 * way the upstream tests build theirs, and queries run on internal values so that results
 * compare with EDN literals (keywords, symbols, sets and maps as the value model has them).
 *
 * Upstream builds most databases with `(d/db-with (d/empty-db schema) tx-data)`: no schema
 * entities, ids from 1. Here a database is a memory database with schema-on-read; a schema
 * is transacted first, as Datahike does it, so its attribute entities take the first ids.
 * Ported cases that name entity ids and need a schema therefore use ids from 100 on.
 */

import { expect } from 'vitest';
import { internalApi } from '../../src/api/index.js';
import { parseEdn } from '../../src/edn/index.js';
import type * as d from '../../src/index.js';
import { DatahikeError } from '../../src/values/index.js';

const api = internalApi;
let n = 0;

/** EDN text as internal values. */
export const edn = (text: string): unknown => parseEdn(text);

/** A connection to a fresh memory database (schema-on-read unless said otherwise). */
export async function conn(opts = ''): Promise<d.LocalConnection> {
  const cfg = await api.createDatabase(
    `{:store {:backend :memory :id "upstream-query-${process.pid}-${++n}"} :schema-flexibility :read ${opts}}`,
  );
  return api.connect(cfg as never);
}

/**
 * A database: `schema` (tx-data of attribute maps, or `{attr {:db/... ...}}` as DataScript
 * writes a schema) transacted first, then each of `txs` in its own transaction.
 */
export async function dbOf(schema: string | null, ...txs: string[]): Promise<d.DbView> {
  const c = await conn();
  if (schema !== null) await api.transact(c, schemaTx(schema));
  for (const tx of txs) await api.transact(c, tx);
  return api.db(c);
}

/** DataScript's `{attr {props}}` schema as Datahike's attribute entities; tx-data as it is. */
function schemaTx(schema: string): unknown[] {
  const data = parseEdn(schema);
  if (!(data instanceof Map)) return data as unknown[];
  return [...data].map(([ident, props]) => new Map([[edn(':db/ident'), ident], ...props]));
}

/** `q` on internal values: EDN text for the query, inputs as given. */
export function q(query: string | unknown, ...inputs: unknown[]): Promise<unknown> {
  return api.q(query as string, ...inputs);
}

/** Asserts a query's result equals the EDN literal `expected`. */
export async function expectQ(
  expected: string,
  query: string | unknown,
  ...inputs: unknown[]
): Promise<void> {
  expect(await q(query, ...inputs)).toEqual(edn(expected));
}

/** A relation result as a Set (for results that come back as arrays: :with, aggregates). */
export async function qSet(query: string | unknown, ...inputs: unknown[]): Promise<Set<unknown>> {
  return new Set((await q(query, ...inputs)) as unknown[]);
}

/** Asserts a query fails with a DatahikeError of `code` whose message matches `message`. */
export async function expectQError(
  code: string,
  message: RegExp,
  query: string | unknown,
  ...inputs: unknown[]
): Promise<void> {
  const err = await q(query, ...inputs).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'the query should fail').toBeInstanceOf(DatahikeError);
  expect((err as DatahikeError).code).toBe(code);
  expect((err as DatahikeError).message).toMatch(message);
}

export { api };

/** DataScript's six people of the not/or suites: Ivan and Oleg, aged 10 and 20. */
export const sixPeople = () =>
  dbOf(
    null,
    `[{:db/id 1 :name "Ivan" :age 10} {:db/id 2 :name "Ivan" :age 20} {:db/id 3 :name "Oleg" :age 10}
      {:db/id 4 :name "Oleg" :age 20} {:db/id 5 :name "Ivan" :age 10} {:db/id 6 :name "Ivan" :age 20}]`,
  );

/** Names in one database, ages of the same ids in another (the default-source cases). */
export const namesAndAges = async () => [
  await dbOf(null, '[[:db/add 1 :name "Ivan"] [:db/add 2 :name "Oleg"]]'),
  await dbOf(null, '[[:db/add 1 :age 10] [:db/add 2 :age 20]]'),
];

/** Petr 44, Ivan 25, Sergey 11 as datoms (the find-spec and return-map suites). */
export const petrIvanSergey = () =>
  dbOf(
    null,
    `[[:db/add 1 :name "Petr"] [:db/add 1 :age 44] [:db/add 2 :name "Ivan"] [:db/add 2 :age 25]
      [:db/add 3 :name "Sergey"] [:db/add 3 :age 11]]`,
  );

/** Petr 44, Ivan 25, Oleg 11 (the pull suites). */
export const petrIvanOleg = () =>
  dbOf(
    null,
    '[{:db/id 1 :name "Petr" :age 44} {:db/id 2 :name "Ivan" :age 25} {:db/id 3 :name "Oleg" :age 11}]',
  );
