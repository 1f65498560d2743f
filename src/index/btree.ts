/**
 * An immutable B+-tree of sorted, unique keys: the persistent index structure.
 *
 * - Persistent: `add`/`remove` copy the path they change and share the rest.
 * - Transient: inside one transaction nodes created by it are changed in place (an edit
 *   token marks them), so a batch of changes copies each touched node once.
 * - Counted: every node knows how many keys it holds, so counting a range costs O(log n).
 * - Addressed: a node may carry the address it was written under; a branch reaches a
 *   flushed child through the tree's node source by address, so a stored tree is loaded
 *   lazily and only new nodes are ever written (see node-source.ts).
 *
 * A branch built in memory holds only its children: each child knows its largest key
 * and its size, so copying a branch copies one array. A branch loaded from a store,
 * whose children may not be in memory, also carries their largest keys, counts and
 * addresses ("summaries"). One node class for leaves and branches keeps property access
 * monomorphic.
 */

import type { NodeSource } from './node-source.js';

export type Comparator<K> = (a: K, b: K) => number;

/** A transient session: nodes stamped with a live edit may be changed in place. */
interface Edit {
  live: boolean;
}

/** What a branch knows about children that may not be in memory. */
export interface Summaries<K> {
  /** The largest key under each child. */
  keys: K[];
  /** The number of keys under each child. */
  counts: number[];
  /** The address of each child that has been written. */
  addresses: (string | undefined)[];
}

export class Node<K> {
  constructor(
    /** Leaf only: the keys. */
    public keys: K[] | undefined,
    /** Branch only: the children, or undefined for a child that must be loaded by address. */
    public children: (Node<K> | undefined)[] | undefined,
    /** Branch only, and only when some child may not be in memory. */
    public summaries: Summaries<K> | undefined,
    /** Keys in this subtree. */
    public total: number,
    public edit: Edit | null,
    /** Where this node was written, once it has been. */
    public address: string | undefined = undefined,
    /** The largest key in this subtree (kept by `refresh`). */
    public max: K | undefined = undefined,
  ) {
    this.refresh();
  }

  /** Recomputes the largest key after the node's entries changed. */
  refresh(): void {
    if (this.children === undefined) this.max = this.keys![this.keys!.length - 1];
    else {
      const last = this.children.length - 1;
      this.max =
        this.summaries !== undefined ? this.summaries.keys[last] : this.children[last]?.max;
    }
  }

  get isLeaf(): boolean {
    return this.children === undefined;
  }

  /** Entries: keys of a leaf, children of a branch. */
  get size(): number {
    return this.children === undefined ? this.keys!.length : this.children.length;
  }

  /** The largest key under child i of a branch. */
  maxKey(i: number): K {
    const s = this.summaries;
    return s !== undefined ? s.keys[i]! : this.children![i]!.max!;
  }

  /** The largest key in this subtree. */
  lastKey(): K {
    return this.max!;
  }

  /** Keys under child i of a branch. */
  countOf(i: number): number {
    const s = this.summaries;
    return s !== undefined ? s.counts[i]! : this.children![i]!.total;
  }
}

export interface SortedSetOptions<K> {
  /** Maximum entries per node. */
  branching?: number;
  /** Where children known only by address are loaded from. */
  source?: NodeSource<K>;
}

export const DEFAULT_BRANCHING = 64;

function leaf<K>(keys: K[], edit: Edit | null): Node<K> {
  return new Node(keys, undefined, undefined, keys.length, edit);
}

/** A branch over children that are all in memory. */
function branch<K>(children: Node<K>[], edit: Edit | null): Node<K> {
  let total = 0;
  for (let i = 0; i < children.length; i++) total += children[i]!.total;
  return new Node<K>(undefined, children, undefined, total, edit);
}

/** First index whose key is >= k (leaf). */
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

/** First index whose key is > k (leaf). */
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

