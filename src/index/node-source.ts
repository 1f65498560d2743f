/**
 * Reaching tree nodes by address. A stored tree's branches name their children by the
 * address they were written under; a `NodeSource` turns an address into a node.
 *
 * Tree operations are synchronous (an in-memory query must not pay for promises), while
 * stores are asynchronous. `NodeCache` bridges the two: `get` answers from an LRU cache
 * or throws `NodeNotLoadedError`; `withLoadedNodes` runs an operation, loads whatever it
 * was missing, and runs it again, pinning the nodes it loaded for that call so that a
 * cache smaller than the working set cannot make it loop.
 */

import { LRUCache } from 'lru-cache';
import { Node, SortedSet } from './btree.js';

export interface NodeSource<K> {
  get(address: string): Node<K>;
}

/** A node as it is stored: plain data, children by address. */
export type NodeData<K> =
  | { readonly leaf: true; readonly keys: readonly K[] }
  | {
      readonly leaf: false;
      readonly keys: readonly K[];
      readonly counts: readonly number[];
      readonly addresses: readonly string[];
    };

export class NodeNotLoadedError extends Error {
  constructor(readonly addresses: readonly string[]) {
    super(`Index node ${addresses[0]} is not loaded`);
    this.name = 'NodeNotLoadedError';
  }
}

export function nodeFromData<K>(data: NodeData<K>, address: string): Node<K> {
  if (data.leaf)
    return new Node(data.keys.slice(), undefined, undefined, data.keys.length, null, address);
  let total = 0;
  for (const c of data.counts) total += c;
  return new Node<K>(
    undefined,
    new Array(data.addresses.length).fill(undefined),
    { keys: data.keys.slice(), counts: data.counts.slice(), addresses: data.addresses.slice() },
    total,
    null,
    address,
  );
}

export type NodeLoader<K> = (address: string) => Promise<NodeData<K>> | NodeData<K>;

export class NodeCache<K> implements NodeSource<K> {
  private readonly lru: LRUCache<string, Node<K>>;
  private pinned: Map<string, Node<K>> | undefined;

  constructor(
    private readonly loader: NodeLoader<K>,
    /** How many nodes to keep. */
    readonly max = 1000,
  ) {
    this.lru = new LRUCache({ max });
  }

  get(address: string): Node<K> {
    const n = this.lru.get(address) ?? this.pinned?.get(address);
    if (n !== undefined) return n;
    const loaded = this.loader(address);
    if (loaded instanceof Promise) {
      // The caller retries once it is loaded (withLoadedNodes); don't leave it unhandled.
      loaded.catch(() => undefined);
      throw new NodeNotLoadedError([address]);
    }
    return this.remember(address, nodeFromData(loaded, address));
  }

  /** Puts a node in the cache (after writing it, say). */
  remember(address: string, node: Node<K>): Node<K> {
    this.lru.set(address, node);
    this.pinned?.set(address, node);
    return node;
  }

  async load(addresses: readonly string[]): Promise<void> {
    await Promise.all(
      addresses.map(async (a) => {
        if (this.lru.has(a)) return;
        this.remember(a, nodeFromData(await this.loader(a), a));
      }),
    );
  }

  get size(): number {
    return this.lru.size;
  }

  /** @internal */
  pin(): Map<string, Node<K>> | undefined {
    const previous = this.pinned;
    this.pinned = new Map(previous);
    return previous;
  }

  /** @internal */
  unpin(previous: Map<string, Node<K>> | undefined): void {
    this.pinned = previous;
  }
}

/** Runs `fn`, loading the nodes it misses and retrying until it completes. */
export async function withLoadedNodes<K, T>(cache: NodeCache<K>, fn: () => T): Promise<T> {
  const previous = cache.pin();
  try {
    while (true) {
      try {
        return fn();
      } catch (err) {
        if (!(err instanceof NodeNotLoadedError)) throw err;
        await cache.load(err.addresses);
      }
    }
  } finally {
    cache.unpin(previous);
  }
}

/** The stored form of a node, its children named by `addressOf(i)`. */
export function nodeToData<K>(
  n: Node<K>,
  addressOf: (i: number) => string | undefined = (i) =>
    n.children![i]?.address ?? n.summaries?.addresses[i],
): NodeData<K> {
  if (n.children === undefined) return { leaf: true, keys: n.keys! };
  const keys: K[] = [];
  const counts: number[] = [];
  const addresses: string[] = [];
  for (let i = 0; i < n.children.length; i++) {
    keys.push(n.maxKey(i));
    counts.push(n.countOf(i));
    const a = addressOf(i);
    if (a === undefined) throw new Error('nodeToData: a child has not been written');
    addresses.push(a);
  }
  return { leaf: false, keys, counts, addresses };
}

/**
 * Writes every node of the tree that has no address yet (children before parents) and
 * returns the tree with its branches referring to children by address only, so that
 * memory is bounded by the cache once they are evicted. Unchanged subtrees are not written.
 */
export function flushTree<K>(
  tree: SortedSet<K>,
  write: (data: NodeData<K>) => string,
  cache: NodeCache<K>,
): SortedSet<K> {
  const flushNode = (n: Node<K>): Node<K> => {
    if (n.address !== undefined) return n;
    const written = n.children?.map((c) => (c === undefined ? undefined : flushNode(c).address));
    const data = nodeToData(n, (i) => written![i] ?? n.summaries?.addresses[i]);
    const address = write(data);
    return cache.remember(address, nodeFromData(data, address));
  };
  return SortedSet.fromRoot(tree.cmp, flushNode(tree.root), {
    branching: tree.branching,
    source: cache,
  });
}

/** Every address reachable from a stored root (loading through the cache), for garbage collection. */
export async function reachableAddresses<K>(
  cache: NodeCache<K>,
  rootAddress: string,
): Promise<Set<string>> {
  const seen = new Set<string>();
  const stack = [rootAddress];
  while (stack.length > 0) {
    const a = stack.pop()!;
    if (seen.has(a)) continue;
    seen.add(a);
    const n = await withLoadedNodes(cache, () => cache.get(a));
    for (const c of n.summaries?.addresses ?? []) if (c !== undefined) stack.push(c);
  }
  return seen;
}
