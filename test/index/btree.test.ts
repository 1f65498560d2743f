import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BTreeError,
  checkTree,
  DEFAULT_BRANCHING,
  SortedSet,
  type TransientSortedSet,
} from '../../src/index/btree-api.js';

const cmp = (a: number, b: number) => a - b;

/** The model: a sorted array of unique numbers. */
function applyOps(model: number[], ops: readonly Op[]): number[] {
  const s = new Set(model);
  for (const [add, k] of ops) add ? s.add(k) : s.delete(k);
  return [...s].sort(cmp);
}

type Op = [boolean, number];

const opsArb = (maxKey: number, maxLength: number) =>
  fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: maxKey })), {
    maxLength,
    size: 'max',
  });

const BRANCHINGS = [4, 5, DEFAULT_BRANCHING];

describe('SortedSet: persistent changes', () => {
  for (const branching of BRANCHINGS) {
    it(`matches a sorted-array model under add/remove (branching ${branching})`, () => {
      fc.assert(
        fc.property(opsArb(300, 700), (ops) => {
          let t = SortedSet.empty(cmp, { branching });
          const model = new Set<number>();
          const versions: [SortedSet<number>, number[]][] = [];
          for (let i = 0; i < ops.length; i++) {
            const [add, k] = ops[i]!;
            const before = t;
            const had = model.has(k);
            if (add) {
              t = t.add(k);
              model.add(k);
              // Adding a present key returns the same instance.
              expect(t === before).toBe(had);
            } else {
              t = t.remove(k);
              model.delete(k);
              expect(t === before).toBe(!had);
            }
            expect(t.has(k)).toBe(add);
            expect(t.size).toBe(model.size);
            if (i % 41 === 0) {
              checkTree(t);
              versions.push([t, [...model].sort(cmp)]);
            }
          }
          const expected = [...model].sort(cmp);
          checkTree(t);
          expect(t.toArray()).toEqual(expected);
          expect([...t]).toEqual(expected);
          expect(t.first()).toBe(expected[0]);
          expect(t.last()).toBe(expected[expected.length - 1]);
          // Older versions never change.
          for (const [v, m] of versions) {
            expect(v.toArray()).toEqual(m);
            expect(v.size).toBe(m.length);
            checkTree(v);
          }
        }),
        { numRuns: 40 },
      );
    });
  }

  it('grows and shrinks through many levels (branching 4)', () => {
    let t = SortedSet.empty(cmp, { branching: 4 });
    const n = 3000;
    for (let i = 0; i < n; i++) t = t.add((i * 7919) % n);
    const shape = checkTree(t);
    expect(shape.depth).toBeGreaterThanOrEqual(6);
    expect(t.size).toBe(n);
    for (let i = 0; i < n; i += 2) t = t.remove((i * 104729) % n);
    checkTree(t);
    for (let i = 0; i < n; i++) t = t.remove(i);
    expect(t.size).toBe(0);
    expect(checkTree(t).depth).toBe(1);
    expect(t.first()).toBeUndefined();
    expect(t.last()).toBeUndefined();
  });

  it('finds the stored key, not the probe', () => {
    type P = { id: number; label: string };
    const byId = (a: P, b: P) => a.id - b.id;
    const keys = Array.from({ length: 500 }, (_, i) => ({ id: i * 2, label: `k${i}` }));
    const t = SortedSet.fromSorted(byId, keys, { branching: 8 });
    for (const k of keys) expect(t.find({ id: k.id, label: '' })).toBe(k);
    expect(t.find({ id: 3, label: '' })).toBeUndefined();
    expect(t.find({ id: 10_000, label: '' })).toBeUndefined();
    expect(t.has({ id: -1, label: '' })).toBe(false);
    expect(t.first()).toBe(keys[0]);
    expect(t.last()).toBe(keys[keys.length - 1]);
  });

  it('rejects a branching factor below 4', () => {
    expect(() => SortedSet.empty(cmp, { branching: 3 })).toThrow(BTreeError);
    expect(() => SortedSet.empty(cmp, { branching: 10.5 })).toThrow(BTreeError);
  });
});

