/**
 * Differential tests: the same random data in datahike-ts and in DataScript (the npm
 * package, our oracle), the same queries, identical answers. DataScript's JavaScript API
 * names attributes with strings, so each query is written once with `@attr` placeholders
 * that become `:attr` for us and `"attr"` for DataScript.
 */
import ds from 'datascript';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { freshConn } from '../core/helpers.js';

const SCHEMA = [
  {
    'db/ident': ':name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
  },
  // Indexed (AVET), so value joins and ranges on it take the index paths; name is not.
  {
    'db/ident': ':age',
    'db/valueType': ':db.type/long',
    'db/cardinality': ':db.cardinality/one',
    'db/index': true,
  },
  {
    'db/ident': ':tag',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/many',
  },
  {
    'db/ident': ':friend',
    'db/valueType': ':db.type/ref',
    'db/cardinality': ':db.cardinality/many',
  },
];
const DS_SCHEMA = {
  age: { ':db/index': true },
  tag: { ':db/cardinality': ':db.cardinality/many' },
  friend: { ':db/valueType': ':db.type/ref', ':db/cardinality': ':db.cardinality/many' },
};
const BASE = 1000;
const NAMES = ['ann', 'bob', 'cid'];
const TAGS = ['x', 'y', 'z'];

interface Person {
  name?: string;
  age?: number;
  tag: string[];
  friend: number[];
}

const people = fc.array(
  fc.record({
    name: fc.option(fc.constantFrom(...NAMES), { nil: undefined }),
    age: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
    tag: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 2 }),
    friend: fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { maxLength: 3 }),
  }),
  { minLength: 1, maxLength: 12 },
);

function txData(ps: Person[], idKey: string): Record<string, unknown>[] {
  return ps.map((p, i) => {
    const e: Record<string, unknown> = {
      [idKey]: BASE + i,
      tag: p.tag,
      friend: p.friend.filter((f) => f < ps.length).map((f) => BASE + f),
    };
    if (p.name !== undefined) e.name = p.name;
    if (p.age !== undefined) e.age = p.age;
    // Every entity needs at least one datom to exist in both databases.
    if (p.name === undefined && p.age === undefined && p.tag.length === 0) e.name = 'zed';
    return e;
  });
}

/** Order-free form of a result: nested arrays sorted, then the rows sorted. */
function normal(x: unknown): unknown {
  if (Array.isArray(x))
    return x
      .map(normal)
      .map((y) => JSON.stringify(y))
      .sort();
  if (x !== null && typeof x === 'object')
    return Object.fromEntries(
      Object.entries(x as object)
        .map(([k, v]) => [k, normal(v)])
        .sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)),
    );
  return x;
}

const ours = (q: string) => q.replace(/@([a-z_-]+)/g, ':$1');
const theirs = (q: string) => q.replace(/@([a-z_-]+)/g, '"$1"');

const TEMPLATES: ((c: { name: string; age: number; tag: string }) => string)[] = [
  () => '[:find ?e ?v :where [?e @name ?v]]',
  () => '[:find ?e ?t :where [?e @tag ?t]]',
  (c) => `[:find ?e :where [?e @name "${c.name}"]]`,
  () => '[:find ?n ?a :where [?e @name ?n] [?e @age ?a]]',
  () => '[:find ?n1 ?n2 :where [?e1 @friend ?e2] [?e1 @name ?n1] [?e2 @name ?n2]]',
  (c) => `[:find ?e :where [?e @age ?a] [(> ?a ${c.age})]]`,
  (c) => `[:find ?e ?b :where [?e @age ?a] [(+ ?a ${c.age}) ?b]]`,
  (c) => `[:find ?e :where [?e @name _] (not [?e @tag "${c.tag}"])]`,
  (c) => `[:find ?e :where (or [?e @name "${c.name}"] [?e @age ${c.age}])]`,
  (c) => `[:find ?e :where [?e @name _] (not-join [?e] [?e @friend ?f] [?f @age ${c.age}])]`,
  (c) =>
    `[:find ?e :where [?e @name _] (or-join [?e] [?e @tag "${c.tag}"] (and [?e @friend ?f] [?f @name "${c.name}"]))]`,
  () => '[:find ?n (count ?e) :where [?e @name ?n]]',
  () => '[:find ?n (sum ?a) (min ?a) (max ?a) :with ?e :where [?e @name ?n] [?e @age ?a]]',
  () => '[:find (count-distinct ?a) . :where [_ @age ?a]]',
  () => '[:find [?t ...] :where [_ @tag ?t]]',
  (c) => `[:find ?e1 ?e2 :where [?e1 @age ${c.age}] [?e2 @age ${c.age}] [(< ?e1 ?e2)]]`,
  () => '[:find ?e ?f :where [?e @friend ?f] [?f @friend ?e]]',
  (c) => `[:find (pull ?e [@name @age {@friend [@name]}]) :where [?e @tag "${c.tag}"]]`,
  // Value joins through a variable others are done with (its rows deduplicated first).
  (c) => `[:find ?e1 ?t :where [?e @name "${c.name}"] [?e @age ?a] [?e1 @age ?a] [?e1 @tag ?t]]`,
  () => '[:find ?n1 ?n2 :where [?e1 @name ?n1] [?e1 @age ?a] [?e2 @age ?a] [?e2 @name ?n2]]',
  () => '[:find ?n (count ?e2) :where [?e1 @name ?n] [?e1 @age ?a] [?e2 @age ?a]]',
  () => '[:find ?a :with ?e :where [?e @age ?a] [?e @tag _]]',
  (c) => `[:find ?e2 :where [?e1 @name "${c.name}"] [?e1 @friend ?x] [?x @friend ?e2]]`,
  (c) => `[:find ?t :where [?e @name "${c.name}"] [?e @friend ?f] [?f @tag ?t]]`,
  // Ranges over an indexed attribute, bound by constants on either side.
  (c) => `[:find ?e ?a :where [?e @age ?a] [(>= ?a ${c.age})]]`,
  (c) => `[:find ?e :where [?e @age ?a] [(< ${c.age} ?a)] [(<= ?a 3)]]`,
  (c) => `[:find ?n :where [?e @age ?a] [(< ?a ${c.age})] [?e @name ?n]]`,
  (c) => `[:find ?e :where [?e @name "${c.name}"] [?e @age ?a] [(> ?a ${c.age})]]`,
];

