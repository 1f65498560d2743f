/**
 * Ported from Datahike, test/datahike/test/query_fns_test.cljc: DataScript's function cases
 * as Datahike runs them (four people), get-else with a variable default, nested `q` (with
 * and without rules), Clojure core functions, predicates over :in constants (Datahike issue
 * 848), exceptions, lookup refs and ground entities in get-else/get-some, predicates on
 * variables nothing binds, and the comparison built-ins over every value type.
 *
 * Differs on purpose: Datahike on the JVM resolves any clojure.core function (`int?`) and
 * namespaced function (`my.ns/f`); here only the built-in list resolves (see
 * query-fns.test.ts), so the `int?` case is asked with a function passed in, and a quoted
 * nested query (`'[:find ...]`) is written without the quote, which EDN does not have.
 * Datahike's people are 101–104 (the schema entity for `:parent` takes id 1).
 */

import { describe, expect, it } from 'vitest';
import { dbOf, edn, expectQ, expectQError, q } from './query-helpers.js';

const people = () =>
  dbOf(
    '{:parent {:db/valueType :db.type/ref}}',
    `[{:db/id 101 :name "Ivan" :age 15} {:db/id 102 :name "Petr" :age 22 :height 240 :parent 101}
      {:db/id 103 :name "Slava" :age 37 :parent 102} {:db/id 104 :name "Ivan" :age 22}]`,
  );

const myVals = edn(
  '[[(my-vals ?x) [(identity 1) ?x]] [(my-vals ?x) [(identity 2) ?x]] [(my-vals ?x) [(identity 3) ?x]]]',
);

