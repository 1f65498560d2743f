/** The generic persistent B+-tree: everything other layers may use. */

export {
  collectAddresses,
  DEFAULT_BRANCHING,
  SortedSet,
  type SortedSetOptions,
  TransientSortedSet,
} from './btree.js';
export { Cursor, ReverseCursor, type Visitor } from './cursor.js';
export { BTreeError, NodeNotLoadedError } from './errors.js';
export { checkTree } from './invariants.js';
export {
  type BranchData,
  type Child,
  type Comparator,
  type LeafData,
  Node,
  type NodeData,
  type NodeSource,
  nodeFromData,
  nodeToData,
} from './node.js';
export {
  DEFAULT_CACHE_SIZE,
  type LoadingFn,
  LoadingRun,
  NodeCache,
  type NodeCacheOptions,
  type NodeLoader,
  type SyncNodeLoader,
  withLoadedNodes,
} from './node-cache.js';
