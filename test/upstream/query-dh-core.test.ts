/**
 * Ported from Datahike, test/datahike/test/query_test.cljc (the cases about query behaviour;
 * the ones testing Datahike's internal planner functions have nothing to port): joins over
 * mixed value types, inputs bound to entities given as lookup refs (reported as written,
 * resolved per source, left alone where they only look like one), source-prefixed patterns
 * reading their own source's schema, limit and offset, return maps, clause order, zero as a
 * value, keyword :keys, a 35-column find, repeated variables inside one clause in every
 * scope, and three synthetic taxonomy trees.
 *
 * Datahike semantics: schema entities take the first ids, so data ids start at 100.
 */

import { describe, expect, it } from 'vitest';
import { api, conn, dbOf, edn, expectQ, q, qSet } from './query-helpers.js';

describe('values of mixed types', () => {
  it('matches a string value among numbers and keywords', async () => {
    const db = await dbOf(
      null,
      '[{:db/id 1 :name "Ivan" :age 15} {:db/id 2 :name "Petr" :age "37"} {:db/id 3 :name "Ivan" :age :thirtyseven} {:db/id 4 :age 15}]',
    );
    await expectQ('#{[2 "Petr"]}', '[:find ?e ?name :where [?e :name ?name] [?e :age "37"]]', db);
  });
});

describe(':in variables that are also found', () => {
  const tagged = () =>
    dbOf(
      `[{:db/ident :tag :db/cardinality :db.cardinality/many}
        {:db/ident :uid :db/unique :db.unique/identity :db/cardinality :db.cardinality/one}]`,
      '[{:db/id 100 :uid "u100" :name "alice" :tag [:red :blue]} {:db/id 101 :uid "u101" :name "bob" :tag [:green]}]',
    );

  it('finds a constant from :in next to disjoint clauses', async () => {
    const db = await tagged();
    await expectQ('#{[100]}', '[:find ?e :in $ ?e :where [?e :name ?n] [?e :tag ?t]]', db, 100);
    await expectQ(
      '#{[100 "alice"]}',
      '[:find ?e ?n :in $ ?e :where [?e :name ?n] [?e :tag ?t]]',
      db,
      100,
    );
    await expectQ(
      '#{[100 101]}',
      '[:find ?e ?x :in $ ?e ?x :where [?e :name ?n] [?x :tag ?t]]',
      db,
      100,
      101,
    );
  });

  it('reports an :in lookup ref as written', async () => {
    const db = await tagged();
    const ref = edn('[:uid "u100"]');
    await expectQ('#{[[:uid "u100"]]}', '[:find ?e :in $ ?e :where [?e :name ?n]]', db, ref);
    await expectQ(
      '#{[[:uid "u100"]]}',
      '[:find ?e :in $ ?e :where [?e :name ?n] [?e :tag ?t]]',
      db,
      ref,
    );
    await expectQ(
      '#{[[:uid "u100"] "alice"]}',
      '[:find ?e ?n :in $ ?e :where [?e :name ?n]]',
      db,
      ref,
    );
  });

  it('resolves a lookup ref wherever it sits in a collection', async () => {
    const db = await tagged();
    for (const input of [
      '[[:uid "u100"] [:uid "u101"]]',
      '[[:uid "u100"] 101]',
      '[100 [:uid "u101"]]',
      '[100 101]',
    ])
      expect(
        await q('[:find ?n :in $ [?e ...] :where [?e :name ?n]]', db, edn(input)),
        input,
      ).toEqual(edn('#{["alice"] ["bob"]}'));
  });

  it('leaves alone a value that only looks like a lookup ref', async () => {
    const db = await tagged();
    for (const v of ['[:limit 5]', '[:db/ident :name]', '[:name "alice"]'])
      expect(
        await q('[:find ?p ?n :in $ ?p :where [?e :name ?n] [?e :uid "u100"]]', db, edn(v)),
        v,
      ).toEqual(new Set([[edn(v), 'alice']]));
  });

  it('resolves a lookup ref against each source that reads it', async () => {
    const db = await tagged();
    const db2 = await dbOf(null, '[{:db/id 100 :name "other"}]');
    const ref = edn('[:uid "u100"]');
    await expectQ(
      '#{[[:uid "u100"] "alice"]}',
      '[:find ?e ?n :in $ $2 ?e :where [?e :name ?n]]',
      db,
      db2,
      ref,
    );
    await expectQ(
      '#{[[:uid "u100"] "alice" "other"]}',
      '[:find ?e ?n ?m :in $ $2 ?e :where [?e :name ?n] [$2 100 :name ?m]]',
      db,
      db2,
      ref,
    );
    const other = await dbOf(
      '[{:db/ident :uid :db/unique :db.unique/identity :db/cardinality :db.cardinality/one}]',
      '[{:db/id 77 :uid "u100" :name "in-other-db"}]',
    );
    const refs = edn('[[:uid "u100"]]');
    await expectQ(
      '#{["in-other-db"]}',
      '[:find ?n :in $ $2 [?e ...] :where [(get-else $2 ?e :name "MISS") ?n]]',
      db,
      other,
      refs,
    );
    await expectQ(
      '#{}',
      '[:find ?e :in $ $2 [?e ...] :where [(missing? $2 ?e :name)]]',
      db,
      other,
      refs,
    );
    await expectQ(
      '#{[#{["in-other-db"]}]}',
      '[:find ?r :in $ $2 [?e ...] :where [(q [:find ?n :in $ ?e :where [?e :name ?n]] $2 ?e) ?r]]',
      db,
      other,
      refs,
    );
  });
});

