/**
 * Creating, finding, opening and deleting databases, and the process-wide registry that
 * makes a second `connect` to the same database share the first connection.
 */

import { emptyDb } from '../db/index.js';
import { type MemoryStore, memoryStores } from '../storage/memory.js';
import { DatahikeError, type Keyword, randomUuid } from '../values/index.js';
import { connectionKey, type DatabaseConfig, KEY } from './config.js';
import { type BranchHead, Connection } from './connection.js';

const connections = new Map<string, Connection>();

function unsupported(config: DatabaseConfig): never {
  throw new DatahikeError(
    'store/unsupported-backend',
    `The :${config.store.backend} store backend is not available; use :memory.`,
    { backend: config.store.backend },
  );
}

function existingStore(config: DatabaseConfig): MemoryStore | undefined {
  if (config.store.backend !== 'memory') unsupported(config);
  return memoryStores.get(config.store.id);
}

/** Creates the store and an empty database in it; returns the config with defaults filled in. */
export async function createDatabase(config: DatabaseConfig): Promise<DatabaseConfig> {
  if (config.store.backend !== 'memory') unsupported(config);
  const store = memoryStores.create(config.store.id);
  const now = new Date();
  const db = emptyDb({
    keepHistory: config.keepHistory,
    schemaFlexibility: config.schemaFlexibility,
  }).withMeta({
    commitId: randomUuid(),
    parentCommitIds: [],
    createdAt: now,
    updatedAt: now,
  });
  // Datahike always creates the database under :db, whatever :branch says.
  store.put([[db.meta.commitId!.str, db]]);
  store.casRef('db', undefined, {
    db,
    config: { ...config, initialTx: undefined },
  } satisfies BranchHead);
  if (config.initialTx !== undefined && config.initialTx.length > 0) {
    const conn = await connect(config);
    try {
      await conn.transact(config.initialTx);
    } finally {
      release(conn);
    }
  }
  return config;
}

export async function databaseExists(config: DatabaseConfig): Promise<boolean> {
  return existingStore(config)?.readRef('db') !== undefined;
}

/** Deletes the store; every connection to it is released. */
export async function deleteDatabase(config: DatabaseConfig): Promise<void> {
  existingStore(config);
  const prefix = `${config.store.backend}:${config.store.id}:`;
  for (const [key, conn] of connections) {
    if (key.startsWith(prefix)) {
      conn.close();
      connections.delete(key);
    }
  }
  memoryStores.delete(config.store.id);
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

/** Opens the database, or shares the connection this process already has to it. */
export async function connect(config: DatabaseConfig): Promise<Connection> {
  const key = connectionKey(config);
  const open = connections.get(key);
  if (open !== undefined) {
    checkMatches(config, open.config);
    open.refCount++;
    return open;
  }
  const store = existingStore(config);
  const head = store?.readRef(config.branch.fqn) as BranchHead | undefined;
  if (store === undefined || head === undefined)
    throw new DatahikeError(
      'database/not-found',
      `No database at ${config.store.backend} store ${JSON.stringify(config.store.id)} (branch ${config.branch}): create it with createDatabase first.`,
      { backend: config.store.backend, id: config.store.id, branch: config.branch },
    );
  checkMatches(config, head.config);
  const conn = new Connection(
    { ...head.config, store: config.store, branch: config.branch },
    store,
    head,
  );
  connections.set(key, conn);
  return conn;
}

/** Gives up one use of a connection (or all, with `releaseAll`); the last release closes it. */
export function release(conn: Connection, releaseAll = false): void {
  if (conn.isReleased) return;
  conn.refCount = releaseAll ? 0 : conn.refCount - 1;
  if (conn.refCount > 0) return;
  conn.close();
  const key = connectionKey(conn.config);
  if (connections.get(key) === conn) connections.delete(key);
}