/** First child whose largest key is >= k (or > k when `upper`); n.size when none is. */
function childBound<K>(n: Node<K>, k: K, cmp: Comparator<K>, upper: boolean): number {
  let lo = 0;
  let hi = n.children!.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = cmp(n.maxKey(mid), k);
    if (c < 0 || (upper && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
    const address = n.summaries?.addresses[i];
    if (address === undefined || this.source === undefined)
      throw new Error('B+-tree: a child has neither a node nor a loadable address');
    return this.source.get(address);
  }
}

// A node a recursive insert split off, handed to the caller (saves an allocation per level).
let splitOff: Node<unknown> | null = null;

function copySummaries<K>(s: Summaries<K> | undefined): Summaries<K> | undefined {
  return s === undefined
    ? undefined
    : { keys: s.keys.slice(), counts: s.counts.slice(), addresses: s.addresses.slice() };
}

/** A node that may be changed in place in this session, copying it first if needed. */
function own<K>(n: Node<K>, edit: Edit | null): Node<K> {
  if (edit !== null && n.edit === edit) return n;
  return n.children === undefined
    ? new Node(n.keys!.slice(), undefined, undefined, n.total, edit)
    : new Node<K>(undefined, n.children.slice(), copySummaries(n.summaries), n.total, edit);
}

/** Gives a branch explicit summaries (for rebalancing a branch with stored neighbours). */
function summarize<K>(n: Node<K>): void {
  if (n.children === undefined || n.summaries !== undefined) return;
  n.summaries = {
    keys: n.children.map((c) => c!.lastKey()),
    counts: n.children.map((c) => c!.total),
    addresses: n.children.map((c) => c!.address),
  };
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
  if (n.children === undefined) {
    const rightKeys = n.keys!.splice(n.keys!.length >>> 1);
    n.total = n.keys!.length;
    n.refresh();
    return leaf(rightKeys, edit);
  }
  const half = n.children.length >>> 1;
  const s = n.summaries;
  const right = new Node<K>(
    undefined,
    n.children.splice(half),
    s === undefined
      ? undefined
      : {
          keys: s.keys.splice(half),
          counts: s.counts.splice(half),
          addresses: s.addresses.splice(half),
        },
    0,
    edit,
  );
  for (let i = 0; i < right.children!.length; i++) right.total += right.countOf(i);
  n.total -= right.total;
  n.refresh();
  return right;
}

/** Points child slot i of an owned branch at an in-memory node. */
function setChild<K>(m: Node<K>, i: number, c: Node<K>): void {
  m.children![i] = c;
  const s = m.summaries;
  if (s !== undefined) {
    s.keys[i] = c.lastKey();
    s.counts[i] = c.total;
    s.addresses[i] = c.address;
  }
  if (i === m.children!.length - 1) m.max = c.max;
}

/** Inserts k; returns the new node, or null when k was already there. Sets `splitOff`. */
function insert<K>(ctx: Ctx<K>, n: Node<K>, k: K, edit: Edit | null): Node<K> | null {
  const cmp = ctx.cmp;
  if (n.children === undefined) {
    const keys = n.keys!;
    const i = lowerBound(keys, k, cmp);
    if (i < keys.length && cmp(keys[i]!, k) === 0) return null;
    let m: Node<K>;
    if (edit !== null && n.edit === edit) {
      m = n;
      keys.splice(i, 0, k);
      m.total++;
      m.address = undefined;
      m.refresh();
    } else m = leaf(inserted(keys, i, k), edit);
    splitOff = m.keys!.length > ctx.branching ? splitNode(m, edit) : null;
    return m;
  }
  let i = childBound(n, k, cmp, false);
  if (i === n.children.length) i--;
  const updated = insert(ctx, ctx.child(n, i), k, edit);
  if (updated === null) return null;
  const sibling = splitOff as Node<K> | null;
  const m = own(n, edit);
  m.address = undefined;
  m.total++;
  setChild(m, i, updated);
  if (sibling === null) {
    splitOff = null;
    return m;
  }
  m.children!.splice(i + 1, 0, sibling);
  const s = m.summaries;
  if (s !== undefined) {
    s.keys.splice(i + 1, 0, sibling.lastKey());
    s.counts.splice(i + 1, 0, sibling.total);
    s.addresses.splice(i + 1, 0, undefined);
  }
  m.refresh();
  splitOff = m.children!.length > ctx.branching ? splitNode(m, edit) : null;
  return m;
}

function removeChild<K>(m: Node<K>, i: number): void {
  m.children!.splice(i, 1);
  const s = m.summaries;
  if (s !== undefined) {
    s.keys.splice(i, 1);
    s.counts.splice(i, 1);
    s.addresses.splice(i, 1);
  }
  m.refresh();
}

/** Removes k; returns the new node (possibly underfull), or null when k was absent. */
function remove<K>(ctx: Ctx<K>, n: Node<K>, k: K, edit: Edit | null): Node<K> | null {
  const cmp = ctx.cmp;
  if (n.children === undefined) {
    const keys = n.keys!;
    const i = lowerBound(keys, k, cmp);
    if (i === keys.length || cmp(keys[i]!, k) !== 0) return null;
    if (edit !== null && n.edit === edit) {
      keys.splice(i, 1);
      n.total--;
      n.address = undefined;
      n.refresh();
      return n;
    }
    return leaf(removed(keys, i), edit);
  }
  const i = childBound(n, k, cmp, false);
  if (i === n.children.length) return null;
  const updated = remove(ctx, ctx.child(n, i), k, edit);
  if (updated === null) return null;
  const m = own(n, edit);
  m.address = undefined;
  m.total--;
  const min = ctx.branching >>> 1;
  if (updated.size >= min || m.children!.length === 1) {
    setChild(m, i, updated);
    return m;
  }
  // Underfull: merge with a neighbour, or borrow from it when both are too big to merge.
  const j = i + 1 < m.children!.length ? i + 1 : i - 1;
  const lo = Math.min(i, j);
  const hi = Math.max(i, j);
  const l = lo === i ? updated : own(ctx.child(m, lo), edit);
  const r = hi === i ? updated : own(ctx.child(m, hi), edit);
  l.address = undefined;
  r.address = undefined;
  if (l.children !== undefined && (l.summaries !== undefined || r.summaries !== undefined)) {
    summarize(l);
    summarize(r);
  }
  const all = l.total + r.total;
  if (l.size + r.size <= ctx.branching) {
    moveEntries(r, l, 0, r.size, true);
    l.refresh();
    l.total = all;
    removeChild(m, hi);
    setChild(m, lo, l);
    return m;
  }
  const leftSize = (l.size + r.size) >>> 1;
  if (l.size > leftSize) moveEntries(l, r, leftSize, l.size - leftSize, false);
  else moveEntries(r, l, 0, leftSize - l.size, true);
  l.total = 0;
  if (l.children === undefined) l.total = l.keys!.length;
  else for (let x = 0; x < l.children.length; x++) l.total += l.countOf(x);
  r.total = all - l.total;
  l.refresh();
  r.refresh();
  setChild(m, lo, l);
  setChild(m, hi, r);
  return m;
}

/** Moves `count` entries of `from` starting at `at` to the end (or the start) of `to`. */
function moveEntries<K>(
  from: Node<K>,
  to: Node<K>,
  at: number,
  count: number,
  toEnd: boolean,
): void {
  const put = <T>(src: T[], dst: T[]) => {
    const moved = src.splice(at, count);
    if (toEnd) dst.push(...moved);
    else dst.unshift(...moved);
  };
  if (from.children === undefined) {
    put(from.keys!, to.keys!);
    return;
  }
  put(from.children, to.children!);
  const fs = from.summaries;
  const ts = to.summaries;
  if (fs !== undefined && ts !== undefined) {
    put(fs.keys, ts.keys);
    put(fs.counts, ts.counts);
    put(fs.addresses, ts.addresses);
  }
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
    if (n.children === undefined)
      return r + (inclusive ? upperBound(n.keys!, bound, cmp) : lowerBound(n.keys!, bound, cmp));
    const i = childBound(n, bound, cmp, inclusive);
    if (i === n.children.length) return r + n.total;
    for (let j = 0; j < i; j++) r += n.countOf(j);
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
  if (n.children === undefined) {
    const keys = n.keys!;
    if (keys.length === 0) return true;
    let i = from === undefined ? 0 : lowerBound(keys, from, cmp);
    // A leaf wholly below `to` is taken without comparing each key.
    const end =
      to === undefined || cmp(keys[keys.length - 1]!, to) <= 0
        ? keys.length
        : upperBound(keys, to, cmp);
    for (; i < end; i++) out.push(keys[i]!);
    return end === keys.length;
  }
  const size = n.children.length;
  for (let i = from === undefined ? 0 : childBound(n, from, cmp, false); i < size; i++) {
    if (!collect(ctx, ctx.child(n, i), from, to, cmp, out)) return false;
    if (to !== undefined && cmp(n.maxKey(i), to) > 0) return false;
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
  if (n.children === undefined) {
    const keys = n.keys!;
    for (
      let i = from === undefined ? keys.length - 1 : upperBound(keys, from, cmp) - 1;
      i >= 0;
      i--
    ) {
      const k = keys[i]!;
      if (to !== undefined && cmp(k, to) < 0) return false;
      out.push(k);
    }
    return true;
  }
  const last = n.children.length - 1;
  for (
    let i = from === undefined ? last : Math.min(childBound(n, from, cmp, true), last);
    i >= 0;
    i--
  ) {
    if (!collectReverse(ctx, ctx.child(n, i), from, to, cmp, out)) return false;
  }
  return true;
}

/** Splits `items` into `ceil(n / b)` groups of nearly equal size (each at least b/2). */
function groups<T>(items: readonly T[], b: number): T[][] {
  const count = Math.ceil(items.length / b);
  const out: T[][] = [];
  let start = 0;
  for (let g = 0; g < count; g++) {
    const size = Math.floor((items.length - start) / (count - g));
    out.push(items.slice(start, start + size));
    start += size;
  }
  return out;
}

/** An immutable sorted set of unique keys. */
export class SortedSet<K> {
  private context: Ctx<K> | undefined;

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
    let level: Node<K>[] = groups(keys, b).map((ks) => leaf(ks, null));
    while (level.length > 1) level = groups(level, b).map((cs) => branch(cs, null));
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

  /** A tree over a root node (one loaded from a store, say). */
  static fromRoot<K>(
    cmp: Comparator<K>,
    root: Node<K>,
    opts: SortedSetOptions<K> = {},
  ): SortedSet<K> {
    return new SortedSet(root, cmp, opts.branching ?? DEFAULT_BRANCHING, opts.source);
  }

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

  /** How many keys lie in [from, to]. O(log n). */
  count(from?: K, to?: K, cmp: Comparator<K> = this.cmp): number {
    const ctx = this.ctx();
    const hi = to === undefined ? this.size : rank(ctx, this.root, to, cmp, true);
    const lo = from === undefined ? 0 : rank(ctx, this.root, from, cmp, false);
    return Math.max(0, hi - lo);
  }

  [Symbol.iterator](): Iterator<K> {
    return this.sliceToArray()[Symbol.iterator]();
  }

  asTransient(): TransientSortedSet<K> {
    return new TransientSortedSet(this.root, this.cmp, this.branching, this.source);
  }
}

function findIn<K>(ctx: Ctx<K>, n: Node<K>, k: K): K | undefined {
  while (n.children !== undefined) {
    const i = childBound(n, k, ctx.cmp, false);
    if (i === n.children.length) return undefined;
    n = ctx.child(n, i);
  }
  const keys = n.keys!;
  const i = lowerBound(keys, k, ctx.cmp);
  return i < keys.length && ctx.cmp(keys[i]!, k) === 0 ? keys[i] : undefined;
}

function insertRoot<K>(ctx: Ctx<K>, root: Node<K>, k: K, edit: Edit | null): Node<K> | null {
  const updated = insert(ctx, root, k, edit);
  if (updated === null) return null;
  const sibling = splitOff as Node<K> | null;
  splitOff = null;
  return sibling === null ? updated : branch([updated, sibling], edit);
}

function removeRoot<K>(ctx: Ctx<K>, root: Node<K>, k: K, edit: Edit | null): Node<K> | null {
  let updated = remove(ctx, root, k, edit);
  if (updated === null) return null;
  while (updated.children !== undefined && updated.children.length === 1)
    updated = ctx.child(updated, 0);
  return updated;
}

/**
 * A sorted set being changed in place by one owner (a transaction). Reads see the
 * changes; `persistent()` seals it and returns the immutable result.
 */
export class TransientSortedSet<K> {
  private readonly edit: Edit = { live: true };
  private readonly context: Ctx<K>;

  constructor(
    private root: Node<K>,
    readonly cmp: Comparator<K>,
    readonly branching: number,
    readonly source: NodeSource<K> | undefined,
  ) {
    this.context = new Ctx(cmp, branching, source);
  }

  private ctx(): Ctx<K> {
    if (!this.edit.live)
      throw new Error('This transient sorted set has been made persistent already');
    return this.context;
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