describe('source-prefixed patterns', () => {
  it('read the schema of their own source', async () => {
    const db1 = await dbOf(
      '[{:db/ident :name :db/unique :db.unique/identity :db/cardinality :db.cardinality/one}]',
      '[{:db/id 101 :name "alice"} {:db/id 102 :name "bob"}]',
    );
    const db2 = await dbOf(null, '[{:db/id 101 :name "alice-2"} {:db/id 102 :name "bob-2"}]');
    await expectQ('#{[101]}', '[:find ?e :in $ $2 :where [$2 ?e :name "alice-2"]]', db1, db2);
    await expectQ(
      '#{[101]}',
      '[:find ?e :in $ $2 :where [$2 ?e :name ?n] [(= ?n "alice-2")]]',
      db1,
      db2,
    );
    await expectQ(
      '#{[101]}',
      '[:find ?e :in $ $2 :where [$ ?e :name "alice"] [$2 ?e :name "alice-2"]]',
      db1,
      db2,
    );
  });
});

describe('bindings', () => {
  it('binds relations, tuples, collections and placeholders, and reports misfits', async () => {
    const db = await dbOf(
      null,
      '[{:db/id 1 :name "Ivan" :age 15} {:db/id 2 :name "Petr" :age 37} {:db/id 3 :name "Ivan" :age 37}]',
    );
    await expectQ(
      '#{[1 "ivan@mail.ru"] [2 "petr@gmail.com"] [3 "ivan@mail.ru"]}',
      '[:find ?e ?email :in $ [[?n ?email]] :where [?e :name ?n]]',
      db,
      edn('[["Ivan" "ivan@mail.ru"] ["Petr" "petr@gmail.com"]]'),
    );
    await expectQ(
      '#{[3]}',
      '[:find ?e :in $ [?name ?age] :where [?e :name ?name] [?e :age ?age]]',
      db,
      edn('["Ivan" 37]'),
    );
    await expectQ('#{[:x :z]}', '[:find ?x ?z :in [?x _ ?z]]', edn('[:x :y :z]'));
    await expect(q('[:find ?a ?b :in [?a ?b]]', edn(':a'))).rejects.toThrow(
      /Cannot bind :a to the tuple/,
    );
    await expect(q('[:find ?a :in [?a ...]]', edn(':a'))).rejects.toThrow(
      /Cannot bind :a to the collection/,
    );
    await expect(q('[:find ?a ?b :in [?a ?b]]', edn('[:a]'))).rejects.toThrow(
      /Not enough elements/,
    );
  });

  it('binds map entries and nested forms', async () => {
    await expectQ(
      '#{[:b 2] [:c 3]}',
      '[:find ?k ?v :in [[?k ?v] ...] :where [(> ?v 1)]]',
      edn('{:a 1 :b 2 :c 3}'),
    );
  });
});

