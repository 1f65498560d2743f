import { beforeAll, describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { freshConn } from '../core/helpers.js';

const SCHEMA = [
  {
    'db/ident': ':name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
  },
  {
    'db/ident': ':age',
    'db/valueType': ':db.type/long',
    'db/cardinality': ':db.cardinality/one',
    'db/index': true,
  },
  {
    'db/ident': ':email',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/identity',
  },
  {
    'db/ident': ':friend',
    'db/valueType': ':db.type/ref',
    'db/cardinality': ':db.cardinality/many',
  },
  {
    'db/ident': ':parent',
    'db/valueType': ':db.type/ref',
    'db/cardinality': ':db.cardinality/one',
  },
  {
    'db/ident': ':tag',
    'db/valueType': ':db.type/keyword',
    'db/cardinality': ':db.cardinality/many',
  },
];

let db: d.DbView;
let ids: Record<string, number>;

beforeAll(async () => {
  const conn = await freshConn(SCHEMA);
  const r = await d.transact(conn, [
    {
      'db/id': 'ivan',
      name: 'Ivan',
      age: 15,
      email: 'ivan@x',
      friend: ['petr'],
      tag: [':a', ':b'],
    },
    { 'db/id': 'petr', name: 'Petr', age: 37, email: 'petr@x', friend: ['oleg'], parent: 'ivan' },
    { 'db/id': 'oleg', name: 'Oleg', age: 37, friend: ['ivan'], parent: 'petr' },
    { 'db/id': 'anna', name: 'Anna', age: 20, parent: 'oleg' },
  ]);
  ids = r.tempids as Record<string, number>;
  db = await d.db(conn);
});

const sorted = (xs: unknown) => (xs as unknown[]).map((x) => JSON.stringify(x)).sort();

describe('find specs', () => {
  it('returns relations, collections, tuples and scalars', async () => {
    expect(sorted(await d.q('[:find ?n ?a :where [?e :name ?n] [?e :age ?a]]', db))).toEqual(
      sorted([
        ['Ivan', 15],
        ['Petr', 37],
        ['Oleg', 37],
        ['Anna', 20],
      ]),
    );
    expect(
      ((await d.q('[:find [?n ...] :where [?e :age 37] [?e :name ?n]]', db)) as string[]).sort(),
    ).toEqual(['Oleg', 'Petr']);
    expect(
      await d.q('[:find [?n ?a] :where [?e :email "ivan@x"] [?e :name ?n] [?e :age ?a]]', db),
    ).toEqual(['Ivan', 15]);
    expect(await d.q('[:find ?a . :where [?e :name "Anna"] [?e :age ?a]]', db)).toBe(20);
    expect(await d.q('[:find ?a . :where [?e :name "Nobody"] [?e :age ?a]]', db)).toBeNull();
  });

  it('returns maps with :keys, :strs and :syms', async () => {
    const rows = (await d.q(
      '[:find ?n ?a :keys name age :where [?e :name ?n] [?e :age ?a] [(< ?a 20)]]',
      db,
    )) as unknown[];
    expect(rows).toEqual([{ name: 'Ivan', age: 15 }]);
    expect(await d.q('[:find ?n :strs n :where [?e :age 20] [?e :name ?n]]', db)).toEqual([
      { n: 'Anna' },
    ]);
    expect(await d.q('[:find ?n :syms n :where [?e :age 20] [?e :name ?n]]', db)).toEqual([
      { n: 'Anna' },
    ]);
  });

  it('keeps duplicates with :with and aggregates over them', async () => {
    expect(await d.q('[:find (sum ?a) . :where [?e :age ?a]]', db)).toBe(72);
    expect(await d.q('[:find (sum ?a) . :with ?e :where [?e :age ?a]]', db)).toBe(109);
    expect(await d.q('[:find ?a :with ?e :where [?e :age ?a]]', db)).toHaveLength(4);
  });

  it('aggregates, grouped by the other find elements', async () => {
    const q = (agg: string) => d.q(`[:find ${agg} . :with ?e :where [?e :age ?a]]`, db);
    expect(await q('(count ?a)')).toBe(4);
    expect(await q('(count-distinct ?a)')).toBe(3);
    expect(await q('(min ?a)')).toBe(15);
    expect(await q('(max ?a)')).toBe(37);
    expect(await q('(avg ?a)')).toBeCloseTo(27.25);
    expect(await q('(median ?a)')).toBe(28.5);
    expect(await q('(variance ?a)')).toBeCloseTo(98.1875);
    expect(await q('(stddev ?a)')).toBeCloseTo(Math.sqrt(98.1875));
    expect(await q('(min 2 ?a)')).toEqual([15, 20]);
    // As in DataScript: every value of the group (duplicates from :with), in ascending order.
    expect(await q('(max 2 ?a)')).toEqual([37, 37]);
    expect(await q('(max 3 ?a)')).toEqual([20, 37, 37]);
    expect(((await q('(distinct ?a)')) as number[]).sort()).toEqual([15, 20, 37]);
    expect(await q('(sample 2 ?a)')).toHaveLength(2);
    expect(await q('(rand 3 ?a)')).toHaveLength(3);
    const byAge = sorted(await d.q('[:find ?a (count ?e) :where [?e :age ?a]]', db));
    expect(byAge).toEqual(
      sorted([
        [15, 1],
        [20, 1],
        [37, 2],
      ]),
    );
    const custom = await d.q(
      '[:find (?top ?a) . :in $ ?top :where [?e :age ?a]]',
      db,
      (xs: number[]) => Math.max(...xs) * 10,
    );
    expect(custom).toBe(370);
    // As in Datomic and DataScript, aggregating nothing gives no result.
    expect(await d.q('[:find (count ?e) . :where [?e :name "Nobody"]]', db)).toBeNull();
  });

  it('pulls in :find', async () => {
    const rows = (await d.q(
      '[:find (pull ?e [:name {:friend [:name]}]) :where [?e :email "ivan@x"]]',
      db,
    )) as unknown[][];
    expect(rows).toEqual([[{ name: 'Ivan', friend: [{ name: 'Petr' }] }]]);
    const viaSrc = await d.q(
      '[:find (pull $ ?e [:name]) . :in $ ?n :where [?e :name ?n]]',
      db,
      'Anna',
    );
    expect(viaSrc).toEqual({ name: 'Anna' });
  });
});

describe(':in bindings and sources', () => {
  it('binds scalars, tuples, collections and relations', async () => {
    expect(await d.q('[:find ?e . :in $ ?n :where [?e :name ?n]]', db, 'Petr')).toBe(ids.petr);
    expect(
      await d.q('[:find ?e . :in $ [?n ?a] :where [?e :name ?n] [?e :age ?a]]', db, ['Oleg', 37]),
    ).toBe(ids.oleg);
    expect(
      (
        (await d.q('[:find [?e ...] :in $ [?n ...] :where [?e :name ?n]]', db, [
          'Ivan',
          'Anna',
        ])) as number[]
      ).sort(),
    ).toEqual([ids.ivan, ids.anna].sort());
    const rel = await d.q('[:find ?n ?x :in $ [[?n ?x]] :where [_ :name ?n]]', db, [
      ['Ivan', 1],
      ['Nobody', 2],
    ]);
    expect(rel).toEqual([['Ivan', 1]]);
    expect(await d.q('[:find ?x . :in _ ?x]', db, 5)).toBe(5);
  });

  it('queries collections and several databases', async () => {
    const coll = [
      [1, 'a'],
      [2, 'b'],
    ];
    expect(sorted(await d.q('[:find ?x ?y :in $ :where [?x ?y]]', coll))).toEqual(sorted(coll));
    const joined = await d.q(
      '[:find ?n ?score :in $ $scores :where [?e :name ?n] [$scores ?n ?score]]',
      db,
      [
        ['Ivan', 10],
        ['Anna', 7],
      ],
    );
    expect(sorted(joined)).toEqual(
      sorted([
        ['Ivan', 10],
        ['Anna', 7],
      ]),
    );
  });

  it('accepts data queries, map queries and the args form', async () => {
    expect(
      await d.q([':find', '?a', '.', ':where', ['?e', ':name', 'Anna'], ['?e', ':age', '?a']], db),
    ).toBe(20);
    expect(
      await d.q(
        {
          ':find': ['?a', '.'],
          ':where': [
            ['?e', ':name', 'Anna'],
            ['?e', ':age', '?a'],
          ],
        },
        db,
      ),
    ).toBe(20);
    const page = await d.q({
      query: '[:find ?n :where [_ :name ?n]]',
      args: [db],
      offset: 1,
      limit: 2,
    });
    expect(page).toHaveLength(2);
  });

  it('resolves lookup refs and idents in patterns', async () => {
    expect(await d.q('[:find ?n . :where [[:email "petr@x"] :name ?n]]', db)).toBe('Petr');
    expect(await d.q('[:find ?n . :where [?e :friend [:email "petr@x"]] [?e :name ?n]]', db)).toBe(
      'Ivan',
    );
    // A lookup ref written in a pattern must name an entity (as in DataScript and Datahike).
    await expect(d.q('[:find ?n . :where [[:email "nobody@x"] :name ?n]]', db)).rejects.toThrow(
      /Nothing found for lookup ref/,
    );
  });

  it('matches tx and added positions, and attributes as variables', async () => {
    const txs = (await d.q('[:find [?tx ...] :where [_ :name _ ?tx]]', db)) as number[];
    expect(new Set(txs).size).toBe(1);
    const attrs = (await d.q(
      '[:find [?a ...] :in $ ?e :where [?e ?a _]]',
      db,
      ids.anna,
    )) as string[];
    expect(attrs.sort()).toEqual([':age', ':name', ':parent']);
  });
});

describe('predicates and functions', () => {
  it('filters with built-in predicates as soon as variables are bound', async () => {
    const q = (pred: string) =>
      d.q(`[:find [?n ...] :where [?e :name ?n] [?e :age ?a] ${pred}]`, db);
    expect(((await q('[(> ?a 18)]')) as string[]).sort()).toEqual(['Anna', 'Oleg', 'Petr']);
    expect(((await q('[(<= 15 ?a 20)]')) as string[]).sort()).toEqual(['Anna', 'Ivan']);
    expect(await q('[(= ?n "Ivan")]')).toEqual(['Ivan']);
    expect(((await q('[(not= ?n "Ivan")] [(odd? ?a)]')) as string[]).sort()).toEqual([
      'Oleg',
      'Petr',
    ]);
    expect(await q('[(clojure.string/starts-with? ?n "An")]')).toEqual(['Anna']);
    expect(await q('[(re-pattern "^O") ?re] [(re-find ?re ?n)]')).toEqual(['Oleg']);
  });

  it('binds function results to scalars, tuples, collections and relations', async () => {
    expect(await d.q('[:find ?b . :where [?e :name "Anna"] [?e :age ?a] [(+ ?a 1) ?b]]', db)).toBe(
      21,
    );
    // Function-only bodies read no database: the query takes no input.
    expect(await d.q('[:find ?x ?y :where [(tuple 1 2) [?x ?y]]]')).toEqual([[1, 2]]);
    expect(
      ((await d.q('[:find [?x ...] :where [(vector 1 2 3) [?x ...]]]')) as number[]).sort(),
    ).toEqual([1, 2, 3]);
    const rel = await d.q('[:find ?x ?y :in ?f :where [(?f) [[?x ?y]]]]', () => [
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(sorted(rel)).toEqual(
      sorted([
        [1, 'a'],
        [2, 'b'],
      ]),
    );
    expect(
      await d.q('[:find ?s . :where [?e :name "Anna"] [?e :age ?a] [(str ?a "y") ?s]]', db),
    ).toBe('20y');
    expect(await d.q('[:find ?x . :where [(ground 42) ?x]]')).toBe(42);
    // A binding variable that is already bound tests equality.
    expect(await d.q('[:find ?n . :where [?e :name ?n] [?e :age ?a] [(+ 17 3) ?a]]', db)).toBe(
      'Anna',
    );
  });

  it('reads the database with get-else, get-some and missing?', async () => {
    const emails = await d.q(
      '[:find ?n ?m :where [?e :name ?n] [(get-else $ ?e :email "none") ?m]]',
      db,
    );
    expect(sorted(emails)).toEqual(
      sorted([
        ['Ivan', 'ivan@x'],
        ['Petr', 'petr@x'],
        ['Oleg', 'none'],
        ['Anna', 'none'],
      ]),
    );
    const some = await d.q(
      '[:find ?a ?v :in $ ?e :where [(get-some $ ?e :email :name) [?a ?v]]]',
      db,
      ids.oleg,
    );
    expect(some).toEqual([[':name', 'Oleg']]);
    expect(
      (
        (await d.q(
          '[:find [?n ...] :where [?e :name ?n] [(missing? $ ?e :email)]]',
          db,
        )) as string[]
      ).sort(),
    ).toEqual(['Anna', 'Oleg']);
  });

  it('calls JavaScript functions passed as inputs', async () => {
    const long = (s: string) => s.length > 3;
    expect(
      (
        (await d.q(
          '[:find [?n ...] :in $ ?long :where [?e :name ?n] [(?long ?n)]]',
          db,
          long,
        )) as string[]
      ).sort(),
    ).toEqual(['Anna', 'Ivan', 'Oleg', 'Petr']);
  });
});

describe('not, or and rules', () => {
  it('negates with not and not-join', async () => {
    expect(
      (
        (await d.q('[:find [?n ...] :where [?e :name ?n] (not [?e :email _])]', db)) as string[]
      ).sort(),
    ).toEqual(['Anna', 'Oleg']);
    const noYoungFriend = await d.q(
      '[:find [?n ...] :where [?e :name ?n] (not-join [?e] [?e :friend ?f] [?f :age ?a] [(< ?a 20)])]',
      db,
    );
    expect((noYoungFriend as string[]).sort()).toEqual(['Anna', 'Ivan', 'Petr']);
  });

  it('unions with or, or-join and and', async () => {
    expect(
      (
        (await d.q(
          '[:find [?n ...] :where [?e :name ?n] (or [?e :age 15] [?e :age 20])]',
          db,
        )) as string[]
      ).sort(),
    ).toEqual(['Anna', 'Ivan']);
    const orJoin = await d.q(
      '[:find [?n ...] :where [?e :name ?n] (or-join [?e] [?e :email "petr@x"] (and [?e :age 37] [?e :parent ?p] [?p :name "Petr"]))]',
      db,
    );
    expect((orJoin as string[]).sort()).toEqual(['Oleg', 'Petr']);
  });

  it('evaluates recursive and mutually recursive rules', async () => {
    const rules = `[[(ancestor ?x ?y) [?x :parent ?y]]
                    [(ancestor ?x ?y) [?x :parent ?z] (ancestor ?z ?y)]]`;
    const anc = await d.q(
      '[:find [?n ...] :in $ % ?start :where (ancestor ?start ?a) [?a :name ?n]]',
      db,
      rules,
      ids.anna,
    );
    expect((anc as string[]).sort()).toEqual(['Ivan', 'Oleg', 'Petr']);
    const all = await d.q('[:find (count ?x) . :in $ % :where (ancestor ?x ?y)]', db, rules);
    expect(all).toBe(3);
    // friends form a cycle: reachability must terminate.
    const reach = `[[(reach ?x ?y) [?x :friend ?y]] [(reach ?x ?y) [?x :friend ?z] (reach ?z ?y)]]`;
    expect(
      await d.q('[:find (count ?y) . :in $ % ?x :where (reach ?x ?y)]', db, reach, ids.ivan),
    ).toBe(3);
    const mutual = `[[(even ?x ?y) [?x :friend ?y]] [(even ?x ?y) (odd ?x ?z) [?z :friend ?y]]
                     [(odd ?x ?y) (even ?x ?z) [?z :friend ?y]]]`;
    expect(
      await d.q('[:find (count ?y) . :in $ % ?x :where (odd ?x ?y)]', db, mutual, ids.ivan),
    ).toBe(3);
  });

  it('requires bound arguments where a rule says so', async () => {
    const rules = '[[(older [?x] ?y) [?x :age ?a] [?y :age ?b] [(> ?a ?b)]]]';
    const older = await d.q(
      '[:find [?n ...] :in $ % ?x :where (older ?x ?y) [?y :name ?n]]',
      db,
      rules,
      ids.petr,
    );
    expect((older as string[]).sort()).toEqual(['Anna', 'Ivan']);
    await expect(d.q('[:find ?x :in $ % :where (older ?x ?y)]', db, rules)).rejects.toMatchObject({
      code: 'query/insufficient-binding',
    });
  });
});

describe('errors and plans', () => {
  it('names the problem and the clause', async () => {
    await expect(d.q('[:find ?n :where [(> ?a 1)] [?e :name ?n]]', db)).rejects.toMatchObject({
      code: 'query/insufficient-binding',
    });
    await expect(d.q('[:find ?x :where [?e :name ?n]]', db)).rejects.toMatchObject({
      code: 'query/unbound-variable',
    });
    await expect(
      d.q('[:find ?n :where [?e :name ?n] [(frobnicate ?n)]]', db),
    ).rejects.toMatchObject({
      code: 'query/unknown-function',
    });
    await expect(d.q('[:find ?n :where (nope ?n)]', db)).rejects.toMatchObject({
      code: 'query/invalid',
    });
    await expect(d.q('[:find ?n :in $ ?x :where [?e :name ?n]]', db)).rejects.toMatchObject({
      code: 'query/arity',
    });
    await expect(d.q('[:find ?n :where [?e :name ?n]', db)).rejects.toMatchObject({
      code: 'edn/parse',
    });
    await expect(d.q('[:where [?e :name ?n]]', db)).rejects.toMatchObject({
      code: 'query/invalid',
    });
    const err = (await d
      .q('[:find ?n :where [?e :name ?n] [(> ?zz 1)]]', db)
      .catch((e) => e)) as Error;
    expect(err.message).toContain('?zz');
    expect(err.message).toContain('[(> ?zz 1)]');
  });

  it('stops at its timeout', async () => {
    const seed = Array.from({ length: 300 }, (_, i) => [i]);
    const slow = d.q({
      query: '[:find ?a ?b ?c :in [[?a]] [[?b]] [[?c]]]',
      args: [seed, seed, seed],
      timeout: 20,
    });
    await expect(slow).rejects.toMatchObject({ code: 'query/timeout' });
  });

  it('explains its plan: the selective clause first, predicates right after their variables', async () => {
    const plan = await d.explain(
      '[:find ?n :where [?e :name ?n] [?e :age ?a] [(> ?a 30)] [?e :email "petr@x"]]',
      db,
    );
    const lines = plan.split('\n');
    expect(lines[0]).toContain(':email');
    expect(lines.findIndex((l) => l.includes('(> ?a 30)'))).toBe(
      lines.findIndex((l) => l.includes(':age')) + 1,
    );
    const stats = await d.queryStats('[:find ?n :where [?e :name ?n]]', db);
    expect((stats.plan as unknown[]).length).toBe(1);
    expect(stats.result).toHaveLength(4);
  });
});
