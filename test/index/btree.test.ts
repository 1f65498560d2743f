import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  flushTree,
  type Node,
  NodeCache,
  type NodeData,
  NodeNotLoadedError,
  SortedSet,
  withLoadedNodes,
} from '../../src/index/btree-api.js';

type Pair = [number, number | undefined];
const cmp = (a: number, b: number) => a - b;
/** Tuple order where an undefined component (in either key) matches anything. */
const pairCmp = (a: Pair, b: Pair) =>
  a[0] - b[0] || (a[1] === undefined || b[1] === undefined ? 0 : a[1] - b[1]);

function model(ops: [boolean, number][]): number[] {
  const s = new Set<number>();
  for (const [add, k] of ops) add ? s.add(k) : s.delete(k);
  return [...s].sort(cmp);
}

/** Structural invariants: sorted keys, node sizes, max keys and counts. */
function check<K>(tree: SortedSet<K>, c: (a: K, b: K) => number): void {
  const b = tree.branching;
  const walk = (n: Node<K>, isRoot: boolean): K[] => {
    if (!isRoot) expect(n.size).toBeGreaterThanOrEqual(b >>> 1);
    expect(n.size).toBeLessThanOrEqual(b);
    if (n.children === undefined) {
      expect(n.total).toBe(n.keys!.length);
      return n.keys!;
    }
    const keys: K[] = [];
    n.children.forEach((child, i) => {
      const node = child ?? tree.source!.get(n.summaries!.addresses[i]!);
      const sub = walk(node, false);
      expect(n.countOf(i)).toBe(sub.length);
      expect(c(sub[sub.length - 1]!, n.maxKey(i))).toBe(0);
      keys.push(...sub);
    });
    expect(n.total).toBe(keys.length);
    return keys;
  };
  const all = walk(tree.root, true);
  for (let i = 1; i < all.length; i++) expect(c(all[i - 1]!, all[i]!)).toBeLessThan(0);
}

const opsArb = fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 300 })), {
  maxLength: 600,
  size: 'max',
});

