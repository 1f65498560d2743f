/**
 * Reaching stored nodes by address: an LRU cache in front of a loader.
 *
 * Tree operations are synchronous (an in-memory query must not pay for promises) while
 * stores are mostly asynchronous. `NodeCache.get` answers from memory or throws
 * `NodeNotLoadedError`. `withLoadedNodes(cache, fn)` runs `fn` with the cache collecting
 * misses: a tree read that misses nodes records them and goes on with what is in memory,
 * so one run finds every node it can see missing (all per-row lookups of a query clause,
 * say). When the run ends, those nodes are fetched in one batched read and it runs again,
 * resuming after the last step (`LoadingRun.step`) that missed nothing. Nodes loaded for one call are pinned for that call, so a cache smaller than the
 * working set cannot make it loop forever. With a synchronous loader (a file read, say)
 * `get` loads on a miss and never misses.
 *
 * The LRU is the `lru-cache` package; the nodes it holds are immutable and shared by
 * every tree that reaches them.
 */

import { LRUCache } from 'lru-cache';
import { NodeNotLoadedError, RECORDED_MISS } from './errors.js';
import { type Node, type NodeData, type NodeSource, nodeFromData } from './node.js';

export type NodeLoader<K> = (address: string) => Promise<NodeData<K>>;
export type SyncNodeLoader<K> = (address: string) => NodeData<K>;

export interface NodeCacheOptions<K> {
  /** How many nodes to keep (default 10,000). */
  max?: number;
  /** A synchronous loader: when given, `get` loads a missing node itself and never throws. */
  loadSync?: SyncNodeLoader<K>;
  /** Loads many nodes in one request (a batch read); defaults to the loader per address. */
  loadMany?: (addresses: readonly string[]) => Promise<readonly NodeData<K>[]>;
}

export const DEFAULT_CACHE_SIZE = 10_000;

export class NodeCache<K> implements NodeSource<K> {
  private readonly lru: LRUCache<string, Node<K>>;
  private readonly inflight = new Map<string, Promise<Node<K>>>();
  private readonly loadSync: SyncNodeLoader<K> | undefined;
  private readonly loadMany: NodeCacheOptions<K>['loadMany'];
  /** @internal The nodes pinned by the `withLoadedNodes` call whose function is running. */
  pins: Map<string, Node<K>> | undefined = undefined;
  /** @internal Where the running `withLoadedNodes` call records the nodes reads missed. */
  collecting: Set<string> | undefined = undefined;
  /** How many nodes were read from the loader (for tests and statistics). */
  loads = 0;
  /** How many synchronous lookups found nothing in memory. */
  misses = 0;

  constructor(
    private readonly loader: NodeLoader<K>,
    opts: NodeCacheOptions<K> = {},
  ) {
    this.lru = new LRUCache({ max: opts.max ?? DEFAULT_CACHE_SIZE });
    this.loadSync = opts.loadSync;
    this.loadMany = opts.loadMany;
  }

  get max(): number {
    return this.lru.max;
  }

  /** Nodes held by the LRU. */
  get size(): number {
    return this.lru.size;
  }

  /** The node, if it is in memory (or the synchronous loader can read it). */
  tryGet(address: string): Node<K> | undefined {
    const pins = this.pins;
    if (pins !== undefined) {
      const p = pins.get(address);
      if (p !== undefined) return p;
    }
    const n = this.lru.get(address);
    if (n !== undefined) return n;
    this.misses++;
    const loadSync = this.loadSync;
    if (loadSync === undefined) return undefined;
    this.loads++;
    const node = nodeFromData(loadSync(address), address);
    this.lru.set(address, node);
    pins?.set(address, node);
    return node;
  }

  /** The node; throws NodeNotLoadedError when it is not in memory. */
  get(address: string): Node<K> {
    const n = this.tryGet(address);
    if (n === undefined) throw new NodeNotLoadedError([address], this);
    return n;
  }

  /** Records missed nodes while a `withLoadedNodes` run collects them (see NodeSource). */
  collect(addresses: readonly string[]): boolean {
    const into = this.collecting;
    if (into === undefined) return false;
    for (const a of addresses) into.add(a);
    return true;
  }

  /** Whether the node is in memory (without loading it or touching its recency). */
  has(address: string): boolean {
    return this.lru.has(address) || (this.pins?.has(address) ?? false);
  }

  /** Keeps a node that was just written, so that it need not be read back. */
  remember(address: string, node: Node<K>): void {
    this.lru.set(address, node);
    this.pins?.set(address, node);
  }

  /** Drops every cached node. */
  clear(): void {
    this.lru.clear();
  }

  /**
   * Loads nodes into the cache (concurrent loads of one address are shared). When `pins`
   * is given, the loaded nodes (and those already cached) are also put there.
   */
  async load(addresses: readonly string[], pins?: Map<string, Node<K>>): Promise<void> {
    const todo: string[] = [];
    const waiting: Promise<Node<K>>[] = [];
    for (const a of addresses) {
      const n = pins?.get(a) ?? this.lru.get(a);
      if (n !== undefined) {
        pins?.set(a, n);
        continue;
      }
      const p = this.inflight.get(a);
      if (p !== undefined) waiting.push(pins === undefined ? p : p.then((x) => pin(pins, a, x)));
      else if (!todo.includes(a)) todo.push(a);
    }
    if (todo.length > 0) {
      const batch = this.fetch(todo);
      for (let i = 0; i < todo.length; i++) {
        const a = todo[i]!;
        const p = batch.then((nodes) => {
          const node = nodes[i]!;
          this.lru.set(a, node);
          return node;
        });
        this.inflight.set(a, p);
        const done = p.finally(() => this.inflight.delete(a));
        done.catch(() => undefined);
        waiting.push(pins === undefined ? p : p.then((x) => pin(pins, a, x)));
      }
    }
    await Promise.all(waiting);
  }