describe('query functions', () => {
  it('reads with get-else in either clause order, with a variable default, get-some and missing?', async () => {
    const db = await people();
    const all = '#{[101 15 300] [102 22 240] [103 37 300] [104 22 300]}';
    await expectQ(
      all,
      '[:find ?e ?age ?height :where [?e :age ?age] [(get-else $ ?e :height 300) ?height]]',
      db,
    );
    await expectQ(
      all,
      '[:find ?e ?age ?height :where [(get-else $ ?e :height 300) ?height] [?e :age ?age]]',
      db,
    );
    await expectQError(
      'query/invalid',
      /get-else: nil default/,
      '[:find ?e ?height :where [?e :age] [(get-else $ ?e :height nil) ?height]]',
      db,
    );
    await expectQ(
      '#{[101 15] [102 240] [103 37] [104 22]}',
      '[:find ?e ?height :where [?e :age ?age] [(get-else $ ?e :height ?age) ?height]]',
      db,
    );
    await expectQ(
      '#{[101 :age 15] [102 :height 240] [103 :age 37] [104 :age 22]}',
      '[:find ?e ?a ?v :where [?e :name _] [(get-some $ ?e :height :age) [?a ?v]]]',
      db,
    );
    await expectQ(
      '#{[101 15] [103 37] [104 22]}',
      '[:find ?e ?age :in $ :where [?e :age ?age] [(missing? $ ?e :height)]]',
      db,
    );
    await expectQ(
      '#{[103] [104]}',
      '[:find ?e :in $ :where [?e :age ?age] [(missing? $ ?e :_parent)]]',
      db,
    );
  });

  it('runs nested queries, with rules passed along', async () => {
    const db = await people();
    await expectQ(
      '#{[101 "Ivan"]}',
      '[:find ?e ?n :where [(q [:find (min ?age) :where [_ :age ?age]] $) [[?a]]] [?e :age ?a] [?e :name ?n]]',
      db,
    );
    const rules = edn('[[(has-age ?n ?a) [?e :age ?a] [?e :name ?n]]]');
    await expectQError(
      'query/invalid',
      /Missing rules var '%' in :in/,
      '[:find ?n ?a :in $ % :where [(q [:find ?name (min ?age) :where (has-age ?name ?age)]) [[?n ?a]]] (has-age ?n ?a)]',
      db,
      rules,
    );
    await expect(
      q(
        '[:find ?n ?a :in $ % :where [(q [:find ?name (min ?age) :in $ % :where (has-age ?name ?age)]) [[?n ?a]]] (has-age ?n ?a)]',
        db,
        rules,
      ),
    ).rejects.toThrow(/takes 2 input/);
    await expectQ(
      '#{["Petr" 22] ["Ivan" 15] ["Slava" 37]}',
      '[:find ?n ?a :in $ % :where [(q [:find ?name (min ?age) :in $ % :where (has-age ?name ?age)] $ [[(has-age ?n ?a) [?e :age ?a] [?e :name ?n]]]) [[?n ?a]]] (has-age ?n ?a)]',
      db,
      rules,
    );
  });

  it('calls core functions: a predicate passed in, keyword and inc', async () => {
    const db = await people();
    const isInt = (x: unknown) => Number.isInteger(x);
    await expectQ(
      '#{[:age] [:parent] [:height]}',
      '[:find ?attr :in $ ?int? :where [_ ?attr ?a] [(?int? ?a)]]',
      db,
      isInt,
    );
    await expectQ(
      '#{[:Ivan] [:Petr] [:Slava]}',
      '[:find ?k :where [_ :name ?n] [(keyword ?n) ?k]]',
      db,
    );
    await expectQ('#{[16] [23] [38]}', '[:find ?na :where [_ :age ?a] [(inc ?a) ?na]]', db);
  });

  it('filters a function binding by an input, and unifies with earlier bindings', async () => {
    const db = await people();
    await expectQ(
      '#{["abc"]}',
      '[:find ?x :in [?x ...] ?c :where [(count ?x) ?c]]',
      edn('["a" "abc"]'),
      3,
    );
    await expectQ(
      '#{[102] [103] [104]}',
      '[:find ?e :in $ ?adult :where [?e :age ?a] [(?adult ?a)]]',
      db,
      (a: number) => a > 18,
    );
    await expectQ(
      '#{[101 102 103] [102 101 103] [101 104 103] [104 101 103]}',
      '[:find ?e1 ?e2 ?e3 :where [?e1 :age ?a1] [?e2 :age ?a2] [?e3 :age ?a3] [(+ ?a1 ?a2) ?a12] [(= ?a12 ?a3)]]',
      db,
    );
    await expectQ('#{}', '[:find ?n :where [(identity 1) ?n] [(identity 2) ?n]]');
    await expectQ('#{[2]}', '[:find ?n :in $ % :where [(identity 2) ?n] (my-vals ?n)]', db, myVals);
    await expectQ('#{[2]}', '[:find ?n :in $ % :where (my-vals ?n) [(identity 2) ?n]]', db, myVals);
    await expectQ('#{}', '[:find ?age :where [_ :age ?age] [(identity 100) ?age]]', db);
    await expectQ('#{}', '[:find ?age :where [(identity 100) ?age] [_ :age ?age]]', db);
  });
});