describe('limit and offset', () => {
  const three = () =>
    dbOf(
      null,
      '[{:db/id 1 :name "Alice" :age 15} {:db/id 2 :name "Bob" :age 37} {:db/id 3 :name "Charlie" :age 37}]',
    );
  const query = '[:find ?e :where [?e :name _]]';
  const count = async (opts: Record<string, unknown>, db: unknown) =>
    ((await api.q({ query, args: [db], ...opts } as never)) as Set<unknown>).size;

  it('takes a page of the result, and treats a negative or missing bound as none', async () => {
    const db = await three();
    expect(await count({ limit: -1 }, db)).toBe(3);
    expect(await count({}, db)).toBe(3);
    expect(await count({ limit: null }, db)).toBe(3);
    expect(await count({ offset: -1 }, db)).toBe(3);
    expect(await count({ offset: null }, db)).toBe(3);
    expect(await count({ offset: 1, limit: 1 }, db)).toBe(1);
    expect(await count({ limit: 2 }, db)).toBe(2);
    expect(await count({ offset: 1, limit: 2 }, db)).toBe(2);
    expect(await count({ offset: 2, limit: 2 }, db)).toBe(1);
    expect(await count({ offset: 4 }, db)).toBe(0);
    expect(await count({ offset: 10, limit: 5 }, db)).toBe(0);
    expect(await count({ offset: 1, limit: 0 }, db)).toBe(0);
    const first = await api.q({ query, args: [db], limit: 2 } as never);
    const second = await api.q({ query, args: [db], offset: 1, limit: 2 } as never);
    expect(first).not.toEqual(second);
  });

  it('takes the query map forms of normalize-q-input', async () => {
    const db = await three();
    // {:query q} without :args takes the inputs after it; with :args, those.
    expect(((await api.q({ query } as never, db)) as Set<unknown>).size).toBe(3);
    expect(((await api.q({ query, args: [db] } as never, 'ignored')) as Set<unknown>).size).toBe(3);
    // A query map may carry :limit and :offset among its sections.
    const inline = await api.q(
      { find: ['?e'], where: [['?e', ':name', '_']], offset: 1, limit: 1 } as never,
      db,
    );
    expect((inline as Set<unknown>).size).toBe(1);
  });
});

describe('return maps', () => {
  it('returns maps for :keys and :strs, sets without, and pulls with a pattern input', async () => {
    const db = await dbOf(
      null,
      '[{:db/id 1 :name "Alice" :age 15} {:db/id 2 :name "Bob" :age 37} {:db/id 3 :name "Charlie" :age 37}]',
    );
    const keyed = (await q('[:find ?e :keys name :where [?e :name _]]', db)) as unknown[];
    expect(keyed[0]).toBeInstanceOf(Map);
    await expectQ('#{["Charlie"] ["Alice"] ["Bob"]}', '[:find ?name :where [_ :name ?name]]', db);
    expect(await qSet('[:find ?e :keys foo :where [?e :name _]]', db)).toEqual(
      edn('#{{:foo 3} {:foo 2} {:foo 1}}'),
    );
    expect(await qSet('[:find ?name :strs foo :where [?e :name ?name]]', db)).toEqual(
      edn('#{{"foo" "Charlie"} {"foo" "Alice"} {"foo" "Bob"}}'),
    );
    expect(
      await qSet(
        '{:find [?name (pull ?e ?p)] :in [$ ?p] :where [[?e :name ?name]]}',
        db,
        edn('[:age :db/id]'),
      ),
    ).toEqual(
      edn(
        '#{["Bob" {:age 37 :db/id 2}] ["Charlie" {:age 37 :db/id 3}] ["Alice" {:age 15 :db/id 1}]}',
      ),
    );
  });

  it('takes keywords as :keys the same as symbols', async () => {
    const c = await conn();
    await api.transact(
      c,
      `[{:db/ident :name :db/cardinality :db.cardinality/one :db/index true :db/unique :db.unique/identity :db/valueType :db.type/string}
        {:db/ident :parents :db/cardinality :db.cardinality/many :db/valueType :db.type/ref}
        {:db/ident :age :db/cardinality :db.cardinality/one :db/valueType :db.type/long}]`,
    );
    await api.transact(c, '[{:name "Alice" :age 25} {:name "Bob" :age 35}]');
    await api.transact(c, '[{:name "Charlie" :age 5 :parents [[:name "Alice"] [:name "Bob"]]}]');
    const db = await api.db(c);
    const expected = edn(
      '#{{:name "Alice" :age 25} {:name "Charlie" :age 5} {:name "Bob" :age 35}}',
    );
    expect(
      await qSet('[:find ?n ?a :keys :name :age :where [?e :name ?n] [?e :age ?a]]', db),
    ).toEqual(expected);
    expect(
      await qSet('[:find ?n ?a :keys name age :where [?e :name ?n] [?e :age ?a]]', db),
    ).toEqual(expected);
  });
});

