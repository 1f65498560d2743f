/**
 * Ported from Datahike, test/datahike/test/query_binding_seam_test.cljc: binding a variable
 * that is already bound unifies, wherever it happens (a pattern, get-else, a function result,
 * each slot of a tuple binding, a collection binding, an :in constant, a rule head that
 * repeats a variable), also on history, as-of and since views, and with byte values.
 *
 * Datahike semantics: get-else returns the first datom the index yields for the entity and
 * attribute, whatever the cardinality, and on a history view that is the first in EAVT order
 * (by value). The float and double array types have no counterpart here; the byte cases are
 * ported. `since` takes the epoch where Datahike's test passes 0 (tx ids start at 2^29 here).
 */

import { describe, expect, it } from 'vitest';
import { api, conn, edn, expectQ, q } from './query-helpers.js';

async function people() {
  const c = await conn();
  await api.transact(
    c,
    `[{:db/ident :name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
      {:db/ident :nick :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
      {:db/ident :score :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
      {:db/ident :tag :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
      {:db/ident :flag :db/valueType :db.type/boolean :db/cardinality :db.cardinality/one}]`,
  );
  await api.transact(
    c,
    `[{:db/id 101 :name "alice" :nick "al" :score 20 :tag [:x :y] :flag true}
      {:db/id 102 :name "carol" :nick "carol" :score 30 :tag [:x]}
      {:db/id 103 :name "dave" :score 10 :tag [:y]}]`,
  );
  return api.db(c);
}

describe('binding a bound variable unifies', () => {
  it('in patterns, get-else, function results, tuples, collections and :in constants', async () => {
    const db = await people();
    await expectQ('#{[102 "carol"]}', '[:find ?e ?v :where [?e :name ?v] [?e :nick ?v]]', db);
    await expectQ(
      '#{[102 "carol"]}',
      '[:find ?e ?v :where [?e :name ?v] [(get-else $ ?e :nick "zzz") ?v]]',
      db,
    );
    await expectQ(
      '#{[102 "carol"] [103 "dave"]}',
      '[:find ?e ?v :where [?e :name ?v] [(get-else $ ?e :nick "dave") ?v]]',
      db,
    );
    await expectQ(
      '#{[103 "zzz"]}',
      '[:find ?e ?v :in $ ?v :where [?e :name _] [(get-else $ ?e :nick "zzz") ?v]]',
      db,
      'zzz',
    );
    await expectQ(
      '#{[103 "zzz"]}',
      '[:find ?e ?v :in $ ?v :where [?e :name _] [?e :tag _] [(get-else $ ?e :nick "zzz") ?v]]',
      db,
      'zzz',
    );
    const tagged = '[:find ?e ?v :in $ ?v :where [?e :name _] [(get-else $ ?e :tag :zz) ?v]]';
    await expectQ('#{[101 :x] [102 :x]}', tagged, db, edn(':x'));
    await expectQ('#{[103 :y]}', tagged, db, edn(':y'));
    await expectQ(
      '#{[102 "carol"]}',
      '[:find ?e ?v :in $ ?v :where [?e :name _] [(get-else $ ?e :nick "zzz") ?v]]',
      db,
      'carol',
    );
    await expectQ(
      '#{[102] [103]}',
      '[:find ?e :in $ ?v :where [?e :name _] [(get-else $ ?e :flag false) ?v]]',
      db,
      false,
    );
    await expectQ('#{[101]}', '[:find ?e :in $ ?f :where [?e :flag ?v] [(= ?v ?f)]]', db, true);
    await expectQ('#{[103 10]}', '[:find ?e ?s :where [?e :score ?s] [(+ 5 5) ?s]]', db);
    await expectQ(
      '#{[103 "dave" 10]}',
      '[:find ?e ?n ?s :where [?e :name ?n] [?e :score ?s] [(vector ?n 10) [?n ?s]]]',
      db,
    );
    await expectQ(
      '#{[101 20] [103 10]}',
      '[:find ?e ?s :where [?e :score ?s] [(identity [10 20]) [?s ...]]]',
      db,
    );
  });

  it('in rule heads that repeat a variable', async () => {
    const db = await people();
    const same = edn('[[(same ?a ?a) [?e :score ?a]]]');
    await expectQ(
      '#{[20 20] [30 30] [10 10]}',
      '[:find ?x ?y :in $ % :where (same ?x ?y)]',
      db,
      same,
    );
    await expectQ(
      '#{[101] [102] [103]}',
      '[:find ?e :in $ % :where [?e :score _] (not-join [?e] (same ?e ?e))]',
      db,
      same,
    );
    await expect(
      q('[:find ?x :in $ % :where (t ?x)]', db, edn('[[(t ?x) [(identity ?x) ?x]]]')),
    ).rejects.toThrow(/Insufficient bindings/);
  });
});