describe('SortedSet', () => {
  for (const branching of [4, 5, 64]) {
    it(`matches a sorted-array model under add/remove (branching ${branching})`, () => {
      fc.assert(
        fc.property(opsArb, (ops) => {
          let t = SortedSet.empty(cmp, { branching });
          const versions: [SortedSet<number>, number[]][] = [];
          for (let i = 0; i < ops.length; i++) {
            const [add, k] = ops[i]!;
            t = add ? t.add(k) : t.remove(k);
            if (i % 50 === 0) versions.push([t, model(ops.slice(0, i + 1))]);
          }
          expect(t.sliceToArray()).toEqual(model(ops));
          expect(t.size).toBe(model(ops).length);
          check(t, cmp);
          // Older versions never change.
          for (const [v, m] of versions) expect(v.sliceToArray()).toEqual(m);
        }),
        { numRuns: 60 },
      );
    });

    it(`transients match the model and leave the source tree alone (branching ${branching})`, () => {
      fc.assert(
        fc.property(opsArb, opsArb, (first, second) => {
          const base = first.reduce(
            (t, [add, k]) => (add ? t.add(k) : t.remove(k)),
            SortedSet.empty(cmp, { branching }),
          );
          const before = base.sliceToArray();
          const tr = base.asTransient();
          for (const [add, k] of second) add ? tr.add(k) : tr.remove(k);
          const after = tr.persistent();
          expect(after.sliceToArray()).toEqual(model([...first, ...second]));
          expect(base.sliceToArray()).toEqual(before);
          check(after, cmp);
          expect(() => tr.add(1)).toThrow();
        }),
        { numRuns: 60 },
      );
    });
  }

  it('builds from sorted and unsorted keys like repeated adds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 2000, size: 'max' }),
        fc.integer({ min: 4, max: 70 }),
        (xs, b) => {
          const bulk = SortedSet.fromUnsorted(cmp, xs, { branching: b });
          const expected = [...new Set(xs)].sort(cmp);
          expect(bulk.sliceToArray()).toEqual(expected);
          check(bulk, cmp);
          // And it keeps working after bulk build.
          const more = bulk.add(5000).remove(expected[0] ?? 0);
          check(more, cmp);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('slices, reverse-slices and counts ranges with prefix bounds', () => {
    const pairs = fc.array(
      fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 })),
      { maxLength: 400, size: 'max' },
    );
    const bound = fc.tuple(
      fc.integer({ min: -1, max: 21 }),
      fc.option(fc.integer({ min: -1, max: 21 }), { nil: undefined }),
    );
    fc.assert(
      fc.property(pairs, bound, bound, fc.integer({ min: 4, max: 16 }), (keys, from, to, b) => {
        const full = (a: Pair, c: Pair) => a[0] - c[0] || a[1]! - c[1]!;
        const t = SortedSet.fromUnsorted<Pair>(full, keys as Pair[], { branching: b });
        const all = t.sliceToArray();
        const inRange = all.filter((k) => pairCmp(k, from) >= 0 && pairCmp(k, to) <= 0);
        expect(t.sliceToArray(from, to, pairCmp)).toEqual(inRange);
        expect(t.count(from, to, pairCmp)).toBe(inRange.length);
        const down = all.filter((k) => pairCmp(k, from) <= 0 && pairCmp(k, to) >= 0).reverse();
        expect(t.rsliceToArray(from, to, pairCmp)).toEqual(down);
        // Prefix: every key with the first component of `from`.
        const prefix: Pair = [from[0], undefined];
        expect(t.sliceToArray(prefix, prefix, pairCmp)).toEqual(
          all.filter((k) => k[0] === from[0]),
        );
        expect(t.sliceToArray(undefined, undefined)).toEqual(all);
        expect(t.find(all[0] ?? [0, 0])).toEqual(all[0]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('stored trees', () => {
  function store() {
    const blobs = new Map<string, NodeData<number>>();
    let n = 0;
    const write = (data: NodeData<number>) => {
      const address = `node-${++n}`;
      blobs.set(address, structuredClone(data));
      return address;
    };
    return { blobs, write };
  }

  it('flushes only new nodes and reopens lazily through a small cache', async () => {
    const { blobs, write } = store();
    const tree = SortedSet.fromSorted(
      cmp,
      Array.from({ length: 1000 }, (_, i) => i * 2),
      { branching: 8 },
    );
    const cache = new NodeCache<number>(async (a) => blobs.get(a)!, 1000);
    const flushed = flushTree(tree, write, cache);
    const written = blobs.size;
    expect(flushed.root.address).toBeDefined();
    // One more key rewrites one path only.
    const next = flushTree(flushed.add(7), write, cache);
    expect(blobs.size - written).toBeLessThanOrEqual(5);
    // A reader with a cold, tiny cache: synchronous reads throw until nodes are loaded.
    const cold = new NodeCache<number>(async (a) => blobs.get(a)!, 2);
    const root = await withLoadedNodes(cold, () => cold.get(next.root.address!));
    const reader = SortedSet.fromRoot(cmp, root, { branching: 8, source: cold });
    expect(() => reader.sliceToArray(0, 100)).toThrow(NodeNotLoadedError);
    const slice = await withLoadedNodes(cold, () => reader.sliceToArray(0, 20));
    expect(slice).toEqual([0, 2, 4, 6, 7, 8, 10, 12, 14, 16, 18, 20]);
    expect(await withLoadedNodes(cold, () => reader.count())).toBe(1001);
    expect(await withLoadedNodes(cold, () => reader.sliceToArray().length)).toBe(1001);
    expect(cold.size).toBeLessThanOrEqual(2);
    // The reader can change the tree too; the stored nodes stay untouched.
    const changed = await withLoadedNodes(cold, () => reader.remove(0).add(-1));
    expect(await withLoadedNodes(cold, () => changed.sliceToArray(-1, 4))).toEqual([-1, 2, 4]);
    await withLoadedNodes(cold, () => check(changed, cmp));
  });

  it('loads synchronously when the loader is synchronous', () => {
    const { blobs, write } = store();
    const cache = new NodeCache<number>(async (a) => blobs.get(a)!);
    const flushed = flushTree(
      SortedSet.fromSorted(cmp, [1, 2, 3, 4, 5, 6, 7, 8, 9], { branching: 4 }),
      write,
      cache,
    );
    const sync = new NodeCache<number>((a) => blobs.get(a)!, 1);
    const reader = SortedSet.fromRoot(cmp, sync.get(flushed.root.address!), {
      branching: 4,
      source: sync,
    });
    expect(reader.sliceToArray()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