  /** Reads nodes without caching them (a walk over the whole store must not flush the LRU). */
  async read(addresses: readonly string[]): Promise<Node<K>[]> {
    const out = new Array<Node<K>>(addresses.length);
    const todo: string[] = [];
    const at: number[] = [];
    for (let i = 0; i < addresses.length; i++) {
      const a = addresses[i]!;
      const n = this.pins?.get(a) ?? this.lru.peek(a);
      if (n !== undefined) out[i] = n;
      else {
        todo.push(a);
        at.push(i);
      }
    }
    if (todo.length > 0) {
      const nodes = await this.fetch(todo);
      for (let j = 0; j < todo.length; j++) out[at[j]!] = nodes[j]!;
    }
    return out;
  }

  private async fetch(addresses: readonly string[]): Promise<Node<K>[]> {
    this.loads += addresses.length;
    const data =
      this.loadMany !== undefined
        ? await this.loadMany(addresses)
        : await Promise.all(addresses.map((a) => this.loader(a)));
    return addresses.map((a, i) => nodeFromData(data[i]!, a));
  }
}

function pin<K>(pins: Map<string, Node<K>>, address: string, node: Node<K>): Node<K> {
  pins.set(address, node);
  return node;
}

/**
 * One `withLoadedNodes` call as the function it runs sees it: the states of the steps it
 * finished, for a repeated run to resume from. A state is kept only while nothing was
 * missed since the run (re)started, so a kept state is exact; past a step that missed, a
 * run goes on (finding what later steps miss too) and keeps nothing more.
 */
export class LoadingRun {
  private readonly kept = new Map<string, unknown>();

  /** @internal */
  constructor(private readonly caches: readonly NodeCache<unknown>[]) {}

  /** Whether a read of this run missed nodes so far (what it computed is incomplete). */
  get missed(): boolean {
    for (const c of this.caches)
      if (c.collecting !== undefined && c.collecting.size > 0) return true;
    return false;
  }

  /**
   * Ends a step: keeps `state` under `key` for `resume` when nothing was missed so far
   * (the caller must not change it afterwards), and returns it.
   */
  step<S>(key: string, state: S): S {
    if (!this.missed) this.kept.set(key, state);
    return state;
  }

  /** The state the last exact step under `key` kept (undefined before the first). */
  resume<S>(key: string): S | undefined {
    return this.kept.get(key) as S | undefined;
  }
}

/** What `fn` needs of `withLoadedNodes` to resume: a run that keeps no step starts over. */
export type LoadingFn<T> = (run: LoadingRun) => T;

/**
 * Runs `fn` (synchronously) with the caches collecting misses, and whenever it missed
 * nodes (whether it returned or threw), loads them, one batched read per cache and round,
 * and runs it again; `fn` resumes from the last step it kept (`run.step`). The
 * nodes loaded during the call stay pinned until it returns, so it finishes even when the
 * LRU is smaller than what `fn` needs. `fn` must be safe to run more than once, and a run
 * that missed nodes must end (reads give fewer keys then; a transient's changes are
 * skipped where they miss, and the run's result is discarded).
 */
export async function withLoadedNodes<K, T>(
  caches: NodeCache<K> | readonly NodeCache<K>[],
  fn: LoadingFn<T>,
): Promise<T> {
  const all = (Array.isArray(caches) ? caches : [caches]) as readonly NodeCache<unknown>[];
  const run = new LoadingRun(all);
  const pins = all.map(() => new Map<string, Node<unknown>>());
  const missed = all.map(() => new Set<string>());
  while (true) {
    const outer = all.map((c) => [c.pins, c.collecting] as const);
    all.forEach((c, i) => {
      c.pins = pins[i];
      c.collecting = missed[i];
    });
    let result: T | undefined;
    let failure: unknown;
    let failed = false;
    try {
      result = fn(run);
    } catch (err) {
      failed = true;
      failure = err;
    } finally {
      all.forEach((c, i) => {
        [c.pins, c.collecting] = outer[i]!;
      });
    }
    // A miss no read absorbed (a path that throws) joins the batch of its cache.
    if (failed && failure instanceof NodeNotLoadedError) {
      const i = all.indexOf(failure.source as NodeCache<unknown>);
      if (i >= 0) for (const a of failure.addresses) missed[i]!.add(a);
    }
    if (missed.every((m) => m.size === 0)) {
      if (failed) throw failure;
      return result as T;
    }
    const batches = missed.map((m) => [...m]);
    for (const m of missed) m.clear();
    // Nothing new to load (the reads missed nodes that are pinned already): don't loop.
    if (batches.every((b, i) => b.every((a) => pins[i]!.has(a))))
      throw failed && failure !== RECORDED_MISS ? failure : new NodeNotLoadedError(batches.flat());
    await Promise.all(batches.map((b, i) => (b.length > 0 ? all[i]!.load(b, pins[i]) : undefined)));
  }
}