describe('SortedSet: transients', () => {
  for (const branching of BRANCHINGS) {
    it(`match the model and leave persistent sets alone (branching ${branching})`, () => {
      fc.assert(
        fc.property(opsArb(400, 500), opsArb(400, 900), (first, second) => {
          const base = SortedSet.fromUnsorted(cmp, applyOps([], first), { branching });
          const baseKeys = base.toArray();
          const tr = base.asTransient();
          const model = new Set(baseKeys);
          for (let i = 0; i < second.length; i++) {
            const [add, k] = second[i]!;
            if (add) {
              expect(tr.add(k)).toBe(!model.has(k));
              model.add(k);
            } else {
              expect(tr.remove(k)).toBe(model.has(k));
              model.delete(k);
            }
            if (i % 97 === 0) {
              // Reads inside the session see its changes; the base never does.
              expect(tr.size).toBe(model.size);
              expect(tr.toArray()).toEqual([...model].sort(cmp));
              expect(base.toArray()).toEqual(baseKeys);
            }
          }
          const after = tr.persistent();
          expect(after.toArray()).toEqual([...model].sort(cmp));
          checkTree(after);
          expect(base.toArray()).toEqual(baseKeys);
          checkTree(base);
          // Sealed: further changes throw; reads still work.
          expect(() => tr.add(-1)).toThrow(BTreeError);
          expect(() => tr.remove(0)).toThrow(BTreeError);
          expect(() => tr.persistent()).toThrow(BTreeError);
          expect(tr.size).toBe(after.size);
          // A second session on the result leaves the result alone.
          const again = after.withMutations((t) => {
            for (const [add, k] of first) add ? t.remove(k) : t.add(k);
          });
          expect(after.toArray()).toEqual([...model].sort(cmp));
          checkTree(again);
          const m2 = new Set(model);
          for (const [add, k] of first) add ? m2.delete(k) : m2.add(k);
          expect(again.toArray()).toEqual([...m2].sort(cmp));
        }),
        { numRuns: 30 },
      );
    });
  }

  it('two sessions from one set do not see each other', () => {
    const base = SortedSet.fromSorted(
      cmp,
      Array.from({ length: 1000 }, (_, i) => i),
      { branching: 8 },
    );
    const a = base.asTransient();
    const b = base.asTransient();
    for (let i = 0; i < 1000; i += 3) a.remove(i);
    for (let i = 1000; i < 1500; i++) b.add(i);
    const pa = a.persistent();
    const pb = b.persistent();
    expect(pa.size).toBe(666);
    expect(pb.size).toBe(1500);
    expect(base.size).toBe(1000);
    for (const t of [pa, pb, base]) checkTree(t);
    expect(pa.has(3)).toBe(false);
    expect(pb.has(3)).toBe(true);
  });

  it('returns the same set when a session changed nothing', () => {
    const base = SortedSet.fromSorted(cmp, [1, 2, 3]);
    const t: TransientSortedSet<number> = base.asTransient();
    expect(t.add(2)).toBe(false);
    expect(t.remove(7)).toBe(false);
    expect(t.persistent()).toBe(base);
  });
});

