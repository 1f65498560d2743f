/**
 * Reading a tree: range cursors (the iterator protocol, written by hand: no generators,
 * one result object reused for every step), and the fast paths that skip the iterator
 * (`collect*` into an array, `each*` with a callback), ranks for counting and point
 * lookups.
 *
 * Bounds are inclusive and optional, compared with the caller's comparator, which may be
 * coarser than the tree's (a prefix comparator that treats missing components as equal):
 * a forward scan starts at the FIRST key >= from and ends at the LAST key <= to; a
 * reverse scan starts at the LAST key <= from and ends at the FIRST key >= to.
 *
 * On a node that is not in memory every reader throws `NodeNotLoadedError` naming all the
 * nodes of the rest of the range that are missing at the depth it reached, so a retry
 * after loading them gets at least one level further. A cursor that threw can also simply
 * be resumed (call `next()` again) once the nodes are loaded. When the store collects
 * misses (`NodeSource.collect`), a cursor records them and ends instead of throwing.
 */

import {
  branchLower,
  branchUpper,
  type Comparator,
  type Ctx,
  leafLower,
  leafUpper,
  type Node,
} from './node.js';

const NO_KEYS: never[] = [];

const FRESH = 0;
const STARTED = 1;
const DONE = 2;

interface MutableResult<K> {
  done: boolean;
  value: K | undefined;
}

/** Ascending iteration over [from, to]. Also an iterable of itself. */
export class Cursor<K> implements IterableIterator<K> {
  private readonly path: Node<K>[] = [];
  private readonly pos: number[] = [];
  private depth = 0;
  private keys: K[] = NO_KEYS;
  private i = 0;
  /** Exclusive end of the keys in range in the current leaf. */
  private end = 0;
  private state = FRESH;
  /** No key after this leaf is in range. */
  private lastLeaf = false;
  /** A descent interrupted by a missing node resumes at this level, from this node. */
  private pending = -1;
  private pendingNode: Node<K> | undefined = undefined;
  private readonly result: MutableResult<K> = { done: false, value: undefined };

  /** @internal */
  constructor(
    private readonly ctx: Ctx<K>,
    private readonly root: Node<K>,
    private readonly from: K | undefined,
    private readonly to: K | undefined,
    private readonly cmp: Comparator<K>,
  ) {}

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<K> {
    const i = this.i;
    if (i < this.end) {
      this.i = i + 1;
      const r = this.result;
      r.value = this.keys[i];
      return r as IteratorResult<K>;
    }
    return this.advance();
  }

  private advance(): IteratorResult<K> {
    if (this.state === DONE) return this.finish();
    try {
      if (this.state === FRESH) {
        if (!this.seek()) return this.finish();
      } else if (this.lastLeaf || !this.nextLeaf()) return this.finish();
      while (this.i >= this.end) if (this.lastLeaf || !this.nextLeaf()) return this.finish();
    } catch (err) {
      const lo = this.i > 0 && this.state === STARTED ? this.keys[this.i - 1] : this.from;
      const miss = this.ctx.scanMiss(err, this.root, lo, this.to, this.cmp);
      if (this.ctx.absorb(miss)) return this.finish();
      throw miss;
    }
    const r = this.result;
    r.value = this.keys[this.i++];
    return r as IteratorResult<K>;
  }

  private finish(): IteratorResult<K> {
    this.state = DONE;
    this.keys = NO_KEYS;
    this.i = this.end = 0;
    const r = this.result;
    r.done = true;
    r.value = undefined;
    return r as IteratorResult<K>;
  }

  /** Positions at the first key >= from; false when there is none. */
  private seek(): boolean {
    const { ctx, from, cmp, path, pos } = this;
    let n = this.root;
    let d = 0;
    while (n.children !== undefined) {
      const i = from === undefined ? 0 : branchLower(n, from, cmp);
      if (i === n.children.length) return false;
      const c = ctx.child(n, i);
      path[d] = n;
      pos[d] = i;
      d++;
      n = c;
    }
    this.depth = d;
    this.state = STARTED;
    this.enterLeaf(n.keys!, from === undefined ? 0 : leafLower(n.keys!, from, cmp));
    return true;
  }

