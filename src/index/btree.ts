/**
 * An immutable B+-tree of sorted, unique keys: the persistent index structure.
 *
 * - Persistent: `add`/`remove` copy the path they change and share everything else; a
 *   node never changes once a persistent tree holds it.
 * - Transient: `asTransient()` starts a session whose token (`edit`) is stamped on every
 *   node it creates; it changes those in place, so a batch copies each touched node once.
 *   `persistent()` seals it.
 * - Counted: every child's key count is known to its parent, so `count` of a range is
 *   O(log n) (rank of the upper bound minus rank of the lower bound).
 * - Addressed: `flush` writes the nodes without an address (children first) and returns a
 *   tree whose branches name their written children by address only; such children are
 *   read through the `store` (a `NodeCache`), so a stored tree is loaded lazily and only
 *   new nodes are ever written.
 *
 * Node layout, searches and the shared read paths are in node.ts and cursor.ts.
 */

import {
  Cursor,
  collectRange,
  collectRangeReverse,
  eachInRange,
  findKey,
  firstKey,
  ReverseCursor,
  rank,
  type Visitor,
} from './cursor.js';
import { BTreeError, NodeNotLoadedError, RECORDED_MISS } from './errors.js';
import {
  branchLower,
  type Child,
  type Comparator,
  Ctx,
  countOf,
  type Edit,
  maxKeyOf,
  Node,
  type NodeData,
  type NodeSource,
  newBranch,
  newLeaf,
  nodeFromData,
} from './node.js';
import { type NodeCache, withLoadedNodes } from './node-cache.js';

/**
 * Maximum entries per node (keys of a leaf, children of a branch) of trees built in
 * memory. Measured (bench/btree.ts): 64 is fastest for transactions, close to the best for
 * scans and lookups. Stored trees may want larger nodes (fewer, bigger blobs).
 */
export const DEFAULT_BRANCHING = 64;

export interface SortedSetOptions<K> {
  /** Maximum entries per node (at least 4); default DEFAULT_BRANCHING. */
  branching?: number;
  /** Where children known by address only are read from (a NodeCache). */
  store?: NodeSource<K>;
}

function context<K>(cmp: Comparator<K>, opts: SortedSetOptions<K> | undefined): Ctx<K> {
  return new Ctx(cmp, opts?.branching ?? DEFAULT_BRANCHING, opts?.store);
}

// ---------------------------------------------------------------------------------------
// Changing nodes

/** A node split off by the last `insert` (saves allocating a pair per level). */
let splitOff: Node<any> | null = null;

function owns<K>(n: Node<K>, edit: Edit | null): boolean {
  return edit !== null && n.edit === edit;
}

function copyBranch<K>(n: Node<K>, edit: Edit | null): Node<K> {
  const ks = n.keys;
  const cs = n.counts;
  return new Node<K>(
    ks === undefined ? undefined : ks.slice(),
    n.children!.slice(),
    cs === undefined ? undefined : cs.slice(),
    n.total,
    n.max,
    n.level,
    edit,
    undefined,
  );
}

/** A copy of `xs` with `x` inserted at `i`, in one pass. */
function inserted<T>(xs: readonly T[], i: number, x: T): T[] {
  const len = xs.length;
  const out = new Array<T>(len + 1);
  for (let j = 0; j < i; j++) out[j] = xs[j]!;
  out[i] = x;
  for (let j = i; j < len; j++) out[j + 1] = xs[j]!;
  return out;
}

/** A copy of `xs` without the element at `i`, in one pass. */
function removed<T>(xs: readonly T[], i: number): T[] {
  const len = xs.length;
  const out = new Array<T>(len - 1);
  for (let j = 0; j < i; j++) out[j] = xs[j]!;
  for (let j = i + 1; j < len; j++) out[j - 1] = xs[j]!;
  return out;
}

/** Points slot i of an owned branch at an in-memory child. */
function setChild<K>(m: Node<K>, i: number, c: Node<K>): void {
  const cs = m.children!;
  cs[i] = c;
  const ks = m.keys;
  if (ks !== undefined) {
    ks[i] = c.max!;
    m.counts![i] = c.total;
  }
  if (i === cs.length - 1) m.max = c.max;
}

