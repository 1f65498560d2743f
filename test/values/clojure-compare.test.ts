/**
 * The value order against Clojure's `compare`, type by type. Each list below is written
 * from Clojure's rules (stated above it), in the order `(sort compare xs)` gives; the value
 * order, the query comparison built-ins and the min/max aggregates must all agree with it.
 * Across types Clojure's `compare` throws; there the value order ranks the types (nil,
 * booleans, numbers, strings, characters, keywords, symbols, UUIDs, instants, bytes,
 * vectors), which the last case states.
 */

import { describe, expect, it } from 'vitest';
import { internalApi } from '../../src/api/index.js';
import { parseEdn } from '../../src/edn/index.js';
import { BigDec, Char, compareValues, keyword, sym, Uuid } from '../../src/values/index.js';

const u = (s: string) => new Uuid(s);
const chars = (s: string) => [...s].map((c) => new Char(c));

/** Per type: Clojure's rule, and values in the order it sorts them. */
const ORDERS: [string, unknown[]][] = [
  // Boolean.compareTo: false before true.
  ['booleans: false first', [false, true]],
  // Numbers.compare: by value, whatever the kind (long, double, bigint, bigdec).
  [
    'numbers: by value across kinds',
    [
      Number.NEGATIVE_INFINITY,
      -10n,
      -1.5,
      BigDec.parse('-1.25'),
      -1,
      0,
      0.5,
      BigDec.parse('0.75'),
      2n,
      3,
      2n ** 60n,
      Number.POSITIVE_INFINITY,
    ],
  ],
  // String.compareTo: UTF-16 code units, a prefix first.
  ['strings: by UTF-16 code unit', ['', 'A', 'Z', 'a', 'aa', 'ab', 'b', 'é', '😀', '\uffff']],
  // Character.compareTo: by code unit.
  ['characters: by code unit', chars('09AZaz')],
  // Keyword.compareTo: no namespace first, then namespace, then name (:a/c before :a-/b).
  [
    'keywords: namespace (none first), then name',
    ['a', 'b', 'z', 'a/b', 'a/c', 'a-/b', 'a.b/a', 'b/a'].map((k) => keyword(k)),
  ],
  ['symbols: as keywords', ['x', 'y', 'a/x', 'b/a'].map((k) => sym(k))],
  // UUID.compareTo: the high 64 bits as a signed long, then the low 64 bits signed.
  [
    'UUIDs: signed high half, then signed low half',
    [
      u('80000000-0000-0000-0000-000000000000'),
      u('ffffffff-ffff-ffff-0000-000000000000'),
      u('00000000-0000-0000-8000-000000000000'),
      u('00000000-0000-0000-ffff-ffffffffffff'),
      u('00000000-0000-0000-0000-000000000000'),
      u('00000000-0000-0000-7fff-ffffffffffff'),
      u('7fffffff-ffff-ffff-0000-000000000000'),
    ],
  ],
  // Date.compareTo: by time.
  ['instants: by time', [new Date(-86400000), new Date(0), new Date(1), new Date(1e12)]],
  // APersistentVector.compareTo: the shorter first, then element by element.
  ['vectors: shorter first, then element-wise', [[], [9], [1, 2], [1, 3], [2, 0], [0, 0, 0]]],
  // Datahike's byte arrays: element-wise (unsigned, as on ClojureScript), a prefix first.
  [
    'bytes: element-wise, a prefix first',
    [[], [0], [0, 0], [0, 1], [1], [255]].map((b) => new Uint8Array(b)),
  ],
];

describe('the value order is Clojure’s compare within each type', () => {
  for (const [rule, values] of ORDERS)
    it(rule, () => {
      const shuffled = [...values].reverse();
      expect(shuffled.sort(compareValues)).toEqual(values);
      for (let i = 1; i < values.length; i++)
        expect(compareValues(values[i - 1], values[i]), `${i - 1} < ${i}`).toBeLessThan(0);
    });

  it('puts nil before everything', () => {
    for (const [, values] of ORDERS)
      for (const v of values) expect(compareValues(null, v)).toBeLessThan(0);
  });

  it('calls numerically equal numbers of different kinds equal in compare, keeps them apart in the order', async () => {
    // `(compare 1 1.0)` and `(compare 1 1N)` are 0 in Clojure; the index order must stay
    // total and agree with equality, so 1 < 1n < 1M there, side by side.
    expect(compareValues(1, 1n)).toBeLessThan(0);
    expect(compareValues(1n, BigDec.parse('1'))).toBeLessThan(0);
    const api = internalApi;
    expect(
      await api.q('[:find ?c . :in ?a ?b :where [(compare ?a ?b) ?c]]', 1, BigDec.parse('1.0')),
    ).toBe(0);
    expect(await api.q('[:find ?x . :in ?a ?b :where [(< ?a ?b)] [(ground 1) ?x]]', 1, 1n)).toBe(
      null,
    );
    expect(await api.q('[:find ?x . :in ?a ?b :where [(== ?a ?b)] [(ground 1) ?x]]', 1, 1n)).toBe(
      1,
    );
  });

  it('ranks types where Clojure has no order between them', () => {
    const ranked = [
      null,
      true,
      0,
      'a',
      new Char('a'),
      keyword('a'),
      sym('a'),
      u('00000000-0000-0000-0000-000000000000'),
      new Date(0),
      new Uint8Array([0]),
      [0],
    ];
    for (let i = 1; i < ranked.length; i++)
      expect(compareValues(ranked[i - 1], ranked[i])).toBeLessThan(0);
  });
});

describe('queries compare with the same order', () => {
  const api = internalApi;
  for (const [rule, values] of ORDERS)
    it(`${rule}: compare, <, min and max`, async () => {
      const input = [...values].reverse();
      const [min, max] = (
        (await api.q('[:find (min ?x) (max ?x) :in [?x ...]]', input)) as unknown[][]
      )[0]!;
      expect(min).toEqual(values[0]);
      expect(max).toEqual(values[values.length - 1]);
      const two = (await api.q('[:find (min 2 ?x) (max 2 ?x) :in [?x ...]]', input)) as unknown[][];
      expect(two[0]).toEqual([values.slice(0, 2), values.slice(-2)]);
      for (let i = 1; i < values.length; i++) {
        const [a, b] = [values[i - 1], values[i]];
        expect(await api.q('[:find ?c . :in ?a ?b :where [(compare ?a ?b) ?c]]', a, b)).toBe(-1);
        expect(await api.q('[:find ?c . :in ?a ?b :where [(compare ?a ?b) ?c]]', b, a)).toBe(1);
        expect(
          await api.q(
            '[:find ?x . :in ?a ?b :where [(< ?a ?b)] [(> ?b ?a)] [(ground 1) ?x]]',
            a,
            b,
          ),
        ).toBe(1);
      }
    });

  it('orders keywords as the DataScript aggregate cases say', async () => {
    expect(await api.q('[:find (min ?x) (max ?x) :in [?x ...]]', parseEdn('[:a-/b :a/b]'))).toEqual(
      parseEdn('[[:a/b :a-/b]]'),
    );
  });
});