  /** Moves to the next leaf; false when there is none. Resumable after a miss. */
  private nextLeaf(): boolean {
    const { ctx, path, pos, depth } = this;
    let n: Node<K>;
    let l: number;
    if (this.pending < 0) {
      let d = depth - 1;
      while (d >= 0 && pos[d]! + 1 >= path[d]!.children!.length) d--;
      if (d < 0) return false;
      n = ctx.child(path[d]!, pos[d]! + 1);
      pos[d]!++;
      l = d + 1;
    } else {
      n = this.pendingNode!;
      l = this.pending;
    }
    for (; l < depth; l++) {
      this.pending = l;
      this.pendingNode = n;
      const c = ctx.child(n, 0);
      path[l] = n;
      pos[l] = 0;
      n = c;
    }
    this.pending = -1;
    this.pendingNode = undefined;
    this.enterLeaf(n.keys!, 0);
    return true;
  }

  private enterLeaf(keys: K[], i: number): void {
    this.keys = keys;
    this.i = i;
    const len = keys.length;
    const to = this.to;
    this.end = len;
    this.lastLeaf = false;
    if (to === undefined || len === 0) return;
    const c = this.cmp(keys[len - 1]!, to);
    if (c < 0) return;
    if (c > 0) {
      this.end = leafUpper(keys, to, this.cmp);
      this.lastLeaf = true;
    } else if (this.cmp === this.ctx.cmp) this.lastLeaf = true;
  }
}

/** Descending iteration from the last key <= from down to the first key >= to. */
export class ReverseCursor<K> implements IterableIterator<K> {
  private readonly path: Node<K>[] = [];
  private readonly pos: number[] = [];
  private depth = 0;
  private keys: K[] = NO_KEYS;
  private i = -1;
  /** Lowest index of the keys in range in the current leaf. */
  private end = 0;
  private state = FRESH;
  private lastLeaf = false;
  private pending = -1;
  private pendingNode: Node<K> | undefined = undefined;
  private readonly result: MutableResult<K> = { done: false, value: undefined };

  /** @internal */
  constructor(
    private readonly ctx: Ctx<K>,
    private readonly root: Node<K>,
    private readonly from: K | undefined,
    private readonly to: K | undefined,
    private readonly cmp: Comparator<K>,
  ) {}

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<K> {
    const i = this.i;
    if (i >= this.end) {
      this.i = i - 1;
      const r = this.result;
      r.value = this.keys[i];
      return r as IteratorResult<K>;
    }
    return this.advance();
  }

  private advance(): IteratorResult<K> {
    if (this.state === DONE) return this.finish();
    try {
      if (this.state === FRESH) {
        if (!this.seek()) return this.finish();
      } else if (this.lastLeaf || !this.nextLeaf()) return this.finish();
      while (this.i < this.end) if (this.lastLeaf || !this.nextLeaf()) return this.finish();
    } catch (err) {
      const hi =
        this.state === STARTED && this.i + 1 < this.keys.length ? this.keys[this.i + 1] : this.from;
      const miss = this.ctx.scanMiss(err, this.root, this.to, hi, this.cmp);
      if (this.ctx.absorb(miss)) return this.finish();
      throw miss;
    }
    const r = this.result;
    r.value = this.keys[this.i--];
    return r as IteratorResult<K>;
  }

  private finish(): IteratorResult<K> {
    this.state = DONE;
    this.keys = NO_KEYS;
    this.i = -1;
    this.end = 0;
    const r = this.result;
    r.done = true;
    r.value = undefined;
    return r as IteratorResult<K>;
  }

