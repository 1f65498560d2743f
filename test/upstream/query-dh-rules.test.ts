/**
 * Ported from Datahike, test/datahike/test/query_rules_test.cljc: DataScript's rule cases as
 * Datahike runs them, and Datahike's own: get-else in rule bodies, false arguments, rule
 * arguments from :in collections and constants (and a vector argument where a value goes),
 * deep chains with bound arguments, a bound output argument, demand that is not the whole
 * closure, recursive steps unlike the base, filtered traversal, mutual and right recursion
 * over cycles, bodies of several clauses, rule variables apart from the caller's (also when
 * named alike), parameters passed through, a second call computing its own relation, and
 * arguments transformed on the way down (a budget), also unbounded. Upstream's cancellation
 * flag is a timeout here.
 *
 * Datahike semantics: schema entities take the first ids; entity ids here start at 100 where
 * a schema is needed, and the chain of 1200 runs from 1001.
 */

import { describe, expect, it } from 'vitest';
import { api, conn, dbOf, edn, expectQ, q } from './query-helpers.js';

const set = async (query: string, ...inputs: unknown[]) =>
  new Set((await q(query, ...inputs)) as unknown[]);

describe('rules as DataScript has them', () => {
  const follows = edn(
    '[[5 :follow 3] [1 :follow 2] [2 :follow 3] [3 :follow 4] [4 :follow 6] [2 :follow 4]]',
  );

  it('calls, joins, branches and recurses', async () => {
    await expectQ(
      '#{[1 2] [2 3] [3 4] [2 4] [5 3] [4 6]}',
      '[:find ?e1 ?e2 :in $ % :where (follow ?e1 ?e2)]',
      follows,
      edn('[[(follow ?x ?y) [?x :follow ?y]]]'),
    );
    await expectQ(
      '#{[3 2] [6 4] [4 2]}',
      '[:find ?y ?x :in $ % :where [_ _ ?x] (rule ?x ?y) [(even? ?x)]]',
      follows,
      edn('[[(rule ?a ?b) [?a :follow ?b]]]'),
    );
    await expectQ(
      '#{[:follow]}',
      '[:find ?x :in $ % :where [?e _ _] (rule ?x)]',
      follows,
      edn('[[(rule ?e) [_ ?e _]]]'),
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
    await expectQ(
      '#{["Oleg"]}',
      '[:find ?n :in $sexes $ages % :where ($sexes male ?n) ($ages adult ?n)]',
      edn('[["Ivan" :male] ["Darya" :female] ["Oleg" :male] ["Igor" :male]]'),
      edn('[["Ivan" 15] ["Oleg" 66] ["Darya" 32]]'),
      edn('[[(male ?x) [?x :male]] [(adult ?y) [?y ?a] [(>= ?a 18)]]]'),
    );
  });
});

describe('get-else in rule bodies', () => {
  it('binds through get-else and filters on its output', async () => {
    const db = await dbOf(
      '{:concept/id {:db/unique :db.unique/identity}}',
      '[{:db/id 101 :concept/id "c1" :concept/preferred "Alice"} {:db/id 102 :concept/id "c2" :concept/preferred "Bob" :concept/deprecated true} {:db/id 103 :concept/id "c3" :concept/preferred "Carol"}]',
    );
    await expectQ(
      '#{["c1" false] ["c2" true] ["c3" false]}',
      '{:find [?id ?dep] :in [$ %] :where [(maybe-dep ?id ?dep)]}',
      db,
      edn(
        '[[(maybe-dep ?id ?dep) [(get-else $ ?e :concept/deprecated false) ?dep] [?e :concept/id ?id]]]',
      ),
    );
    await expectQ(
      '#{["c1"] ["c3"]}',
      '{:find [?id] :in [$ %] :where [(active? ?id)]}',
      db,
      edn(
        '[[(active? ?id) [?e :concept/id ?id] [(get-else $ ?e :concept/deprecated false) ?dep] [(not ?dep)]]]',
      ),
    );
  });
});

describe('rule arguments', () => {
  it('matches false, and takes arguments from :in scalars, collections and constants', async () => {
    const flags = await dbOf(null, '[[:db/add 1 :attr true] [:db/add 2 :attr false]]');
    const is = edn('[[(is ?id ?val) [?id :attr ?val]]]');
    await expectQ('#{[1]}', '[:find ?id :in $ % :where (is ?id true)]', flags, is);
    await expectQ('#{[2]}', '[:find ?id :in $ % :where (is ?id false)]', flags, is);

    const c = await conn();
    await api.transact(
      c,
      `[{:db/ident :name :db/cardinality :db.cardinality/one :db/index true :db/unique :db.unique/identity :db/valueType :db.type/string}
        {:db/ident :parents :db/cardinality :db.cardinality/many :db/valueType :db.type/ref}
        {:db/ident :age :db/cardinality :db.cardinality/one :db/valueType :db.type/long}]`,
    );
    await api.transact(c, '[{:name "Alice" :age 25} {:name "Bob" :age 30}]');
    await api.transact(c, '[{:name "Charlie" :age 5 :parents [[:name "Alice"] [:name "Bob"]]}]');
    const db = await api.db(c);
    const rules = edn(
      '[[(parent-info ?child ?name ?age) [?child :parents ?p] [(ground ["Alice" "Bob"]) [?name ...]] [?p :name ?name] [?p :age ?age]]]',
    );
    await expectQ(
      '#{[25]}',
      '{:find [?age] :in [$ ?n ?pn %] :where [[?child :name ?n] (parent-info ?child ?pn ?age)]}',
      db,
      'Charlie',
      'Alice',
      rules,
    );
    await expectQ(
      '#{[25]}',
      '{:find [?age] :in [$ ?n [?pn ...] %] :where [[?child :name ?n] (parent-info ?child ?pn ?age)]}',
      db,
      'Charlie',
      ['Alice'],
      rules,
    );
    await expectQ(
      '#{[25]}',
      '{:find [?age] :in [$ ?n %] :where [[?child :name ?n] (parent-info ?child "Alice" ?age)]}',
      db,
      'Charlie',
      rules,
    );
    // Datahike refuses a vector where the pattern wants a value; here it is a value that matches nothing.
    await expectQ(
      '#{}',
      '{:find [?age] :in [$ ?n %] :where [[?child :name ?n] (parent-info ?child ["Alice"] ?age)]}',
      db,
      'Charlie',
      rules,
    );
  });
});

describe('recursion', () => {
  const anc = edn('[[(anc ?c ?a) [?c :parent ?a]] [(anc ?c ?a) [?c :parent ?m] (anc ?m ?a)]]');
  const chain = (from: number, to: number) =>
    Array.from(
      { length: to - from },
      (_, i) => `{:db/id ${from + i} :parent ${from + i + 1}}`,
    ).join(' ');

  it('follows a deep chain from a bound argument, with noise and diamonds', async () => {
    const schema = '{:parent {:db/valueType :db.type/ref :db/cardinality :db.cardinality/one}}';
    const db = await dbOf(schema, `[${chain(1001, 2200)}]`);
    const query = '[:find [?a ...] :in $ % ?h :where (anc ?h ?a)]';
    expect(((await q(query, db, anc, 1001)) as unknown[]).length).toBe(1199);
    expect(((await q(query, db, anc, 2000)) as unknown[]).length).toBe(200);
    const noisy = await dbOf(
      schema,
      `[${chain(1001, 2200)}]`,
      `[${Array.from({ length: 50 }, (_, i) => `{:db/id ${10001 + i} :parent ${1001 + i}}`).join(' ')}]`,
    );
    expect(((await q(query, noisy, anc, 1001)) as unknown[]).length).toBe(1199);
    const diamond = await dbOf(
      '{:parent {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}}',
      '[{:db/id 101 :parent [102 110]} {:db/id 102 :parent 103} {:db/id 110 :parent 111} {:db/id 111 :parent 112} {:db/id 112 :parent 103} {:db/id 103 :parent 104} {:db/id 104 :parent 105}]',
    );
    expect(await set(query, diamond, anc, 101)).toEqual(
      new Set([102, 103, 104, 105, 110, 111, 112]),
    );
  });

  it('passes a set through the head to every level', async () => {
    const db =
      edn(`[[1 :s "root"] [1 :p "isa"] [1 :o "Anchor"] [2 :s "root"] [2 :p "link"] [2 :o "b"]
                     [3 :s "b"] [3 :p "link"] [3 :o "c"] [4 :s "c"] [4 :p "skip"] [4 :o "z"]]`);
    const rules = edn(`[[(reachable ?anchor ?eps ?n) [?e :s ?n] [?e :p "isa"] [?e :o ?anchor]]
                        [(reachable ?anchor ?eps ?o) [?e :s ?s] [?e :p ?ep] [?e :o ?o] [(contains? ?eps ?ep)] (reachable ?anchor ?eps ?s)]]`);
    const query = '[:find ?n :in $ % ?anchor ?eps :where (reachable ?anchor ?eps ?n)]';
    await expectQ('#{["root"] ["b"] ["c"]}', query, db, rules, 'Anchor', new Set(['link']));
    await expectQ(
      '#{["root"] ["b"] ["c"] ["z"]}',
      query,
      db,
      rules,
      'Anchor',
      new Set(['link', 'skip']),
    );
    await expectQ('#{["root"]}', query, db, rules, 'Anchor', new Set());
  });

  it('answers a bound output argument, and a bound input one', async () => {
    const reach = edn(
      '[[(reach ?a ?b) [?a :friend ?b]] [(reach ?a ?b) [?a :friend ?x] (reach ?x ?b)]]',
    );
    const db = await dbOf(
      '{:friend {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}}',
      '[{:db/id 101 :friend [102]} {:db/id 102 :friend [103 106]} {:db/id 103 :friend [104]} {:db/id 104 :friend [105]} {:db/id 105 :x 1} {:db/id 106 :x 1}]',
    );
    const into = '[:find [?a ...] :in $ % ?B :where (reach ?a ?B)]';
    expect(await set(into, db, reach, 102)).toEqual(new Set([101]));
    expect(await set(into, db, reach, 103)).toEqual(new Set([101, 102]));
    expect(await set(into, db, reach, 105)).toEqual(new Set([101, 102, 103, 104]));
    expect(await set(into, db, reach, 106)).toEqual(new Set([101, 102]));
    const from = '[:find [?b ...] :in $ % ?A :where (reach ?A ?b)]';
    expect(await set(from, db, reach, 101)).toEqual(new Set([102, 103, 104, 105, 106]));
    expect(await set(from, db, reach, 104)).toEqual(new Set([105]));
    expect(await set(from, db, reach, 105)).toEqual(new Set());
  });

  it('walks only what a bound argument demands, and steps unlike the base', async () => {
    const db = await dbOf(
      '{:follows {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}}',
      '[{:db/id 101 :follows [102]} {:db/id 102 :follows [103] :city "berlin"} {:db/id 103 :city "paris"}]',
    );
    const sc = edn('[[(sc ?a ?b) [?a :city ?b]] [(sc ?a ?b) [?a :follows ?t] (sc ?t ?b)]]');
    const from = '[:find [?b ...] :in $ % ?A :where (sc ?A ?b)]';
    expect(await set(from, db, sc, 101)).toEqual(new Set(['berlin', 'paris']));
    expect(await set(from, db, sc, 102)).toEqual(new Set(['berlin', 'paris']));
    expect(await set(from, db, sc, 103)).toEqual(new Set(['paris']));
    await expectQ(
      '#{[101 "berlin"] [101 "paris"] [102 "berlin"] [102 "paris"] [103 "paris"]}',
      '[:find ?a ?b :in $ % :where (sc ?a ?b)]',
      db,
      sc,
    );
    const db2 = await dbOf(
      `[{:db/ident :follows :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
        {:db/ident :knows :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}]`,
      '[{:db/id 101 :knows [102]} {:db/id 102 :follows [103] :knows [103]} {:db/id 103 :follows [104]} {:db/id 104 :x 1}]',
    );
    const p = edn('[[(p ?a ?b) [?a :follows ?b]] [(p ?a ?b) [?a :knows ?x] (p ?x ?b)]]');
    expect(await set('[:find [?b ...] :in $ % ?A :where (p ?A ?b)]', db2, p, 101)).toEqual(
      new Set([103, 104]),
    );
  });

  it('keeps a recursive step that does not constrain its propagated variable exact', async () => {
    const db = await dbOf(
      '{:e {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}}',
      '[{:db/id 101 :e [102]} {:db/id 102 :e [103]} {:db/id 103 :db/ident :n3}]',
    );
    const loose = edn('[[(p ?a ?b) [?a :e ?b]] [(p ?a ?b) [?a :e ?b] (p ?x ?b)]]');
    await expectQ('#{[101 102] [102 103]}', '[:find ?a ?b :in $ % :where (p ?a ?b)]', db, loose);
    expect(await set('[:find [?b ...] :in $ % :where (p 101 ?b)]', db, loose)).toEqual(
      new Set([102]),
    );
    const merged = edn('[[(p ?a ?b) [?a :e ?b]] [(p ?a ?b) [?a :e ?x] [?a :e ?b] (p ?x ?b)]]');
    await expectQ('#{[101 102] [102 103]}', '[:find ?a ?b :in $ % :where (p ?a ?b)]', db, merged);
  });

  it('filters a traversal on the way', async () => {
    const db = await dbOf(
      '{:e {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}}',
      '[{:db/id 101 :e [102]} {:db/id 102 :e [103] :active true} {:db/id 103 :e [104] :active false} {:db/id 104 :x 1}]',
    );
    const p = edn('[[(p ?a ?b) [?a :e ?b]] [(p ?a ?b) [?a :e ?x] [?x :active true] (p ?x ?b)]]');
    expect(await set('[:find [?b ...] :in $ % :where (p 101 ?b)]', db, p)).toEqual(
      new Set([102, 103]),
    );
    expect(await set('[:find [?b ...] :in $ % :where (p 102 ?b)]', db, p)).toEqual(new Set([103]));
  });

  it('terminates on mutual recursion over a cycle and on right recursion', async () => {
    const cycle = await dbOf(
      '{:friend {:db/valueType :db.type/ref :db/cardinality :db.cardinality/one}}',
      '[{:db/id 100 :friend 101} {:db/id 101 :friend 102} {:db/id 102 :friend 100}]',
    );
    const hops = edn(
      '[[(ehop ?a ?b) [?a :friend ?b]] [(ehop ?a ?b) [?a :friend ?x] (ohop ?x ?b)] [(ohop ?a ?b) [?a :friend ?x] (ehop ?x ?b)]]',
    );
    expect(
      ((await q('[:find ?a ?b :in $ % :where (ehop ?a ?b)]', cycle, hops)) as Set<unknown>).size,
    ).toBe(9);
    expect(await set('[:find [?b ...] :in $ % :where (ehop 100 ?b)]', cycle, hops)).toEqual(
      new Set([100, 101, 102]),
    );
    const line = await dbOf(
      '{:friend {:db/valueType :db.type/ref :db/cardinality :db.cardinality/one}}',
      '[{:db/id 101 :friend 102} {:db/id 102 :friend 103} {:db/id 103 :x 1}]',
    );
    const rr = edn('[[(rr ?a ?b) [?a :friend ?b]] [(rr ?a ?b) (rr ?a ?x) [?x :friend ?b]]]');
    await expectQ(
      '#{[101 102] [102 103] [101 103]}',
      '[:find ?a ?b :in $ % :where (rr ?a ?b)]',
      line,
      rr,
    );
    expect(await set('[:find [?b ...] :in $ % :where (rr 101 ?b)]', line, rr)).toEqual(
      new Set([102, 103]),
    );
  });

  const graph = () =>
    dbOf(
      `[{:db/ident :sym :db/cardinality :db.cardinality/one}
        {:db/ident :direct :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
        {:db/ident :edge/from :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}
        {:db/ident :edge/to :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}]`,
      `[{:db/id 101 :sym "a" :direct [102]} {:db/id 102 :sym "b" :direct [103]} {:db/id 103 :sym "c" :direct [104]} {:db/id 104 :sym "d"}
        {:db/id 111 :edge/from 101 :edge/to 102} {:db/id 112 :edge/from 102 :edge/to 103} {:db/id 113 :edge/from 103 :edge/to 104}]`,
    );
  const direct = edn('[[(r ?x ?y) [?x :direct ?y]] [(r ?x ?y) [?x :direct ?m] (r ?m ?y)]]');
  const reified = edn(
    '[[(r ?x ?y) [?e :edge/from ?x] [?e :edge/to ?y]] [(r ?x ?y) [?e :edge/from ?x] [?e :edge/to ?m] (r ?m ?y)]]',
  );
  const closure = '#{[101 102] [101 103] [101 104] [102 103] [102 104] [103 104]}';

  it('projects bodies of several clauses', async () => {
    const db = await graph();
    await expectQ(closure, '[:find ?a ?b :in $ % :where (r ?a ?b)]', db, reified);
    expect(await set('[:find [?b ...] :in $ % :where (r 101 ?b)]', db, reified)).toEqual(
      new Set([102, 103, 104]),
    );
    await expectQ(
      closure,
      '[:find ?a ?b :in $ % :where (r ?a ?b)]',
      db,
      edn('[[(r ?x ?y) [?x :direct ?y] [?x :sym _]] [(r ?x ?y) [?x :direct ?m] (r ?m ?y)]]'),
    );
    await expectQ(closure, '[:find ?a ?b :in $ % :where (r ?a ?b)]', db, direct);
  });

  it('keeps rule variables apart from the caller, however they are named', async () => {
    const db = await graph();
    const bcd = new Set(['b', 'c', 'd']);
    for (const rules of [direct, reified]) {
      expect(
        await set(
          '[:find [?s ...] :in $ % :where [?x :sym "a"] (r ?x ?y) [?y :sym ?s]]',
          db,
          rules,
        ),
      ).toEqual(bcd);
      expect(
        await set(
          '[:find [?s ...] :in $ % :where [?p :sym "a"] (r ?p ?q) [?q :sym ?s]]',
          db,
          rules,
        ),
      ).toEqual(bcd);
      expect(
        await set(
          '[:find [?s ...] :in $ % :where (r ?x ?y) [?y :sym ?s] [?x :sym "a"]]',
          db,
          rules,
        ),
      ).toEqual(bcd);
      await expectQ(
        '#{["a" "b"] ["a" "c"] ["a" "d"] ["b" "c"] ["b" "d"] ["c" "d"]}',
        '[:find ?sx ?sy :in $ % :where (r ?x ?y) [?x :sym ?sx] [?y :sym ?sy]]',
        db,
        rules,
      );
      expect(
        await set(
          '[:find [?s ...] :in $ % :where [?x :sym "a"] (r ?p ?q) [?q :sym ?s]]',
          db,
          rules,
        ),
      ).toEqual(bcd);
      expect(
        await set('[:find [?s ...] :in $ % :where [?x :sym ?y] (r ?a ?b) [?b :sym ?s]]', db, rules),
      ).toEqual(bcd);
    }
    const fnRules = edn(
      '[[(r ?x ?y) [?x :direct ?y] [(str ?y) ?t] [(some? ?t)]] [(r ?x ?y) [?x :direct ?m] (r ?m ?y) [(str ?y) ?t] [(some? ?t)]]]',
    );
    const abc = new Set(['a', 'b', 'c']);
    expect(
      await set(
        '[:find [?s ...] :in $ % :where [?y :sym "d"] (r ?p ?y) [?p :sym ?s]]',
        db,
        fnRules,
      ),
    ).toEqual(abc);
    expect(
      await set(
        '[:find [?s ...] :in $ % :where [?w :sym "d"] (r ?p ?w) [?p :sym ?s]]',
        db,
        fnRules,
      ),
    ).toEqual(abc);
  });

  it('passes a parameter through, and computes each rule of a second call on its own', async () => {
    const db = await graph();
    const pass = edn(
      '[[(reach ?anchor ?eps ?n) [?anchor :direct ?n] [(contains? ?eps ?n)]] [(reach ?anchor ?eps ?o) (reach ?anchor ?eps ?s) [?s :direct ?o] [(contains? ?eps ?o)]]]',
    );
    expect(
      await set(
        '[:find [?s ...] :in $ % ?eps :where (reach 101 ?eps ?n) [?n :sym ?s]]',
        db,
        pass,
        new Set([102, 103]),
      ),
    ).toEqual(new Set(['b', 'c']));
    const two = edn(
      '[[(r ?x ?y) [?x :direct ?y]] [(r ?x ?y) [?x :direct ?m] (r ?m ?y)] [(s ?x ?y) [?x :direct ?y]] [(s ?x ?y) [?x :direct ?m] (s ?m ?y)]]',
    );
    expect(
      await set(
        '[:find [?s ...] :in $ % :where [?x :sym "a"] (r ?x ?y) (s ?x ?b) [?b :sym ?s]]',
        db,
        two,
      ),
    ).toEqual(new Set(['b', 'c', 'd']));
  });

  it('stops a long fixpoint at its timeout, and answers without one', async () => {
    const db = await dbOf(
      '{:next {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}}',
      `[${Array.from({ length: 8 }, (_, i) => `{:db/id ${101 + i} :next ${102 + i}}`).join(' ')}]`,
    );
    const tc = edn('[[(tc ?a ?b) [?a :next ?b]] [(tc ?a ?b) [?a :next ?m] (tc ?m ?b)]]');
    await expect(
      api.q({
        query: '[:find (count ?b) :in $ % :where (tc ?a ?b)]',
        args: [db, tc],
        timeout: 0,
      } as never),
    ).rejects.toThrow(/timed out/);
    expect(
      ((await q('[:find ?a ?b :in $ % :where (tc ?a ?b)]', db, tc)) as Set<unknown>).size,
    ).toBe(36);
    await expectQ('[[8]]', '[:find (count ?b) :in $ % :where (tc ?a ?b)]', db, tc);
  });

  it('transforms an argument on the way down', async () => {
    const db = await dbOf(
      '{:next {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}}',
      '[{:db/id 101 :next [102 105]} {:db/id 102 :next [103]} {:db/id 103 :next [104]}]',
    );
    const budget = edn(`[[(reachable ?head ?link ?budget) [(identity ?head) ?link]]
                         [(reachable ?head ?link ?budget) [(> ?budget 0)] [(dec ?budget) ?b2] [?prev :next ?link] (reachable ?head ?prev ?b2)]]`);
    const reach = (n: number) =>
      set(
        '[:find [?link ...] :in $ % ?head ?budget :where (reachable ?head ?link ?budget)]',
        db,
        budget,
        101,
        n,
      );
    expect(await reach(0)).toEqual(new Set([101]));
    expect(await reach(1)).toEqual(new Set([101, 102, 105]));
    expect(await reach(2)).toEqual(new Set([101, 102, 105, 103]));
    expect(await reach(3)).toEqual(new Set([101, 102, 105, 103, 104]));
    expect(await reach(9)).toEqual(new Set([101, 102, 105, 103, 104]));
  });

  it('transforms arguments across mutually recursive and non-linear rules', async () => {
    const db = await dbOf(
      '{:next {:db/valueType :db.type/ref :db/cardinality :db.cardinality/many}}',
      '[{:db/id 101 :next [102]} {:db/id 102 :next [103]} {:db/id 103 :next [104]} {:db/id 104 :next [105]}]',
    );
    const query = (r: string) => `[:find [?l ...] :in $ % ?h ?bud :where (${r} ?h ?l ?bud)]`;
    const mutual = edn(`[[(p ?head ?link ?budget) [(identity ?head) ?link]]
                         [(p ?head ?link ?budget) [(> ?budget 0)] [(dec ?budget) ?b2] (q ?head ?link ?b2)]
                         [(q ?head ?link ?budget) [?prev :next ?link] (p ?head ?prev ?budget)]]`);
    expect(await set(query('p'), db, mutual, 101, 4)).toEqual(new Set([101, 102, 103, 104, 105]));
    const nonLinear = edn(`[[(r ?head ?link ?budget) [?head :next ?link]]
                            [(r ?head ?link ?budget) [(> ?budget 0)] [(dec ?budget) ?b2] (r ?head ?mid ?b2) (r ?mid ?link ?b2)]]`);
    expect(await set(query('r'), db, nonLinear, 101, 2)).toEqual(new Set([102, 103, 104, 105]));
    const unbounded = edn(`[[(u ?head ?link ?budget) [(identity ?head) ?link]]
                            [(u ?head ?link ?budget) [(dec ?budget) ?b2] [?prev :next ?link] (u ?head ?prev ?b2)]]`);
    expect(await set(query('u'), db, unbounded, 101, 9)).toEqual(
      new Set([101, 102, 103, 104, 105]),
    );
  });
});