describe('predicates over :in constants (Datahike issue 848)', () => {
  const one = () => dbOf(null, '[{:db/id 100 :a "v" :b "v"}]');

  it('filters a binding that comes only from :in', async () => {
    const db = await one();
    await expectQ('nil', '[:find ?e . :in $ ?e :where [(missing? $ ?e :a)]]', db, 100);
    await expectQ('100', '[:find ?e . :in $ ?e :where [(missing? $ ?e :c)]]', db, 100);
    await expectQ('nil', '[:find ?e . :in $ ?e :where [(= ?e 999)]]', db, 100);
    await expectQ('100', '[:find ?e . :in $ ?e :where [(= ?e 100)]]', db, 100);
    await expectQ('100', '[:find ?e . :in $ ?e :where [(= 1 1)]]', db, 100);
    await expectQ('nil', '[:find ?e . :in $ ?e :where [(= 1 2)]]', db, 100);
    await expectQ('100', '[:find ?e . :in $ ?e :where [(= ?e 100)] [(missing? $ ?e :c)]]', db, 100);
    await expectQ('nil', '[:find ?e . :in $ ?e :where [(= ?e 100)] [(missing? $ ?e :a)]]', db, 100);
    await expectQ('nil', '[:find ?e . :in $ ?e :where [?x :nope ?y]]', db, 100);
  });

  it('leaves pattern-bound predicates, mixed ones, get-else, not and aggregates as they were', async () => {
    const db = await one();
    await expectQ('[]', '[:find [?e ...] :where [?e :b ?v] [(missing? $ ?e :a)]]', db);
    await expectQ('[100]', '[:find [?e ...] :where [?e :a ?v] [(missing? $ ?e :c)]]', db);
    await expectQ('[]', '[:find [?e ...] :where [?e :a ?v] [(= ?e 999)]]', db);
    await expectQ('[100]', '[:find [?e ...] :where [?e :a ?v] [(> ?e 0)]]', db);
    await expectQ('[]', '[:find [?x ...] :in $ ?e :where [?e :a ?x] [(= ?e 999)]]', db, 100);
    await expectQ('["v"]', '[:find [?x ...] :in $ ?e :where [?e :a ?x] [(= ?e 100)]]', db, 100);
    await expectQ(
      '["def"]',
      '[:find [?x ...] :where [?e :a ?v] [(get-else $ ?e :c "def") ?x]]',
      db,
    );
    await expectQ('[100]', '[:find [?e ...] :where [?e :a ?v] (not [?e :c ?z])]', db);
    await expectQ('nil', '[:find (count ?e) . :in $ ?e :where [(= ?e 999)]]', db, 100);
    await expectQ('nil', '[:find (count ?e) . :where [?e :nope ?v]]', db);
    await expectQ('1', '[:find (count ?e) . :where [?e :a ?v]]', db);
  });

  it('empties the result when a constant-only predicate fails next to a pattern', async () => {
    const db = await dbOf(null, '[{:db/id 1 :v 10} {:db/id 2 :v 20}]');
    await expectQ('[]', '[:find [?v ...] :in $ ?lim :where [?e :v ?v] [(< 1 ?lim)]]', db, 0);
    expect(
      new Set(
        (await q(
          '[:find [?v ...] :in $ ?lim :where [?e :v ?v] [(< 1 ?lim)]]',
          db,
          99,
        )) as unknown[],
      ),
    ).toEqual(new Set([10, 20]));
    await expectQ('[]', '[:find [?v ...] :in $ ?lim :where [?e :v ?v] [(< ?v ?lim)]]', db, 5);
    await expectQ('[10]', '[:find [?v ...] :in $ ?lim :where [?e :v ?v] [(< ?v ?lim)]]', db, 15);
  });
});

describe('exceptions', () => {
  it('names unknown predicates and functions', async () => {
    await expectQError(
      'query/unknown-function',
      /Unknown predicate fun in \[\(fun \?e\)\]/,
      '[:find ?e :in [?e ...] :where [(fun ?e)]]',
      [1],
    );
    await expectQError(
      'query/unknown-function',
      /Unknown function fun in \[\(fun \?e\) \?x\]/,
      '[:find ?e ?x :in [?e ...] :where [(fun ?e) ?x]]',
      [1],
    );
  });

  it('refuses a predicate on a variable nothing binds', async () => {
    const db = await dbOf(null, '[{:db/id 1 :name "Ivan"}]');
    await expectQError(
      'query/insufficient-binding',
      /Insufficient bindings/,
      '[:find ?n :where [?e :name ?n] [(> ?x 1)]]',
      db,
    );
    await expectQError(
      'query/insufficient-binding',
      /Insufficient bindings/,
      '[:find ?x :where [(> ?x 1)]]',
      db,
    );
    await expectQ('#{["Ivan"]}', '[:find ?n :where [(= ?n "Ivan")] [?e :name ?n]]', db);
  });

  it('gives nothing when a variable in function position holds a stored value (issue 180)', async () => {
    await expectQ(
      '#{}',
      '[:find ?e ?a :where [_ :pred ?pred] [?e :age ?a] [(?pred ?a)]]',
      await dbOf(null, '[[:db/add 1 :age 20]]'),
    );
  });
});