  private seek(): boolean {
    const { ctx, from, cmp, path, pos } = this;
    let n = this.root;
    let d = 0;
    while (n.children !== undefined) {
      const last = n.children.length - 1;
      let i = from === undefined ? last : branchUpper(n, from, cmp);
      if (i > last) i = last;
      const c = ctx.child(n, i);
      path[d] = n;
      pos[d] = i;
      d++;
      n = c;
    }
    this.depth = d;
    this.state = STARTED;
    const keys = n.keys!;
    this.enterLeaf(keys, (from === undefined ? keys.length : leafUpper(keys, from, cmp)) - 1);
    return true;
  }

  private nextLeaf(): boolean {
    const { ctx, path, pos, depth } = this;
    let n: Node<K>;
    let l: number;
    if (this.pending < 0) {
      let d = depth - 1;
      while (d >= 0 && pos[d]! === 0) d--;
      if (d < 0) return false;
      n = ctx.child(path[d]!, pos[d]! - 1);
      pos[d]!--;
      l = d + 1;
    } else {
      n = this.pendingNode!;
      l = this.pending;
    }
    for (; l < depth; l++) {
      this.pending = l;
      this.pendingNode = n;
      const last = n.children!.length - 1;
      const c = ctx.child(n, last);
      path[l] = n;
      pos[l] = last;
      n = c;
    }
    this.pending = -1;
    this.pendingNode = undefined;
    this.enterLeaf(n.keys!, n.keys!.length - 1);
    return true;
  }

  private enterLeaf(keys: K[], i: number): void {
    this.keys = keys;
    this.i = i;
    this.end = 0;
    this.lastLeaf = false;
    const to = this.to;
    if (to === undefined || keys.length === 0) return;
    const c = this.cmp(keys[0]!, to);
    if (c > 0) return;
    if (c < 0) {
      this.end = leafLower(keys, to, this.cmp);
      this.lastLeaf = true;
    } else if (this.cmp === this.ctx.cmp) this.lastLeaf = true;
  }
}

/**
 * Pushes the keys of [from, to] under n onto out, ascending; false once the range has
 * ended. `full`: cmp is the tree's own order (a key equal to `to` is the last one).
 */
export function collectRange<K>(
  ctx: Ctx<K>,
  n: Node<K>,
  from: K | undefined,
  to: K | undefined,
  cmp: Comparator<K>,
  full: boolean,
  out: K[],
): boolean {
  const cs = n.children;
  if (cs === undefined) {
    const keys = n.keys!;
    const len = keys.length;
    let i = from === undefined ? 0 : leafLower(keys, from, cmp);
    let end = len;
    let more = true;
    if (to !== undefined && len > 0) {
      const c = cmp(keys[len - 1]!, to);
      if (c > 0) {
        end = leafUpper(keys, to, cmp);
        more = false;
      } else if (c === 0 && full) more = false;
    }
    for (; i < end; i++) out.push(keys[i]!);
    return more;
  }
  const size = cs.length;
  for (let i = from === undefined ? 0 : branchLower(n, from, cmp); i < size; i++) {
    const c = cs[i]!;
    if (!collectRange(ctx, typeof c === 'string' ? ctx.load(c) : c, from, to, cmp, full, out))
      return false;
    from = undefined;
  }
  return true;
}

/** Pushes the keys from the last one <= from down to the first one >= to onto out. */
export function collectRangeReverse<K>(
  ctx: Ctx<K>,
  n: Node<K>,
  from: K | undefined,
  to: K | undefined,
  cmp: Comparator<K>,
  full: boolean,
  out: K[],
): boolean {
  const cs = n.children;
  if (cs === undefined) {
    const keys = n.keys!;
    const len = keys.length;
    let i = (from === undefined ? len : leafUpper(keys, from, cmp)) - 1;
    let end = 0;
    let more = true;
    if (to !== undefined && len > 0) {
      const c = cmp(keys[0]!, to);
      if (c < 0) {
        end = leafLower(keys, to, cmp);
        more = false;
      } else if (c === 0 && full) more = false;
    }
    for (; i >= end; i--) out.push(keys[i]!);
    return more;
  }
  const last = cs.length - 1;
  let i = from === undefined ? last : branchUpper(n, from, cmp);
  if (i > last) i = last;
  for (; i >= 0; i--) {
    const c = cs[i]!;
    if (
      !collectRangeReverse(ctx, typeof c === 'string' ? ctx.load(c) : c, from, to, cmp, full, out)
    )
      return false;
    from = undefined;
  }
  return true;
}