/** Removes slot i of an owned branch (its keys stay counted in `total`: callers adjust). */
function removeSlot<K>(m: Node<K>, i: number): void {
  const cs = m.children!;
  cs.splice(i, 1);
  const ks = m.keys;
  if (ks !== undefined) {
    ks.splice(i, 1);
    m.counts!.splice(i, 1);
  }
  m.max = maxKeyOf(m, cs.length - 1);
}

/** Splits an owned, overfull branch; it keeps the first half and returns the second. */
function splitBranch<K>(m: Node<K>, edit: Edit | null): Node<K> {
  const cs = m.children!;
  const h = cs.length >>> 1;
  const rc = cs.splice(h);
  const ks = m.keys;
  let right: Node<K>;
  if (ks === undefined) right = newBranch(rc as Node<K>[], edit);
  else {
    const rcounts = m.counts!.splice(h);
    let total = 0;
    for (let i = 0; i < rcounts.length; i++) total += rcounts[i]!;
    right = new Node<K>(ks.splice(h), rc, rcounts, total, m.max, m.level, edit, undefined);
  }
  m.total -= right.total;
  m.max = maxKeyOf(m, h - 1);
  return right;
}

/** Inserts k under n; the changed node, or null when k is there already. Sets `splitOff`. */
function insert<K>(ctx: Ctx<K>, n: Node<K>, k: K, edit: Edit | null): Node<K> | null {
  const cmp = ctx.cmp;
  const cs = n.children;
  if (cs === undefined) {
    const keys = n.keys!;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = cmp(keys[mid]!, k);
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid;
      else return null;
    }
    const len = keys.length;
    if (len < ctx.branching) {
      splitOff = null;
      if (owns(n, edit)) {
        keys.push(k);
        for (let j = len; j > lo; j--) keys[j] = keys[j - 1]!;
        keys[lo] = k;
        n.total = len + 1;
        if (lo === len) n.max = k;
        return n;
      }
      return newLeaf(inserted(keys, lo, k), edit);
    }
    // Full: split the len + 1 keys into two halves without an intermediate array.
    const h = (len + 1) >>> 1;
    const left = new Array<K>(h);
    const right = new Array<K>(len + 1 - h);
    for (let j = 0; j <= len; j++) {
      const x = j < lo ? keys[j]! : j === lo ? k : keys[j - 1]!;
      if (j < h) left[j] = x;
      else right[j - h] = x;
    }
    splitOff = newLeaf(right, edit);
    if (owns(n, edit)) {
      n.keys = left;
      n.total = h;
      n.max = left[h - 1];
      return n;
    }
    return newLeaf(left, edit);
  }
  const size = cs.length;
  let i = branchLower(n, k, cmp);
  if (i === size) i = size - 1;
  const c = cs[i]!;
  const u = insert(ctx, typeof c === 'string' ? ctx.load(c) : c, k, edit);
  if (u === null) return null;
  const s = splitOff as Node<K> | null;
  const m = owns(n, edit) ? n : copyBranch(n, edit);
  m.total++;
  setChild(m, i, u);
  if (s === null) return m;
  const mc = m.children!;
  mc.splice(i + 1, 0, s);
  const ks = m.keys;
  if (ks !== undefined) {
    ks.splice(i + 1, 0, s.max!);
    m.counts!.splice(i + 1, 0, s.total);
  }
  if (i + 1 === size) m.max = s.max;
  splitOff = mc.length > ctx.branching ? splitBranch(m, edit) : null;
  return m;
}

/** The new root after inserting k, or null when k is there already. */
function insertRoot<K>(ctx: Ctx<K>, root: Node<K>, k: K, edit: Edit | null): Node<K> | null {
  const u = insert(ctx, root, k, edit);
  if (u === null) return null;
  const s = splitOff as Node<K> | null;
  if (s === null) return u;
  splitOff = null;
  return newBranch([u, s], edit);
}

/** The largest keys of a branch's children, as an array the caller may own. */
function maxKeysOf<K>(n: Node<K>): K[] {
  if (n.keys !== undefined) return n.keys.slice();
  const cs = n.children as Node<K>[];
  const out = new Array<K>(cs.length);
  for (let i = 0; i < cs.length; i++) out[i] = cs[i]!.max!;
  return out;
}

