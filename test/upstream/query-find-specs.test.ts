/**
 * Ported from DataScript 1.7.8, test/datascript/test/query_find_specs.cljc: collection,
 * tuple and scalar finds, which cut a larger result to its first row, with aggregates too.
 */

import { describe, expect, it } from 'vitest';
import { edn, expectQ, petrIvanSergey, q } from './query-helpers.js';

const people = petrIvanSergey;

describe('find specs', () => {
  it('returns a collection, a tuple or a scalar', async () => {
    const db = await people();
    expect(
      new Set((await q('[:find [?name ...] :where [_ :name ?name]]', db)) as unknown[]),
    ).toEqual(edn('#{"Ivan" "Petr" "Sergey"}'));
    await expectQ('["Petr" 44]', '[:find [?name ?age] :where [1 :name ?name] [1 :age ?age]]', db);
    await expectQ('"Petr"', '[:find ?name . :where [1 :name ?name]]', db);
  });

  it('cuts a tuple or scalar find to one of the rows', async () => {
    const db = await people();
    expect(edn('#{["Petr" 44] ["Ivan" 25] ["Sergey" 11]}')).toContainEqual(
      await q('[:find [?name ?age] :where [?e :name ?name] [?e :age ?age]]', db),
    );
    expect(edn('#{"Ivan" "Petr" "Sergey"}')).toContainEqual(
      await q('[:find ?name . :where [_ :name ?name]]', db),
    );
  });

  it('takes aggregates in every find spec', async () => {
    const db = await people();
    await expectQ('[3]', '[:find [(count ?name) ...] :where [_ :name ?name]]', db);
    await expectQ('[3]', '[:find [(count ?name)] :where [_ :name ?name]]', db);
    await expectQ('3', '[:find (count ?name) . :where [_ :name ?name]]', db);
  });
});