/** A callback for `forEachInRange`: return `false` to stop early. */
export type Visitor<K> = (key: K) => unknown;

/** Calls fn on the keys of [from, to] under n, ascending; false once ended or stopped. */
export function eachInRange<K>(
  ctx: Ctx<K>,
  n: Node<K>,
  from: K | undefined,
  to: K | undefined,
  cmp: Comparator<K>,
  full: boolean,
  fn: Visitor<K>,
): boolean {
  const cs = n.children;
  if (cs === undefined) {
    const keys = n.keys!;
    const len = keys.length;
    let i = from === undefined ? 0 : leafLower(keys, from, cmp);
    let end = len;
    let more = true;
    if (to !== undefined && len > 0) {
      const c = cmp(keys[len - 1]!, to);
      if (c > 0) {
        end = leafUpper(keys, to, cmp);
        more = false;
      } else if (c === 0 && full) more = false;
    }
    for (; i < end; i++) if (fn(keys[i]!) === false) return false;
    return more;
  }
  const size = cs.length;
  for (let i = from === undefined ? 0 : branchLower(n, from, cmp); i < size; i++) {
    const c = cs[i]!;
    if (!eachInRange(ctx, typeof c === 'string' ? ctx.load(c) : c, from, to, cmp, full, fn))
      return false;
    from = undefined;
  }
  return true;
}

/** The number of keys k with cmp(k, bound) < 0, or <= 0 when `inclusive`. O(log n). */
export function rank<K>(
  ctx: Ctx<K>,
  root: Node<K>,
  bound: K,
  cmp: Comparator<K>,
  inclusive: boolean,
): number {
  let n = root;
  let r = 0;
  while (true) {
    const cs = n.children;
    if (cs === undefined)
      return r + (inclusive ? leafUpper(n.keys!, bound, cmp) : leafLower(n.keys!, bound, cmp));
    const size = cs.length;
    const i = inclusive ? branchUpper(n, bound, cmp) : branchLower(n, bound, cmp);
    if (i === size) return r + n.total;
    const counts = n.counts;
    if (i <= size >>> 1) {
      if (counts !== undefined) for (let j = 0; j < i; j++) r += counts[j]!;
      else for (let j = 0; j < i; j++) r += (cs[j] as Node<K>).total;
    } else {
      let after = 0;
      if (counts !== undefined) for (let j = i; j < size; j++) after += counts[j]!;
      else for (let j = i; j < size; j++) after += (cs[j] as Node<K>).total;
      r += n.total - after;
    }
    n = ctx.child(n, i);
  }
}

/** The stored key equal to k under the tree's order. */
export function findKey<K>(ctx: Ctx<K>, root: Node<K>, k: K): K | undefined {
  const cmp = ctx.cmp;
  let n = root;
  while (n.children !== undefined) {
    const i = branchLower(n, k, cmp);
    if (i === n.children.length) return undefined;
    n = ctx.child(n, i);
  }
  const keys = n.keys!;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = cmp(keys[mid]!, k);
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid;
    else return keys[mid];
  }
  return undefined;
}

export function firstKey<K>(ctx: Ctx<K>, root: Node<K>): K | undefined {
  let n = root;
  while (n.children !== undefined) n = ctx.child(n, 0);
  return n.keys![0];
}