function countsOf<K>(n: Node<K>): number[] {
  if (n.counts !== undefined) return n.counts.slice();
  const cs = n.children as Node<K>[];
  const out = new Array<number>(cs.length);
  for (let i = 0; i < cs.length; i++) out[i] = cs[i]!.total;
  return out;
}

function makeBranch<K>(
  children: Child<K>[],
  keys: K[] | undefined,
  counts: number[] | undefined,
  level: number,
  edit: Edit | null,
): Node<K> {
  if (keys === undefined) return newBranch(children as Node<K>[], edit);
  let total = 0;
  for (let i = 0; i < counts!.length; i++) total += counts![i]!;
  return new Node<K>(keys, children, counts, total, keys[keys.length - 1], level, edit, undefined);
}

/**
 * Child `i` of the owned branch m has become `u`, which is underfull; `sib` is its
 * neighbour at `j` (i ± 1). Merges the two, or evens them out when they don't fit in one.
 */
function rebalance<K>(
  ctx: Ctx<K>,
  m: Node<K>,
  i: number,
  u: Node<K>,
  j: number,
  sib: Node<K>,
  edit: Edit | null,
): void {
  const lo = Math.min(i, j);
  const l = i < j ? u : sib;
  const r = i < j ? sib : u;
  const b = ctx.branching;
  if (l.children === undefined) {
    const all = l.keys!.concat(r.keys!);
    if (all.length <= b) {
      setChild(m, lo, newLeaf(all, edit));
      removeSlot(m, lo + 1);
    } else {
      const h = all.length >>> 1;
      setChild(m, lo, newLeaf(all.slice(0, h), edit));
      setChild(m, lo + 1, newLeaf(all.slice(h), edit));
    }
    return;
  }
  const children = l.children.concat(r.children!);
  const summary = l.keys !== undefined || r.keys !== undefined;
  const keys = summary ? maxKeysOf(l).concat(maxKeysOf(r)) : undefined;
  const counts = summary ? countsOf(l).concat(countsOf(r)) : undefined;
  if (children.length <= b) {
    setChild(m, lo, makeBranch(children, keys, counts, l.level, edit));
    removeSlot(m, lo + 1);
  } else {
    const h = children.length >>> 1;
    const left = makeBranch(
      children.slice(0, h),
      keys?.slice(0, h),
      counts?.slice(0, h),
      l.level,
      edit,
    );
    const right = makeBranch(children.slice(h), keys?.slice(h), counts?.slice(h), l.level, edit);
    setChild(m, lo, left);
    setChild(m, lo + 1, right);
  }
}

/** Removes k under n; the changed node (possibly underfull), or null when k is absent. */
function remove<K>(ctx: Ctx<K>, n: Node<K>, k: K, edit: Edit | null): Node<K> | null {
  const cmp = ctx.cmp;
  const cs = n.children;
  if (cs === undefined) {
    const keys = n.keys!;
    let lo = 0;
    let hi = keys.length;
    let at = -1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = cmp(keys[mid]!, k);
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid;
      else {
        at = mid;
        break;
      }
    }
    if (at < 0) return null;
    const len = keys.length;
    if (owns(n, edit)) {
      for (let j = at; j < len - 1; j++) keys[j] = keys[j + 1]!;
      keys.pop();
      n.total = len - 1;
      n.max = keys[len - 2];
      return n;
    }
    return newLeaf(removed(keys, at), edit);
  }
  const size = cs.length;
  const i = branchLower(n, k, cmp);
  if (i === size) return null;
  const c = ctx.child(n, i);
  // The neighbour is needed if c underflows. Load it now: a missing node must be reported
  // before anything (in a transient: in place) has changed.
  const j = i + 1 < size ? i + 1 : i - 1;
  const sib = size > 1 && c.size <= ctx.min ? ctx.child(n, j) : undefined;
  const u = remove(ctx, c, k, edit);
  if (u === null) return null;
  const m = owns(n, edit) ? n : copyBranch(n, edit);
  m.total--;
  if (sib === undefined || u.size >= ctx.min) setChild(m, i, u);
  else rebalance(ctx, m, i, u, j, sib, edit);
  return m;
}

