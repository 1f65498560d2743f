/**
 * An immutable B+-tree of sorted, unique keys: the persistent index structure.
 *
 * - Persistent: `add`/`remove` copy the path they change and share the rest.
 * - Transient: inside one transaction nodes created by it are changed in place (an edit
 *   token marks them), so a batch of changes copies each touched node once.
 * - Counted: branches keep the size of every subtree, so counting a range costs O(log n).
 * - Addressed: a node may carry the address it was written under; a branch reaches a
 *   flushed child through the tree's node source by address, so a stored tree is loaded
 *   lazily and only new nodes are ever written (see node-source.ts).
 *
 * One node class for leaves and branches keeps property access monomorphic.
 */

import type { NodeSource } from './node-source.js';

export type Comparator<K> = (a: K, b: K) => number;

/** A transient session: nodes stamped with a live edit may be changed in place. */
interface Edit {
  live: boolean;
}

export class Node<K> {
  constructor(
    /** Leaf: the keys. Branch: the largest key of each child. */
    public keys: K[],
    /** Branch only: the children, or undefined for a child that must be loaded by address. */
    public children: (Node<K> | undefined)[] | undefined,
    /**
     * Branch only: number of keys under each child. Absent while every child is in
     * memory (a child knows its own total); present on nodes loaded from a store.
     */
    public counts: number[] | undefined,
    /** Branch only: the address of each child that has been written; absent while none has. */
    public addresses: (string | undefined)[] | undefined,
    /** Keys in this subtree. */
    public total: number,
    public edit: Edit | null,
    /** Where this node was written, once it has been. */
    public address: string | undefined = undefined,
  ) {}

  get isLeaf(): boolean {
    return this.children === undefined;
  }
}

export interface SortedSetOptions<K> {
  /** Maximum keys per node. */
  branching?: number;
  /** Where children known only by address are loaded from. */
  source?: NodeSource<K>;
}

export const DEFAULT_BRANCHING = 64;

function leaf<K>(keys: K[], edit: Edit | null): Node<K> {
  return new Node(keys, undefined, undefined, undefined, keys.length, edit);
}

function branch<K>(
  keys: K[],
  children: (Node<K> | undefined)[],
  counts: number[] | undefined,
  addresses: (string | undefined)[] | undefined,
  edit: Edit | null,
): Node<K> {
  let total = 0;
  if (counts !== undefined) for (let i = 0; i < counts.length; i++) total += counts[i]!;
  else for (let i = 0; i < children.length; i++) total += children[i]!.total;
  return new Node(keys, children, counts, addresses, total, edit);
}

/** Keys under child i. */
function countOf<K>(n: Node<K>, i: number): number {
  return n.counts !== undefined ? n.counts[i]! : n.children![i]!.total;
}

/** Gives a branch explicit counts and addresses arrays, for rebalancing. */
function materialize<K>(n: Node<K>): void {
  if (n.children === undefined) return;
  n.counts ??= n.children.map((c) => c!.total);
  n.addresses ??= new Array(n.children.length).fill(undefined);
}

/** First index whose key is >= k. */
function lowerBound<K>(keys: K[], k: K, cmp: Comparator<K>): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(keys[mid]!, k) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose key is > k. */
function upperBound<K>(keys: K[], k: K, cmp: Comparator<K>): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(keys[mid]!, k) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lastKey<K>(n: Node<K>): K {
  return n.keys[n.keys.length - 1]!;
}

/** The tree-wide context an operation needs. */
class Ctx<K> {
  constructor(
    readonly cmp: Comparator<K>,
    readonly branching: number,
    readonly source: NodeSource<K> | undefined,
  ) {}

  child(n: Node<K>, i: number): Node<K> {
    const c = n.children![i];
    if (c !== undefined) return c;
    const address = n.addresses?.[i];
    if (address === undefined || this.source === undefined)
      throw new Error('B+-tree: a child has neither a node nor a loadable address');
    return this.source.get(address);
  }
}

// A node a recursive insert split off, handed to the caller (saves an allocation per level).
let splitOff: Node<unknown> | null = null;

