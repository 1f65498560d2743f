/**
 * Ported from Datahike, test/datahike/test/query_pull_test.cljc: pulls in :find (also with
 * a set as the pattern), patterns from inputs, several sources, find specs, aggregates,
 * lookup refs, and a pull after a retraction.
 */

import { describe, expect, it } from 'vitest';
import { api, conn, dbOf, edn, expectQ, petrIvanOleg, qSet } from './query-helpers.js';

const people = petrIvanOleg;

describe('pull in :find', () => {
  it('pulls with vector and set patterns, written or given', async () => {
    const db = await people();
    const adults = (find: string, ...inputs: unknown[]) =>
      qSet(
        `{:find ${find} ${inputs.length > 0 ? ':in [$ ?pattern]' : ''} :where [[?e :age ?a] [(>= ?a 18)]]}`,
        db,
        ...inputs,
      );
    expect(await adults('[(pull ?e [:name])]')).toEqual(
      edn('#{[{:name "Ivan"}] [{:name "Petr"}]}'),
    );
    expect(await adults('[(pull ?e [*])]')).toEqual(
      edn('#{[{:db/id 2 :age 25 :name "Ivan"}] [{:db/id 1 :age 44 :name "Petr"}]}'),
    );
    expect(await adults('[?e ?a (pull ?e #{:name})]')).toEqual(
      edn('#{[2 25 {:name "Ivan"}] [1 44 {:name "Petr"}]}'),
    );
    expect(await adults('[?e (pull ?e [:name]) ?a]')).toEqual(
      edn('#{[2 {:name "Ivan"} 25] [1 {:name "Petr"} 44]}'),
    );
    expect(await adults('[(pull ?e ?pattern)]', edn('#{:name}'))).toEqual(
      edn('#{[{:name "Ivan"}] [{:name "Petr"}]}'),
    );
    expect(await adults('[?e ?a ?pattern (pull ?e ?pattern)]', edn('[:name]'))).toEqual(
      edn('#{[2 25 [:name] {:name "Ivan"}] [1 44 [:name] {:name "Petr"}]}'),
    );
  });

  it('pulls from several sources', async () => {
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

  it('pulls in find specs, with patterns as inputs', async () => {
    const db = await people();
    await expectQ('{:name "Ivan"}', '[:find (pull ?e [:name]) . :where [?e :age 25]]', db);
    await expectQ('{:name "Ivan"}', '[:find (pull ?e #{:name}) . :where [?e :age 25]]', db);
    await expectQ('[2 {:name "Ivan"}]', '[:find [?e (pull ?e [:name])] :where [?e :age 25]]', db);
    await expectQ(
      '{:name "Ivan"}',
      '[:find (pull ?e ?p) . :in $ ?p :where [(ground 2) ?e]]',
      db,
      edn('[:name]'),
    );
    await expectQ(
      '{:name "Ivan"}',
      '[:find (pull ?e ?p) . :in $ ?p :where [(ground 2) ?e]]',
      db,
      edn('#{:name}'),
    );
    await expectQ(
      '{:name "Ivan"}',
      '[:find (pull ?e p) . :in $ p :where [(ground 2) ?e]]',
      db,
      edn('[:name]'),
    );
  });

  it('pulls beside aggregates, and for lookup refs', async () => {
    const db = await dbOf(
      '{:value {:db/cardinality :db.cardinality/many}}',
      '[{:db/id 101 :name "Petr" :value [10 20 30 40]} {:db/id 102 :name "Ivan" :value [14 16]} {:db/id 103 :name "Oleg" :value 1}]',
    );
    expect(
      await qSet('[:find ?e (pull ?e [:name]) (min ?v) (max ?v) :where [?e :value ?v]]', db),
    ).toEqual(
      edn('#{[101 {:name "Petr"} 10 40] [102 {:name "Ivan"} 14 16] [103 {:name "Oleg"} 1 1]}'),
    );
    const named = await dbOf(
      '{:name {:db/unique :db.unique/identity}}',
      '[{:db/id 101 :name "Petr" :age 44} {:db/id 102 :name "Ivan" :age 25} {:db/id 103 :name "Oleg" :age 11}]',
    );
    expect(
      await qSet(
        '[:find ?ref ?a (pull ?ref [:db/id :name]) :in $ [?ref ...] :where [?ref :age ?a] [(>= ?a 18)]]',
        named,
        edn('[[:name "Ivan"] [:name "Oleg"] [:name "Petr"]]'),
      ),
    ).toEqual(
      edn(
        '#{[[:name "Petr"] 44 {:db/id 101 :name "Petr"}] [[:name "Ivan"] 25 {:db/id 102 :name "Ivan"}]}',
      ),
    );
  });

  it('pulls what is there after a retraction', async () => {
    const c = await conn();
    await api.transact(
      c,
      `[{:db/ident :c/id :db/valueType :db.type/string :db/unique :db.unique/identity :db/cardinality :db.cardinality/one}
        {:db/ident :c/labels :db/valueType :db.type/string :db/cardinality :db.cardinality/many}]`,
    );
    await api.transact(c, '[{:c/id "t1" :c/labels ["a" "b"]}]');
    const query = '[:find [(pull ?c [:c/id :c/labels]) ...] :where [?c :c/id]]';
    await api.q(query, await api.db(c));
    const { dbAfter } = await api.transact(c, '[[:db/retract [:c/id "t1"] :c/labels "a"]]');
    await expectQ('[{:c/id "t1" :c/labels ["b"]}]', query, dbAfter);
  });
});