describe('SortedSet: bulk build', () => {
  it('fromSorted and fromUnsorted equal repeated adds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -2000, max: 2000 }), { maxLength: 3000, size: 'max' }),
        fc.integer({ min: 4, max: 70 }),
        (xs, b) => {
          const bulk = SortedSet.fromUnsorted(cmp, xs, { branching: b });
          let repeated = SortedSet.empty(cmp, { branching: b });
          for (const x of xs) repeated = repeated.add(x);
          const expected = [...new Set(xs)].sort(cmp);
          expect(bulk.toArray()).toEqual(expected);
          expect(repeated.toArray()).toEqual(expected);
          expect(SortedSet.fromSorted(cmp, expected, { branching: b }).toArray()).toEqual(expected);
          checkTree(bulk);
          // It keeps working (and stays balanced) after the bulk build.
          let more = bulk;
          for (let i = 0; i < 200; i++) more = more.add(5000 + i).remove(expected[i] ?? 0);
          checkTree(more);
          expect(more.size).toBe(expected.length - Math.min(200, expected.length) + 200);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('builds full nodes and an empty set', () => {
    const t = SortedSet.fromSorted(
      cmp,
      Array.from({ length: 64 * 64 }, (_, i) => i),
    );
    expect(checkTree(t)).toEqual({ depth: 2, leaves: 64, branches: 1, keys: 4096 });
    const e = SortedSet.fromSorted(cmp, []);
    expect(e.size).toBe(0);
    expect(e.toArray()).toEqual([]);
    expect([...e.rslice()]).toEqual([]);
    expect(e.count()).toBe(0);
    expect(e.count(1, 2)).toBe(0);
  });
});

type Pair = [number, number | undefined];
/** The full order of pairs. */
const full = (a: Pair, b: Pair) => a[0] - b[0] || a[1]! - b[1]!;
/** A prefix order: an undefined component (in either key) matches anything. */
const prefix = (a: Pair, b: Pair) =>
  a[0] === undefined || b[0] === undefined
    ? 0
    : a[0] - b[0] || (a[1] === undefined || b[1] === undefined ? 0 : a[1] - b[1]);

function iterate<K>(it: Iterable<K>): K[] {
  const out: K[] = [];
  for (const k of it) out.push(k);
  return out;
}

describe('SortedSet: ranges and counts', () => {
  const pairs = fc.array(
    fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 })),
    { maxLength: 600, size: 'max' },
  );
  const bound = fc.option(
    fc.tuple(
      fc.integer({ min: -1, max: 31 }),
      fc.option(fc.integer({ min: -1, max: 31 }), { nil: undefined }),
    ),
    { nil: undefined, freq: 6 },
  );

  it('slice, rslice, forEachInRange and count agree with filtering (prefix bounds)', () => {
    fc.assert(
      fc.property(pairs, bound, bound, fc.integer({ min: 4, max: 12 }), (keys, from, to, b) => {
        const t = SortedSet.fromUnsorted<Pair>(full, keys as Pair[], { branching: b });
        const all = t.toArray();
        const up = all.filter(
          (k) =>
            (from === undefined || prefix(k, from) >= 0) &&
            (to === undefined || prefix(k, to) <= 0),
        );
        expect(t.sliceToArray(from, to, prefix)).toEqual(up);
        expect(iterate(t.slice(from, to, prefix))).toEqual(up);
        expect(t.count(from, to, prefix)).toBe(up.length);
        const seen: Pair[] = [];
        t.forEachInRange(from, to, prefix, (k) => {
          seen.push(k);
        });
        expect(seen).toEqual(up);
        // Stopping early.
        const firstThree: Pair[] = [];
        t.forEachInRange(from, to, prefix, (k) => firstThree.push(k) < 3);
        expect(firstThree).toEqual(up.slice(0, 3));
        // Reverse: from the last key <= from down to keys >= to.
        const down = all
          .filter(
            (k) =>
              (from === undefined || prefix(k, from) <= 0) &&
              (to === undefined || prefix(k, to) >= 0),
          )
          .reverse();
        expect(t.rsliceToArray(from, to, prefix)).toEqual(down);
        expect(iterate(t.rslice(from, to, prefix))).toEqual(down);
      }),
      { numRuns: 300 },
    );
  });

  it('a prefix used as both bounds selects exactly the keys with that prefix', () => {
    fc.assert(
      fc.property(
        pairs,
        fc.integer({ min: -1, max: 31 }),
        fc.integer({ min: 4, max: 9 }),
        (keys, e, b) => {
          const t = SortedSet.fromUnsorted<Pair>(full, keys as Pair[], { branching: b });
          const p: Pair = [e, undefined];
          const expected = t.toArray().filter((k) => k[0] === e);
          expect(t.sliceToArray(p, p, prefix)).toEqual(expected);
          expect(iterate(t.slice(p, p, prefix))).toEqual(expected);
          expect(t.rsliceToArray(p, p, prefix)).toEqual([...expected].reverse());
          expect(iterate(t.rslice(p, p, prefix))).toEqual([...expected].reverse());
          expect(t.count(p, p, prefix)).toBe(expected.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('ranges under the tree order, including empty and inverted ones', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 1500 }),
        fc.option(fc.integer({ min: -10, max: 1010 }), { nil: undefined }),
        fc.option(fc.integer({ min: -10, max: 1010 }), { nil: undefined }),
        (xs, from, to) => {
          const t = SortedSet.fromUnsorted(cmp, xs, { branching: 5 });
          const all = t.toArray();
          const up = all.filter(
            (k) => (from === undefined || k >= from) && (to === undefined || k <= to),
          );
          const down = all
            .filter((k) => (from === undefined || k <= from) && (to === undefined || k >= to))
            .reverse();
          expect(t.sliceToArray(from, to)).toEqual(up);
          expect(iterate(t.slice(from, to))).toEqual(up);
          expect(t.count(from, to)).toBe(up.length);
          expect(t.rsliceToArray(from, to)).toEqual(down);
          expect(iterate(t.rslice(from, to))).toEqual(down);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('cursors follow the iterator protocol and are iterable', () => {
    const t = SortedSet.fromSorted(
      cmp,
      Array.from({ length: 100 }, (_, i) => i),
      { branching: 4 },
    );
    const c = t.slice(10, 12);
    expect(c[Symbol.iterator]()).toBe(c);
    expect(c.next()).toEqual({ done: false, value: 10 });
    expect(c.next().value).toBe(11);
    expect(c.next().value).toBe(12);
    expect(c.next().done).toBe(true);
    expect(c.next().done).toBe(true);
    expect(Array.from(t.rslice(3))).toEqual([3, 2, 1, 0]);
    expect(Array.from(t.slice(97))).toEqual([97, 98, 99]);
    expect(Array.from(t.slice(200))).toEqual([]);
    expect(Array.from(t.rslice(-1))).toEqual([]);
  });

  it('transients read ranges and counts too', () => {
    const t = SortedSet.fromSorted(
      cmp,
      Array.from({ length: 50 }, (_, i) => i * 2),
      { branching: 4 },
    ).asTransient();
    t.add(5);
    t.remove(6);
    expect(t.sliceToArray(2, 10)).toEqual([2, 4, 5, 8, 10]);
    expect(iterate(t.rslice(10, 2))).toEqual([10, 8, 5, 4, 2]);
    expect(t.count(2, 10)).toBe(5);
    expect(t.find(5)).toBe(5);
    expect(t.has(6)).toBe(false);
  });
});
