/**
 * Ported from Datahike, test/datahike/test/query_cartesian_test.cljc: clauses sharing no
 * variable form a product (same constant, different attributes), a variable in value
 * position joins them, predicates across them filter the product, an edge joins two vertex
 * patterns, and an :in variable does not join what it constrains.
 */

import { describe, expect, it } from 'vitest';
import { api, conn, q } from './query-helpers.js';

async function fresh(schema: string, data: string) {
  const c = await conn(':keep-history? false');
  await api.transact(c, schema);
  await api.transact(c, data);
  return api.db(c);
}

const MARKER =
  '[{:db/ident :marker :db/valueType :db.type/keyword :db/cardinality :db.cardinality/one :db/index true}]';
const size = async (query: string, ...inputs: unknown[]) =>
  ((await q(query, ...inputs)) as Set<unknown>).size;

describe('products', () => {
  it('of disjoint patterns, joined by a value variable, filtered across', async () => {
    const db = await fresh(MARKER, '[{:marker :V} {:marker :V} {:marker :V}]');
    expect(await size('[:find ?a ?b :where [?a :marker :V] [?b :marker :V]]', db)).toBe(9);
    expect(await size('[:find ?a ?b :where [?a :marker ?x] [?b :marker ?x]]', db)).toBe(9);
    expect(
      await size('[:find ?a ?b :where [?a :marker :V] [?b :marker :V] [(!= ?a ?b)]]', db),
    ).toBe(6);
    expect(
      await size(
        '[:find ?a ?b :in $ ?marker :where [?a :marker ?marker] [?b :marker ?marker]]',
        db,
        (await import('../../src/values/index.js')).keyword('V'),
      ),
    ).toBe(9);
  });

  it('of different attributes, and with a strict comparison across', async () => {
    const ab = await fresh(
      '[{:db/ident :a :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/index true} {:db/ident :b :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/index true}]',
      '[{:a 1} {:a 2} {:b 10} {:b 20} {:b 30}]',
    );
    expect(await size('[:find ?ea ?eb :where [?ea :a _] [?eb :b _]]', ab)).toBe(6);
    const n = await fresh(
      '[{:db/ident :n :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/index true}]',
      '[{:n 1} {:n 2} {:n 3}]',
    );
    expect(await size('[:find ?ea ?eb :where [?ea :n ?x] [?eb :n ?y] [(< ?x ?y)]]', n)).toBe(3);
  });

  it('of vertices joined through edges', async () => {
    const db = await fresh(
      `[{:db/ident :marker :db/valueType :db.type/keyword :db/cardinality :db.cardinality/one :db/index true}
        {:db/ident :src :db/valueType :db.type/ref :db/cardinality :db.cardinality/one :db/index true}
        {:db/ident :tgt :db/valueType :db.type/ref :db/cardinality :db.cardinality/one :db/index true}]`,
      `[{:db/id "v1" :marker :V} {:db/id "v2" :marker :V} {:db/id "v3" :marker :V}
        {:db/id "e1" :marker :E :src "v1" :tgt "v2"} {:db/id "e2" :marker :E :src "v2" :tgt "v3"} {:db/id "e3" :marker :E :src "v3" :tgt "v1"}]`,
    );
    const rows = [
      ...((await q(
        '[:find ?v1 ?v2 ?e :where [?v1 :marker :V] [?v2 :marker :V] [?e :marker :E] [?e :src ?v1] [?e :tgt ?v2]]',
        db,
      )) as Set<number[]>),
    ];
    expect(rows).toHaveLength(3);
    for (const [v1, v2] of rows) expect(v1).not.toBe(v2);
  });
});
