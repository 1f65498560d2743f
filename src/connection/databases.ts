/**
 * Creating, finding, opening and deleting databases, and the process-wide registry that
 * makes a second `connect` to the same database share the first connection. A config's
 * `:writer` elsewhere is made by one of the writer factories the caller passes (the
 * program composes them: see writer.ts); without any, this process writes.
 */

import { emptyDb } from '../db/index.js';
import { loadBackend, storeOptions } from '../storage/backends.js';
import { type MemoryStore, memoryStores } from '../storage/memory.js';
import type { Store, StoreOptions } from '../storage/store.js';
import { DatahikeError, type Keyword, keyword, randomUuid } from '../values/index.js';
import { DurableBranch, LiveBranch, type LiveHead, seenBy } from './branches.js';
import { CommitHistory } from './commit-history.js';
import {
  configToData,
  connectionKey,
  type DatabaseConfig,
  KEY,
  normaliseConfig,
} from './config.js';
import { Connection } from './connection.js';
import { BranchLog, creationRecord, nodeCacheFor } from './durable.js';
import { LiveCommits } from './live-commits.js';
import { encodeCommit } from './records.js';
import { type WriterFactory, writerOf } from './writer.js';

const connections = new Map<string, Connection>();
/**
 * Connections whose last release is still flushing and closing, by connection key: a release
 * the caller did not await must finish before the store is opened again or deleted.
 */
const closing = new Map<string, Promise<void>>();

const DEFAULT_CACHE_SIZE = 10_000;
const DEFAULT_FLUSH_THRESHOLD = 20_000;
const DEFAULT_COMMIT_CACHE_MB = 64;

function option(config: DatabaseConfig, name: string, fallback: number): number {
  const v = config.extra.get(keyword(name));
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new DatahikeError(
      'config/invalid',
      `:${name} must be a whole number, got ${String(v)}.`,
      {
        [name]: v,
      },
    );
  return v;
}

function durableOptions(config: DatabaseConfig): StoreOptions {
  return { ...storeOptions(config.store.raw), backend: config.store.kind, id: config.store.id };
}

function notFound(config: DatabaseConfig): DatahikeError {
  return new DatahikeError(
    'database/not-found',
    `No database at ${config.store.backend} store ${JSON.stringify(config.store.id)} (branch ${config.branch}): create it with createDatabase first.`,
    { backend: config.store.backend, id: config.store.id, branch: config.branch },
  );
}

/** Creates the store and an empty database in it; returns the config with defaults filled in. */
export async function createDatabase(
  config: DatabaseConfig,
  writers: readonly WriterFactory[] = [],
): Promise<DatabaseConfig> {
  const writer = writerOf(config, writers);
  if (writer !== undefined) {
    await writer.createDatabase(config);
    return config;
  }
  const now = new Date();
  const stored = configToData({ ...config, initialTx: undefined });
  if (config.store.kind === 'memory') {
    const store = memoryStores.create(config.store.id);
    const db = emptyDb({
      keepHistory: config.keepHistory,
      schemaFlexibility: config.schemaFlexibility,
    }).withMeta({ commitId: randomUuid(), parentCommitIds: [], createdAt: now, updatedAt: now });
    LiveCommits.of(store).addDb(db);
    // Datahike always creates the database under :db, whatever :branch says.
    store.casRef('db', undefined, { db, config: stored } satisfies LiveHead);
  } else {
    const backend = await loadBackend(config.store.kind);
    const options = durableOptions(config);
    let store: Store;
    try {
      store = await backend.create(options);
    } catch (err) {
      if (!(err instanceof DatahikeError && err.code === 'store/exists')) throw err;
      // A store without a database in it is what a creation cut short leaves: finish it.
      store = await backend.open(options);
      if ((await store.lastRecord('db')) !== null) {
        await store.close();
        throw err;
      }
    }
    try {
      if (!(await store.append('db', 0, [encodeCommit(creationRecord(stored, now))])))
        throw new DatahikeError(
          'store/exists',
          `Another process created a database in the ${store.label} at the same time.`,
          { id: config.store.id },
        );
    } finally {
      await store.close();
    }
  }
  if (config.initialTx !== undefined && config.initialTx.length > 0) {
    const conn = await connect(config, writers);
    try {
      await conn.transact(config.initialTx);
    } finally {
      await release(conn);
    }
  }
  return config;
}

export async function databaseExists(config: DatabaseConfig): Promise<boolean> {
  if (config.store.kind === 'memory')
    return memoryStores.get(config.store.id)?.readRef('db') !== undefined;
  const backend = await loadBackend(config.store.kind);
  const options = durableOptions(config);
  if (!(await backend.exists(options))) return false;
  const store = await backend.open(options);
  try {
    return (await store.lastRecord('db')) !== null;
  } finally {
    await store.close();
  }
}