/** A node that may be changed in place in this session, copying it first if needed. */
function own<K>(n: Node<K>, edit: Edit | null): Node<K> {
  if (edit !== null && n.edit === edit) return n;
  return n.children === undefined
    ? new Node(n.keys.slice(), undefined, undefined, undefined, n.total, edit)
    : new Node(
        n.keys.slice(),
        n.children.slice(),
        n.counts?.slice(),
        n.addresses?.slice(),
        n.total,
        edit,
      );
}

/** A copy of `xs` with `x` inserted at `i`, in one pass. */
function inserted<T>(xs: readonly T[], i: number, x: T): T[] {
  const out = new Array<T>(xs.length + 1);
  for (let j = 0; j < i; j++) out[j] = xs[j]!;
  out[i] = x;
  for (let j = i; j < xs.length; j++) out[j + 1] = xs[j]!;
  return out;
}

/** A copy of `xs` without the element at `i`, in one pass. */
function removed<T>(xs: readonly T[], i: number): T[] {
  const out = new Array<T>(xs.length - 1);
  for (let j = 0; j < i; j++) out[j] = xs[j]!;
  for (let j = i + 1; j < xs.length; j++) out[j - 1] = xs[j]!;
  return out;
}

function splitNode<K>(n: Node<K>, edit: Edit | null): Node<K> {
  const half = n.keys.length >>> 1;
  const rightKeys = n.keys.splice(half);
  if (n.children === undefined) {
    n.total = n.keys.length;
    return leaf(rightKeys, edit);
  }
  const right = branch(
    rightKeys,
    n.children.splice(half),
    n.counts?.splice(half),
    n.addresses?.splice(half),
    edit,
  );
  n.total -= right.total;
  return right;
}

/** Inserts k; returns the new node, or null when k was already there. Sets `splitOff`. */
function insert<K>(ctx: Ctx<K>, n: Node<K>, k: K, edit: Edit | null): Node<K> | null {
  const cmp = ctx.cmp;
  if (n.children === undefined) {
    const i = lowerBound(n.keys, k, cmp);
    if (i < n.keys.length && cmp(n.keys[i]!, k) === 0) return null;
    let m: Node<K>;
    if (edit !== null && n.edit === edit) {
      m = n;
      m.keys.splice(i, 0, k);
      m.total++;
      m.address = undefined;
    } else m = leaf(inserted(n.keys, i, k), edit);
    splitOff = m.keys.length > ctx.branching ? splitNode(m, edit) : null;
    return m;
  }
  let i = lowerBound(n.keys, k, cmp);
  if (i === n.keys.length) i--;
  const child = ctx.child(n, i);
  const updated = insert(ctx, child, k, edit);
  if (updated === null) return null;
  const sibling = splitOff as Node<K> | null;
  const m = own(n, edit);
  m.address = undefined;
  m.children![i] = updated;
  if (m.addresses !== undefined) m.addresses[i] = undefined;
  m.total++;
  if (sibling === null) {
    m.keys[i] = lastKey(updated);
    if (m.counts !== undefined) m.counts[i] = updated.total;
    splitOff = null;
    return m;
  }
  m.keys.splice(i, 1, lastKey(updated), lastKey(sibling));
  m.children!.splice(i + 1, 0, sibling);
  m.addresses?.splice(i + 1, 0, undefined);
  m.counts?.splice(i, 1, updated.total, sibling.total);
  splitOff = m.keys.length > ctx.branching ? splitNode(m, edit) : null;
  return m;
}

