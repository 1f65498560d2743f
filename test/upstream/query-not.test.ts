/**
 * Ported from DataScript 1.7.8, test/datascript/test/query_not.cljc: `not` and `not-join`,
 * nested negation, default and explicit sources (`($2 not ...)`, `($2 not ($ not ...))`),
 * edge cases of the anti-join, and a negation that shares no variable with the query.
 *
 * Differs from DataScript on purpose (as Datahike): clauses are reordered, so a `not` written
 * before the clause that binds its variable waits for it instead of failing (the DataScript
 * error cases for that order are asserted as answers, like Datahike's query_not_test).
 */

import { describe, expect, it } from 'vitest';
import { edn, expectQError, namesAndAges, q, sixPeople } from './query-helpers.js';

const six = sixPeople;

const ids = async (where: string, ...inputs: unknown[]) =>
  new Set((await q(`[:find [?e ...] :where ${where}]`, ...inputs)) as unknown[]);

describe('not', () => {
  it('removes the rows its clauses match', async () => {
    const db = await six();
    const cases: [string, string][] = [
      ['[?e :name] (not [?e :name "Ivan"])', '#{3 4}'],
      ['[?e :name] (not [?e :name "Ivan"] [?e :age 10])', '#{2 3 4 6}'],
      ['[?e :name] (not [?e :name "Ivan"]) (not [?e :age 10])', '#{4}'],
      ['[?e :name] (not [?e :age])', '#{}'],
      ['[?e :name "Ivan"] (not [?e :name "Oleg"])', '#{1 2 5 6}'],
      ['[?e :name] (not [?e :name "Ivan"] [?e :name "Oleg"])', '#{1 2 3 4 5 6}'],
      ['[?e :name] (not [?e :name "Ivan"] (not [?e :age 10]))', '#{1 3 4 5}'],
      ['[?e :name ?a] (not [?e :age ?f] [?e :age 10])', '#{2 4 6}'],
    ];
    for (const [where, expected] of cases)
      expect(await ids(where, db), where).toEqual(edn(expected));
  });
});

describe('not-join', () => {
  it('joins only on its declared variables', async () => {
    const db = await six();
    const find = (where: string) => q(`[:find ?e ?a :where ${where}]`, db);
    expect(
      await find('[?e :name] [?e :age ?a] (not-join [?e] [?e :name "Oleg"] [?e :age ?a])'),
    ).toEqual(edn('#{[1 10] [2 20] [5 10] [6 20]}'));
    expect(
      await find(
        '[?e :age ?a] [?e :age 10] (not-join [?e] [?e :name "Oleg"] [?e :age ?a] [?e :age 10])',
      ),
    ).toEqual(edn('#{[1 10] [5 10]}'));
    expect(await find('[?e :age ?a] (not-join [?a] [?e :name "Petr"] [?e :age ?a])')).toEqual(
      edn('#{[1 10] [2 20] [3 10] [4 20] [5 10] [6 20]}'),
    );
  });
});

describe('sources', () => {
  it('inherits the default source, changes it, and reaches other sources explicitly', async () => {
    const [db1, db2] = await namesAndAges();
    const cases: [string, string][] = [
      ['[?e :name] (not [?e :name "Ivan"])', '#{2}'],
      ['[?e :name] (not [$2 ?e :age 10])', '#{2}'],
      ['[?e :name] ($2 not [?e :age 10])', '#{2}'],
      ['[?e :name] ($2 not [$ ?e :name "Ivan"])', '#{2}'],
      ['[?e :name] ($2 not (not [?e :age 10]))', '#{1}'],
      ['[?e :name] ($2 not ($ not [?e :name "Ivan"]))', '#{1}'],
    ];
    for (const [where, expected] of cases)
      expect(
        new Set((await q(`[:find [?e ...] :in $ $2 :where ${where}]`, db1, db2)) as unknown[]),
        where,
      ).toEqual(edn(expected));
  });
});

describe('edge cases', () => {
  it('subtracts constants, relations and products', async () => {
    const db = await six();
    const cases: [string, string][] = [
      ['[:find ?e :where [?e :name "Oleg"] [?e :age 10] (not [?e :age 20])]', '#{[3]}'],
      ['[:find ?e :where [?e :name "Oleg"] [?e :age 10] (not [?e :age 10])]', '#{}'],
      ['[:find ?e :where [?e :name "Oleg"] (not [?e :age 10])]', '#{[4]}'],
      [
        '[:find ?e ?e2 :where [?e :name "Ivan"] [?e2 :name "Ivan"] (not [?e :age 10] [?e2 :age 20])]',
        '#{[2 1] [6 5] [1 1] [2 2] [5 5] [6 6] [2 5] [1 5] [2 6] [6 1] [5 1] [6 2]}',
      ],
      [
        '[:find ?e ?e2 :where [?e :name "Ivan"] [?e2 :name "Oleg"] (not [?e :age 10] [?e2 :age 20])]',
        '#{[2 3] [1 3] [2 4] [6 3] [5 3] [6 4]}',
      ],
      [
        '[:find ?e ?e2 :where [?e :name "Oleg"] [?e2 :name "Oleg"] (not [?e :age 10] [?e2 :age 20])]',
        '#{[4 3] [3 3] [4 4]}',
      ],
    ];
    for (const [query, expected] of cases) expect(await q(query, db), query).toEqual(edn(expected));
  });
});

describe('bindings', () => {
  it('waits for the clause that binds its variables (Datahike; DataScript fails here)', async () => {
    const db = await six();
    expect(await ids('(not [?e :name "Ivan"]) [?e :name]', db)).toEqual(edn('#{3 4}'));
    expect(await ids('[?e :name] (not-join [?e] (not [1 :age ?a]) [?e :age ?a])', db)).toEqual(
      edn('#{1 3 5}'),
    );
  });

  it('refuses a negation that shares no variable with the query', async () => {
    await expectQError(
      'query/insufficient-binding',
      /none of \?a is bound in \(not \[\?a :name "Ivan"\]\)/,
      '[:find ?e :where [?e :name] (not [?a :name "Ivan"])]',
      await six(),
    );
  });
});
