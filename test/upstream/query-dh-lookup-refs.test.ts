/**
 * Ported from Datahike, test/datahike/test/lookup_refs_test.cljc (the same cases stand in
 * DataScript's lookup_refs.cljc): the query cases of test-lookup-refs-query. Lookup refs
 * given as inputs (scalar, collection, in value position of a reference attribute, several
 * at once), reported as written; entity ids mixed with values that name nothing; each of
 * two sources resolving the same lookup ref to its own entity; lookup refs written in
 * patterns, and the error for one that names nothing. The other cases of the file (lookup
 * refs in transactions and index access) are in lookup-refs.test.ts.
 *
 * Datahike semantics: the schema entities for :name and :friend take ids 1 and 2, so the
 * people 1–3 are 101–103 here (and the second database's ids follow the same shift).
 */

import { describe, expect, it } from 'vitest';
import { dbOf, edn, expectQ, q } from './query-helpers.js';

const SCHEMA = '{:name {:db/unique :db.unique/identity} :friend {:db/valueType :db.type/ref}}';
const friends = () =>
  dbOf(
    SCHEMA,
    '[{:db/id 101 :id 1 :name "Ivan" :age 11 :friend 102} {:db/id 102 :id 2 :name "Petr" :age 22 :friend 103} {:db/id 103 :id 3 :name "Oleg" :age 33}]',
  );
const set = async (query: string, ...inputs: unknown[]) =>
  new Set((await q(query, ...inputs)) as unknown[]);

describe('lookup refs in queries', () => {
  it('resolve as inputs, in every binding and in value position', async () => {
    const db = await friends();
    await expectQ(
      '#{[[:name "Ivan"] 11]}',
      '[:find ?e ?v :in $ ?e :where [?e :age ?v]]',
      db,
      edn('[:name "Ivan"]'),
    );
    expect(
      await set(
        '[:find [?v ...] :in $ [?e ...] :where [?e :age ?v]]',
        db,
        edn('[[:name "Ivan"] [:name "Petr"]]'),
      ),
    ).toEqual(new Set([11, 22]));
    expect(
      await set('[:find [?e ...] :in $ ?v :where [?e :friend ?v]]', db, edn('[:name "Petr"]')),
    ).toEqual(new Set([101]));
    expect(
      await set(
        '[:find [?e ...] :in $ [?v ...] :where [?e :friend ?v]]',
        db,
        edn('[[:name "Petr"] [:name "Oleg"]]'),
      ),
    ).toEqual(new Set([101, 102]));
    await expectQ(
      '#{[[:name "Ivan"] [:name "Petr"]]}',
      '[:find ?e ?v :in $ ?e ?v :where [?e :friend ?v]]',
      db,
      edn('[:name "Ivan"]'),
      edn('[:name "Petr"]'),
    );
    const all = edn('[[:name "Ivan"] [:name "Petr"] [:name "Oleg"]]');
    await expectQ(
      '#{[[:name "Ivan"] [:name "Petr"]] [[:name "Petr"] [:name "Oleg"]]}',
      '[:find ?e ?v :in $ [?e ...] [?v ...] :where [?e :friend ?v]]',
      db,
      all,
      all,
    );
  });

  it('skip values that name no entity', async () => {
    await expectQ(
      '#{[102]}',
      '[:find ?e :in $ [?e ...] :where [?e :friend 103]]',
      await friends(),
      edn('[101 102 103 "A"]'),
    );
  });

  it('resolve against each source on its own', async () => {
    const db = await friends();
    const db2 = await dbOf(
      SCHEMA,
      '[{:db/id 103 :name "Ivan" :id 3} {:db/id 101 :name "Petr" :id 1} {:db/id 102 :name "Oleg" :id 2}]',
    );
    await expectQ(
      '#{[[:name "Ivan"] 1 3] [[:name "Petr"] 2 1] [[:name "Oleg"] 3 2]}',
      '[:find ?e ?e1 ?e2 :in $1 $2 [?e ...] :where [$1 ?e :id ?e1] [$2 ?e :id ?e2]]',
      db,
      db2,
      edn('[[:name "Ivan"] [:name "Petr"] [:name "Oleg"]]'),
    );
  });

  it('resolve written in patterns, and must name an entity there', async () => {
    const db = await friends();
    await expectQ('#{[102]}', '[:find ?v :where [[:name "Ivan"] :friend ?v]]', db);
    await expectQ('#{[101]}', '[:find ?e :where [?e :friend [:name "Petr"]]]', db);
    await expect(q('[:find ?e :where [[:name "Valery"] :friend ?e]]', db)).rejects.toThrow(
      /Nothing found for lookup ref \[:name "Valery"\]/,
    );
  });

  it('resolve on history and as-of views, and inside get-else', async () => {
    const db = await friends();
    const { api } = await import('./query-helpers.js');
    for (const view of [await api.history(db), await api.asOf(db, db.maxTx)]) {
      expect(
        await set('[:find [?v ...] :in $ ?e :where [?e :age ?v]]', view, edn('[:name "Ivan"]')),
      ).toEqual(new Set([11]));
      await expectQ(
        '#{[[:name "Oleg"] "none"]}',
        '[:find ?e ?f :in $ ?e :where [(get-else $ ?e :friend "none") ?f]]',
        view,
        edn('[:name "Oleg"]'),
      );
    }
  });
});
