/**
 * Reading databases whose indices live in a store: tree operations are synchronous, so a
 * read runs through `whenLoaded`, which lets the trees record the nodes they miss, fetches
 * them in one batched read per round and runs the read again from its last complete step
 * (see `withLoadedNodes`).
 */

import {
  type LoadingFn,
  NodeCache,
  NodeNotLoadedError,
  withLoadedNodes,
} from '../index/btree-api.js';
import type { Datom } from '../index/datom.js';
import { currentBudget } from '../values/index.js';
import { DbView } from './db.js';

/** The node caches behind the databases among `values` (query inputs, say). */
function cachesOf(values: readonly unknown[]): NodeCache<Datom>[] {
  const out: NodeCache<Datom>[] = [];
  for (const v of values)
    if (v instanceof DbView) {
      const s = v.origin.indices.eavt.store;
      if (s instanceof NodeCache && !out.includes(s)) out.push(s as NodeCache<Datom>);
    }
  return out;
}

/** Runs `fn` until it completes with every node it reads of the databases among `values`. */
export async function whenLoaded<T>(values: readonly unknown[], fn: LoadingFn<T>): Promise<T> {
  const caches = cachesOf(values);
  // Each run spends the read's budget afresh: a rerun makes again what the last one made.
  const budget = currentBudget();
  const made = budget?.made ?? 0;
  const run: LoadingFn<T> =
    budget === undefined
      ? fn
      : (loading) => {
          budget.made = made;
          return fn(loading);
        };
  for (;;) {
    try {
      return await withLoadedNodes(caches, run);
    } catch (err) {
      // A database reached otherwise than through `values` (one a function made): its
      // cache joins the run.
      const s = err instanceof NodeNotLoadedError ? err.source : undefined;
      if (!(s instanceof NodeCache) || caches.includes(s as NodeCache<Datom>)) throw err;
      caches.push(s as NodeCache<Datom>);
    }
  }
}