describe('get-else and get-some entities', () => {
  it('takes lookup refs, written inline or given through :in', async () => {
    const db = await dbOf(
      '[{:db/ident :uid :db/unique :db.unique/identity :db/cardinality :db.cardinality/one}]',
      '[{:db/id 100 :uid "u100" :name "alice" :nick "al"} {:db/id 101 :uid "u101" :name "bob"}]',
    );
    await expectQ(
      '#{["al"]}',
      '[:find ?v :where [(get-else $ [:uid "u100"] :nick "none") ?v]]',
      db,
    );
    await expectQ(
      '#{["none"]}',
      '[:find ?v :where [(get-else $ [:uid "u101"] :nick "none") ?v]]',
      db,
    );
    await expectQ(
      '#{[[:nick "al"]]}',
      '[:find ?v :where [(get-some $ [:uid "u100"] :nick) ?v]]',
      db,
    );
    await expectQ(
      '#{[[:uid "u100"] "al"]}',
      '[:find ?e ?v :in $ ?e :where [?e :name ?n] [(get-else $ ?e :nick "none") ?v]]',
      db,
      edn('[:uid "u100"]'),
    );
    await expectQ(
      '#{[[:uid "u101"] "none"]}',
      '[:find ?e ?v :in $ ?e :where [?e :name ?n] [(get-else $ ?e :nick "none") ?v]]',
      db,
      edn('[:uid "u101"]'),
    );
  });

  it('takes ground entities, literal or from :in', async () => {
    const db = await dbOf(null, '[{:db/id 100 :name "alice" :nick "al"} {:db/id 101 :name "bob"}]');
    await expectQ('#{["al"]}', '[:find ?v :where [(get-else $ 100 :nick "none") ?v]]', db);
    await expectQ('#{["none"]}', '[:find ?v :where [(get-else $ 101 :nick "none") ?v]]', db);
    await expectQ('#{["none"]}', '[:find ?v :where [(get-else $ 999 :nick "none") ?v]]', db);
    await expectQ(
      '#{["al"]}',
      '[:find ?v :in $ ?E :where [(get-else $ ?E :nick "none") ?v]]',
      db,
      100,
    );
    await expectQ(
      '#{["none"]}',
      '[:find ?v :in $ ?E :where [(get-else $ ?E :nick "none") ?v]]',
      db,
      101,
    );
    await expectQ(
      '#{[100 "al"] [101 "none"]}',
      '[:find ?e ?v :where [?e :name _] [(get-else $ ?e :nick "none") ?v]]',
      db,
    );
  });
});

