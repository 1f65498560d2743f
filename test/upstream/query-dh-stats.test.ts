/**
 * Ported from Datahike, test/datahike/test/query_stats_test.cljc: `queryStats` answers the
 * query and reports each clause it ran with the rows after it.
 *
 * Differs on purpose: the plan is datahike-ts's own (`{:result … :plan [{:clause :estimate
 * :rows :ms} …]}`, clauses in the order the planner runs them, rule bodies not expanded),
 * where Datahike reports `{:ret :stats [{:clause :rels :type :branches …}]}` (both also list
 * the clauses run inside not, or and rules); the results and the clauses' row counts are
 * what is compared.
 */

import { describe, expect, it } from 'vitest';
import type { Keyword } from '../../src/values/index.js';
import { api, dbOf, edn } from './query-helpers.js';

const people = () =>
  dbOf(
    '[{:db/ident :name :db/valueType :db.type/string :db/cardinality :db.cardinality/one} {:db/ident :age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]',
    `[{:db/id 101 :name "Ivan" :age 10} {:db/id 102 :name "Ivan" :age 20} {:db/id 103 :name "Oleg" :age 30}
      {:db/id 104 :name "Oleg" :age 40} {:db/id 105 :name "Ivan" :age 50} {:db/id 106 :name "Michal" :age 60}]`,
  );

async function stats(query: string, ...inputs: unknown[]) {
  const m = await api.queryStats(query, ...inputs);
  const plan = (m.get(edn(':plan') as Keyword) as Map<unknown, unknown>[]).map((s) => [
    s.get(edn(':clause')),
    s.get(edn(':rows')),
  ]);
  return { result: m.get(edn(':result') as Keyword), plan: new Map(plan as [string, number][]) };
}

describe('query stats', () => {
  it('reports not, not-join and or with the rows after each clause', async () => {
    const db = await people();
    const not = await stats('[:find [?a ...] :where [?e :age ?a] (not [?e :age 60])]', db);
    expect(new Set(not.result as number[])).toEqual(new Set([10, 20, 30, 40, 50]));
    expect(not.plan.get('[?e :age ?a]')).toBe(6);
    expect(not.plan.get('(not [?e :age 60])')).toBe(5);
    const notJoin = await stats(
      '[:find ?a :where [?e :name] [?e :age ?a] (not-join [?e] [?e :name "Oleg"] [?e :age ?a])]',
      db,
    );
    expect(notJoin.result).toEqual(edn('#{[10] [20] [50] [60]}'));
    expect(notJoin.plan.get('(not-join [?e] [?e :name "Oleg"] [?e :age ?a])')).toBe(4);
    const or = await stats(
      '[:find ?a :where [?e :age ?a] (or [?e :name "Ivan"] [?e :name "Oleg"])]',
      db,
    );
    expect(or.result).toEqual(edn('#{[10] [20] [30] [40] [50]}'));
    expect(or.plan.get('(or [?e :name "Ivan"] [?e :name "Oleg"])')).toBe(5);
  });

  it('reports rule calls', async () => {
    const follows = edn(
      '[[1 :follow 2] [2 :follow 3] [2 :follow 4] [3 :follow 4] [4 :follow 6] [5 :follow 3]]',
    );
    const rule = await stats(
      '[:find ?y ?x :in $ % :where [_ _ ?x] (rule ?x ?y) [(even? ?x)]]',
      follows,
      edn('[[(rule ?a ?b) [?a :follow ?b]]]'),
    );
    expect(rule.result).toEqual(edn('#{[3 2] [4 2] [6 4]}'));
    for (const clause of ['[_ _ ?x]', '(rule ?x ?y)', '[(even? ?x)]'])
      expect(rule.plan.has(clause), clause).toBe(true);
    const branches = await stats(
      '[:find ?e2 :in $ ?e1 % :where (follow ?e1 ?e2)]',
      follows,
      1,
      edn(
        '[[(follow ?e2 ?e1) [?e2 :follow ?e1]] [(follow ?e2 ?e1) [?e2 :follow ?t] [?t :follow ?e1]]]',
      ),
    );
    expect(branches.result).toEqual(edn('#{[2] [3] [4]}'));
    expect(branches.plan.get('(follow ?e1 ?e2)')).toBe(3);
  });
});
