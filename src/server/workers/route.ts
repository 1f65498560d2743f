/**
 * Which reads go to the workers: those whose databases all live in durable stores (a
 * worker opens them as a reader of the store). Memory stores live in the server's own
 * heap, so reads of them stay on the event loop with the engine's cooperative limits.
 */

import type { Connection } from '../../connection/index.js';
import { DurableBranch } from '../../connection/index.js';
import { printEdn } from '../../edn/index.js';
import { keyword } from '../../values/index.js';
import {
  AsOfDbHandle,
  ConnectionHandle,
  DbHandle,
  EntityHandle,
  HistoricalDbHandle,
  SinceDbHandle,
} from '../../wire/index.js';
import type { ServerHandles } from '../handles.js';

const WRITER = keyword('writer');

/** The config each connection was opened with (EDN), for workers to open it too. */
export class ConnectionConfigs {
  private readonly byConnection = new WeakMap<Connection, string>();

  /** Notes a connection's config, without its `:writer`: a worker only reads the store. */
  note(conn: Connection, config: unknown): void {
    const reader =
      config instanceof Map ? new Map([...config].filter(([k]) => k !== WRITER)) : config;
    this.byConnection.set(conn, printEdn(reader));
  }

  of(conn: Connection): string | undefined {
    return this.byConnection.get(conn);
  }
}

/**
 * The configs of the connections behind the database handles among decoded arguments
 * (each keyed by itself); undefined when the read must stay here (no database handle,
 * a connection handle, a memory store, or a connection opened before its config was noted).
 */
export function workerTargets(
  raw: readonly unknown[],
  handles: ServerHandles,
  configs: ConnectionConfigs,
): [string, string][] | undefined {
  const found = new Map<string, string>();
  let local = false;
  const visit = (x: unknown, depth: number): void => {
    if (local || depth > 4) return;
    if (x instanceof ConnectionHandle) local = true;
    else if (x instanceof DbHandle) {
      const conn = handles.find(x.storeId, x.branch.fqn);
      const edn = conn === undefined ? undefined : configs.of(conn);
      if (conn === undefined || edn === undefined || !(conn.branch instanceof DurableBranch))
        local = true;
      else found.set(edn, edn);
    } else if (
      x instanceof HistoricalDbHandle ||
      x instanceof AsOfDbHandle ||
      x instanceof SinceDbHandle
    )
      visit(x.origin, depth + 1);
    else if (x instanceof EntityHandle) visit(x.db, depth + 1);
    else if (Array.isArray(x)) for (const y of x) visit(y, depth + 1);
    else if (x instanceof Map) for (const y of x.values()) visit(y, depth + 1);
  };
  visit(raw, 0);
  return local || found.size === 0 ? undefined : [...found];
}
