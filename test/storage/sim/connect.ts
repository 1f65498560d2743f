/**
 * Databases on a given store object (a `LogStore`, a `FaultyStore` around one), built the
 * way `createDatabase` and `connect` build them, so that tests and the simulator can put
 * any store under a real connection.
 */
import { DurableBranch, seenBy } from '../../../src/connection/branches.js';
import { CommitHistory } from '../../../src/connection/commit-history.js';
import { configToData, normaliseConfig } from '../../../src/connection/config.js';
import { Connection } from '../../../src/connection/connection.js';
import { BranchLog, creationRecord, nodeCacheFor } from '../../../src/connection/durable.js';
import { encodeCommit } from '../../../src/connection/records.js';
import { parseEdn } from '../../../src/edn/index.js';
import type { Store } from '../../../src/storage/store.js';

const CONFIG = '{:store {:backend :file :path "/simulated"} :schema-flexibility :read}';

/** Writes the creation record of an empty database (schema on read). */
export async function createOn(store: Store): Promise<void> {
  const config = normaliseConfig(parseEdn(CONFIG));
  const record = encodeCommit(creationRecord(configToData(config), new Date()));
  if (!(await store.append('db', 0, [record]))) throw new Error('the store is not empty');
}

export interface ConnectOptions {
  /** Datoms committed before the indices are flushed. */
  readonly flushThreshold?: number;
  /** Index nodes kept in the connection's cache. */
  readonly cacheSize?: number;
  /** Bytes for the databases of recent commits (default 1 MiB: evictions happen). */
  readonly commitCacheBytes?: number;
}

/** A connection to the database in `store`, as `connect` opens one. */
export async function connectOn(store: Store, opts: ConnectOptions = {}): Promise<Connection> {
  const cache = nodeCacheFor(store, opts.cacheSize ?? 1000);
  const history = new CommitHistory(opts.commitCacheBytes ?? 2 ** 20);
  const state = await new BranchLog(store, 'db', cache, seenBy(history)).open();
  if (state === null) throw new Error('no database in the store');
  const branch = new DurableBranch(
    store,
    'db',
    cache,
    state,
    { flushThreshold: opts.flushThreshold ?? 20_000 },
    history,
  );
  return new Connection(normaliseConfig(state.config), branch);
}
