/**
 * Ported from DataScript 1.7.8, test/datascript/test/query_rules.cljc: rules over collection
 * sources, joins with rules, isolation of rule variables, branches, recursion (also symmetric
 * and mutual), inputs passed to rules, built-ins in rule bodies, calling a rule twice, rules
 * on named sources, rule name and variable validation, false as an argument, and a rule over
 * a large database answering as the inline query does (upstream also times the two; tests
 * here are never timed, so only the answers are compared).
 */

import { describe, expect, it } from 'vitest';
import { dbOf, edn, expectQ, expectQError, q } from './query-helpers.js';

const follows = edn(
  '[[5 :follow 3] [1 :follow 2] [2 :follow 3] [3 :follow 4] [4 :follow 6] [2 :follow 4]]',
);

describe('rules', () => {
  it('calls a one-clause rule', async () => {
    await expectQ(
      '#{[1 2] [2 3] [3 4] [2 4] [5 3] [4 6]}',
      '[:find ?e1 ?e2 :in $ % :where (follow ?e1 ?e2)]',
      follows,
      edn('[[(follow ?x ?y) [?x :follow ?y]]]'),
    );
  });

  it('joins rules with other clauses', async () => {
    await expectQ(
      '#{[3 2] [6 4] [4 2]}',
      '[:find ?y ?x :in $ % :where [_ _ ?x] (rule ?x ?y) [(even? ?x)]]',
      follows,
      edn('[[(rule ?a ?b) [?a :follow ?b]]]'),
    );
  });

  it('keeps rule variables apart from the caller', async () => {
    await expectQ(
      '#{[:follow]}',
      '[:find ?x :in $ % :where [?e _ _] (rule ?x)]',
      follows,
      edn('[[(rule ?e) [_ ?e _]]]'),
    );
  });

  it('unions branches and recurses', async () => {
    await expectQ(
      '#{[2] [3] [4]}',
      '[:find ?e2 :in $ ?e1 % :where (follow ?e1 ?e2)]',
      follows,
      1,
      edn(
        '[[(follow ?e2 ?e1) [?e2 :follow ?e1]] [(follow ?e2 ?e1) [?e2 :follow ?t] [?t :follow ?e1]]]',
      ),
    );
    await expectQ(
      '#{[2] [3] [4] [6]}',
      '[:find ?e2 :in $ ?e1 % :where (follow ?e1 ?e2)]',
      follows,
      1,
      edn(
        '[[(follow ?e1 ?e2) [?e1 :follow ?e2]] [(follow ?e1 ?e2) [?e1 :follow ?t] (follow ?t ?e2)]]',
      ),
    );
    const symmetric = edn(
      '[[(follow ?e1 ?e2) [?e1 :follow ?e2]] [(follow ?e1 ?e2) (follow ?e2 ?e1)]]',
    );
    await expectQ(
      '#{[1 2] [2 3] [2 1] [3 2]}',
      '[:find ?e1 ?e2 :in $ % :where (follow ?e1 ?e2)]',
      edn('[[1 :follow 2] [2 :follow 3]]'),
      symmetric,
    );
    await expectQ(
      '#{[1 2] [2 3] [3 1] [2 1] [3 2] [1 3]}',
      '[:find ?e1 ?e2 :in $ % :where (follow ?e1 ?e2)]',
      edn('[[1 :follow 2] [2 :follow 3] [3 :follow 1]]'),
      symmetric,
    );
  });

  it('evaluates mutually recursive rules', async () => {
    await expectQ(
      '#{[0 1] [0 3] [0 5] [1 3] [1 5] [2 3] [2 5] [3 5] [4 5]}',
      '[:find ?e1 ?e2 :in $ % :where (f1 ?e1 ?e2)]',
      edn('[[0 :f1 1] [1 :f2 2] [2 :f1 3] [3 :f2 4] [4 :f1 5] [5 :f2 6]]'),
      edn(`[[(f1 ?e1 ?e2) [?e1 :f1 ?e2]]
            [(f1 ?e1 ?e2) [?t :f1 ?e2] (f2 ?e1 ?t)]
            [(f2 ?e1 ?e2) [?e1 :f2 ?e2]]
            [(f2 ?e1 ?e2) [?t :f2 ?e2] (f1 ?e1 ?t)]]`),
    );
  });

  it('passes inputs, and runs built-ins, inside rules', async () => {
    const even = (x: number) => x % 2 === 0;
    await expectQ(
      '#{[4 6] [2 4]}',
      '[:find ?x ?y :in $ % ?even :where (match ?even ?x ?y)]',
      follows,
      edn('[[(match ?pred ?e ?e2) [?e :follow ?e2] [(?pred ?e)] [(?pred ?e2)]]]'),
      even,
    );
    await expectQ(
      '#{[4 6] [2 4]}',
      '[:find ?x ?y :in $ % :where (match ?x ?y)]',
      follows,
      edn('[[(match ?e ?e2) [?e :follow ?e2] [(even? ?e)] [(even? ?e2)]]]'),
    );
  });

  it('calls the same rule twice', async () => {
    await expectQ(
      '#{}',
      '[:find ?p :in $ % ?fn :where (rule ?p ?fn "a") (rule ?p ?fn "b")]',
      edn('[[1 :attr "a"]]'),
      edn('[[(rule ?p ?fn ?x) [?p :attr ?x] [(?fn ?x)]]]'),
      () => true,
    );
  });

  it('runs rules on the source the call names', async () => {
    await expectQ(
      '#{["Oleg"]}',
      '[:find ?n :in $sexes $ages % :where ($sexes male ?n) ($ages adult ?n)]',
      edn('[["Ivan" :male] ["Darya" :female] ["Oleg" :male] ["Igor" :male]]'),
      edn('[["Ivan" 15] ["Oleg" 66] ["Darya" 32]]'),
      edn('[[(male ?x) [?x :male]] [(adult ?y) [?y ?a] [(>= ?a 18)]]]'),
    );
  });

  it('validates rule names and rule variables', async () => {
    await expectQError(
      'query/invalid',
      /Unknown rule wat in \(wat \?x\)/,
      '[:find ?x :in $ % :where (wat ?x)]',
      [],
      [],
    );
    await expectQError(
      'query/invalid',
      /Cannot parse var, expected symbol starting with \?, got: \$e1/,
      '[:find ?e :in $ % :where [?e]]',
      [],
      edn('[[(rule $e1 ?e2) [?e1 :ref ?e2]]]'),
    );
  });

  it('matches false as an argument', async () => {
    const db = await dbOf(null, '[[:db/add 1 :attr true] [:db/add 2 :attr false]]');
    const rules = edn('[[(is ?id ?val) [?id :attr ?val]]]');
    await expectQ('#{[1]}', '[:find ?id :in $ % :where (is ?id true)]', db, rules);
    await expectQ('#{[2]}', '[:find ?id :in $ % :where (is ?id false)]', db, rules);
  });

  it('answers a rule over 50,000 entities like the inline query', async () => {
    const statuses = ['started', 'pending', 'stopped'];
    const items = Array.from(
      { length: 49999 },
      (_, i) => `{:item/id ${i + 1} :item/status "${statuses[i % 3]}"}`,
    );
    const db = await dbOf(null, `[${items.join(' ')}]`);
    const inline = await q(
      '[:find ?e :where [?e :item/status ?status] [(ground "pending") ?status]]',
      db,
    );
    const viaRule = await q(
      '[:find ?e :in $ % :where [?e :item/status ?status] (pending? ?status)]',
      db,
      edn('[[(pending? ?status) [(ground "pending") ?status]]]'),
    );
    const sorted = (r: unknown) =>
      [...(r as Set<number[]>)].map((x) => x[0]!).sort((a, b) => a - b);
    expect(sorted(viaRule)).toEqual(sorted(inline));
    expect(sorted(inline).length).toBe(16666);
  });
});
