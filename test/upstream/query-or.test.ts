/**
 * Ported from DataScript 1.7.8, test/datascript/test/query_or.cljc: `or` and `or-join`,
 * `and` branches, branches that introduce variables, :in scalars used inside a branch,
 * collection sources, default and explicit sources (`($2 or ...)`, `($2 or ($ or ...))`),
 * constant substitution through or-join, and the errors for branches over different free
 * variables and unbound required variables.
 */

import { describe, expect, it } from 'vitest';
import { dbOf, edn, expectQError, namesAndAges, q, sixPeople } from './query-helpers.js';

const six = sixPeople;

const rows = (xs: string) => new Set((edn(xs) as unknown[]).map((x) => [x]));

describe('or', () => {
  it('unions its branches', async () => {
    const db = await six();
    const cases: [string, string][] = [
      ['(or [?e :name "Oleg"] [?e :age 10])', '[1 3 4 5]'],
      ['(or [?e :name "Oleg"] [?e :age 30])', '[3 4]'],
      ['(or [?e :name "Petr"] [?e :age 30])', '[]'],
      ['[?e :name "Ivan"] (or [?e :name "Oleg"] [?e :age 10])', '[1 5]'],
      [
        '[?e :age ?a] (or (and [?e :name "Ivan"] [1 :age ?a]) (and [?e :name "Oleg"] [2 :age ?a]))',
        '[1 5 4]',
      ],
      [
        '(or (and [?e :name "Ivan"] [1 :age ?a]) (and [?e :name "Oleg"] [2 :age ?a])) [?e :age ?a]',
        '[1 5 4]',
      ],
      [
        '(or (and [?e :name "Ivan"] [1 :age ?a]) (and [2 :age ?a] [?e :name "Oleg"])) [?e :age ?a]',
        '[1 5 4]',
      ],
      [
        '(or (and [?e :age 30] [?e :name ?n]) (and [?e :age 20] [?e :name ?n])) [(ground "Ivan") ?n]',
        '[2 6]',
      ],
    ];
    for (const [where, expected] of cases)
      expect(await q(`[:find ?e :where ${where}]`, db), where).toEqual(rows(expected));
  });
});

describe('or-join', () => {
  it('joins only on its declared variables', async () => {
    const db = await six();
    const cases: [string, string][] = [
      ['(or-join [?e] [?e :name ?n] (and [?e :age ?a] [?e :name ?n]))', '[1 2 3 4 5 6]'],
      [
        '[?e :name ?a] [?e2 :name ?a] (or-join [?e] (and [?e :age ?a] [?e2 :age ?a]))',
        '[1 2 3 4 5 6]',
      ],
      [
        '(or-join [?e ?n] (and [?e :age 30] [?e :name ?n]) (and [?e :age 20] [?e :name ?n])) [(ground "Ivan") ?n]',
        '[2 6]',
      ],
    ];
    for (const [where, expected] of cases)
      expect(await q(`[:find ?e :where ${where}]`, db), where).toEqual(rows(expected));
  });

  it('uses a scalar from :in inside a branch', async () => {
    const db = await six();
    for (const query of [
      '[:find ?e :in $ ?a :where (or [?e :age ?a] [?e :name "Oleg"])]',
      '[:find ?e :in $ ?a :where (or-join [?e ?a] [?e :age ?a] [?e :name "Oleg"])]',
      '[:find ?e :in $ ?a :where (or-join [[?a] ?e] [?e :age ?a] [?e :name "Oleg"])]',
    ])
      expect(await q(query, db, 10), query).toEqual(rows('[1 3 4 5]'));
  });

  it('works over collections, dropping the variables it does not join on', async () => {
    expect(
      await q(
        '[:find ?a ?b ?c :in $xs $ys :where [$xs ?a ?b ?c] (or-join [?a] [$ys ?a ?b ?d])]',
        edn('[[:a1 :b1 :c1] [:a2 :b2 :c2] [:a3 :b3 :c3]]'),
        edn('[[:a1 :b1 :d1] [:a2 :b2* :d2] [:a4 :b4 :c4]]'),
      ),
    ).toEqual(edn('#{[:a1 :b1 :c1] [:a2 :b2 :c2]}'));
    expect(
      await q(
        '[:find ?a ?c :in $xs $ys :where (or-join [?a ?c] [$xs ?a ?b ?c] [$ys ?a ?c])]',
        edn('[[:a1 :b1 :c1]]'),
        edn('[[:a2 :c2]]'),
      ),
    ).toEqual(edn('#{[:a1 :c1] [:a2 :c2]}'));
  });
});

describe('sources', () => {
  it('inherits the default source, changes it, and reaches other sources explicitly', async () => {
    const [db1, db2] = await namesAndAges();
    for (const where of [
      '[?e :name] (or [?e :name "Ivan"])',
      '[?e :name] (or [$2 ?e :age 10])',
      '[?e :name] ($2 or [?e :age 10])',
      '[?e :name] ($2 or [$ ?e :name "Ivan"])',
      '[?e :name] ($2 or (or [?e :age 10]))',
      '[?e :name] ($2 or ($ or [?e :name "Ivan"]))',
    ])
      expect(await q(`[:find ?e :in $ $2 :where ${where}]`, db1, db2), where).toEqual(rows('[1]'));
  });
});

describe('constant substitution', () => {
  it('joins or-join branches with a variable bound from :in', async () => {
    const db = await dbOf(
      '{:parent {:db/valueType :db.type/ref}}',
      '[{:db/id "Ivan" :name "Ivan"} {:db/id "Oleg" :name "Oleg" :parent "Ivan"} {:db/id "Petr" :name "Petr" :parent "Oleg"}]',
    );
    const [ivan, oleg] = [2, 3];
    expect(
      await q(
        '[:find ?name ?x ?y :in $ ?name :where [?x :name ?name] (or-join [?x ?y] (and [?x :parent ?z] [?z :parent ?y]) [?y :parent ?x])]',
        db,
        'Ivan',
      ),
    ).toEqual(new Set([['Ivan', ivan, oleg]]));
    expect(
      await q(
        '[:find ?name ?x ?y :in $ ?name :where [?x :name ?name] (or-join [?x ?y] (and [?x :parent ?z] [?z :parent ?y]) [?x :parent ?y])]',
        db,
        'Ivan',
      ),
    ).toEqual(new Set());
  });
});

describe('errors', () => {
  it('refuses branches over different free variables', async () => {
    await expectQError(
      'query/invalid',
      /All branches of \(or \[\?e :name _\] \[\?e :age \?a\]\) must use the same free variables.*\?a/,
      '[:find ?e :where (or [?e :name _] [?e :age ?a])]',
      await six(),
    );
  });

  it('refuses an or-join whose required variable is not bound', async () => {
    await expectQError(
      'query/insufficient-binding',
      /\?e not bound in \(or-join \[\[\?e\]\] \[\?e :name "Ivan"\]\)/,
      '[:find ?e :where (or-join [[?e]] [?e :name "Ivan"])]',
      await six(),
    );
  });
});