/** The new root after removing k, or null when k is absent. */
function removeRoot<K>(ctx: Ctx<K>, root: Node<K>, k: K, edit: Edit | null): Node<K> | null {
  let u = remove(ctx, root, k, edit);
  if (u === null) return null;
  while (u.children !== undefined && u.children.length === 1) u = ctx.child(u, 0);
  return u;
}

/**
 * The root after a change, null for none. A miss a collecting store records also counts as
 * no change: both paths load every node they need before changing any, so nothing is half
 * done (a root left with one child after a remove still holds the right keys).
 */
function changedRoot<K>(
  ctx: Ctx<K>,
  root: Node<K> | undefined,
  k: K,
  edit: Edit | null,
  change: (ctx: Ctx<K>, root: Node<K>, k: K, edit: Edit | null) => Node<K> | null,
): Node<K> | null {
  if (root === undefined) return null;
  try {
    return change(ctx, root, k, edit);
  } catch (err) {
    if (ctx.absorb(err)) return null;
    throw err;
  }
}

// ---------------------------------------------------------------------------------------
// Building

/** Splits items into ceil(n / b) runs of nearly equal length (each at least b / 2). */
function runs<T>(items: readonly T[], b: number): T[][] {
  const count = Math.ceil(items.length / b);
  const out = new Array<T[]>(count);
  let start = 0;
  for (let g = 0; g < count; g++) {
    const end = start + Math.floor((items.length - start) / (count - g));
    out[g] = items.slice(start, end);
    start = end;
  }
  return out;
}

function buildSorted<K>(keys: readonly K[], b: number): Node<K> {
  if (keys.length <= b) return newLeaf(keys.slice(), null);
  const leaves = runs(keys, b);
  let level = new Array<Node<K>>(leaves.length);
  for (let i = 0; i < leaves.length; i++) level[i] = newLeaf(leaves[i]!, null);
  while (level.length > 1) {
    const groups = runs(level, b);
    const up = new Array<Node<K>>(groups.length);
    for (let i = 0; i < groups.length; i++) up[i] = newBranch(groups[i]!, null);
    level = up;
  }
  return level[0]!;
}

// ---------------------------------------------------------------------------------------
// Flushing

function flushNode<K>(n: Node<K>, write: (data: NodeData<K>) => string, store: NodeSource<K>) {
  const cs = n.children;
  let data: NodeData<K>;
  if (cs === undefined) data = { leaf: true, keys: n.keys! };
  else {
    const size = cs.length;
    const keys = new Array<K>(size);
    const counts = new Array<number>(size);
    const addresses = new Array<string>(size);
    for (let i = 0; i < size; i++) {
      const c = cs[i]!;
      addresses[i] = typeof c === 'string' ? c : (c.address ?? flushNode(c, write, store).address!);
      keys[i] = maxKeyOf(n, i);
      counts[i] = countOf(n, i);
    }
    data = { leaf: false, level: n.level, keys, counts, addresses };
  }
  const address = write(data);
  const stored = nodeFromData(data, address);
  store.remember(address, stored);
  return stored;
}

// ---------------------------------------------------------------------------------------
// The sets

/**
 * What persistent and transient sets share: every read. When the store collects misses
 * (inside `withLoadedNodes`), a read that misses nodes records them and answers from what
 * is in memory (nothing found, fewer keys, a rough count) instead of throwing; the run it
 * belongs to is then discarded and run again once they are loaded.
 */
abstract class SortedSetReader<K> implements Iterable<K> {
  /** @internal */
  constructor(readonly ctx: Ctx<K>) {}

  /** @internal The root node (loaded on first use for a tree opened by address). */
  abstract get root(): Node<K>;

  /** @internal The root, or undefined when it is missing and the miss was recorded. */
  reachRoot(): Node<K> | undefined {
    try {
      return this.root;
    } catch (err) {
      if (this.ctx.absorb(err)) return undefined;
      throw err;
    }
  }

  /** The tree's order. */
  get cmp(): Comparator<K> {
    return this.ctx.cmp;
  }

  get branching(): number {
    return this.ctx.branching;
  }

  get store(): NodeSource<K> | undefined {
    return this.ctx.store;
  }

  get size(): number {
    return this.reachRoot()?.total ?? 0;
  }

  has(k: K): boolean {
    return this.find(k) !== undefined;
  }

