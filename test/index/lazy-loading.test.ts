/**
 * Trees opened from a store: reads and transient changes inside `withLoadedNodes` record
 * every node they miss and go on, so a run needs about one batched load per tree level,
 * whatever number of lookups it makes; steps a run kept are not repeated.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type LoadingRun,
  NodeCache,
  type NodeData,
  NodeNotLoadedError,
  SortedSet,
  withLoadedNodes,
} from '../../src/index/btree-api.js';

const cmp = (a: number, b: number) => a - b;
const BRANCHING = 8;

/** A tree of `keys` flushed into a map, and a reader opening it through a fresh cache. */
function stored(keys: readonly number[]) {
  const blobs = new Map<string, NodeData<number>>();
  const writer = new NodeCache<number>(async () => {
    throw new Error('the writer reads nothing');
  });
  const tree = SortedSet.fromSorted(cmp, keys, { store: writer, branching: BRANCHING }).flush(
    (data) => {
      const address = `n${blobs.size}`;
      blobs.set(address, data);
      return address;
    },
  );
  const batches: string[][] = [];
  const open = () => {
    const cache = new NodeCache<number>(
      async () => {
        throw new Error('reads go through loadMany');
      },
      {
        loadMany: async (addresses) => {
          batches.push([...addresses]);
          return addresses.map((a) => blobs.get(a)!);
        },
      },
    );
    const cold = SortedSet.fromRoot(cmp, tree.rootAddress!, {
      store: cache,
      branching: BRANCHING,
    });
    return { cache, cold };
  };
  return { tree, open, batches, levels: tree.root.level + 1 };
}

const KEYS = Array.from({ length: 5000 }, (_, i) => i * 2);

describe('withLoadedNodes: reads collect what they miss', () => {
  it('answers many point lookups in one load per level', async () => {
    const { open, batches, levels } = stored(KEYS);
    const { cache, cold } = open();
    const asked = [7, 10, 400, 401, 2222, 5000, 9998, 9999, 12000];
    const found = await withLoadedNodes(cache, () => asked.map((k) => cold.has(k)));
    expect(found).toEqual(asked.map((k) => k % 2 === 0 && k < 10000));
    expect(levels).toBeGreaterThanOrEqual(4);
    expect(batches.length).toBe(levels);
    // Nothing is read twice.
    expect(new Set(batches.flat()).size).toBe(batches.flat().length);
  });

  it('scans, counts and iterates ranges in one load per level', async () => {
    const { open, batches, levels } = stored(KEYS);
    const { cache, cold } = open();
    const got = await withLoadedNodes(cache, () => {
      const cursor: number[] = [];
      for (const k of cold.slice(1000, 1100)) cursor.push(k);
      const reverse: number[] = [];
      for (const k of cold.rslice(3100, 3000)) reverse.push(k);
      const each: number[] = [];
      cold.forEachInRange(5000, 5050, undefined, (k) => {
        each.push(k);
      });
      return {
        array: cold.sliceToArray(200, 260),
        reverseArray: cold.rsliceToArray(860, 800),
        cursor,
        reverse,
        each,
        count: cold.count(6000, 8000),
        first: cold.first(),
        last: cold.last(),
        size: cold.size,
      };
    });
    const range = (lo: number, hi: number) => KEYS.filter((k) => k >= lo && k <= hi);
    expect(got).toEqual({
      array: range(200, 260),
      reverseArray: range(800, 860).reverse(),
      cursor: range(1000, 1100),
      reverse: range(3000, 3100).reverse(),
      each: range(5000, 5050),
      count: range(6000, 8000).length,
      first: 0,
      last: 9998,
      size: KEYS.length,
    });
    expect(batches.length).toBe(levels);
  });

  it('changes transients on cold paths in one load per level', async () => {
    const { open, batches, levels } = stored(KEYS);
    const { cache, cold } = open();
    const added = [1, 333, 4001, 7777, 10001];
    const removed = [0, 2000, 6000, 9998];
    const after = await withLoadedNodes(cache, () => {
      const t = cold.asTransient();
      for (const k of added) t.add(k);
      for (const k of removed) t.remove(k);
      return t.persistent();
    });
    const model = [...KEYS.filter((k) => !removed.includes(k)), ...added].sort(cmp);
    expect(await withLoadedNodes(cache, () => after.toArray())).toEqual(model);
    // The changes read one batch per level; listing the result reads the rest.
    expect(batches.slice(0, levels).length).toBe(levels);
    expect(new Set(batches.flat()).size).toBe(batches.flat().length);
  });

  it('throws NodeNotLoadedError outside withLoadedNodes, as before', () => {
    const { open } = stored(KEYS);
    const { cold } = open();
    expect(() => cold.has(4)).toThrow(NodeNotLoadedError);
  });

  it('gives what an in-memory tree gives, for any reads and changes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.tuple(fc.constant('has' as const), fc.integer({ min: -5, max: 10005 })),
            fc.tuple(fc.constant('add' as const), fc.integer({ min: -5, max: 10005 })),
            fc.tuple(fc.constant('remove' as const), fc.integer({ min: -5, max: 10005 })),
            fc.tuple(fc.constant('count' as const), fc.integer({ min: -5, max: 10005 })),
            fc.tuple(fc.constant('slice' as const), fc.integer({ min: -5, max: 10005 })),
          ),
          { maxLength: 40 },
        ),
        async (ops) => {
          const { tree, open } = stored(KEYS);
          const { cache, cold } = open();
          const apply = (base: SortedSet<number>) => {
            const t = base.asTransient();
            const out: unknown[] = [];
            for (const [op, k] of ops) {
              if (op === 'has') out.push(t.has(k));
              else if (op === 'add') out.push(t.add(k));
              else if (op === 'remove') out.push(t.remove(k));
              else if (op === 'count') out.push(t.count(k, k + 300));
              else out.push(t.sliceToArray(k, k + 40));
            }
            out.push(t.persistent().toArray());
            return out;
          };
          expect(await withLoadedNodes(cache, () => apply(cold))).toEqual(apply(tree));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('withLoadedNodes: steps', () => {
  it('resumes after the last step that missed nothing', async () => {
    const { open, batches, levels } = stored(KEYS);
    const { cache, cold } = open();
    let firstRuns = 0;
    const result = await withLoadedNodes(cache, (run: LoadingRun) => {
      let a = run.resume<number[]>('first');
      if (a === undefined) {
        firstRuns++;
        a = run.step(
          'first',
          [10, 20, 30].map((k) => cold.find(k) ?? -1),
        );
      }
      // The second step's lookups depend on the first's answers.
      return a.map((k) => cold.count(k, k + 5000));
    });
    expect(result).toEqual([2501, 2501, 2501]);
    // The first step runs until it misses nothing; the later runs start after it.
    expect(firstRuns).toBe(levels + 1);
    expect(batches.length).toBeLessThanOrEqual(2 * levels);
  });

  it('gives up on a run that misses only nodes it has already loaded', async () => {
    const cache = new NodeCache<number>(async () => ({ leaf: true, keys: [1] }));
    await expect(
      withLoadedNodes(cache, () => {
        throw new NodeNotLoadedError(['x'], {});
      }),
    ).rejects.toThrow(NodeNotLoadedError);
  });
});
