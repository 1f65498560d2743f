/**
 * Ported from Datahike, test/datahike/test/query_not_test.cljc: DataScript's not/not-join
 * cases as Datahike runs them, and Datahike's own: join variables bound by :in, negations
 * over constants only, a value variable bound outside the negation (by :in, another clause,
 * a function, a rule argument), gates that test a bound input alone, join variables the body
 * uses only in a predicate or a function, sources, and clauses deferred until bound.
 */

import { describe, expect, it } from 'vitest';
import {
  api,
  dbOf,
  edn,
  expectQ,
  expectQError,
  namesAndAges,
  q,
  sixPeople,
} from './query-helpers.js';

const six = sixPeople;
const ids = async (where: string, db: unknown) =>
  new Set((await q(`[:find [?e ...] :where ${where}]`, db)) as unknown[]);

describe('not and not-join', () => {
  it('answers the DataScript cases', async () => {
    const db = await six();
    expect(await ids('[?e :name] (not [?e :name "Ivan"])', db)).toEqual(edn('#{3 4}'));
    expect(await ids('[?e :name] (not [?e :name "Ivan"] [?e :age 10])', db)).toEqual(
      edn('#{2 3 4 6}'),
    );
    expect(await ids('[?e :name] (not [?e :name "Ivan"]) (not [?e :age 10])', db)).toEqual(
      edn('#{4}'),
    );
    expect(await ids('[?e :name] (not [?e :age])', db)).toEqual(edn('#{}'));
    expect(await ids('[?e :name "Ivan"] (not [?e :name "Oleg"])', db)).toEqual(edn('#{1 2 5 6}'));
    expect(await ids('[?e :name] (not [?e :name "Ivan"] [?e :name "Oleg"])', db)).toEqual(
      edn('#{1 2 3 4 5 6}'),
    );
    expect(await ids('[?e :name] (not [?e :name "Ivan"] (not [?e :age 10]))', db)).toEqual(
      edn('#{1 3 4 5}'),
    );
    expect(await ids('[?e :name ?a] (not [?e :age ?f] [?e :age 10])', db)).toEqual(edn('#{2 4 6}'));
    await expectQ(
      '#{[1 10] [2 20] [5 10] [6 20]}',
      '[:find ?e ?a :where [?e :name] [?e :age ?a] (not-join [?e] [?e :name "Oleg"] [?e :age ?a])]',
      db,
    );
    await expectQ(
      '#{[1 10] [5 10]}',
      '[:find ?e ?a :where [?e :age ?a] [?e :age 10] (not-join [?e] [?e :name "Oleg"] [?e :age ?a] [?e :age 10])]',
      db,
    );
  });

  it('joins on variables bound by :in', async () => {
    const db = await dbOf(
      null,
      '[{:db/id 1 :name "Ivan" :age 10} {:db/id 2 :name "Ivan" :age 20} {:db/id 3 :name "Oleg" :age 20} {:db/id 4 :name "Petr" :age 30}]',
    );
    const one =
      '[:find ?n :in $ ?age :where [?e :name ?n] (not-join [?n ?age] [?e2 :name ?n] [?e2 :age ?age])]';
    await expectQ('#{["Oleg"] ["Petr"]}', one, db, 10);
    await expectQ('#{["Petr"]}', one, db, 20);
    await expectQ('#{["Ivan"] ["Oleg"] ["Petr"]}', one, db, 40);
    const several =
      '[:find ?n :in $ ?name ?age :where [?e :name ?n] (not-join [?n ?name ?age] [?e2 :name ?name] [?e2 :age ?age] [?e2 :name ?n])]';
    await expectQ('#{["Oleg"] ["Petr"]}', several, db, 'Ivan', 10);
    await expectQ('#{["Ivan"] ["Oleg"] ["Petr"]}', several, db, 'Ivan', 30);
  });

  it('negates over constants only, with aggregates too', async () => {
    const db = await dbOf(
      '{:tag {:db/cardinality :db.cardinality/many}}',
      '[{:db/id 100 :name "alice" :nick "al" :tag [:red]} {:db/id 101 :name "bob" :tag [:blue]}]',
    );
    const first = '[:find ?e ?n :in $ ?e :where (not [?e :tag :red]) [?e :name ?n]]';
    await expectQ('#{}', first, db, 100);
    await expectQ('#{[101 "bob"]}', first, db, 101);
    const join = '[:find ?n :in $ ?e :where [?e :name ?n] (not-join [?e] [?e :nick _])]';
    await expectQ('#{}', join, db, 100);
    await expectQ('#{["bob"]}', join, db, 101);
    const agg = '[:find ?n (count ?e) :in $ ?e :where [?e :name ?n] (not-join [?e] [?e :nick _])]';
    await expectQ('[]', agg, db, 100);
    await expectQ('[["bob" 1]]', agg, db, 101);
  });

  it('takes a value variable bound outside the negation', async () => {
    const db = await dbOf(
      '{:tag {:db/cardinality :db.cardinality/many}}',
      '[{:db/id 101 :name "a" :tag [:red :green]} {:db/id 102 :name "b" :tag [:blue]} {:db/id 103 :name "c"}]',
    );
    for (const [form, arg] of [
      ['[?T ...]', edn('[:red]')],
      ['[?T ?U]', edn('[:red :x]')],
      ['?T', edn(':red')],
    ] as const)
      expect(
        await api.q({
          query: `{:find [?e] :in [$ ${form}] :where [[?e :name _] (not [?e :tag ?T])]}`,
          args: [db, arg],
        } as never),
        form,
      ).toEqual(edn('#{[102] [103]}'));
    await expectQ(
      '#{[101 :blue] [102 :red] [102 :green] [103 :red] [103 :green] [103 :blue]}',
      '[:find ?e ?T :where [?x :tag ?T] [?e :name _] (not [?e :tag ?T])]',
      db,
    );
    await expectQ(
      '#{[102] [103]}',
      '[:find ?e :where [(ground :red) ?T] [?e :name _] (not [?e :tag ?T])]',
      db,
    );
    await expectQ(
      '#{[102] [103]}',
      '[:find ?e :in $ % :where (untagged ?e :red)]',
      db,
      edn('[[(untagged ?e ?t) [?e :name _] (not [?e :tag ?t])]]'),
    );
    await expectQ('#{[103]}', '[:find ?e :where [?e :name _] (not [?e :tag ?t])]', db);
    await expectQ('#{[102] [103]}', '[:find ?e :where [?e :name _] (not [?e :tag :red])]', db);
  });

  it('gates on an input alone', async () => {
    const db = await dbOf(
      null,
      '[{:db/id 1 :name "Ivan" :age 10} {:db/id 2 :name "Oleg" :age 20}]',
    );
    await expectQ(
      '#{}',
      '[:find ?n :in $ ?age :where [?e :name ?n] (not [?e2 :age ?age])]',
      db,
      10,
    );
    await expectQ(
      '#{["Ivan"] ["Oleg"]}',
      '[:find ?n :in $ ?age :where [?e :name ?n] (not [?e2 :age ?age])]',
      db,
      99,
    );
    await expectQ(
      '#{}',
      '[:find ?n :in $ ?age :where [?e :name ?n] (not-join [?age] [?e2 :age ?age])]',
      db,
      10,
    );
    await expectQ(
      '#{["Ivan"] ["Oleg"]}',
      '[:find ?n :in $ ?age :where [?e :name ?n] (not-join [?age] [?e2 :age ?age])]',
      db,
      99,
    );
    await expectQ(
      '#{["Ivan" 10] ["Ivan" 20] ["Oleg" 10] ["Oleg" 20]}',
      '[:find ?n ?a :where [?e :name ?n] [?x :age ?a]]',
      db,
    );
  });

  it('uses a join variable only in a predicate or a function of the body', async () => {
    const db = await dbOf(
      null,
      '[{:db/id 1 :name "a" :age 10 :color "red"} {:db/id 2 :name "b" :age 20 :color "blue"} {:db/id 3 :name "c" :age 10 :color "red"} {:db/id 4 :name "d" :age 30}]',
    );
    await expectQ(
      '#{["d" 30]}',
      '[:find ?n ?a :where [?e :name ?n] [?e :age ?a] (not-join [?e ?a] [?e :color ?c] [(< ?a 25)])]',
      db,
    );
    await expectQ(
      '#{["d" 30]}',
      '[:find ?n ?a :where [?e :name ?n] [?e :age ?a] (not-join [?e ?a] [?e :color ?c] [(str ?a) ?s])]',
      db,
    );
  });

  it('reads the default source, changes it and reaches other sources', async () => {
    const [db1, db2] = await namesAndAges();
    const cases: [string, string][] = [
      ['[?e :name] (not [?e :name "Ivan"])', '#{2}'],
      ['[?e :name] (not [$2 ?e :age 10])', '#{2}'],
      ['[?e :name] ($2 not [?e :age 10])', '#{2}'],
      ['[?e :name] ($2 not [$ ?e :name "Ivan"])', '#{2}'],
      ['[?e :name] ($2 not (not [?e :age 10]))', '#{1}'],
      ['[?e :name] ($2 not ($ not [?e :name "Ivan"]))', '#{1}'],
    ];
    for (const [where, expected] of cases)
      expect(
        new Set((await q(`[:find [?e ...] :in $ $2 :where ${where}]`, db1, db2)) as unknown[]),
        where,
      ).toEqual(edn(expected));
  });

  it('answers the anti-join edge cases', async () => {
    const db = await six();
    await expectQ(
      '#{[3]}',
      '[:find ?e :where [?e :name "Oleg"] [?e :age 10] (not [?e :age 20])]',
      db,
    );
    await expectQ('#{}', '[:find ?e :where [?e :name "Oleg"] [?e :age 10] (not [?e :age 10])]', db);
    await expectQ('#{[4]}', '[:find ?e :where [?e :name "Oleg"] (not [?e :age 10])]', db);
    await expectQ(
      '#{[4 3] [3 3] [4 4]}',
      '[:find ?e ?e2 :where [?e :name "Oleg"] [?e2 :name "Oleg"] (not [?e :age 10] [?e2 :age 20])]',
      db,
    );
  });

  it('defers negations and predicates until bound, and refuses unbound ones', async () => {
    const db = await six();
    await expectQ('#{[3] [4]}', '[:find ?e :where (not [?e :name "Ivan"]) [?e :name]]', db);
    await expectQ(
      '#{[1] [3] [5]}',
      '[:find ?e :where [?e :name] (not-join [?e] (not [1 :age ?a]) [?e :age ?a])]',
      db,
    );
    await expectQError(
      'query/insufficient-binding',
      /Insufficient bindings/,
      '[:find ?e :where [?e :name] (not [?a :name "Ivan"])]',
      db,
    );
    const three = await dbOf(
      null,
      '[{:db/id 1 :name "Ivan"} {:db/id 2 :name "Oleg"} {:db/id 3 :name "Ivan"}]',
    );
    await expectQ('#{[1] [3]}', '[:find ?e :where [(= ?n "Ivan")] [?e :name ?n]]', three);
    await expectQ('#{[2]}', '[:find ?e :where (not [?e :name "Ivan"]) [?e :name]]', three);
    await expectQ(
      '#{[2]}',
      '[:find ?e :in $ ?up :where (not [(contains? #{"IVAN"} ?upper)]) [(?up ?n) ?upper] [?e :name ?n]]',
      three,
      (s: string) => s.toUpperCase(),
    );
  });
});