describe('comparison built-ins over every type', () => {
  const uuids = [
    '10000000-0000-0000-0000-000000000000',
    '20000000-0000-0000-0000-000000000000',
    '30000000-0000-0000-0000-000000000000',
  ];
  const days = [0, 1, 2].map((n) => new Date(1700000000000 + n * 86400000).toISOString());
  const typed = () =>
    dbOf(
      null,
      `[{:db/id 1 :uuid #uuid "${uuids[0]}" :birthday #inst "${days[0]}" :symbol a :name "Alek" :age 20 :group :a :collegues [1 2] :married? false}
        {:db/id 2 :uuid #uuid "${uuids[1]}" :birthday #inst "${days[1]}" :symbol i :name "Ivan" :age 30 :group :b :collegues [2 3] :married? true}
        {:db/id 3 :uuid #uuid "${uuids[2]}" :birthday #inst "${days[2]}" :symbol o :name "Oleg" :age 40 :group :c :collegues [3 4] :married? true}
        {:db/id 4 :uuid #uuid "${uuids[2]}" :birthday #inst "${days[2]}" :symbol o :name "Oleg" :age 40 :group :c :collegues [3 4] :married? true}]`,
    );
  const ATTRS = [':uuid', ':birthday', ':symbol', ':name', ':age', ':group', ':collegues'];
  const pairs = (attr: string, op: string) =>
    `[:find ?e1 ?e2 :where [?e1 ${attr} ?a1] [?e2 ${attr} ?a2] [(${op} ?a1 ?a2)]]`;
  const triples = (attr: string, op: string) =>
    `[:find ?e1 ?e2 ?e3 :where [?e1 ${attr} ?a1] [?e2 ${attr} ?a2] [?e3 ${attr} ?a3] [(${op} ?a1 ?a2 ?a3)]]`;

  it('orders pairs and chains with <, >, <= and >=', async () => {
    const db = await typed();
    const cases: [string, string, string, string, string][] = [
      [
        '<',
        '#{[1 2] [1 3] [1 4] [2 3] [2 4]}',
        '#{[1 2] [1 3] [1 4]}',
        '#{[1 2 3] [1 2 4]}',
        '#{}',
      ],
      [
        '>',
        '#{[4 1] [3 1] [2 1] [4 2] [3 2]}',
        '#{[4 1] [3 1] [2 1]}',
        '#{[3 2 1] [4 2 1]}',
        '#{}',
      ],
    ];
    for (const [op, pairsAll, pairsBool, triplesAll, triplesBool] of cases) {
      for (const attr of ATTRS) {
        expect(await q(pairs(attr, op), db), `${op} ${attr}`).toEqual(edn(pairsAll));
        expect(await q(triples(attr, op), db), `${op} ${attr}`).toEqual(edn(triplesAll));
      }
      expect(await q(pairs(':married?', op), db)).toEqual(edn(pairsBool));
      expect(await q(triples(':married?', op), db)).toEqual(edn(triplesBool));
    }
    for (const attr of ATTRS) {
      expect(await q(pairs(attr, '<='), db), `<= ${attr}`).toEqual(
        edn('#{[1 2] [1 3] [1 4] [2 3] [2 4] [1 1] [2 2] [3 3] [3 4] [4 3] [4 4]}'),
      );
      expect(await q(pairs(attr, '>='), db), `>= ${attr}`).toEqual(
        edn('#{[4 1] [3 1] [2 1] [4 2] [3 2] [1 1] [2 2] [3 3] [3 4] [4 3] [4 4]}'),
      );
      expect(((await q(triples(attr, '<='), db)) as Set<unknown>).size, `<= ${attr}`).toBe(26);
      expect(((await q(triples(attr, '>='), db)) as Set<unknown>).size, `>= ${attr}`).toBe(26);
    }
    expect(((await q(pairs(':married?', '<='), db)) as Set<unknown>).size).toBe(13);
    expect(((await q(pairs(':married?', '>='), db)) as Set<unknown>).size).toBe(13);
    expect(((await q(triples(':married?', '<='), db)) as Set<unknown>).size).toBe(40);
    expect(((await q(triples(':married?', '>='), db)) as Set<unknown>).size).toBe(40);
  });
});

describe('variable against variable predicates', () => {
  const edges = () =>
    dbOf(
      '[{:db/ident :e :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}]',
      '[{:db/id 100 :e [101]} {:db/id 101 :e [102]} {:db/id 102 :e [102]}]',
    );

  it('constrain in every scope', async () => {
    const db = await edges();
    await expectQ(
      '#{[100] [101] [102]}',
      '[:find ?x :in $ [?y ...] :where [?x :e ?v] [(= ?y ?v)]]',
      db,
      [101, 102],
    );
    await expectQ(
      '#{[100] [101]}',
      '[:find ?a :where [?a :e _] (not-join [?a] [?a :e ?b] [(= ?a ?b)])]',
      db,
    );
    await expectQ(
      '#{[102]}',
      '[:find ?a :where [?a :e _] (or-join [?a] (and [?a :e ?b] [(= ?a ?b)]))]',
      db,
    );
    await expectQ(
      '#{[102]}',
      '[:find ?a :where [?a :e _] (not-join [?a] [?a :e ?b] [(> ?b ?a)])]',
      db,
    );
    await expectQ('#{[102]}', '[:find ?a :where [?a :e ?b] [(= ?a ?b)]]', db);
  });

  it('gives the same answer with a constant or a scalar input', async () => {
    const db = await dbOf(
      '{:salary {:db/index true}}',
      `[${Array.from({ length: 49 }, (_, i) => `{:db/id ${i + 101} :salary ${(i + 1) * 100}}`).join(' ')}]`,
    );
    expect(await q('[:find ?e :in $ ?min :where [?e :salary ?s] [(> ?s ?min)]]', db, 2000)).toEqual(
      await q('[:find ?e :where [?e :salary ?s] [(> ?s 2000)]]', db),
    );
  });
});