  /** The stored key equal to k (under the tree's order), or undefined. */
  find(k: K): K | undefined {
    const root = this.reachRoot();
    if (root === undefined) return undefined;
    try {
      return findKey(this.ctx, root, k);
    } catch (err) {
      if (this.ctx.absorb(err)) return undefined;
      throw err;
    }
  }

  first(): K | undefined {
    const root = this.reachRoot();
    if (root === undefined) return undefined;
    try {
      return firstKey(this.ctx, root);
    } catch (err) {
      if (this.ctx.absorb(err)) return undefined;
      throw err;
    }
  }

  last(): K | undefined {
    return this.reachRoot()?.max;
  }

  /**
   * Keys k with cmp(k, from) >= 0 and cmp(k, to) <= 0, ascending; either bound may be
   * left out. The cursor reuses one result object: read `value` before the next step.
   */
  slice(from?: K, to?: K, cmp?: Comparator<K>): Cursor<K> {
    const root = this.reachRoot() ?? newLeaf<K>([], null);
    return new Cursor(this.ctx, root, from, to, cmp ?? this.ctx.cmp);
  }

  /** Keys from the last one <= from down to the first one >= to, descending. */
  rslice(from?: K, to?: K, cmp?: Comparator<K>): ReverseCursor<K> {
    const root = this.reachRoot() ?? newLeaf<K>([], null);
    return new ReverseCursor(this.ctx, root, from, to, cmp ?? this.ctx.cmp);
  }

  [Symbol.iterator](): Cursor<K> {
    return this.slice();
  }

  /** `slice` as an array (faster than iterating). */
  sliceToArray(from?: K, to?: K, cmp?: Comparator<K>): K[] {
    const ctx = this.ctx;
    const out: K[] = [];
    const root = this.reachRoot();
    if (root === undefined) return out;
    const c = cmp ?? ctx.cmp;
    try {
      collectRange(ctx, root, from, to, c, c === ctx.cmp, out);
    } catch (err) {
      const miss = ctx.scanMiss(err, root, from, to, c);
      if (!ctx.absorb(miss)) throw miss;
    }
    return out;
  }

  /** `rslice` as an array. */
  rsliceToArray(from?: K, to?: K, cmp?: Comparator<K>): K[] {
    const ctx = this.ctx;
    const out: K[] = [];
    const root = this.reachRoot();
    if (root === undefined) return out;
    const c = cmp ?? ctx.cmp;
    try {
      collectRangeReverse(ctx, root, from, to, c, c === ctx.cmp, out);
    } catch (err) {
      const miss = ctx.scanMiss(err, root, to, from, c);
      if (!ctx.absorb(miss)) throw miss;
    }
    return out;
  }

  /** Calls fn on every key of `slice(from, to, cmp)` in order; fn returns false to stop. */
  forEachInRange(
    from: K | undefined,
    to: K | undefined,
    cmp: Comparator<K> | undefined,
    fn: Visitor<K>,
  ): void {
    const ctx = this.ctx;
    const root = this.reachRoot();
    if (root === undefined) return;
    const c = cmp ?? ctx.cmp;
    try {
      eachInRange(ctx, root, from, to, c, c === ctx.cmp, fn);
    } catch (err) {
      const miss = ctx.scanMiss(err, root, from, to, c);
      if (!ctx.absorb(miss)) throw miss;
    }
  }

  /** All keys, ascending. */
  toArray(): K[] {
    return this.sliceToArray();
  }

  /** How many keys `slice(from, to, cmp)` yields, in O(log n). */
  count(from?: K, to?: K, cmp?: Comparator<K>): number {
    const ctx = this.ctx;
    const root = this.reachRoot();
    if (root === undefined) return 0;
    if (from === undefined && to === undefined) return root.total;
    const c = cmp ?? ctx.cmp;
    // Both bounds' missing nodes are reported together: one round of loading, not two.
    let missed: string[] | undefined;
    const rankOf = (bound: K | undefined, inclusive: boolean, none: number): number => {
      if (bound === undefined) return none;
      try {
        return rank(ctx, root, bound, c, inclusive);
      } catch (err) {
        if (err === RECORDED_MISS) return none;
        if (!(err instanceof NodeNotLoadedError) || err.source !== ctx.store) throw err;
        (missed ??= []).push(...err.addresses);
        return none;
      }
    };
    const hi = rankOf(to, true, root.total);
    const lo = rankOf(from, false, 0);
    if (missed !== undefined) throw new NodeNotLoadedError(missed, ctx.store);
    return hi > lo ? hi - lo : 0;
  }
}

