/**
 * Ported from DataScript 1.7.8, test/datascript/test/ident.cljc, its query case: an ident in
 * entity position and as the value of a reference attribute. The rest of the file (idents in
 * transactions, entities and pull) is in ident.test.ts.
 *
 * Datahike semantics: the schema entity for :ref takes id 1, so the ident entities 1 and 2
 * are 101 and 102 here.
 */

import { describe, it } from 'vitest';
import { dbOf, expectQ } from './query-helpers.js';

describe('idents in queries', () => {
  it('name entities in entity and value position', async () => {
    const db = await dbOf(
      '{:ref {:db/valueType :db.type/ref}}',
      '[[:db/add 101 :db/ident :ent1] [:db/add 102 :db/ident :ent2] [:db/add 102 :ref 101]]',
    );
    await expectQ('101', '[:find ?v . :where [:ent2 :ref ?v]]', db);
    await expectQ('102', '[:find ?f . :where [?f :ref :ent1]]', db);
    await expectQ(
      '#{[102]}',
      '[:find ?f :in $ ?x :where [?f :ref ?x]]',
      db,
      (await import('../../src/values/index.js')).keyword('ent1'),
    );
  });
});