/** Removes k; returns the new node (possibly underfull), or null when k was absent. */
function remove<K>(ctx: Ctx<K>, n: Node<K>, k: K, edit: Edit | null): Node<K> | null {
  const cmp = ctx.cmp;
  const i = lowerBound(n.keys, k, cmp);
  if (i === n.keys.length) return null;
  if (n.children === undefined) {
    if (cmp(n.keys[i]!, k) !== 0) return null;
    if (edit !== null && n.edit === edit) {
      n.keys.splice(i, 1);
      n.total--;
      n.address = undefined;
      return n;
    }
    return leaf(removed(n.keys, i), edit);
  }
  const updated = remove(ctx, ctx.child(n, i), k, edit);
  if (updated === null) return null;
  const m = own(n, edit);
  m.address = undefined;
  m.total--;
  const min = ctx.branching >>> 1;
  if (updated.keys.length >= min || m.keys.length === 1) {
    setChild(m, i, updated);
    return m;
  }
  // Underfull: merge with a neighbour, or borrow from it when both are too big to merge.
  const j = i + 1 < m.keys.length ? i + 1 : i - 1;
  const [lo, hi] = j > i ? [i, j] : [j, i];
  const l = lo === i ? updated : own(ctx.child(m, lo), edit);
  const r = hi === i ? updated : own(ctx.child(m, hi), edit);
  l.address = undefined;
  r.address = undefined;
  materialize(l);
  materialize(r);
  if (l.keys.length + r.keys.length <= ctx.branching) {
    l.keys.push(...r.keys);
    if (l.children !== undefined) {
      l.children.push(...r.children!);
      l.counts!.push(...r.counts!);
      l.addresses!.push(...r.addresses!);
    }
    l.total += r.total;
    m.keys.splice(hi, 1);
    m.children!.splice(hi, 1);
    m.counts?.splice(hi, 1);
    m.addresses?.splice(hi, 1);
    setChild(m, lo, l);
    return m;
  }
  const leftSize = (l.keys.length + r.keys.length) >>> 1;
  if (l.keys.length > leftSize) {
    r.keys.unshift(...l.keys.splice(leftSize));
    if (l.children !== undefined) {
      r.children!.unshift(...l.children.splice(leftSize));
      r.counts!.unshift(...l.counts!.splice(leftSize));
      r.addresses!.unshift(...l.addresses!.splice(leftSize));
    }
  } else {
    const moved = leftSize - l.keys.length;
    l.keys.push(...r.keys.splice(0, moved));
    if (l.children !== undefined) {
      l.children.push(...r.children!.splice(0, moved));
      l.counts!.push(...r.counts!.splice(0, moved));
      l.addresses!.push(...r.addresses!.splice(0, moved));
    }
  }
  const all = l.total + r.total;
  l.total = l.children === undefined ? l.keys.length : l.counts!.reduce((a, b) => a + b, 0);
  r.total = all - l.total;
  setChild(m, lo, l);
  setChild(m, hi, r);
  return m;
}

function setChild<K>(m: Node<K>, i: number, c: Node<K>): void {
  m.children![i] = c;
  if (m.addresses !== undefined) m.addresses[i] = c.address;
  m.keys[i] = lastKey(c);
  if (m.counts !== undefined) m.counts[i] = c.total;
}

/** Number of keys k with cmp(k, bound) < 0 (or <= 0 when `inclusive`). */
function rank<K>(
  ctx: Ctx<K>,
  n: Node<K>,
  bound: K,
  cmp: Comparator<K>,
  inclusive: boolean,
): number {
  let r = 0;
  while (true) {
    const i = inclusive ? upperBound(n.keys, bound, cmp) : lowerBound(n.keys, bound, cmp);
    if (n.children === undefined) return r + i;
    if (i === n.keys.length) return r + n.total;
    for (let j = 0; j < i; j++) r += countOf(n, j);
    n = ctx.child(n, i);
  }
}

/** Pushes keys in [from, to] onto out, ascending; false once past `to`. */
function collect<K>(
  ctx: Ctx<K>,
  n: Node<K>,
  from: K | undefined,
  to: K | undefined,
  cmp: Comparator<K>,
  out: K[],
): boolean {
  const keys = n.keys;
  let i = from === undefined ? 0 : lowerBound(keys, from, cmp);
  if (n.children === undefined) {
    for (; i < keys.length; i++) {
      const k = keys[i]!;
      if (to !== undefined && cmp(k, to) > 0) return false;
      out.push(k);
    }
    return true;
  }
  for (; i < keys.length; i++) {
    if (!collect(ctx, ctx.child(n, i), from, to, cmp, out)) return false;
    if (to !== undefined && cmp(keys[i]!, to) > 0) return false;
  }
  return true;
}

/** Pushes keys from the last one <= from down to `to`, descending; false once below `to`. */
function collectReverse<K>(
  ctx: Ctx<K>,
  n: Node<K>,
  from: K | undefined,
  to: K | undefined,
  cmp: Comparator<K>,
  out: K[],
): boolean {
  const keys = n.keys;
  if (n.children === undefined) {
    let i = from === undefined ? keys.length - 1 : upperBound(keys, from, cmp) - 1;
    for (; i >= 0; i--) {
      const k = keys[i]!;
      if (to !== undefined && cmp(k, to) < 0) return false;
      out.push(k);
    }
    return true;
  }
  let i =
    from === undefined ? keys.length - 1 : Math.min(upperBound(keys, from, cmp), keys.length - 1);
  for (; i >= 0; i--) {
    if (!collectReverse(ctx, ctx.child(n, i), from, to, cmp, out)) return false;
  }
  return true;
}

