/**
 * Ported from Datahike, test/datahike/test/query_interop_test.cljc (and its copy under
 * attribute_refs/): Java method calls as predicates and functions (`.startsWith`,
 * `.contains`, `.matches`, `.toLowerCase`).
 *
 * Differs on purpose: there are no Java methods to call, and no symbol outside the built-in
 * list resolves to code. The same questions are asked with the built-ins DataScript has
 * (`clojure.string/starts-with?`, `clojure.string/includes?`, `re-matches`) or with a
 * function passed in; a method call is an unknown function, as Datahike's test for a method
 * that does not exist expects an error.
 */

import { describe, it } from 'vitest';
import { dbOf, expectQ, expectQError } from './query-helpers.js';

const names = () =>
  dbOf(null, '[[:db/add 1 :name "Vlad"] [:db/add 2 :name "Ivan"] [:db/add 3 :name "Sergey"]]');

describe('string predicates and functions', () => {
  it('filters with the string built-ins', async () => {
    const db = await names();
    await expectQ(
      '#{["Sergey"]}',
      '[:find ?v :where [_ :name ?v] [(clojure.string/starts-with? ?v "Ser")]]',
      db,
    );
    await expectQ(
      '#{["Vlad"] ["Ivan"]}',
      '[:find ?v :where [_ :name ?v] [(clojure.string/includes? ?v "a")]]',
      db,
    );
    await expectQ(
      '#{["Sergey"]}',
      '[:find ?v :where [_ :name ?v] [(re-pattern ".+rg.+") ?re] [(re-matches ?re ?v)]]',
      db,
    );
  });

  it('binds with a function passed in', async () => {
    await expectQ(
      '#{["vlad"] ["ivan"] ["sergey"]}',
      '[:find ?V :in $ ?lower :where [?e :name ?v] [(?lower ?v) ?V]]',
      await names(),
      (s: string) => s.toLowerCase(),
    );
  });

  it('refuses a method call', async () => {
    await expectQError(
      'query/unknown-function',
      /Unknown predicate \.startsWith/,
      '[:find ?v :where [_ :name ?v] [(.startsWith ?v "Ser")]]',
      await names(),
    );
  });
});