const RULES = '[[(reach ?x ?y) [?x @friend ?y]] [(reach ?x ?y) [?x @friend ?z] (reach ?z ?y)]]';
/** Non-linear: two recursive calls in one body. */
const SQUARED = '[[(r ?x ?y) [?x @friend ?y]] [(r ?x ?y) (r ?x ?z) (r ?z ?y)]]';
/** Mutually recursive: paths of odd and even length. */
const PARITY =
  '[[(even ?x ?y) [?x @friend ?z] [?z @friend ?y]] [(even ?x ?y) (odd ?x ?z) [?z @friend ?y]] [(odd ?x ?y) [?x @friend ?y]] [(odd ?x ?y) (even ?x ?z) [?z @friend ?y]]]';

/** Pairs [x, y] joined by a friend path whose start and length parity `keep` accepts. */
function paths(ps: Person[], keep: (x: number, odd: boolean) => boolean): number[][] {
  const next = (i: number) => ps[i]!.friend.filter((f) => f < ps.length);
  const found = new Set<string>();
  for (let x = 0; x < ps.length; x++) {
    // Breadth-first over (node, parity of the path length so far).
    const seen = new Set<string>();
    let frontier: [number, boolean][] = next(x).map((y) => [y, true]);
    while (frontier.length > 0) {
      const after: [number, boolean][] = [];
      for (const [y, odd] of frontier) {
        if (seen.has(`${y}/${odd}`)) continue;
        seen.add(`${y}/${odd}`);
        if (keep(BASE + x, odd)) found.add(`${BASE + x}/${BASE + y}`);
        for (const z of next(y)) after.push([z, !odd]);
      }
      frontier = after;
    }
  }
  return [...found].map((k) => k.split('/').map(Number));
}

describe('queries agree with DataScript', () => {
  it('on random data and random query constants', async () => {
    await fc.assert(
      fc.asyncProperty(
        people,
        fc.record({
          name: fc.constantFrom(...NAMES),
          age: fc.integer({ min: 0, max: 4 }),
          tag: fc.constantFrom(...TAGS),
        }),
        async (ps, c) => {
          const conn = await freshConn(SCHEMA);
          await d.transact(conn, txData(ps, 'db/id'));
          const db = await d.db(conn);
          const dsDb = ds.db_with(ds.empty_db(DS_SCHEMA), txData(ps, ':db/id'));
          for (const template of TEMPLATES) {
            const q = template(c);
            const expected = normal(ds.q(theirs(q), dsDb));
            expect(normal(await d.q(ours(q), db)), q).toEqual(expected);
          }
          const rq = '[:find ?x ?y :in $ % :where (reach ?x ?y)]';
          expect(normal(await d.q(rq, db, ours(RULES))), 'reach').toEqual(
            normal(ds.q(rq, dsDb, theirs(RULES))),
          );
          // DataScript does not terminate on these two over a cycle: the graph itself is the oracle.
          const sq = '[:find ?x ?y :in $ % :where (r ?x ?y)]';
          expect(normal(await d.q(sq, db, ours(SQUARED))), 'non-linear').toEqual(
            normal(paths(ps, () => true)),
          );
          const allOdd = '[:find ?x ?y :in $ % :where (odd ?x ?y)]';
          expect(normal(await d.q(allOdd, db, ours(PARITY))), 'parity, whole').toEqual(
            normal(paths(ps, (_, odd) => odd)),
          );
          const par = '[:find ?y :in $ % ?x :where (odd ?x ?y)]';
          expect(normal(await d.q(par, db, ours(PARITY), BASE)), 'parity').toEqual(
            normal(paths(ps, (x, odd) => x === BASE && odd).map(([, y]) => [y])),
          );
          const bound = '[:find ?y :in $ % ?x :where (reach ?x ?y)]';
          expect(normal(await d.q(bound, db, ours(RULES), BASE)), 'reach from one').toEqual(
            normal(ds.q(bound, dsDb, theirs(RULES), BASE)),
          );
          for (let i = 0; i < ps.length; i++)
            expect(
              normal(await d.pull(db, ours('[@name @tag {@friend [@name]}]'), BASE + i)),
              'pull',
            ).toEqual(normal(ds.pull(dsDb, theirs('[@name @tag {@friend [@name]}]'), BASE + i)));
        },
      ),
      { numRuns: 60 },
    );
  });
});