/** Deletes the store; every connection to it is released. */
export async function deleteDatabase(
  config: DatabaseConfig,
  writers: readonly WriterFactory[] = [],
): Promise<void> {
  const prefix = `${config.store.backend}:${config.store.id}:`;
  for (const [key, conn] of connections) {
    if (key.startsWith(prefix)) {
      connections.delete(key);
      await closeConnection(key, conn);
    }
  }
  for (const [key, done] of closing) if (key.startsWith(prefix)) await done;
  const writer = writerOf(config, writers);
  if (writer !== undefined) await writer.deleteDatabase(config);
  else if (config.store.kind === 'memory') memoryStores.delete(config.store.id);
  else await (await loadBackend(config.store.kind)).destroy(durableOptions(config));
}

function checkMatches(given: DatabaseConfig, stored: DatabaseConfig): void {
  const mismatch = (key: Keyword, g: unknown, s: unknown) => {
    throw new DatahikeError(
      'config/mismatch',
      `The database was created with ${key} ${String(s)}, but connect was given ${String(g)}: leave it out or give the same value.`,
      { key, given: g, stored: s },
    );
  };
  if (given.explicit.has(KEY.keepHistory) && given.keepHistory !== stored.keepHistory)
    mismatch(KEY.keepHistory, given.keepHistory, stored.keepHistory);
  if (
    given.explicit.has(KEY.schemaFlexibility) &&
    given.schemaFlexibility !== stored.schemaFlexibility
  )
    mismatch(KEY.schemaFlexibility, `:${given.schemaFlexibility}`, `:${stored.schemaFlexibility}`);
}

/** The config the database was created with, as given at connect for the store and branch. */
function effectiveConfig(given: DatabaseConfig, storedData: unknown): DatabaseConfig {
  const stored = normaliseConfig(storedData);
  checkMatches(given, stored);
  return {
    ...stored,
    store: given.store,
    branch: given.branch,
    extra: new Map([...stored.extra, ...given.extra]),
  };
}

/** Opens the database, or shares the connection this process already has to it. */
export async function connect(
  config: DatabaseConfig,
  writers: readonly WriterFactory[] = [],
): Promise<Connection> {
  const key = connectionKey(config);
  await closing.get(key);
  const open = connections.get(key);
  if (open !== undefined) {
    checkMatches(config, open.config);
    open.refCount++;
    return open;
  }
  const conn =
    config.store.kind === 'memory' ? connectMemory(config) : await connectDurable(config, writers);
  // Another connect may have finished while this one was reading the store.
  const raced = connections.get(key);
  if (raced !== undefined) {
    await conn.close();
    raced.refCount++;
    return raced;
  }
  connections.set(key, conn);
  return conn;
}

function connectMemory(config: DatabaseConfig): Connection {
  const store: MemoryStore | undefined = memoryStores.get(config.store.id);
  const head = store?.readRef(config.branch.fqn) as LiveHead | undefined;
  if (store === undefined || head === undefined) throw notFound(config);
  const effective = effectiveConfig(config, head.config);
  return new Connection(effective, new LiveBranch(store, config.branch.fqn, head));
}

async function connectDurable(
  config: DatabaseConfig,
  writers: readonly WriterFactory[],
): Promise<Connection> {
  const backend = await loadBackend(config.store.kind);
  let store: Store;
  try {
    store = await backend.open(durableOptions(config));
  } catch (err) {
    if (err instanceof DatahikeError && err.code === 'store/not-found') throw notFound(config);
    throw err;
  }
  try {
    const cache = nodeCacheFor(store, option(config, 'store-cache-size', DEFAULT_CACHE_SIZE));
    const history = new CommitHistory(
      option(config, 'commit-cache-mb', DEFAULT_COMMIT_CACHE_MB) * 2 ** 20,
    );
    const state = await new BranchLog(store, config.branch.fqn, cache, seenBy(history)).open();
    if (state === null) throw notFound(config);
    const effective = effectiveConfig(config, state.config);
    const branch = new DurableBranch(
      store,
      config.branch.fqn,
      cache,
      state,
      { flushThreshold: option(config, 'flush-threshold', DEFAULT_FLUSH_THRESHOLD) },
      history,
    );
    const writer = writerOf(config, writers);
    return new Connection(effective, branch, {
      refreshMs: option(config, 'refresh-interval-ms', 0),
      writer: writer === undefined ? undefined : (context) => writer.writerFor(context),
    });
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** The connections this process has open. */
export function openConnections(): Connection[] {
  return [...connections.values()];
}

/** Closes this process's connections to one branch of a store (the branch was deleted). */
export async function closeBranch(config: DatabaseConfig, branch: string): Promise<void> {
  const key = connectionKey({ ...config, branch: keyword(branch) });
  const conn = connections.get(key);
  if (conn === undefined) return;
  connections.delete(key);
  await conn.close();
}

/** Gives up one use of a connection (or all, with `releaseAll`); the last release closes it. */
export async function release(conn: Connection, releaseAll = false): Promise<void> {
  if (conn.isReleased) return;
  conn.refCount = releaseAll ? 0 : conn.refCount - 1;
  if (conn.refCount > 0) return;
  const key = connectionKey(conn.config);
  if (connections.get(key) === conn) connections.delete(key);
  await closeConnection(key, conn);
}

async function closeConnection(key: string, conn: Connection): Promise<void> {
  const done = conn.close().finally(() => {
    if (closing.get(key) === done) closing.delete(key);
  });
  closing.set(key, done);
  await done;
}