describe('clause order', () => {
  it('runs a predicate written before the clause that binds it', async () => {
    const db = await dbOf(
      null,
      '[{:db/id 1 :name "Ivan" :age 15} {:db/id 2 :name "Petr" :age 37} {:db/id 3 :name "Ivan" :age 37} {:db/id 4 :age 15}]',
    );
    await expectQ('#{[2] [3]}', '{:find [?e] :where [[?e :age ?age] [(= ?age 37)]]}', db);
    await expectQ('#{[2] [3]}', '{:find [?e] :where [[(= ?age 37)] [?e :age ?age]]}', db);
  });
});

describe('zero as a value', () => {
  it('matches 0 in value position', async () => {
    const db = await dbOf(
      '[{:db/ident :version/id :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}]',
      '[{:version/id 0} {:version/id 1}]',
    );
    expect(((await q('[:find ?t :in $ :where [?t :version/id 0]]', db)) as Set<unknown>).size).toBe(
      1,
    );
  });
});

describe('wide finds', () => {
  it('returns rows of 35 columns', async () => {
    const attrs = Array.from({ length: 35 }, (_, i) => `:t/c${i}`);
    const db = await dbOf(
      `[${attrs.map((a) => `{:db/ident ${a} :db/valueType :db.type/long :db/cardinality :db.cardinality/one}`).join(' ')}]`,
      `[{${attrs.map((a, i) => `${a} ${i}`).join(' ')}}]`,
    );
    const query = `[:find ${attrs.map((_, i) => `?v${i}`).join(' ')} :where ${attrs.map((a, i) => `[?e ${a} ?v${i}]`).join(' ')}]`;
    const rows = [...((await q(query, db)) as Set<unknown[]>)];
    expect(rows).toEqual([Array.from({ length: 35 }, (_, i) => i)]);
  });
});

describe('a variable repeated inside one clause', () => {
  const loops = () =>
    dbOf(
      `[{:db/ident :e :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
        {:db/ident :f :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}]`,
      '[{:db/id 101 :e [101 102] :f [103]} {:db/id 102 :e [103] :f [101 104]} {:db/id 103 :e [103] :f [102]} {:db/id 104 :e [101]}]',
    );

  it('is a self-join in not-join, or-join, or and rule bodies', async () => {
    const db = await loops();
    await expectQ('#{[102] [104]}', '[:find ?a :where [?a :e _] (not-join [?a] [?a :e ?a])]', db);
    await expectQ('#{[101] [103]}', '[:find ?a :where [?a :e _] (or-join [?a] [?a :e ?a])]', db);
    await expectQ('#{[101] [103]}', '[:find ?a :where [?a :e _] (or [?a :e ?a])]', db);
    await expectQ(
      '#{[101] [103]}',
      '[:find ?a :in $ % :where (loopy ?a)]',
      db,
      edn('[[(loopy ?a) [?a :e ?a]]]'),
    );
    await expectQ(
      '#{[102] [104]}',
      '[:find ?a :in $ % :where [?a :e _] (unlooped ?a)]',
      db,
      edn('[[(unlooped ?a) (not [?a :e ?a])]]'),
    );
  });

  it('is no join when repeated as a function argument', async () => {
    await expectQ('#{[2]}', '[:find ?y :in $ [?x ...] :where [(+ ?x ?x) ?y]]', await loops(), [1]);
  });
});

