/**
 * Ported from DataScript 1.7.8, test/datascript/test/query_fns.cljc: predicates and function
 * bindings, `ground`, `get-else`, `get-some`, `missing?` (also over a reverse attribute),
 * comparisons across types, functions passed in, unification of function results with bound
 * variables, result bindings, and the errors for unknown functions, insufficient bindings and
 * unknown sources.
 *
 * Datahike semantics: the schema entity for `:parent` takes id 1, so people are 101–103.
 */

import { describe, expect, it } from 'vitest';
import type { DbView } from '../../src/db/index.js';
import { boundDatom } from '../../src/index/datom.js';
import { keyword } from '../../src/values/index.js';
import { dbOf, edn, expectQ, expectQError, q } from './query-helpers.js';

const family = () =>
  dbOf(
    '{:parent {:db/valueType :db.type/ref}}',
    `[{:db/id 101 :name "Ivan" :age 15}
      {:db/id 102 :name "Petr" :age 22 :height 240 :parent 101}
      {:db/id 103 :name "Slava" :age 37 :parent 102}]`,
  );

const myVals = edn(
  '[[(my-vals ?x) [(identity 1) ?x]] [(my-vals ?x) [(identity 2) ?x]] [(my-vals ?x) [(identity 3) ?x]]]',
);

