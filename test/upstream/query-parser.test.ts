/**
 * Ported from DataScript 1.7.8, the error cases of test/datascript/test/parser.cljc,
 * parser_query.cljc, parser_return_map.cljc, parser_rules.cljc and parser_where.cljc (one
 * describe block per upstream file; parser_find.cljc has no error case). The upstream files
 * also check the parsed structure, which is DataScript's own; here only what a query author
 * sees counts: a malformed query is refused with `query/invalid` and a message naming the
 * problem.
 *
 * Differs on purpose, as Datahike: a rule head may repeat a variable ("Rule variables
 * should be distinct" in DataScript); the arguments in those positions unify.
 */

import { describe, it } from 'vitest';
import { edn, expectQ, expectQError } from './query-helpers.js';

const bad = (message: RegExp, query: string, ...inputs: unknown[]) =>
  expectQError('query/invalid', message, query, ...inputs);

describe('parser.cljc: bindings, :in and :with', () => {
  it('refuses what is not a binding', async () => {
    await bad(/Cannot bind to :key/, '[:find ?x :in ?x :key]', 1, 2);
    await bad(/:with takes variables, got _/, '[:find ?x :with ?x _ :in [?x ...]]', [1]);
  });
});

describe('parser_query.cljc: query validation', () => {
  it('refuses find and with variables that nothing binds', async () => {
    await expectQError('query/unbound-variable', /\?e/, '[:find ?e :where [?x]]', []);
    await expectQError('query/unbound-variable', /\?f/, '[:find ?e :with ?f :where [?e]]', []);
    await expectQError('query/unbound-variable', /\?t/, '[:find ?e ?x ?t :in ?x :where [?e]]', 1);
  });

  it('refuses variables shared by :find and :with, and repeated ones', async () => {
    await bad(
      /:find and :with should not use the same variables: \?e/,
      '[:find ?x ?e :with ?y ?e :where [?x ?e ?y]]',
      [],
    );
    await bad(
      /Vars used in :in should be distinct/,
      '[:find ?e :in $ $ ?x :where [?e]]',
      [],
      [],
      1,
    );
    await bad(
      /Vars used in :in should be distinct/,
      '[:find ?e :in ?x $ ?x :where [?e]]',
      1,
      [],
      1,
    );
    await bad(
      /Vars used in :in should be distinct/,
      '[:find ?e :in $ % ?x % :where [?e]]',
      [],
      [],
      1,
      [],
    );
    await bad(
      /Vars used in :with should be distinct/,
      '[:find ?n :with ?e ?f ?e :where [?e ?f ?n]]',
      [],
    );
  });

  it('refuses sources :in does not bind, and rules without %', async () => {
    await expectQError('query/unknown-source', /unknown source \$1/, '[:find ?x :where [$1 ?x]]');
    await expectQError(
      'query/unknown-source',
      /unknown source \$2/,
      '[:find ?x :in $1 :where [$2 ?x]]',
      [],
    );
    await bad(/Missing rules var '%' in :in/, '[:find ?e :where (rule ?e)]', []);
  });
});

describe('parser_return_map.cljc: :keys, :syms, :strs', () => {
  it('refuses return maps for collection and scalar finds', async () => {
    await bad(
      /:keys does not work with collection :find/,
      '[:find [?a ...] :keys x :where [?a]]',
      [],
    );
    await bad(
      /:keys does not work with single-scalar :find/,
      '[:find ?a . :keys x y :where [?a]]',
      [],
    );
  });

  it('refuses several return maps, and counts that do not match :find', async () => {
    await bad(
      /Only one of :keys\/:syms\/:strs must be present/,
      '[:find ?a ?b :keys x y :strs zt :where [?a ?b]]',
      [],
    );
    await bad(
      /Count of :keys must match count of :find/,
      '[:find ?a ?b :keys x y z :where [?a ?b]]',
      [],
    );
    await bad(
      /Count of :syms must match count of :find/,
      '[:find ?a ?b :syms x :where [?a ?b]]',
      [],
    );
    await bad(
      /Count of :strs must match count of :find/,
      '[:find ?a ?b :strs x :where [?a ?b]]',
      [],
    );
    await bad(
      /Count of :keys must match count of :find/,
      '[:find [?a ?b] :keys x :where [?a ?b]]',
      [],
    );
  });
});

describe('parser_rules.cljc: rules', () => {
  const rule = (message: RegExp, rules: string) =>
    bad(message, '[:find ?x :in $ % :where [?x]]', [], edn(rules));

  it('refuses rule heads without variables', async () => {
    await rule(/Cannot parse rule-vars/, '[[(rule) [_]]]');
    await rule(/Cannot parse rule-vars/, '[[(rule []) [_]]]');
  });

  it('accepts a head that repeats a variable (Datahike; DataScript refuses it)', async () => {
    // The arguments in those positions then unify (query-dh-binding-seam.test.ts).
    await expectQ(
      '#{}',
      '[:find ?x :in $ % :where [?x] (rule ?x ?x ?x)]',
      [],
      edn('[[(rule ?x ?y ?x) [?y]]]'),
    );
  });

  it('refuses branches without clauses and branches of another arity', async () => {
    await rule(/Rule branch should have clauses/, '[[(rule ?x)]]');
    await rule(/Arity mismatch/, '[[(rule ?x) [_]] [(rule ?x ?y) [_]]]');
    await rule(/Arity mismatch/, '[[(rule ?x) [_]] [(rule [?x]) [_]]]');
  });
});

describe('parser_where.cljc: clauses', () => {
  const where = (message: RegExp, clause: string) =>
    bad(message, `[:find ?x :in $ % :where [?x] ${clause}]`, [], edn('[[(friends ?x) [?x]]]'));

  it('refuses empty patterns and rule calls without arguments', async () => {
    await where(/Pattern could not be empty/, '[]');
    await where(/rule-expr requires at least one argument/, '(friends)');
  });

  it('refuses not and not-join without join variables or clauses', async () => {
    await where(/Join variables should not be empty/, '(not-join [] [?y])');
    await where(/Join variables should not be empty/, '(not [_])');
    await where(/Cannot parse 'not-join' clause/, '(not-join [?x])');
    await where(/Cannot parse 'not' clause/, '(not)');
  });

  it('refuses or and or-join without join variables or branches', async () => {
    await where(/Cannot parse rule-vars/, '(or-join [] [?y])');
    await where(/Join variables should not be empty/, '(or [_])');
    await where(/Cannot parse 'or-join' clause/, '(or-join [?x])');
    await where(/Cannot parse 'or' clause/, '(or)');
  });
});
