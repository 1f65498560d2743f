import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BigDec,
  compareValues,
  equals,
  hashValue,
  keyword,
  sym,
  Uuid,
} from '../../src/values/index.js';

const value = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 5 }),
  fc.double({ min: -3, max: 3 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.bigInt({ min: -5n, max: 5n }),
  fc
    .tuple(fc.bigInt({ min: -50n, max: 50n }), fc.integer({ min: 0, max: 2 }))
    .map(([u, s]) => new BigDec(u, s)),
  fc.string({ maxLength: 3 }),
  fc.constantFrom('a', 'b', 'x/a', 'x/b', 'y/a').map((s) => keyword(s)),
  fc.constantFrom('a', 'b', 'x/a').map((s) => sym(s)),
  fc
    .constantFrom('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002')
    .map((s) => new Uuid(s)),
  fc.integer({ min: 0, max: 3 }).map((n) => new Date(n)),
  fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }).map((xs) => new Uint8Array(xs)),
  fc.array(fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constant(null), fc.constant('a')), {
    maxLength: 3,
  }),
);

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe('the total order over values', () => {
  it('is reflexive, antisymmetric and transitive, and agrees with equals and hashValue', () => {
    fc.assert(
      fc.property(value, value, value, (a, b, c) => {
        expect(compareValues(a, a)).toBe(0);
        expect(sign(compareValues(a, b)) + sign(compareValues(b, a))).toBe(0);
        if (compareValues(a, b) <= 0 && compareValues(b, c) <= 0)
          expect(compareValues(a, c)).toBeLessThanOrEqual(0);
        expect(equals(a, b)).toBe(compareValues(a, b) === 0);
        if (equals(a, b)) expect(hashValue(a)).toBe(hashValue(b));
      }),
      { numRuns: 5000 },
    );
  });

  it('orders by type rank first', () => {
    const ranked = [
      null,
      false,
      -1,
      'a',
      keyword('a'),
      sym('a'),
      new Uuid('00000000-0000-0000-0000-000000000001'),
      new Date(0),
      new Uint8Array([0]),
      [0],
    ];
    for (let i = 1; i < ranked.length; i++)
      expect(compareValues(ranked[i - 1], ranked[i])).toBeLessThan(0);
  });

  it('compares numbers of every kind numerically', () => {
    expect(compareValues(1, 2n)).toBeLessThan(0);
    expect(compareValues(3n, 2.5)).toBeGreaterThan(0);
    expect(compareValues(BigDec.parse('1.25'), 1.3)).toBeLessThan(0);
    expect(compareValues(BigDec.parse('10'), 9n)).toBeGreaterThan(0);
    expect(compareValues(Number.POSITIVE_INFINITY, Number.NaN)).toBeLessThan(0);
    expect(compareValues(Number.NaN, Number.NaN)).toBe(0);
    // Numerically equal values of different kinds are distinct but adjacent.
    expect(compareValues(1, 1n)).toBeLessThan(0);
    expect(compareValues(1n, BigDec.parse('1'))).toBeLessThan(0);
  });

  it('orders keywords by namespace (none first), then name', () => {
    expect(compareValues(keyword('z'), keyword('a/a'))).toBeLessThan(0);
    expect(compareValues(keyword('a/z'), keyword('b/a'))).toBeLessThan(0);
    expect(compareValues(keyword('a/a'), keyword('a/b'))).toBeLessThan(0);
  });

  it('normalises decimals', () => {
    expect(equals(BigDec.parse('1.50'), BigDec.parse('1.5'))).toBe(true);
    expect(BigDec.parse('1.50').toString()).toBe('1.5');
    expect(BigDec.parse('-0.05').toString()).toBe('-0.05');
    expect(BigDec.parse('1e2').toString()).toBe('100');
  });

  it('orders tuples lexicographically, shorter first', () => {
    expect(compareValues([1, 2], [1, 3])).toBeLessThan(0);
    expect(compareValues([1], [1, 0])).toBeLessThan(0);
    expect(compareValues([1, null], [1, 0])).toBeLessThan(0);
  });

  it('compares sets and maps by their contents, in any order', () => {
    const a = keyword('a');
    expect(equals(new Set([1, 2]), new Set([2, 1]))).toBe(true);
    expect(equals(new Set([1]), new Set([2]))).toBe(false);
    expect(equals(new Map([[a, 1]]), new Map([[a, 1]]))).toBe(true);
    expect(equals(new Map([[a, 1]]), new Map([[a, 2]]))).toBe(false);
    expect(hashValue(new Set([1, 2]))).toBe(hashValue(new Set([2, 1])));
    expect(hashValue(new Map([[a, [1]]]))).toBe(hashValue(new Map([[a, [1]]])));
  });
});
