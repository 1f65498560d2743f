/**
 * Ported from DataScript 1.7.8, test/datascript/test/query_return_map.cljc: :keys, :syms
 * and :strs turn result tuples into maps, for relation and tuple finds.
 */

import { describe, expect, it } from 'vitest';
import { edn, expectQ, petrIvanSergey, qSet } from './query-helpers.js';

const people = petrIvanSergey;

describe('return maps', () => {
  it('keys result rows by keywords, symbols or strings', async () => {
    const db = await people();
    const where = ':where [?e :name ?name] [?e :age ?age]';
    expect(await qSet(`[:find ?name ?age :keys n a ${where}]`, db)).toEqual(
      edn('#{{:n "Petr" :a 44} {:n "Ivan" :a 25} {:n "Sergey" :a 11}}'),
    );
    expect(await qSet(`[:find ?name ?age :syms n a ${where}]`, db)).toEqual(
      edn('#{{n "Petr" a 44} {n "Ivan" a 25} {n "Sergey" a 11}}'),
    );
    expect(await qSet(`[:find ?name ?age :strs n a ${where}]`, db)).toEqual(
      edn('#{{"n" "Petr" "a" 44} {"n" "Ivan" "a" 25} {"n" "Sergey" "a" 11}}'),
    );
  });

  it('makes a tuple find one map', async () => {
    await expectQ(
      '{:n "Ivan" :a 25}',
      '[:find [?name ?age] :keys n a :where [?e :name ?name] [(= ?name "Ivan")] [?e :age ?age]]',
      await people(),
    );
  });
});
