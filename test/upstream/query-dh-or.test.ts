/**
 * Ported from Datahike, test/datahike/test/query_or_test.cljc: DataScript's or/or-join
 * cases as Datahike runs them, and Datahike's own: branches that only filter variables bound
 * outside (also under `not`), a not-join inside an or-join branch, branches with no free
 * variable (also a rule call), branch-local variables, sources, and the errors.
 */

import { describe, expect, it } from 'vitest';
import { dbOf, edn, expectQ, expectQError, namesAndAges, q, sixPeople } from './query-helpers.js';

const six = sixPeople;
const rows = (xs: number[]) => new Set(xs.map((x) => [x]));

describe('or and or-join', () => {
  it('answers the DataScript cases', async () => {
    const db = await six();
    const cases: [string, number[]][] = [
      ['(or [?e :name "Oleg"] [?e :age 10])', [1, 3, 4, 5]],
      ['(or [?e :name "Oleg"] [?e :age 30])', [3, 4]],
      ['(or [?e :name "Petr"] [?e :age 30])', []],
      ['[?e :name "Ivan"] (or [?e :name "Oleg"] [?e :age 10])', [1, 5]],
      [
        '[?e :age ?a] (or (and [?e :name "Ivan"] [1 :age ?a]) (and [?e :name "Oleg"] [2 :age ?a]))',
        [1, 5, 4],
      ],
      [
        '(or (and [?e :name "Ivan"] [1 :age ?a]) (and [?e :name "Oleg"] [2 :age ?a])) [?e :age ?a]',
        [1, 5, 4],
      ],
      ['(or-join [?e] [?e :name ?n] (and [?e :age ?a] [?e :name ?n]))', [1, 2, 3, 4, 5, 6]],
      [
        '[?e :name ?a] [?e2 :name ?a] (or-join [?e] (and [?e :age ?a] [?e2 :age ?a]))',
        [1, 2, 3, 4, 5, 6],
      ],
    ];
    for (const [where, expected] of cases)
      expect(await q(`[:find ?e :where ${where}]`, db), where).toEqual(rows(expected));
  });

  it('joins collections on the declared variables', async () => {
    await expectQ(
      '#{[:a1 :b1 :c1] [:a2 :b2 :c2]}',
      '[:find ?a ?b ?c :in $xs $ys :where [$xs ?a ?b ?c] (or-join [?a] [$ys ?a ?b ?d])]',
      edn('[[:a1 :b1 :c1] [:a2 :b2 :c2] [:a3 :b3 :c3]]'),
      edn('[[:a1 :b1 :d1] [:a2 :b2* :d2] [:a4 :b4 :c4]]'),
    );
    await expectQ(
      '#{[:a1 :c1] [:a2 :c2]}',
      '[:find ?a ?c :in $xs $ys :where (or-join [?a ?c] [$xs ?a ?b ?c] [$ys ?a ?c])]',
      edn('[[:a1 :b1 :c1]]'),
      edn('[[:a2 :c2]]'),
    );
  });

  it('filters with branches that only test variables bound outside', async () => {
    const db = await six();
    await expectQ('#{[10]}', '[:find ?a :where [?e :age ?a] (or-join [?a] [(= ?a 10)])]', db);
    await expectQ(
      '#{[10] [20]}',
      '[:find ?a :where [?e :age ?a] (or-join [?a] [(= ?a 10)] [(= ?a 20)])]',
      db,
    );
    await expectQ('#{[10]}', '[:find ?a :where [?e :age ?a] (or [(= ?a 10)])]', db);
    await expectQ('#{[20]}', '[:find ?a :where [?e :age ?a] (not (or-join [?a] [(= ?a 10)]))]', db);
  });

  it('runs a not-join inside an or-join branch, and filters its output', async () => {
    const db = await dbOf(
      `[{:db/ident :j/i :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
        {:db/ident :j/k :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
        {:db/ident :t/i :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]`,
      '[{:t/i 1} {:t/i 2} {:t/i 4} {:j/i 1 :j/k 10} {:j/i 2 :j/k 20}]',
    );
    await expectQ(
      '#{[2 20]}',
      '[:find ?i ?k :where [?e :t/i ?i] (or-join [?i ?k] (and [?e2 :j/i ?i] [?e2 :j/k ?k]) (and (not-join [?i] [?e2 :j/i ?i]) [(ground -1) ?k])) [(= ?k 20)]]',
      db,
    );
    await expectQ(
      '#{[1 10] [2 20] [4 -1]}',
      '[:find ?i ?k :where [?e :t/i ?i] (or-join [?i ?k] (and [?e2 :j/i ?i] [?e2 :j/k ?k]) (and (not-join [?i] [?e2 :j/i ?i]) [(ground -1) ?k]))]',
      db,
    );
  });

  it('holds or fails for every row with a branch that has no free variable', async () => {
    const db = await dbOf(
      '{:tag {:db/cardinality :db.cardinality/many}}',
      '[{:db/id 100 :name "alice" :age 30 :tag [:red]} {:db/id 101 :name "bob" :age 10 :tag [:blue]}]',
    );
    const green = '[:find ?n :in $ ?E :where [?E :name ?n] (or-join [?E] [?E :tag :green])]';
    await expectQ('#{}', green, db, 100);
    await expectQ('#{}', green, db, 101);
    await expectQ(
      '#{["alice"]}',
      '[:find ?n :in $ ?E :where [?E :name ?n] (or-join [?E] [?E :tag :red])]',
      db,
      100,
    );
    await expectQ('#{}', '[:find ?n :in $ ?E :where [?E :name ?n] (or [?E :tag :green])]', db, 100);
    const adult = '[:find ?n :in $ % ?E :where [?E :name ?n] (or-join [?E] (adult ?E))]';
    const rules = edn('[[(adult ?e) [?e :age ?a] [(> ?a 15)]]]');
    await expectQ('#{["alice"]}', adult, db, rules, 100);
    await expectQ('#{}', adult, db, rules, 101);
  });

  it('keeps branch-local variables inside the branch', async () => {
    const db = await dbOf(
      null,
      '[{:db/id 1 :name "Ivan" :age 10 :color "red"} {:db/id 2 :name "Oleg" :age 20 :color "blue"}]',
    );
    await expectQ(
      '#{["Ivan"] ["Oleg"]}',
      '[:find ?n :where [?e :name ?n] (or-join [?z] [?z :age ?local] [?z :color ?local])]',
      db,
    );
    await expectQ(
      '#{["Ivan"] ["Oleg"]}',
      '[:find ?n :where [?e :name ?n] (or-join [?z] [?z :age 10] [?z :color "red"])]',
      db,
    );
  });

  it('reads the default source, changes it and reaches other sources', async () => {
    const [db1, db2] = await namesAndAges();
    for (const where of [
      '[?e :name] (or [?e :name "Ivan"])',
      '[?e :name] (or [$2 ?e :age 10])',
      '[?e :name] ($2 or [?e :age 10])',
      '[?e :name] ($2 or [$ ?e :name "Ivan"])',
      '[?e :name] ($2 or (or [?e :age 10]))',
      '[?e :name] ($2 or ($ or [?e :name "Ivan"]))',
    ])
      expect(await q(`[:find ?e :in $ $2 :where ${where}]`, db1, db2), where).toEqual(rows([1]));
  });

  it('refuses branches over different variables, and unbound required ones', async () => {
    const db = await six();
    await expectQError(
      'query/invalid',
      /must use the same free variables/,
      '[:find ?e :where (or [?e :name _] [?e :age ?a])]',
      db,
    );
    await expectQError(
      'query/insufficient-binding',
      /Insufficient bindings/,
      '[:find ?e :where (or-join [[?e]] [?e :name "Ivan"])]',
      db,
    );
  });
});
