/**
 * Ported from DataScript 1.7.8, test/datascript/test/query_pull.cljc: `(pull ?e pattern)` in
 * :find next to variables, patterns from inputs (`?pattern` and a plain symbol), several
 * sources, find specs, aggregates beside pulls, and lookup refs given as inputs.
 *
 * Datahike semantics: the schema entities for `:value` and `:name` take the first ids, so
 * the entities of those two cases are 101–103.
 */

import { describe, expect, it } from 'vitest';
import { dbOf, edn, expectQ, petrIvanOleg, q, qSet } from './query-helpers.js';

const people = petrIvanOleg;

describe('pull in :find', () => {
  it('pulls beside variables, in any position', async () => {
    const db = await people();
    const cases: [string, string][] = [
      ['[(pull ?e [:name])]', '#{[{:name "Ivan"}] [{:name "Petr"}]}'],
      ['[(pull ?e [*])]', '#{[{:db/id 2 :age 25 :name "Ivan"}] [{:db/id 1 :age 44 :name "Petr"}]}'],
      ['[?e (pull ?e [:name])]', '#{[2 {:name "Ivan"}] [1 {:name "Petr"}]}'],
      ['[?e ?a (pull ?e [:name])]', '#{[2 25 {:name "Ivan"}] [1 44 {:name "Petr"}]}'],
      ['[?e (pull ?e [:name]) ?a]', '#{[2 {:name "Ivan"} 25] [1 {:name "Petr"} 44]}'],
    ];
    for (const [find, expected] of cases)
      expect(await qSet(`{:find ${find} :where [[?e :age ?a] [(>= ?a 18)]]}`, db), find).toEqual(
        edn(expected),
      );
  });

  it('takes the pattern from an input', async () => {
    const db = await people();
    const query = (find: string) =>
      `{:find ${find} :in [$ ?pattern] :where [[?e :age ?a] [(>= ?a 18)]]}`;
    expect(await qSet(query('[(pull ?e ?pattern)]'), db, edn('[:name]'))).toEqual(
      edn('#{[{:name "Ivan"}] [{:name "Petr"}]}'),
    );
    expect(await qSet(query('[?e ?a ?pattern (pull ?e ?pattern)]'), db, edn('[:name]'))).toEqual(
      edn('#{[2 25 [:name] {:name "Ivan"}] [1 44 [:name] {:name "Petr"}]}'),
    );
  });

  it('pulls from the source it names, $ by default', async () => {
    const db1 = await dbOf(null, '[{:db/id 1 :name "Ivan" :age 25}]');
    const db2 = await dbOf(null, '[{:db/id 1 :name "Petr" :age 25}]');
    expect(
      await qSet('[:find ?e (pull $1 ?e [:name]) :in $1 $2 :where [$1 ?e :age 25]]', db1, db2),
    ).toEqual(edn('#{[1 {:name "Ivan"}]}'));
    expect(
      await qSet('[:find ?e (pull $2 ?e [:name]) :in $1 $2 :where [$2 ?e :age 25]]', db1, db2),
    ).toEqual(edn('#{[1 {:name "Petr"}]}'));
    expect(
      await qSet('[:find ?e (pull ?e [:name]) :in $1 $ :where [$ ?e :age 25]]', db1, db2),
    ).toEqual(edn('#{[1 {:name "Petr"}]}'));
  });

  it('pulls in scalar, collection and tuple finds', async () => {
    const db = await people();
    await expectQ('{:name "Ivan"}', '[:find (pull ?e [:name]) . :where [?e :age 25]]', db);
    expect(
      new Set((await q('[:find [(pull ?e [:name]) ...] :where [?e :age ?a]]', db)) as unknown[]),
    ).toEqual(edn('#{{:name "Ivan"} {:name "Petr"} {:name "Oleg"}}'));
    await expectQ('[2 {:name "Ivan"}]', '[:find [?e (pull ?e [:name])] :where [?e :age 25]]', db);
  });

  it('pulls with a pattern bound to a variable or a plain symbol', async () => {
    const db = await people();
    await expectQ(
      '{:name "Ivan"}',
      '[:find (pull ?e ?p) . :in $ ?p :where [(ground 2) ?e]]',
      db,
      edn('[:name]'),
    );
    await expectQ(
      '{:name "Ivan"}',
      '[:find (pull ?e p) . :in $ p :where [(ground 2) ?e]]',
      db,
      edn('[:name]'),
    );
  });

  it('pulls beside aggregates', async () => {
    const db = await dbOf(
      '{:value {:db/cardinality :db.cardinality/many}}',
      '[{:db/id 101 :name "Petr" :value [10 20 30 40]} {:db/id 102 :name "Ivan" :value [14 16]} {:db/id 103 :name "Oleg" :value 1}]',
    );
    expect(
      await qSet('[:find ?e (pull ?e [:name]) (min ?v) (max ?v) :where [?e :value ?v]]', db),
    ).toEqual(
      edn('#{[101 {:name "Petr"} 10 40] [102 {:name "Ivan"} 14 16] [103 {:name "Oleg"} 1 1]}'),
    );
  });

  it('pulls entities given as lookup refs, reporting the refs as written', async () => {
    const db = await dbOf(
      '{:name {:db/unique :db.unique/identity}}',
      '[{:db/id 101 :name "Petr" :age 44} {:db/id 102 :name "Ivan" :age 25} {:db/id 103 :name "Oleg" :age 11}]',
    );
    expect(
      await qSet(
        '[:find ?ref ?a (pull ?ref [:db/id :name]) :in $ [?ref ...] :where [?ref :age ?a] [(>= ?a 18)]]',
        db,
        edn('[[:name "Ivan"] [:name "Oleg"] [:name "Petr"]]'),
      ),
    ).toEqual(
      edn(
        '#{[[:name "Petr"] 44 {:db/id 101 :name "Petr"}] [[:name "Ivan"] 25 {:db/id 102 :name "Ivan"}]}',
      ),
    );
  });
});