describe('on time views', () => {
  async function nicks(...txs: string[]) {
    const c = await conn();
    await api.transact(
      c,
      `[{:db/ident :name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
        {:db/ident :nick :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
        {:db/ident :anchor :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]`,
    );
    for (const tx of txs) await api.transact(c, tx);
    return api.db(c);
  }

  it('keeps only the entity without the attribute when the default is obligated', async () => {
    const db = await nicks(
      '[{:db/id 101 :name "a" :nick "aaa"} {:db/id 102 :name "b" :nick "bbb"} {:db/id 103 :name "c" :nick "ccc"} {:db/id 104 :name "d"}]',
    );
    const query = '[:find ?e ?v :in $ ?v :where [?e :name _] [(get-else $ ?e :nick "zzz") ?v]]';
    for (const view of [
      db,
      await api.history(db),
      await api.asOf(db, db.maxTx),
      await api.since(db, new Date(0)),
    ])
      await expectQ('#{[104 "zzz"]}', query, view, 'zzz');
  });

  it('takes the first version in EAVT order on history', async () => {
    const db = await nicks(
      '[{:db/id 101 :name "n1b" :nick "n1"} {:db/id 102 :name "n1" :nick "n1"} {:db/id 103 :name "zzz"}]',
      '[{:db/id 101 :nick "n1b"} {:db/id 102 :nick "n1b"}]',
    );
    const query = '[:find ?e ?v :where [?e :name ?v] [(get-else $ ?e :nick "zzz") ?v]]';
    await expectQ('#{[101 "n1b"] [103 "zzz"]}', query, db);
    await expectQ('#{[102 "n1"] [103 "zzz"]}', query, await api.history(db));
    await expectQ('#{[101 "n1b"] [103 "zzz"]}', query, await api.asOf(db, db.maxTx));
    await expectQ('#{[101 "n1b"] [103 "zzz"]}', query, await api.since(db, new Date(0)));
    const old = await nicks('[{:db/id 101 :anchor 1 :nick "old"}]', '[{:db/id 101 :nick "new"}]');
    const anchored = '[:find ?v :where [?e :anchor _] [(get-else $ ?e :nick "D") ?v]]';
    await expectQ('#{["new"]}', anchored, await api.history(old));
    await expectQ('#{["new"]}', anchored, old);
  });
});

describe('byte values', () => {
  it('unify, join, hash and negate by content', async () => {
    const c = await conn();
    await api.transact(
      c,
      `[{:db/ident :anchor :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
        {:db/ident :blob :db/valueType :db.type/bytes :db/cardinality :db.cardinality/one}
        {:db/ident :blob2 :db/valueType :db.type/bytes :db/cardinality :db.cardinality/one}
        {:db/ident :blob3 :db/valueType :db.type/bytes :db/cardinality :db.cardinality/one}
        {:db/ident :hi :db/valueType :db.type/bytes :db/cardinality :db.cardinality/one}
        {:db/ident :hi2 :db/valueType :db.type/bytes :db/cardinality :db.cardinality/one}]`,
    );
    const b = (...xs: number[]) => new Uint8Array(xs);
    await api.transact(c, [
      new Map<unknown, unknown>([
        [edn(':db/id'), 101],
        [edn(':anchor'), 1],
        [edn(':blob'), b(1, 2, 3)],
        [edn(':blob2'), b(1, 2, 3)],
      ]),
      new Map<unknown, unknown>([
        [edn(':db/id'), 102],
        [edn(':anchor'), 2],
        [edn(':blob3'), b(1, 2, 3)],
        [edn(':blob'), b(1, 2, 3)],
        [edn(':blob2'), b(9, 9, 9)],
      ]),
      new Map<unknown, unknown>([
        [edn(':db/id'), 103],
        [edn(':anchor'), 3],
        [edn(':hi'), b(255, 128, 5)],
        [edn(':hi2'), b(255, 128, 5)],
      ]),
    ] as never);
    const db = await api.db(c);
    await expectQ(
      '#{[101]}',
      '[:find ?e :where [?e :blob ?v] [(get-else $ ?e :blob2 "x") ?v]]',
      db,
    );
    await expectQ(
      '#{[101] [102]}',
      '[:find ?e :in $ ?v :where [?e :anchor _] [(get-else $ ?e :blob "x") ?v]]',
      db,
      b(1, 2, 3),
    );
    await expectQ(
      '#{[101]}',
      '[:find ?e :where [?e :blob ?v] [?e :blob2 ?w] [(identity ?w) ?v]]',
      db,
    );
    await expectQ('#{[101]}', '[:find ?e :where [?e :blob ?v] [?e :blob2 ?v]]', db);
    await expectQ(
      '#{[101 102] [102 102]}',
      '[:find ?e ?f :where [?e :blob ?v] [?f :blob3 ?v]]',
      db,
    );
    await expectQ('#{[101] [102]}', '[:find ?e :in $ [?v ...] :where [?e :blob ?v]]', db, [
      b(1, 2, 3),
    ]);
    await expectQ('#{}', '[:find ?e ?f :where [?e :blob ?v] [?f :blob2 ?v] [(= ?e 999)]]', db);
    await expectQ(
      '#{[101] [102]}',
      '[:find ?e :in $ [?v ...] :where [?e :blob ?v] [?e :anchor _]]',
      db,
      [b(1, 2, 3)],
    );
    await expectQ(
      '#{[101] [102]}',
      '[:find ?e :in $ ?v :where [?e :anchor _] ((get-else $ ?e :blob "zz") ?v)]',
      db,
      b(1, 2, 3),
    );
    await expectQ('#{}', '[:find ?e :where [?e :blob ?v] (not-join [?v] [?f :blob3 ?v])]', db);
    await expectQ('#{[103]}', '[:find ?e :where [?e :hi ?v] [?e :hi2 ?v]]', db);
    await expectQ('#{[103]}', '[:find ?e :where [?e :hi ?v] [(get-else $ ?e :hi2 "x") ?v]]', db);
  });
});