describe('synthetic taxonomy trees', () => {
  /** A forest from [count type count type ...]: `count` children of each node, per level. */
  function forest(spec: (number | string)[], start = 0) {
    const tx: string[] = [];
    const nodes = new Map<string, { parent: string | null; type: string; children: string[] }>();
    let counter = start;
    const id = (n: number) => {
      const s = String(n).padStart(10, '0');
      return `${s.slice(0, 4)}_${s.slice(4, 7)}_${s.slice(7)}`;
    };
    const grow = (parent: string | null, rest: (number | string)[]) => {
      const [n, type, ...deeper] = rest as [number, string, ...(number | string)[]];
      for (let i = 0; i < n; i++) {
        const cid = id(counter++);
        tx.push(
          `[:db/add "tmp-${cid}" :concept/id "${cid}"] [:db/add "tmp-${cid}" :concept/type "${type}"]`,
        );
        if (parent !== null) {
          tx.push(`[:db/add "tmp-${cid}" :concept/broader "tmp-${parent}"]`);
          nodes.get(parent)!.children.push(cid);
        }
        nodes.set(cid, { parent, type, children: [] });
        if (deeper.length > 0) grow(cid, deeper);
      }
    };
    grow(null, spec);
    return { tx: `[${tx.join(' ')}]`, nodes };
  }

  const SCHEMA = `[{:db/ident :concept/id :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
    {:db/ident :concept/type :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
    {:db/ident :concept/broader :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}]`;
  const ofType = (nodes: Map<string, { type: string }>, type: string) =>
    [...nodes].filter(([, n]) => n.type === type).map(([id]) => id);

  it('finds the broader concept of given concepts', async () => {
    const { tx, nodes } = forest([
      3,
      'ssyk-level-1',
      5,
      'ssyk-level-2',
      30,
      'ssyk-level-3',
      5,
      'ssyk-level-4',
      2,
      'occupation-name',
    ]);
    const db = await dbOf(SCHEMA, tx);
    const query =
      '{:find [?from-id ?id] :keys [from_id id] :in [$ [?from-id ...]] :where [[?c :concept/id ?from-id] [?c :concept/broader ?related-c] [?related-c :concept/id ?id]]}';
    const level3 = ofType(nodes, 'ssyk-level-3');
    for (const ids of [level3.slice(0, 1), level3.slice(0, 2)]) {
      const expected = new Set(
        ids.map(
          (cid) =>
            new Map<unknown, unknown>([
              [edn(':from_id'), cid],
              [edn(':id'), nodes.get(cid)!.parent],
            ]),
        ),
      );
      expect(await qSet(query, db, new Set(ids))).toEqual(expected);
    }
  });

  it('finds parent and child pairs among a few given ones', async () => {
    const { tx, nodes } = forest([4, 'ssyk-level-1', 2000, 'ssyk-level-2']);
    const db = await dbOf(SCHEMA, tx);
    const parents = ofType(nodes, 'ssyk-level-1').slice(0, 2);
    const children = nodes.get(parents[0]!)!.children.slice(0, 3);
    const result = await qSet(
      '{:find [?parent-id ?child-id] :keys [parent_id child_id] :in [$ [?parent-id ...] [?child-id ...]] :where [[?pc :concept/id ?parent-id] [?cc :concept/id ?child-id] [?cc :concept/broader ?pc]]}',
      db,
      parents,
      children,
    );
    expect(result).toEqual(
      new Set(
        children.map(
          (c) =>
            new Map<unknown, unknown>([
              [edn(':parent_id'), parents[0]],
              [edn(':child_id'), c],
            ]),
        ),
      ),
    );
  });

  it('finds all 200 parent and child pairs', async () => {
    const first = forest([200, 'ssyk-level-1', 1, 'ssyk-level-2']);
    const extra = forest([100, 'skill-headline', 100, 'skill'], first.nodes.size);
    const db = await dbOf(SCHEMA, first.tx, extra.tx);
    const result = await qSet(
      '{:find [?parent-id ?child-id] :keys [parent_id child_id] :in [$ %] :where [[?pc :concept/type "ssyk-level-1"] [?cc :concept/type "ssyk-level-2"] [?cc :concept/broader ?pc] [?pc :concept/id ?parent-id] [?cc :concept/id ?child-id]]}',
      db,
      [],
    );
    expect(result.size).toBe(200);
    for (const m of result as Set<Map<unknown, unknown>>)
      expect(first.nodes.get(m.get(edn(':child_id')) as string)!.parent).toBe(
        m.get(edn(':parent_id')),
      );
  });
});
