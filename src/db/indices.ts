/** The three datom orders of one database, as persistent trees. */

import { SortedSet, type SortedSetOptions } from '../index/btree-api.js';
import {
  boundDatom,
  cmpAEVT,
  cmpAVET,
  cmpEAVT,
  type Datom,
  type IndexName,
  PREFIX_ORDER,
} from '../index/datom.js';
import type { Keyword } from '../values/index.js';

export type DatomTree = SortedSet<Datom>;

export interface Indices {
  readonly eavt: DatomTree;
  readonly aevt: DatomTree;
  readonly avet: DatomTree;
}

export function emptyIndices(opts?: SortedSetOptions<Datom>): Indices {
  return {
    eavt: SortedSet.empty(cmpEAVT, opts),
    aevt: SortedSet.empty(cmpAEVT, opts),
    avet: SortedSet.empty(cmpAVET, opts),
  };
}

/**
 * The bound datom for components given in index order. Only a prefix counts: components
 * after the first missing one are ignored, since they would not select a contiguous range.
 */
export function componentsBound(index: IndexName, components: readonly unknown[]): Datom {
  const n = components.findIndex((c) => c === undefined || c === null);
  const c = n === -1 ? components : components.slice(0, n);
  const [c0, c1, c2, c3] = c as [unknown, unknown, unknown, unknown];
  switch (index) {
    case 'eavt':
      return boundDatom(c0 as number, c1 as Keyword, c2, c3 as number);
    case 'aevt':
      return boundDatom(c1 as number, c0 as Keyword, c2, c3 as number);
    case 'avet':
      return boundDatom(c2 as number, c0 as Keyword, c1, c3 as number);
  }
}

export function countPrefix(tree: DatomTree, index: IndexName, bound: Datom): number {
  return tree.count(bound, bound, PREFIX_ORDER[index]);
}