describe('query functions', () => {
  it('keeps every row when a predicate without variables holds', async () => {
    await expectQ(
      '#{[:a] [:b] [:c]}',
      '[:find ?x :in [?x ...] :where [(> 2 1)]]',
      edn('[:a :b :c]'),
    );
  });

  it('grounds values with no database at all', async () => {
    await expectQ(
      '#{[:a] [:e] [:i] [:o] [:u]}',
      '[:find ?vowel :where [(ground [:a :e :i :o :u]) [?vowel ...]]]',
    );
  });

  it('reads with get-else, get-some and missing?', async () => {
    const db = await family();
    await expectQ(
      '#{[101 15 300] [102 22 240] [103 37 300]}',
      '[:find ?e ?age ?height :where [?e :age ?age] [(get-else $ ?e :height 300) ?height]]',
      db,
    );
    await expectQError(
      'query/invalid',
      /get-else: nil default value is not supported/,
      '[:find ?e ?height :where [?e :age] [(get-else $ ?e :height nil) ?height]]',
      db,
    );
    await expectQ(
      '#{[101 :age 15] [102 :height 240] [103 :age 37]}',
      '[:find ?e ?a ?v :where [?e :name _] [(get-some $ ?e :height :age) [?a ?v]]]',
      db,
    );
    await expectQ(
      '#{[101 15] [103 37]}',
      '[:find ?e ?age :in $ :where [?e :age ?age] [(missing? $ ?e :height)]]',
      db,
    );
  });

  it('checks missing? over a reverse attribute', async () => {
    await expectQ(
      '#{[103]}',
      '[:find ?e :in $ :where [?e :age ?age] [(missing? $ ?e :_parent)]]',
      await family(),
    );
  });

  it('compares with variadic comparison built-ins', async () => {
    const db = await family();
    await expectQ(
      '#{[101 102] [101 103]}',
      '[:find ?e1 ?e2 :where [?e1 :age ?a1] [?e2 :age ?a2] [(< ?a1 18 ?a2)]]',
      db,
    );
    await expectQ('#{[15]}', '[:find ?a1 :where [_ :age ?a1] [(< ?a1 22)]]', db);
    await expectQ('#{[15] [22]}', '[:find ?a1 :where [_ :age ?a1] [(<= ?a1 22)]]', db);
    await expectQ('#{[37]}', '[:find ?a1 :where [_ :age ?a1] [(> ?a1 22)]]', db);
    await expectQ('#{[22] [37]}', '[:find ?a1 :where [_ :age ?a1] [(>= ?a1 22)]]', db);
  });

  it('compares values of different types by their type first', async () => {
    const coll = edn('[[0] [1] [""]]');
    await expectQ('#{[0]}', '[:find ?e :where [?e] [(< ?e 1)]]', coll);
    await expectQ('#{[0] [1]}', '[:find ?e :where [?e] [(<= ?e 1)]]', coll);
    await expectQ('#{[""]}', '[:find ?e :where [?e] [(> ?e 1)]]', coll);
    await expectQ('#{[1] [""]}', '[:find ?e :where [?e] [(>= ?e 1)]]', coll);
  });

  it('counts strings and builds vectors and maps', async () => {
    await expectQ(
      '#{["a" 1] ["abc" 3]}',
      '[:find ?x ?c :in [?x ...] :where [(count ?x) ?c]]',
      edn('["a" "abc"]'),
    );
    await expectQ(
      '[[:db/add -1 :attr 12]]',
      '[:find [?tx-data ...] :where [(ground :db/add) ?op] [(vector ?op -1 :attr 12) ?tx-data]]',
    );
    await expectQ(
      '[{:db/id -1 :age 92 :name "Aaron"}]',
      '[:find [?tx-data ...] :where [(hash-map :db/id -1 :age 92 :name "Aaron") ?tx-data]]',
    );
  });

  it('calls predicates and functions given as inputs, and built-ins on joined rows', async () => {
    const db = await family();
    await expectQ(
      '#{[102] [103]}',
      '[:find ?e :in $ ?adult :where [?e :age ?a] [(?adult ?a)]]',
      db,
      (a: number) => a > 18,
    );
    await expectQ(
      '#{[101 102 103] [102 101 103]}',
      '[:find ?e1 ?e2 ?e3 :where [?e1 :age ?a1] [?e2 :age ?a2] [?e3 :age ?a3] [(+ ?a1 ?a2) ?a12] [(= ?a12 ?a3)]]',
      db,
    );
  });

  it('unifies a function result with a variable bound before', async () => {
    const db = await family();
    await expectQ('#{}', '[:find ?n :where [(identity 1) ?n] [(identity 2) ?n]]');
    await expectQ(
      '#{}',
      '[:find ?n ?x :where [(identity [3 4]) [?n ?x]] [(identity [1 2]) [?n ?x]]]',
    );
    await expectQ('#{[2]}', '[:find ?n :in $ % :where [(identity 2) ?n] (my-vals ?n)]', db, myVals);
    await expectQ('#{[2]}', '[:find ?n :in $ % :where (my-vals ?n) [(identity 2) ?n]]', db, myVals);
    await expectQ('#{}', '[:find ?age :where [_ :age ?age] [(identity 100) ?age]]', db);
    await expectQ('#{}', '[:find ?age :where [(identity 100) ?age] [_ :age ?age]]', db);
  });

  it('gives nothing for a function over an empty relation, or one that returns nil', async () => {
    await expectQ(
      '#{}',
      '[:find ?e ?y :where [?e :salary ?x] [(+ ?x 100) ?y]]',
      edn('[[0 :age 15] [1 :age 35]]'),
    );
    await expectQ(
      '#{[2] [4]}',
      '[:find ?x :in [?in ...] ?f :where [(?f ?in) ?x]]',
      edn('[1 2 3 4]'),
      (x: number) => (x % 2 === 0 ? x : null),
    );
  });

  it('binds function results to tuples, blanks and collections', async () => {
    await expectQ(
      '#{[:a :c]}',
      '[:find ?a ?c :in ?in :where [(ground ?in) [?a _ ?c]]]',
      edn('[:a :b :c]'),
    );
    await expectQ('#{[:a]}', '[:find ?in :in ?in :where [(ground ?in) _]]', edn(':a'));
    await expectQ(
      '#{[:a :c] [:d :f]}',
      '[:find ?x ?z :in ?in :where [(ground ?in) [[?x _ ?z] ...]]]',
      edn('[[:a :b :c] [:d :e :f]]'),
    );
    await expectQ('#{}', '[:find ?in :in [?in ...] :where [(ground ?in) _]]', []);
  });

  it('unifies the results of two functions on one variable', async () => {
    const first = (x: unknown[]) => x[0];
    const second = (x: unknown[]) => x[1];
    await expectQ(
      '#{[[:a :a] :a]}',
      '[:find ?pair ?x :in $ ?first ?second :where [_ _ ?pair] [(?first ?pair) ?x] [(?second ?pair) ?x]]',
      edn('[[1 :pair [:a :a]] [2 :pair [:b :c]]]'),
      first,
      second,
    );
  });
});

