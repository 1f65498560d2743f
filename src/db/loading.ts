/**
 * Reading databases whose indices live in a store: tree operations are synchronous and
 * throw `NodeNotLoadedError` for nodes not in memory, so a read runs through
 * `whenLoaded`, which loads what the read missed and runs it again.
 */

import { NodeCache, NodeNotLoadedError, withLoadedNodes } from '../index/btree-api.js';
import type { Datom } from '../index/datom.js';
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

/** Runs `fn` once every node it reads of the databases among `values` is in memory. */
export async function whenLoaded<T>(values: readonly unknown[], fn: () => T): Promise<T> {
  const caches = cachesOf(values);
  if (caches.length === 0) return fn();
  if (caches.length === 1) return withLoadedNodes(caches[0]!, fn);
  // Several stores: load for whichever cache missed, until nothing is missing.
  for (;;) {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof NodeNotLoadedError) || !(err.source instanceof NodeCache)) throw err;
      await (err.source as NodeCache<Datom>).load(err.addresses);
    }
  }
}
