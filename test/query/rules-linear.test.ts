/**
 * Right-linear rules called with bound arguments (rules-linear.ts) answer what tabled
 * top-down evaluation answers: on random graphs with cycles and shared descendants, with
 * several inputs at once, a label passed through the recursion, and a bound free argument.
 * The same rule with a guard on its free variable (`[(some? ?a)]`, true for every entity)
 * is not right-linear and goes to the tables; a walk in JavaScript gives the expected sets.
 */

import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { freshConn } from '../core/helpers.js';

const SCHEMA = [
  { 'db/ident': ':next', 'db/valueType': ':db.type/ref', 'db/cardinality': ':db.cardinality/many' },
  {
    'db/ident': ':label',
    'db/valueType': ':db.type/keyword',
    'db/cardinality': ':db.cardinality/one',
  },
];

const LINEAR = '[[(reach ?x ?y) [?x :next ?y]] [(reach ?x ?y) [?x :next ?m] (reach ?m ?y)]]';
const TABLED =
  '[[(reach ?x ?y) [?x :next ?y]] [(reach ?x ?y) [?x :next ?m] (reach ?m ?y) [(some? ?y)]]]';

/** A seeded random graph on entities 1..n: each has up to three `:next` links. */
function graph(seed: number, n: number): Map<number, number[]> {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const out = new Map<number, number[]>();
  for (let e = 1; e <= n; e++)
    out.set(
      e,
      Array.from({ length: Math.floor(rand() * 4) }, () => 1 + Math.floor(rand() * n)),
    );
  return out;
}

function reachable(g: Map<number, number[]>, from: number): Set<number> {
  const seen = new Set<number>();
  const todo = [...(g.get(from) ?? [])];
  while (todo.length > 0) {
    const e = todo.pop()!;
    if (seen.has(e)) continue;
    seen.add(e);
    todo.push(...(g.get(e) ?? []));
  }
  return seen;
}

async function dbOf(g: Map<number, number[]>): Promise<d.DbView> {
  const conn = await freshConn(SCHEMA);
  const tx = [...g].map(([e, next]) => ({
    'db/id': e,
    next,
    label: e % 2 === 0 ? ':even' : ':odd',
  }));
  await d.transact(conn, tx);
  return d.db(conn);
}

const pairs = (rows: unknown) => new Set((rows as [number, number][]).map(([a, b]) => `${a}>${b}`));

describe('right-linear rules from a bound argument', () => {
  it('answer each input what the tables and a walk answer, on random graphs with cycles', async () => {
    for (const seed of [1, 7, 42]) {
      const g = graph(seed, 60);
      const db = await dbOf(g);
      const one = '[:find [?y ...] :in $ % ?x :where (reach ?x ?y)]';
      for (const x of [1, 2, 30]) {
        const expected = [...reachable(g, x)].sort((a, b) => a - b);
        const linear = ((await d.q(one, db, LINEAR, x)) as number[]).sort((a, b) => a - b);
        const tabled = ((await d.q(one, db, TABLED, x)) as number[]).sort((a, b) => a - b);
        expect(linear, `seed ${seed}, from ${x}`).toEqual(expected);
        expect(tabled, `seed ${seed}, from ${x}`).toEqual(expected);
      }
      // Several inputs at once, sharing what they reach.
      const many = '[:find ?x ?y :in $ % [?x ...] :where (reach ?x ?y)]';
      const xs = [1, 2, 3, 4, 5, 30];
      const expected = new Set(xs.flatMap((x) => [...reachable(g, x)].map((y) => `${x}>${y}`)));
      expect(pairs(await d.q(many, db, LINEAR, xs))).toEqual(expected);
      expect(pairs(await d.q(many, db, TABLED, xs))).toEqual(expected);
      // Inputs bound by a pattern before the call, and a bound free argument (a yes/no call).
      const joined =
        '[:find ?x ?y :in $ % :where [?x :label :even] [?y :label :odd] (reach ?x ?y)]';
      expect(pairs(await d.q(joined, db, LINEAR))).toEqual(pairs(await d.q(joined, db, TABLED)));
    }
  });

  it('passes a bound label through the recursion, and reads constants in the recursive call', async () => {
    const g = graph(3, 40);
    const db = await dbOf(g);
    const labelled =
      '[[(reach-l ?x ?l ?y) [?x :next ?y] [?y :label ?l]] [(reach-l ?x ?l ?y) [?x :next ?m] (reach-l ?m ?l ?y)]]';
    const guarded =
      '[[(reach-l ?x ?l ?y) [?x :next ?y] [?y :label ?l]] [(reach-l ?x ?l ?y) [?x :next ?m] (reach-l ?m ?l ?y) [(some? ?y)]]]';
    const q = '[:find [?y ...] :in $ % ?x :where (reach-l ?x :even ?y)]';
    const expected = [...reachable(g, 1)].filter((y) => y % 2 === 0).sort((a, b) => a - b);
    expect(((await d.q(q, db, labelled, 1)) as number[]).sort((a, b) => a - b)).toEqual(expected);
    expect(((await d.q(q, db, guarded, 1)) as number[]).sort((a, b) => a - b)).toEqual(expected);
    // The recursive call names its label as a constant: only :even paths are followed.
    const viaEven =
      '[[(even-path ?x ?l ?y) [?x :next ?y] [?y :label ?l]] [(even-path ?x ?l ?y) [?x :next ?m] [?m :label :even] (even-path ?m :even ?y)]]';
    const walk = (from: number, seen = new Set<number>()): Set<number> => {
      for (const m of g.get(from) ?? []) {
        if (seen.has(m)) continue;
        seen.add(m);
        if (m % 2 === 0) walk(m, seen);
      }
      return seen;
    };
    const q2 = '[:find [?y ...] :in $ % ?x :where (even-path ?x :odd ?y)]';
    const direct = new Set((g.get(1) ?? []).filter((y) => y % 2 === 1));
    const deeper = new Set(
      [...walk(1)]
        .filter((m) => m % 2 === 0)
        .flatMap((m) => (g.get(m) ?? []).filter((y) => y % 2 === 0)),
    );
    const got = new Set((await d.q(q2, db, viaEven, 1)) as number[]);
    expect(got).toEqual(new Set([...direct, ...deeper]));
  });
});
