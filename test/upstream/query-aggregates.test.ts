/**
 * Ported from DataScript 1.7.8, test/datascript/test/query_aggregates.cljc: :with and
 * grouping, the built-in aggregates (min/max by the value order, with a count that may come
 * from an input), and aggregates passed in as functions.
 */

import { describe, expect, it } from 'vitest';
import { edn, expectQ, q, qSet } from './query-helpers.js';

const monsters = edn('[["Cerberus" 3] ["Medusa" 1] ["Cyclops" 1] ["Chimera" 1]]');

describe('aggregates', () => {
  it('keeps duplicates through :with', async () => {
    await expectQ(
      '[[1] [1] [1]]',
      '[:find ?heads :with ?monster :in [[?monster ?heads]]]',
      edn('[["Medusa" 1] ["Cyclops" 1] ["Chimera" 1]]'),
    );
  });

  it('aggregates distinct values without :with, every row with it', async () => {
    await expectQ('[[4]]', '[:find (sum ?heads) :in [[?monster ?heads]]]', monsters);
    await expectQ(
      '[[6 1 3 4 2]]',
      '[:find (sum ?heads) (min ?heads) (max ?heads) (count ?heads) (count-distinct ?heads) :with ?monster :in [[?monster ?heads]]]',
      monsters,
    );
  });

  it('orders keywords for min and max by namespace, then name', async () => {
    await expectQ('[[:a/b :a-/b]]', '[:find (min ?x) (max ?x) :in [?x ...]]', edn('[:a-/b :a/b]'));
    await expectQ(
      '[[[:a/b :a/c] [:a/c :a-/b]]]',
      '[:find (min 2 ?x) (max 2 ?x) :in [?x ...]]',
      edn('[:a/b :a-/b :a/c]'),
    );
  });

  it('groups, and takes the count of (max n ?x) from an input', async () => {
    expect(
      await qSet(
        '[:find ?color (max ?amount ?x) (min ?amount ?x) :in [[?color ?x]] ?amount]',
        edn('[[:red 1] [:red 2] [:red 3] [:red 4] [:red 5] [:blue 7] [:blue 8]]'),
        3,
      ),
    ).toEqual(edn('#{[:red [3 4 5] [1 2 3]] [:blue [7 8] [7 8]]}'));
  });

  it('computes avg, median, variance and stddev', async () => {
    const xs = edn('[10 15 20 35 75]');
    const one = async (agg: string) =>
      ((await q(`[:find (${agg} ?x) :in [?x ...]]`, xs)) as unknown[][])[0]![0];
    expect(await one('avg')).toBe(31);
    expect(await one('median')).toBe(20);
    expect(await one('variance')).toBe(554);
    expect(await one('stddev')).toBe(23.53720459187964);
  });

  it('calls an aggregate passed in as a function', async () => {
    const sortReverse = (xs: number[]) => [...xs].sort((a, b) => b - a);
    expect(
      await qSet(
        '[:find ?color (aggregate ?agg ?x) :in [[?color ?x]] ?agg]',
        edn('[[:red 1] [:red 2] [:red 3] [:red 4] [:red 5] [:blue 7] [:blue 8]]'),
        sortReverse,
      ),
    ).toEqual(edn('#{[:red [5 4 3 2 1]] [:blue [8 7]]}'));
  });
});