/** An immutable sorted set of unique keys. */
export class SortedSet<K> extends SortedSetReader<K> {
  /** @internal Use the static constructors. */
  constructor(
    ctx: Ctx<K>,
    private rootNode: Node<K> | undefined,
    private readonly rootAt: string | undefined = undefined,
  ) {
    super(ctx);
  }

  static empty<K>(cmp: Comparator<K>, opts?: SortedSetOptions<K>): SortedSet<K> {
    return new SortedSet(context(cmp, opts), newLeaf<K>([], null));
  }

  /** Builds a tree bottom-up, O(n), from keys already sorted by cmp and unique. */
  static fromSorted<K>(
    cmp: Comparator<K>,
    keys: readonly K[],
    opts?: SortedSetOptions<K>,
  ): SortedSet<K> {
    const ctx = context(cmp, opts);
    return new SortedSet(ctx, buildSorted(keys, ctx.branching));
  }

  /** Sorts keys and drops duplicates (under cmp), then builds the tree bottom-up. */
  static fromUnsorted<K>(
    cmp: Comparator<K>,
    keys: readonly K[],
    opts?: SortedSetOptions<K>,
  ): SortedSet<K> {
    const sorted = keys.slice().sort(cmp);
    let n = 0;
    for (let i = 0; i < sorted.length; i++)
      if (n === 0 || cmp(sorted[n - 1]!, sorted[i]!) !== 0) sorted[n++] = sorted[i]!;
    sorted.length = n;
    return SortedSet.fromSorted(cmp, sorted, opts);
  }

  /**
   * Opens a stored tree by its root's address. Nothing is read until an operation needs
   * the root; then it comes from `opts.store` (which may throw NodeNotLoadedError).
   */
  static fromRoot<K>(
    cmp: Comparator<K>,
    rootAddress: string,
    opts: SortedSetOptions<K> & { store: NodeSource<K> },
  ): SortedSet<K> {
    return new SortedSet(context(cmp, opts), undefined, rootAddress);
  }

  /** @internal */
  get root(): Node<K> {
    const r = this.rootNode;
    if (r !== undefined) return r;
    return (this.rootNode = this.ctx.load(this.rootAt!));
  }

  /** The root if it is in memory (never loads it): for walks that must not read the store. */
  get loadedRoot(): Node<K> | undefined {
    return this.rootNode;
  }

  /** The address the root was written under; undefined when it has changes not flushed. */
  get rootAddress(): string | undefined {
    return this.rootNode !== undefined ? this.rootNode.address : this.rootAt;
  }

  private withRoot(root: Node<K>): SortedSet<K> {
    return new SortedSet(this.ctx, root);
  }

  /**
   * The set with k; this same set when k is in it already (or when the path to k's place
   * misses nodes a collecting store recorded: the run is discarded then).
   */
  add(k: K): SortedSet<K> {
    const root = changedRoot(this.ctx, this.reachRoot(), k, null, insertRoot);
    return root === null ? this : this.withRoot(root);
  }

  /** The set without k; this same set when k is not in it (or on a recorded miss). */
  remove(k: K): SortedSet<K> {
    const root = changedRoot(this.ctx, this.reachRoot(), k, null, removeRoot);
    return root === null ? this : this.withRoot(root);
  }

  /** A mutable copy for a batch of changes; this set never sees them. */
  asTransient(): TransientSortedSet<K> {
    return new TransientSortedSet(this);
  }

  /** Applies a batch of changes through a transient and returns the result. */
  withMutations(fn: (t: TransientSortedSet<K>) => void): SortedSet<K> {
    const t = this.asTransient();
    fn(t);
    return t.persistent();
  }

