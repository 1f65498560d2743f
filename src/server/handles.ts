/**
 * Connections and databases across the wire, on the server's side: what handle stands for
 * a `Connection` or a database value, and what a handle sent back means.
 *
 * A connection handle names a store and a branch; it means the connection this server
 * opened with `/connect` (a client connects first, as with Datahike). A database handle
 * also names a commit: the database of exactly that commit (pinned), so an answer about
 * it never changes.
 */

import { internalApi } from '../api/index.js';
import { Connection } from '../connection/index.js';
import { AsOfDb, Db, DbView, HistoricalDb, SinceDb } from '../db/index.js';
import { Entity } from '../pull/index.js';
import { DatahikeError, keyword, Uuid } from '../values/index.js';
import {
  AsOfDbHandle,
  ConnectionHandle,
  DbHandle,
  EntityHandle,
  type Handle,
  type HandleMapper,
  HistoricalDbHandle,
  SinceDbHandle,
} from '../wire/index.js';

const DB_ID = keyword('db/id');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A store id as Datahike writes it: a uuid when it is one, else the string. */
function storeIdValue(id: string): unknown {
  return UUID.test(id) ? new Uuid(id) : id;
}

function storeIdText(id: unknown): string {
  return id instanceof Uuid ? id.str : String(id);
}

function key(storeId: unknown, branch: string): string {
  return `${storeIdText(storeId)}|${branch}`;
}

export class ServerHandles implements HandleMapper {
  /** Connections opened through `/connect`, by store id and branch. */
  private readonly connections = new Map<string, Connection>();
  /** Which connection each database value the server handed out came from. */
  private readonly owners = new WeakMap<object, Connection>();

  /** Every open connection (for shutdown). */
  all(): Connection[] {
    return [...this.connections.values()];
  }

  remember(conn: Connection): void {
    this.connections.set(key(conn.config.store.id, conn.config.branch.fqn), conn);
  }

  forget(conn: Connection): void {
    const k = key(conn.config.store.id, conn.config.branch.fqn);
    if (this.connections.get(k) === conn) this.connections.delete(k);
  }

  /** Notes that databases in a result came from the connection behind the call's arguments. */
  own(result: unknown, args: readonly unknown[]): void {
    let conn: Connection | undefined;
    for (const a of args) {
      if (a instanceof Connection) conn = a;
      else if (a instanceof DbView) conn = this.owners.get(a.origin);
      if (conn !== undefined) break;
    }
    if (conn === undefined) return;
    const mark = (x: unknown) => {
      if (x instanceof DbView && !this.owners.has(x.origin)) this.owners.set(x.origin, conn);
    };
    // Databases come back alone, in a report's fields, as an entity's, or as a list of
    // databases (`branchHistory`, seen by its first element): never in rows, so a large
    // query result is not walked.
    mark(result);
    if (result instanceof Entity) mark(result.db);
    else if (Array.isArray(result) && result[0] instanceof DbView) for (const d of result) mark(d);
    else if (result !== null && typeof result === 'object' && !Array.isArray(result))
      if (Object.getPrototypeOf(result) === Object.prototype)
        for (const v of Object.values(result)) mark(v);
  }

  toHandle(x: unknown): unknown | undefined {
    if (x instanceof Connection)
      return new ConnectionHandle(storeIdValue(x.config.store.id), x.config.branch);
    // A view's handle wraps the handle of what it wraps (views nest).
    if (x instanceof HistoricalDb) return new HistoricalDbHandle(x.inner);
    if (x instanceof AsOfDb) return new AsOfDbHandle(x.inner, x.timePointDate ?? x.timePoint);
    if (x instanceof SinceDb) return new SinceDbHandle(x.inner, x.timePointDate ?? x.timePoint);
    if (x instanceof Entity) {
      // Its attributes as they are, references as {:db/id e} (an entity graph may have cycles).
      const attrs = new Map<unknown, unknown>();
      const flat = (v: unknown): unknown =>
        v instanceof Entity
          ? new Map([[DB_ID, v.eid]])
          : v instanceof Set
            ? new Set([...v].map(flat))
            : v;
      for (const [k, v] of x.entries()) attrs.set(k, flat(v));
      return new EntityHandle(x.db, x.eid, attrs);
    }
    if (x instanceof Db) {
      const conn = this.owners.get(x);
      if (conn === undefined) return undefined;
      return new DbHandle(
        storeIdValue(conn.config.store.id),
        conn.config.branch,
        x.meta.commitId ?? null,
        x.maxEid,
        x.maxTx,
      );
    }
    return undefined;
  }

