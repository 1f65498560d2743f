/**
 * Ported from Datahike, test/datahike/test/query_aggregates_test.cljc: the aggregate
 * contract (avg, median, variance and stddev are real-valued, variance and stddev over the
 * population; sum, min, max and count exact), columns of mixed numbers, grouping by such a
 * column, and the DataScript aggregate cases Datahike repeats, plus aggregates after a
 * predicate.
 *
 * JavaScript has one number type, so "real-valued" and "exact" are the same numbers here;
 * the values are checked, the types cannot differ.
 */

import { describe, expect, it } from 'vitest';
import { dbOf, edn, expectQ, q, qSet } from './query-helpers.js';

const CONTRACT: [string, number[], number][] = [
  ['avg', [10, 15, 20, 35, 75], 31],
  ['avg', [1, 2], 1.5],
  ['variance', [10, 15, 20, 35, 75], 554],
  ['variance', [10, 20, 30, 12], 62],
  ['variance', [7], 0],
  ['stddev', [10, 15, 20, 35, 75], 23.53720459187964],
  ['stddev', [7], 0],
  ['median', [10, 15, 20, 35, 75], 20],
  ['median', [1, 2, 3, 4], 2.5],
  ['median', [10, 20, 30, 12], 16],
  ['sum', [10, 15, 20, 35, 75], 155],
  ['min', [10, 15, 20, 35, 75], 10],
  ['max', [10, 15, 20, 35, 75], 75],
  ['count', [10, 15, 20, 35, 75], 5],
];

describe('the aggregate contract', () => {
  it('gives each aggregate its value', async () => {
    for (const [agg, xs, expected] of CONTRACT) {
      const [[actual]] = (await q(`[:find (${agg} ?x) :in [?x ...]]`, xs)) as number[][];
      expect(Math.abs(actual! - expected), `(${agg} ${xs})`).toBeLessThan(1e-9);
    }
  });

  it('aggregates columns holding integers and fractions alike', async () => {
    for (const vals of [
      [10, 2.5],
      [2.5, 10],
      [1, 2, 3.5],
      [3.5, 1, 2],
    ]) {
      const db = await dbOf(
        null,
        `[${vals.map((v, i) => `{:db/id ${i + 1} :num/v ${v}}`).join(' ')}]`,
      );
      const total = vals.reduce((a, b) => a + b, 0);
      await expectQ(`[[${total}]]`, '[:find (sum ?x) :where [?e :num/v ?x]]', db);
      await expectQ(`[[${Math.min(...vals)}]]`, '[:find (min ?x) :where [?e :num/v ?x]]', db);
      await expectQ(`[[${total / vals.length}]]`, '[:find (avg ?x) :where [?e :num/v ?x]]', db);
    }
    const db = await dbOf(null, '[{:db/id 1 :num/v 10} {:db/id 2 :num/v 2.5}]');
    expect(await qSet('[:find ?x (count ?e) :where [?e :num/v ?x]]', db)).toEqual(
      edn('#{[10 1] [2.5 1]}'),
    );
    const strings = await dbOf(
      null,
      '[{:db/id 1 :num/v "b"} {:db/id 2 :num/v "a"} {:db/id 3 :num/v "c"}]',
    );
    await expectQ('[["a"]]', '[:find (min ?x) :where [?e :num/v ?x]]', strings);
  });
});

describe('aggregates', () => {
  const monsters = edn('[["Cerberus" 3] ["Medusa" 1] ["Cyclops" 1] ["Chimera" 1]]');

  it('groups with :with, keyword order, parameters from inputs, custom aggregates', async () => {
    await expectQ(
      '[[1] [1] [1]]',
      '[:find ?heads :with ?monster :in [[?monster ?heads]]]',
      edn('[["Medusa" 1] ["Cyclops" 1] ["Chimera" 1]]'),
    );
    await expectQ('[[4]]', '[:find (sum ?heads) :in [[?monster ?heads]]]', monsters);
    await expectQ(
      '[[6 1 3 4 2]]',
      '[:find (sum ?heads) (min ?heads) (max ?heads) (count ?heads) (count-distinct ?heads) :with ?monster :in [[?monster ?heads]]]',
      monsters,
    );
    await expectQ('[[:a/b :a-/b]]', '[:find (min ?x) (max ?x) :in [?x ...]]', edn('[:a-/b :a/b]'));
    await expectQ(
      '[[[:a/b :a/c] [:a/c :a-/b]]]',
      '[:find (min 2 ?x) (max 2 ?x) :in [?x ...]]',
      edn('[:a/b :a-/b :a/c]'),
    );
    const colors = edn('[[:red 1] [:red 2] [:red 3] [:red 4] [:red 5] [:blue 7] [:blue 8]]');
    expect(
      await qSet(
        '[:find ?color (max ?amount ?x) (min ?amount ?x) :in [[?color ?x]] ?amount]',
        colors,
        3,
      ),
    ).toEqual(edn('#{[:red [3 4 5] [1 2 3]] [:blue [7 8] [7 8]]}'));
    const sortReverse = (xs: number[]) => [...xs].sort((a, b) => b - a);
    expect(
      await qSet('[:find ?color (aggregate ?agg ?x) :in [[?color ?x]] ?agg]', colors, sortReverse),
    ).toEqual(edn('#{[:red [5 4 3 2 1]] [:blue [8 7]]}'));
  });

  it('aggregates only what a predicate lets through', async () => {
    const db = await dbOf(
      '[{:db/ident :num/v :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]',
      '[{:num/v 1} {:num/v 2} {:num/v 3} {:num/v 4} {:num/v 5}]',
    );
    await expectQ('[[3]]', '{:find [(count ?e)] :where [[?e :num/v ?v] [(> ?v 2)]]}', db);
    await expectQ('[[12]]', '{:find [(sum ?v)] :where [[?e :num/v ?v] [(> ?v 2)]]}', db);
    await expectQ('[[2]]', '{:find [(count ?e)] :where [[?e :num/v ?v] [(< ?v 3)]]}', db);
  });
});