  /**
   * Writes every node that has no address yet, children before parents, and returns the
   * same set with a written root whose branches name their children by address only (so
   * memory is bounded by the store's cache once they are evicted). `write` serialises a
   * node and returns its address. Needs the `store` option: written nodes are kept there.
   */
  flush(write: (data: NodeData<K>) => string): SortedSet<K> {
    const store = this.ctx.store;
    if (store === undefined)
      throw new BTreeError('index/no-store', 'flush needs the store option to keep written nodes');
    // A tree opened by address whose root was never read has nothing to write; reading the
    // root here would throw NodeNotLoadedError when it is not in the cache.
    if (this.rootNode === undefined) return this;
    const root = this.rootNode;
    if (root.address !== undefined) return this;
    return new SortedSet(this.ctx, flushNode(root, write, store));
  }
}

/**
 * A sorted set changed in place by one owner (a transaction). Reads see the changes;
 * `persistent()` seals it and returns the immutable result. The set it came from, and
 * every other persistent set sharing nodes with it, never sees a change.
 */
export class TransientSortedSet<K> extends SortedSetReader<K> {
  private current: Node<K>;
  /** The base's root; an empty stand-in when it is missing and the miss was recorded. */
  private readonly start: Node<K>;
  private readonly edit: Edit = { live: true };

  /** @internal Use `SortedSet.asTransient`. */
  constructor(private readonly base: SortedSet<K>) {
    super(base.ctx);
    this.start = this.current = base.reachRoot() ?? newLeaf<K>([], null);
  }

  /** @internal */
  get root(): Node<K> {
    return this.current;
  }

  private liveEdit(): Edit {
    const e = this.edit;
    if (!e.live)
      throw new BTreeError('index/transient-sealed', 'This transient set has been made persistent');
    return e;
  }

  /** Adds k; false when it was there already (or on a recorded miss, changing nothing). */
  add(k: K): boolean {
    const root = changedRoot(this.ctx, this.current, k, this.liveEdit(), insertRoot);
    if (root === null) return false;
    this.current = root;
    return true;
  }

  /** Removes k; false when it was not there (or on a recorded miss). */
  remove(k: K): boolean {
    const root = changedRoot(this.ctx, this.current, k, this.liveEdit(), removeRoot);
    if (root === null) return false;
    this.current = root;
    return true;
  }

  /** Seals this transient and returns its contents as a persistent set. */
  persistent(): SortedSet<K> {
    this.liveEdit().live = false;
    return this.current === this.start ? this.base : new SortedSet(this.ctx, this.current);
  }
}

// ---------------------------------------------------------------------------------------
// Garbage collection support

/**
 * Every address reachable from a tree (written nodes only), or from stored roots: what a
 * garbage collector must keep. Leaves are not read (a branch knows its height), and a
 * subtree whose address is in `seen` already is not walked again, so walking many
 * versions that share most nodes costs about one walk. Reads go around the LRU so that a
 * walk over the whole store does not flush it. Adds to and returns `seen`.
 */
export async function collectAddresses<K>(
  from: SortedSet<K> | { cache: NodeCache<K>; roots: readonly string[] },
  seen: Set<string> = new Set(),
): Promise<Set<string>> {
  const toRead: string[] = [];
  const expand = (n: Node<K>): void => {
    const cs = n.children;
    if (cs === undefined) return;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      if (typeof c === 'string') {
        if (seen.has(c)) continue;
        seen.add(c);
        if (n.level > 1) toRead.push(c);
      } else if (c.address === undefined) expand(c);
      else if (!seen.has(c.address)) {
        seen.add(c.address);
        expand(c);
      }
    }
  };
  let cache: NodeCache<K> | undefined;
  if (from instanceof SortedSet) {
    cache = from.store as NodeCache<K> | undefined;
    const root =
      cache === undefined || typeof cache.load !== 'function'
        ? from.root
        : await withLoadedNodes(cache, () => from.root);
    if (root.address === undefined) expand(root);
    else if (!seen.has(root.address)) {
      seen.add(root.address);
      expand(root);
    }
  } else {
    cache = from.cache;
    for (const a of from.roots)
      if (!seen.has(a)) {
        seen.add(a);
        toRead.push(a);
      }
  }
  while (toRead.length > 0) {
    if (cache === undefined || typeof cache.read !== 'function')
      throw new BTreeError('index/no-store', 'collectAddresses needs a NodeCache to read nodes');
    const batch = toRead.splice(0, 1024);
    const nodes = await cache.read(batch);
    for (const n of nodes) expand(n);
  }
  return seen;
}
