/**
 * Ported from Datahike, test/datahike/test/query_find_specs_test.cljc: the DataScript find
 * spec cases, and queries whose every variable comes from :in (an existence test that must
 * still answer, in every find spec and with aggregates and pulls).
 */

import { describe, expect, it } from 'vitest';
import { edn, expectQ, petrIvanSergey, q } from './query-helpers.js';

const people = petrIvanSergey;

describe('find specs', () => {
  it('returns collections, tuples and scalars, cut to one row where asked', async () => {
    const db = await people();
    expect(
      new Set((await q('[:find [?name ...] :where [_ :name ?name]]', db)) as unknown[]),
    ).toEqual(edn('#{"Ivan" "Petr" "Sergey"}'));
    await expectQ('["Petr" 44]', '[:find [?name ?age] :where [1 :name ?name] [1 :age ?age]]', db);
    await expectQ('"Petr"', '[:find ?name . :where [1 :name ?name]]', db);
    expect(edn('#{["Petr" 44] ["Ivan" 25] ["Sergey" 11]}')).toContainEqual(
      await q('[:find [?name ?age] :where [?e :name ?name] [?e :age ?age]]', db),
    );
    await expectQ('[3]', '[:find [(count ?name) ...] :where [_ :name ?name]]', db);
    await expectQ('[3]', '[:find [(count ?name)] :where [_ :name ?name]]', db);
    await expectQ('3', '[:find (count ?name) . :where [_ :name ?name]]', db);
  });
});

describe('every variable from :in', () => {
  it('answers when the entity exists', async () => {
    const db = await people();
    await expectQ('1', '[:find ?e . :in $ ?e :where [?e :name _]]', db, 1);
    await expectQ('#{[1]}', '[:find ?e :in $ ?e :where [?e :name _]]', db, 1);
    await expectQ('[1]', '[:find [?e ...] :in $ ?e :where [?e :name _]]', db, 1);
    await expectQ('[[1]]', '[:find (count ?e) :in $ ?e :where [?e :name _]]', db, 1);
    await expectQ(
      '[[{:name "Petr"}]]',
      '[:find (pull ?e [:name]) :in $ ?e :where [?e :name _]]',
      db,
      1,
    );
  });

  it('stays empty when it does not', async () => {
    const db = await people();
    await expectQ('nil', '[:find ?e . :in $ ?e :where [?e :name _]]', db, 999);
    await expectQ('#{}', '[:find ?e :in $ ?e :where [?e :name _]]', db, 999);
    await expectQ(
      '#{[1 2]}',
      '[:find ?e ?f :in $ ?e ?f :where [?e :name _] [?f :name _]]',
      db,
      1,
      2,
    );
    await expectQ('#{}', '[:find ?e ?f :in $ ?e ?f :where [?e :name _] [?f :name _]]', db, 1, 999);
  });
});
