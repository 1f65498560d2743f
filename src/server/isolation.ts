/**
 * Clients of one server kept apart. A connection handle names a store id and a branch; on
 * this server an id stands for one store (kind and location) while a connection to it is
 * open, so no client can connect a store of its own under an id another client uses and
 * thereby change what that client's handles reach. A client's `release` gives back only
 * the uses its own credential took, and a database that `delete-database` removed answers
 * the handles still naming it with a clear error.
 */

import type { Connection } from '../connection/index.js';
import { DatahikeError, Uuid } from '../values/index.js';
import {
  AsOfDbHandle,
  ConnectionHandle,
  DbHandle,
  EntityHandle,
  HistoricalDbHandle,
  SinceDbHandle,
} from '../wire/index.js';
import type { ServerHandles } from './handles.js';
import type { Confined } from './store-policy.js';

/** Deleted databases remembered for their handles' error (the oldest forgotten first). */
const DELETED_KEPT = 10_000;

export interface StoreInfo {
  readonly identity: string;
  readonly name: string;
}

/** A store id and branch a handle in the arguments names. */
export interface Named {
  readonly storeId: unknown;
  readonly branch: string;
}

function idText(id: unknown): string {
  return id instanceof Uuid ? id.str : String(id);
}

function handleKey(storeId: unknown, branch: string): string {
  return `${idText(storeId)}|${branch}`;
}

/** The stores and branches the handles in decoded arguments name (in arrays and maps too). */
export function namedStores(x: unknown, out: Named[] = [], depth = 0): Named[] {
  if (depth > 64) return out;
  if (x instanceof ConnectionHandle || x instanceof DbHandle)
    out.push({ storeId: x.storeId, branch: x.branch.fqn });
  else if (
    x instanceof HistoricalDbHandle ||
    x instanceof AsOfDbHandle ||
    x instanceof SinceDbHandle
  )
    namedStores(x.origin, out, depth + 1);
  else if (x instanceof EntityHandle) namedStores(x.db, out, depth + 1);
  else if (Array.isArray(x)) for (const y of x) namedStores(y, out, depth + 1);
  else if (x instanceof Map) for (const y of x.values()) namedStores(y, out, depth + 1);
  return out;
}

export class Isolation {
  private readonly info = new WeakMap<Connection, StoreInfo>();
  /** Uses of each connection, per principal. */
  private readonly uses = new WeakMap<Connection, Map<string, number>>();
  /** Handles whose database was deleted: the error they get instead of a bare not-found. */
  private readonly deleted = new Map<string, string>();

  constructor(private readonly handles: ServerHandles) {}

  infoOf(conn: Connection): StoreInfo | undefined {
    return this.info.get(conn);
  }

  /** The database names the handles in decoded arguments stand for (for the rights check). */
  namesIn(raw: unknown): string[] {
    const names: string[] = [];
    for (const n of namedStores(raw)) {
      const conn = this.handles.find(n.storeId, n.branch);
      if (conn === undefined) {
        const note = this.deleted.get(handleKey(n.storeId, n.branch));
        if (note !== undefined)
          throw new DatahikeError('connection/not-found', note, {
            storeId: idText(n.storeId),
            branch: n.branch,
          });
        continue;
      }
      const info = this.info.get(conn);
      if (info !== undefined) names.push(info.name);
    }
    return names;
  }

  /** Refuses a connect whose id names another store here, or that names an open store by another id. */
  checkConnect(c: Confined): void {
    const id = c.normalised.store.id;
    for (const conn of this.handles.all()) {
      if (conn.isReleased) continue;
      const info = this.info.get(conn);
      if (info === undefined) continue;
      const sameId = conn.config.store.id === id;
      if (sameId && info.identity !== c.identity)
        throw new DatahikeError(
          'config/mismatch',
          `The store :id ${JSON.stringify(id)} already names another store on this server: give this store another :id.`,
          { id },
        );
      if (!sameId && info.identity === c.identity)
        throw new DatahikeError(
          'config/mismatch',
          `This store is open on this server under the :id ${JSON.stringify(conn.config.store.id)}: connect with that :id.`,
          { id },
        );
    }
  }

  connected(conn: Connection, c: Confined, principal: string): void {
    this.info.set(conn, { identity: c.identity, name: c.name });
    let uses = this.uses.get(conn);
    if (uses === undefined) this.uses.set(conn, (uses = new Map()));
    uses.set(principal, (uses.get(principal) ?? 0) + 1);
    this.deleted.delete(handleKey(conn.config.store.id, conn.config.branch.fqn));
  }

  /** How many uses of `conn` this principal's release gives back (0: it took none). */
  releases(conn: Connection, principal: string, all: boolean): number {
    const uses = this.uses.get(conn);
    const mine = uses?.get(principal) ?? 0;
    const n = all ? mine : Math.min(mine, 1);
    if (n > 0) uses!.set(principal, mine - n);
    return n;
  }

  /** The open connections to the store a delete-database names. */
  openOn(c: Confined): Connection[] {
    return this.handles
      .all()
      .filter((conn) => !conn.isReleased && this.info.get(conn)?.identity === c.identity);
  }

  /** After a delete: the handles of these connections get a clear error from now on. */
  deletedUnder(conns: readonly Connection[]): void {
    for (const conn of conns) {
      this.handles.forget(conn);
      if (this.deleted.size >= DELETED_KEPT) this.deleted.delete(this.deleted.keys().next().value!);
      this.deleted.set(
        handleKey(conn.config.store.id, conn.config.branch.fqn),
        `The database behind this connection (store ${JSON.stringify(conn.config.store.id)}, branch :${conn.config.branch.fqn}) was deleted with delete-database; connect again once it is created anew.`,
      );
    }
  }
}