function buildLevel<K>(nodes: Node<K>[], branching: number): Node<K>[] {
  const groups = Math.ceil(nodes.length / branching);
  const out: Node<K>[] = [];
  let start = 0;
  for (let g = 0; g < groups; g++) {
    const size = Math.floor((nodes.length - start) / (groups - g));
    const slice = nodes.slice(start, start + size);
    start += size;
    out.push(branch(slice.map(lastKey), slice, undefined, undefined, null));
  }
  return out;
}

/** An immutable sorted set of unique keys. */
export class SortedSet<K> {
  /** @internal */
  constructor(
    readonly root: Node<K>,
    readonly cmp: Comparator<K>,
    readonly branching: number,
    readonly source: NodeSource<K> | undefined,
  ) {}

  static empty<K>(cmp: Comparator<K>, opts: SortedSetOptions<K> = {}): SortedSet<K> {
    return new SortedSet(leaf<K>([], null), cmp, opts.branching ?? DEFAULT_BRANCHING, opts.source);
  }

  /** Builds a tree bottom-up from keys already sorted by `cmp` and unique. O(n). */
  static fromSorted<K>(
    cmp: Comparator<K>,
    keys: readonly K[],
    opts: SortedSetOptions<K> = {},
  ): SortedSet<K> {
    const b = opts.branching ?? DEFAULT_BRANCHING;
    if (keys.length <= b) return new SortedSet(leaf(keys.slice(), null), cmp, b, opts.source);
    const leaves = Math.ceil(keys.length / b);
    let level: Node<K>[] = [];
    let start = 0;
    for (let g = 0; g < leaves; g++) {
      const size = Math.floor((keys.length - start) / (leaves - g));
      level.push(leaf(keys.slice(start, start + size), null));
      start += size;
    }
    while (level.length > 1) level = buildLevel(level, b);
    return new SortedSet(level[0]!, cmp, b, opts.source);
  }

  /** Sorts (and removes duplicates from) keys, then builds the tree in one pass. */
  static fromUnsorted<K>(
    cmp: Comparator<K>,
    keys: readonly K[],
    opts: SortedSetOptions<K> = {},
  ): SortedSet<K> {
    const sorted = keys.slice().sort(cmp);
    let n = 0;
    for (let i = 0; i < sorted.length; i++)
      if (n === 0 || cmp(sorted[n - 1]!, sorted[i]!) !== 0) sorted[n++] = sorted[i]!;
    sorted.length = n;
    return SortedSet.fromSorted(cmp, sorted, opts);
  }

  /** Opens a stored tree by the address of its root. */
  static fromRoot<K>(
    cmp: Comparator<K>,
    root: Node<K>,
    opts: SortedSetOptions<K> = {},
  ): SortedSet<K> {
    return new SortedSet(root, cmp, opts.branching ?? DEFAULT_BRANCHING, opts.source);
  }

  private context: Ctx<K> | undefined;

  /** @internal */
  ctx(): Ctx<K> {
    return (this.context ??= new Ctx(this.cmp, this.branching, this.source));
  }

  get size(): number {
    return this.root.total;
  }

  private withRoot(root: Node<K>): SortedSet<K> {
    return new SortedSet(root, this.cmp, this.branching, this.source);
  }

  add(k: K): SortedSet<K> {
    const root = insertRoot(this.ctx(), this.root, k, null);
    return root === null ? this : this.withRoot(root);
  }

  remove(k: K): SortedSet<K> {
    const root = removeRoot(this.ctx(), this.root, k, null);
    return root === null ? this : this.withRoot(root);
  }

  has(k: K): boolean {
    return this.find(k) !== undefined;
  }

  /** The stored key equal to k. */
  find(k: K): K | undefined {
    return findIn(this.ctx(), this.root, k);
  }

