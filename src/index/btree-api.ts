export {
  type Comparator,
  DEFAULT_BRANCHING,
  Node,
  SortedSet,
  type SortedSetOptions,
  type Summaries,
  TransientSortedSet,
} from './btree.js';
export {
  flushTree,
  NodeCache,
  type NodeData,
  type NodeLoader,
  NodeNotLoadedError,
  type NodeSource,
  nodeFromData,
  nodeToData,
  reachableAddresses,
  withLoadedNodes,
} from './node-source.js';
