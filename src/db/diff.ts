/**
 * The datoms asserted and retracted between two database values of one store, found by
 * walking their EAVT trees side by side and skipping every subtree the two share: the same
 * node in memory, or the same address in the store (nodes are immutable, so a shared
 * address is a shared subtree, and two slots naming one address are compared without
 * reading the node). The walk descends only where the trees differ, so its cost grows with
 * the difference and the trees' depth, not with the database.
 *
 * Each side is a stack of pending items in key order: subtrees (with their height) and
 * keys. When the two tops are the same subtree both are dropped; else the taller top is
 * opened (a key is below every node); two keys are compared and the smaller one is the
 * side's own. A node not in memory is recorded as missing (`NodeSource.collect`) and read
 * as empty: run it inside `whenLoaded`, which fetches what a run missed and runs it again.
 */

import type { Child, Node, SortedSet } from '../index/btree-api.js';
import { cmpEAVT, type Datom } from '../index/datom.js';
import { DatahikeError } from '../values/index.js';
import type { Db } from './db.js';

/** What changed from one database to another: datoms only in the second, and only in the first. */
export interface DbDiff {
  readonly asserted: Datom[];
  readonly retracted: Datom[];
}

interface Pending {
  /** A subtree (a node, or the address of one), or undefined for a key. */
  readonly slot: Child<Datom> | undefined;
  /** Height above the leaves; -1 for a key. */
  readonly level: number;
  readonly key: Datom | undefined;
}

function same(a: Child<Datom>, b: Child<Datom>): boolean {
  if (a === b) return true;
  const x = typeof a === 'string' ? a : a.address;
  const y = typeof b === 'string' ? b : b.address;
  return x !== undefined && x === y;
}

/** One side of the walk: its tree's node source and the pending stack. */
class Side {
  readonly stack: Pending[] = [];
  /** Nodes opened (read from memory or recorded missing): the walk's work. */
  opened = 0;

  constructor(private readonly tree: SortedSet<Datom>) {
    const root = tree.reachRoot();
    if (root !== undefined) this.stack.push({ slot: root, level: root.level, key: undefined });
  }

  /** The node of a slot, or undefined when it is not in memory (recorded as missing). */
  private node(slot: Child<Datom>): Node<Datom> | undefined {
    if (typeof slot !== 'string') return slot;
    const source = this.tree.store;
    const n = source?.tryGet(slot);
    if (n !== undefined) return n;
    if (source?.collect?.([slot]) === true) return undefined;
    throw new DatahikeError(
      'store/missing-node',
      `diff reached index node ${slot}, which is not loaded: run it through the API.`,
      { key: slot },
    );
  }

  /** Replaces the top subtree by its children (or keys), in order. */
  open(): void {
    const top = this.stack.pop()!;
    this.opened++;
    const n = this.node(top.slot!);
    if (n === undefined) return;
    if (n.children === undefined) {
      const keys = n.keys!;
      for (let i = keys.length - 1; i >= 0; i--)
        this.stack.push({ slot: undefined, level: -1, key: keys[i] });
      return;
    }
    for (let i = n.children.length - 1; i >= 0; i--)
      this.stack.push({ slot: n.children[i], level: n.level - 1, key: undefined });
  }

  /** Every key left, in order. */
  drain(out: Datom[]): void {
    while (this.stack.length > 0) {
      const top = this.stack[this.stack.length - 1]!;
      if (top.key !== undefined) {
        out.push(top.key);
        this.stack.pop();
      } else this.open();
    }
  }
}

/** The keys only in `b` (added) and only in `a` (removed), walking both trees (see the header). */
export function diffTrees(
  a: SortedSet<Datom>,
  b: SortedSet<Datom>,
): { added: Datom[]; removed: Datom[]; opened: number } {
  const x = new Side(a);
  const y = new Side(b);
  const added: Datom[] = [];
  const removed: Datom[] = [];
  for (;;) {
    const p = x.stack[x.stack.length - 1];
    const q = y.stack[y.stack.length - 1];
    if (p === undefined) {
      y.drain(added);
      break;
    }
    if (q === undefined) {
      x.drain(removed);
      break;
    }
    if (p.slot !== undefined && q.slot !== undefined && same(p.slot, q.slot)) {
      x.stack.pop();
      y.stack.pop();
    } else if (p.level > q.level) x.open();
    else if (q.level > p.level) y.open();
    else if (p.slot !== undefined) {
      x.open();
      y.open();
    } else {
      const c = cmpEAVT(p.key!, q.key!);
      if (c === 0) {
        x.stack.pop();
        y.stack.pop();
      } else if (c < 0) {
        removed.push(p.key!);
        x.stack.pop();
      } else {
        added.push(q.key!);
        y.stack.pop();
      }
    }
  }
  return { added, removed, opened: x.opened + y.opened };
}

/** The datoms asserted and retracted from `a` to `b` (current datoms, EAVT order). */
export function diffDbs(a: Db, b: Db): DbDiff {
  const { added, removed } = diffTrees(a.indices.eavt, b.indices.eavt);
  return { asserted: added, retracted: removed };
}