describe('predicates', () => {
  const people = () =>
    dbOf(
      null,
      '[{:db/id 1 :name "Ivan" :age 10} {:db/id 2 :name "Ivan" :age 20} {:db/id 3 :name "Oleg" :age 10} {:db/id 4 :name "Oleg" :age 20}]',
    );

  it('filters, joins and compares constants', async () => {
    const db = await people();
    const cases: [string, string][] = [
      ['[:find ?e ?a :where [?e :age ?a] [(> ?a 10)]]', '#{[2 20] [4 20]}'],
      [
        '[:find ?e ?e2 :where [?e :name] [?e2 :name] [(< ?e ?e2)]]',
        '#{[1 2] [1 3] [1 4] [2 3] [2 4] [3 4]}',
      ],
      [
        '[:find ?e ?e2 :where [?e :age ?a] [?e2 :age ?a2] [(< ?e ?e2)]]',
        '#{[1 2] [1 3] [1 4] [2 3] [2 4] [3 4]}',
      ],
      ['[:find ?e ?e2 :where [?e :name "Ivan"] [?e2 :name "Oleg"] [(= ?e ?e2)]]', '#{}'],
      ['[:find ?e :where [?e :name "Ivan"] [?e :age 20] [(= ?e 2)]]', '#{[2]}'],
      ['[:find ?e :where [?e :name "Ivan"] [?e :age 20] [(= ?e 1)]]', '#{}'],
    ];
    for (const [query, expected] of cases) expect(await q(query, db), query).toEqual(edn(expected));
  });

  it('passes the database to a predicate given as an input', async () => {
    const db = await people();
    const age = keyword('age');
    const hasAge = (src: DbView, e: number, a: number) =>
      src.search('eavt', boundDatom(e, age)).some((x) => x.v === a);
    await expectQ(
      '#{[1] [3]}',
      '[:find ?e :in $ ?pred :where [?e :age ?a] [(?pred $ ?e 10)]]',
      db,
      hasAge,
    );
  });
});

describe('errors', () => {
  it('names unknown functions', async () => {
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

  it('names unbound inputs of functions', async () => {
    await expectQError(
      'query/insufficient-binding',
      /\?x not bound in \[\(zero\? \?x\)\]/,
      '[:find ?x :where [(zero? ?x)]]',
    );
    await expectQError(
      'query/insufficient-binding',
      /\?x not bound in \[\(inc \?x\) \?y\]/,
      '[:find ?x :where [(inc ?x) ?y]]',
    );
  });

  it('names sources :in does not bind', async () => {
    await expectQError(
      'query/unknown-source',
      /unknown source \$2/,
      '[:find ?x :where [?x] [(zero? $2 ?x)]]',
    );
    await expectQError(
      'query/unknown-source',
      /unknown source \$:/,
      '[:find ?x :in $2 :where [$2 ?x] [(zero? $ ?x)]]',
      [],
    );
  });

  it('gives nothing when a function variable is bound to a non-function stored value', async () => {
    await expectQ(
      '#{}',
      '[:find ?e ?a :where [_ :pred ?pred] [?e :age ?a] [(?pred ?a)]]',
      await dbOf(null, '[[:db/add 1 :age 20]]'),
    );
  });
});

describe('lookup refs in get-else and get-some', () => {
  it('resolves an entity given as a lookup ref, and reports it as written', async () => {
    const db = await dbOf(
      '{:name {:db/unique :db.unique/identity}}',
      '[{:db/id 101 :name "Ivan" :age 15} {:db/id 102 :name "Petr" :age 22 :height 240}]',
    );
    await expectQ(
      '"Unknown"',
      '[:find ?height . :in $ ?e :where [(get-else $ ?e :height "Unknown") ?height]]',
      db,
      edn('[:name "Ivan"]'),
    );
    await expectQ(
      '#{[[:name "Petr"] :age 22]}',
      '[:find ?e ?a ?v :in $ ?e :where [(get-some $ ?e :weight :age :height) [?a ?v]]]',
      db,
      edn('[:name "Petr"]'),
    );
  });
});