  /** Keys in [from, to] (inclusive; either may be left out), ascending. */
  sliceToArray(from?: K, to?: K, cmp: Comparator<K> = this.cmp): K[] {
    const out: K[] = [];
    collect(this.ctx(), this.root, from, to, cmp, out);
    return out;
  }

  /** Keys from the last one <= from down to `to`, descending. */
  rsliceToArray(from?: K, to?: K, cmp: Comparator<K> = this.cmp): K[] {
    const out: K[] = [];
    collectReverse(this.ctx(), this.root, from, to, cmp, out);
    return out;
  }

  slice(from?: K, to?: K, cmp?: Comparator<K>): K[] {
    return this.sliceToArray(from, to, cmp);
  }

  rslice(from?: K, to?: K, cmp?: Comparator<K>): K[] {
    return this.rsliceToArray(from, to, cmp);
  }

  /** How many keys lie in [from, to]. O(log n). */
  count(from?: K, to?: K, cmp: Comparator<K> = this.cmp): number {
    const ctx = this.ctx();
    const hi = to === undefined ? this.size : rank(ctx, this.root, to, cmp, true);
    const lo = from === undefined ? 0 : rank(ctx, this.root, from, cmp, false);
    return Math.max(0, hi - lo);
  }

  first(): K | undefined {
    return this.sliceToArray(undefined, undefined)[0];
  }

  [Symbol.iterator](): Iterator<K> {
    return this.sliceToArray()[Symbol.iterator]();
  }

  asTransient(): TransientSortedSet<K> {
    return new TransientSortedSet(this.root, this.cmp, this.branching, this.source);
  }
}

function findIn<K>(ctx: Ctx<K>, n: Node<K>, k: K): K | undefined {
  while (true) {
    const i = lowerBound(n.keys, k, ctx.cmp);
    if (i === n.keys.length) return undefined;
    if (n.children === undefined) return ctx.cmp(n.keys[i]!, k) === 0 ? n.keys[i] : undefined;
    n = ctx.child(n, i);
  }
}

function insertRoot<K>(ctx: Ctx<K>, root: Node<K>, k: K, edit: Edit | null): Node<K> | null {
  const updated = insert(ctx, root, k, edit);
  if (updated === null) return null;
  const sibling = splitOff as Node<K> | null;
  splitOff = null;
  if (sibling === null) return updated;
  return branch(
    [lastKey(updated), lastKey(sibling)],
    [updated, sibling],
    undefined,
    undefined,
    edit,
  );
}

function removeRoot<K>(ctx: Ctx<K>, root: Node<K>, k: K, edit: Edit | null): Node<K> | null {
  let updated = remove(ctx, root, k, edit);
  if (updated === null) return null;
  while (updated.children !== undefined && updated.keys.length === 1)
    updated = ctx.child(updated, 0);
  return updated;
}

/**
 * A sorted set being changed in place by one owner (a transaction). Reads see the
 * changes; `persistent()` seals it and returns the immutable result.
 */
export class TransientSortedSet<K> {
  private readonly edit: Edit = { live: true };

  constructor(
    private root: Node<K>,
    readonly cmp: Comparator<K>,
    readonly branching: number,
    readonly source: NodeSource<K> | undefined,
  ) {}

  private ctx(): Ctx<K> {
    if (!this.edit.live)
      throw new Error('This transient sorted set has been made persistent already');
    return new Ctx(this.cmp, this.branching, this.source);
  }

  get size(): number {
    return this.root.total;
  }

  add(k: K): boolean {
    const root = insertRoot(this.ctx(), this.root, k, this.edit);
    if (root === null) return false;
    this.root = root;
    return true;
  }

  remove(k: K): boolean {
    const root = removeRoot(this.ctx(), this.root, k, this.edit);
    if (root === null) return false;
    this.root = root;
    return true;
  }

  find(k: K): K | undefined {
    return findIn(this.ctx(), this.root, k);
  }

  sliceToArray(from?: K, to?: K, cmp: Comparator<K> = this.cmp): K[] {
    const out: K[] = [];
    collect(this.ctx(), this.root, from, to, cmp, out);
    return out;
  }

  persistent(): SortedSet<K> {
    this.ctx();
    this.edit.live = false;
    return new SortedSet(this.root, this.cmp, this.branching, this.source);
  }
}
