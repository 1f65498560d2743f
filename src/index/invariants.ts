/**
 * A full structural check of a tree, for tests and for debugging stored trees: keys in
 * strict order, node sizes within bounds, every leaf at the same depth, and every cached
 * figure (largest keys, counts, totals, heights) equal to what it summarises.
 */

import { BTreeError } from './errors.js';
import type { Ctx, Node } from './node.js';

export interface TreeShape {
  /** Number of levels (1: the root is a leaf). */
  depth: number;
  leaves: number;
  branches: number;
  keys: number;
}

interface TreeLike<K> {
  readonly ctx: Ctx<K>;
  readonly root: Node<K>;
}

function fail(message: string): never {
  throw new BTreeError('index/invariant', `B+-tree invariant broken: ${message}`);
}

/** Checks every invariant (reading every node: wrap it in withLoadedNodes for a lazy tree). */
export function checkTree<K>(tree: TreeLike<K>): TreeShape {
  const { ctx } = tree;
  const cmp = ctx.cmp;
  const shape: TreeShape = { depth: 0, leaves: 0, branches: 0, keys: 0 };
  let previous: { key: K } | undefined;
  const walk = (n: Node<K>, isRoot: boolean, depth: number): void => {
    const size = n.size;
    if (size > ctx.branching) fail(`a node has ${size} entries, more than ${ctx.branching}`);
    if (!isRoot && size < ctx.min) fail(`a node has ${size} entries, fewer than ${ctx.min}`);
    const cs = n.children;
    if (cs === undefined) {
      if (n.level !== 0) fail(`a leaf has level ${n.level}`);
      if (shape.depth === 0) shape.depth = depth;
      else if (shape.depth !== depth) fail('leaves at different depths');
      const keys = n.keys!;
      if (n.total !== keys.length) fail(`a leaf's total ${n.total} is not its ${keys.length} keys`);
      if (keys.length > 0 && n.max !== keys[keys.length - 1]) fail("a leaf's max is stale");
      for (const k of keys) {
        if (previous !== undefined && cmp(previous.key, k) >= 0) fail('keys out of order');
        previous = { key: k };
      }
      shape.leaves++;
      shape.keys += keys.length;
      return;
    }
    if (isRoot && size < 2) fail('a branch root with fewer than two children');
    shape.branches++;
    const summary = n.keys !== undefined;
    if (summary && (n.keys!.length !== size || n.counts?.length !== size))
      fail('summary arrays of the wrong length');
    if (!summary && n.counts !== undefined) fail('counts without keys');
    let total = 0;
    for (let i = 0; i < size; i++) {
      const slot = cs[i]!;
      if (typeof slot === 'string' && !summary) fail('an address slot in a branch without keys');
      const c = ctx.child(n, i);
      if (c.level !== n.level - 1) fail(`a child at level ${c.level} under level ${n.level}`);
      if (typeof slot === 'string' && c.address !== slot)
        fail('a loaded child has another address');
      const before = shape.keys;
      walk(c, false, depth + 1);
      const count = shape.keys - before;
      if (c.total !== count) fail(`a node's total ${c.total} is not its ${count} keys`);
      if (summary) {
        if (n.counts![i] !== count) fail(`a count ${n.counts![i]} is not the child's ${count}`);
        if (cmp(n.keys![i]!, c.max!) !== 0) fail("a branch's key is not its child's largest");
      }
      total += count;
    }
    if (n.total !== total) fail(`a branch's total ${n.total} is not its ${total} keys`);
    const last = ctx.child(n, size - 1);
    if (n.max !== last.max && cmp(n.max!, last.max!) !== 0) fail("a branch's max is stale");
  };
  walk(tree.root, true, 1);
  return shape;
}
