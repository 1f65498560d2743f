/**
 * What a remote peer hands to the program: light pointers to a server's connections and
 * databases. They hold the handle the server sent and the peer to send it back to; they
 * are the api layer's `Remote` objects, so every API function given one runs on that server.
 */

import { type Remote, RUN_REMOTELY } from '../api/remote.js';
import type { ConnectionHandle, Handle } from '../wire/index.js';
import type { RemotePeer } from './peer.js';

export class RemoteConnection implements Remote {
  constructor(
    readonly peer: RemotePeer,
    readonly handle: ConnectionHandle,
  ) {}

  [RUN_REMOTELY](jsName: string, args: readonly unknown[]): Promise<unknown> {
    return this.peer.run(jsName, args);
  }
}

/** A database on the server: one commit (`db`), or a view of one (as-of, since, history). */
export class RemoteDb implements Remote {
  constructor(
    readonly peer: RemotePeer,
    /** A DB handle, or a view handle whose origin is the RemoteDb of its database. */
    readonly handle: Handle,
  ) {}

  [RUN_REMOTELY](jsName: string, args: readonly unknown[]): Promise<unknown> {
    return this.peer.run(jsName, args);
  }

  /** The commit's max tx, as a local database value has it. */
  get maxTx(): number | undefined {
    const h = this.handle as { maxTx?: number; origin?: RemoteDb };
    return h.maxTx ?? h.origin?.maxTx;
  }

  get maxEid(): number | undefined {
    const h = this.handle as { maxEid?: number; origin?: RemoteDb };
    return h.maxEid ?? h.origin?.maxEid;
  }
}

/**
 * An entity on the server, as `entity(remoteDb, eid)` returns it: the attributes the server
 * sent (`get`, `keys`, `toJSON` as on a local entity), references as `{ 'db/id': e }`.
 */
export class RemoteEntity implements Remote {
  constructor(
    readonly db: RemoteDb,
    readonly id: number,
    private readonly attrs: ReadonlyMap<string, unknown>,
  ) {}

  [RUN_REMOTELY](jsName: string, args: readonly unknown[]): Promise<unknown> {
    return this.db.peer.run(jsName, args);
  }

  get(attr: string): unknown {
    return this.attrs.get(attr.replace(/^:/, ''));
  }

  keys(): string[] {
    return [...this.attrs.keys()].map((k) => `:${k}`);
  }

  toJSON(): Record<string, unknown> {
    return { 'db/id': this.id, ...Object.fromEntries(this.attrs) };
  }
}