  /** Handles are resolved after decoding, asynchronously (see `resolve`). */
  fromHandle(h: Handle): unknown {
    return h;
  }

  /** The open connection a handle's store id and branch name, if there is one. */
  find(storeId: unknown, branch: string): Connection | undefined {
    const conn = this.connections.get(key(storeId, branch));
    return conn === undefined || conn.isReleased ? undefined : conn;
  }

  private connectionFor(storeId: unknown, branch: string): Connection {
    const conn = this.connections.get(key(storeId, branch));
    if (conn === undefined || conn.isReleased)
      throw new DatahikeError(
        'connection/not-found',
        `This server has no connection to store ${storeIdText(storeId)} (branch :${branch}): call /connect with the database's config first.`,
        { storeId: storeIdText(storeId), branch },
      );
    return conn;
  }

  private async dbOf(h: DbHandle): Promise<Db> {
    const conn = this.connectionFor(h.storeId, h.branch.fqn);
    const id = h.commitId;
    // The commit in memory first (usually it is the one asked for or a recent one the
    // connection keeps), then the store's newest, then the commit from the log.
    let db: Db | null = conn.db();
    if (id !== null && db.meta.commitId?.str !== id.str) {
      db = conn.branch.knownDb?.(id.str) ?? null;
      if (db === null) {
        const latest = await conn.latest();
        db =
          latest.meta.commitId?.str === id.str
            ? latest
            : await conn.branch.commitDb(id.str, h.maxTx);
      }
      if (db === null)
        throw new DatahikeError(
          'commit/not-found',
          `No commit ${id.str} on branch :${h.branch.fqn} of store ${storeIdText(h.storeId)}: the handle is from another database, or garbage collection removed the commit.`,
          { commitId: id.str },
        );
    }
    this.owners.set(db, conn);
    return db;
  }

  /** The objects the handles in decoded arguments stand for (in arrays and maps too). */
  async resolve(x: unknown): Promise<unknown> {
    if (x instanceof ConnectionHandle) return this.connectionFor(x.storeId, x.branch.fqn);
    if (x instanceof DbHandle) return this.dbOf(x);
    if (x instanceof HistoricalDbHandle)
      return internalApi.history((await this.resolve(x.origin)) as Db);
    if (x instanceof AsOfDbHandle)
      return internalApi.asOf((await this.resolve(x.origin)) as Db, x.timePoint);
    if (x instanceof SinceDbHandle)
      return internalApi.since((await this.resolve(x.origin)) as Db, x.timePoint);
    if (x instanceof EntityHandle)
      return internalApi.entity((await this.resolve(x.db)) as DbView, x.eid);
    if (Array.isArray(x)) {
      if (!x.some(needsResolving)) return x;
      const out = new Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = await this.resolve(x[i]);
      return out;
    }
    if (x instanceof Map && [...x.values()].some(needsResolving)) {
      const out = new Map();
      for (const [k, v] of x) out.set(k, await this.resolve(v));
      return out;
    }
    return x;
  }
}

function needsResolving(x: unknown): boolean {
  if (
    x instanceof ConnectionHandle ||
    x instanceof DbHandle ||
    x instanceof HistoricalDbHandle ||
    x instanceof AsOfDbHandle ||
    x instanceof SinceDbHandle ||
    x instanceof EntityHandle
  )
    return true;
  if (Array.isArray(x)) return x.some(needsResolving);
  if (x instanceof Map) return [...x.values()].some(needsResolving);
  return false;
}
