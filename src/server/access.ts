/**
 * What the server checks around each API call, in one place: the store a config names is
 * confined by the policy, the caller's credential must hold the function's right on every
 * database the call names, connects and releases are counted per credential, and a delete
 * leaves the other clients' handles a clear error. `app.ts` calls `admit` before resolving
 * the arguments and `finish` after the call.
 */

import { type ApiEntry, internalApi } from '../api/index.js';
import { Connection } from '../connection/index.js';
import { checkRight, type Principal, type Right } from './auth.js';
import type { ServerHandles } from './handles.js';
import { Isolation } from './isolation.js';
import { asGivenAnswer, type Confined, StorePolicy, type StoresConfig } from './store-policy.js';

export interface Admitted {
  /** The arguments, configs replaced by the confined ones. */
  readonly args: unknown[];
  readonly confined: Confined | undefined;
  /** The connections on the store a delete-database removes (their handles then say so). */
  readonly deleting: readonly Connection[];
}

/** Positions where some arity of the entry takes a config. */
function configPositions(entry: ApiEntry): number[] {
  const at = new Set<number>();
  for (const arity of entry.args)
    for (let i = 0; i < arity.length; i++) if (arity[i] === 'config') at.add(i);
  return [...at];
}

export class Access {
  readonly policy: StorePolicy;
  readonly isolation: Isolation;

  constructor(stores: StoresConfig, handles: ServerHandles) {
    this.policy = new StorePolicy(stores);
    this.isolation = new Isolation(handles);
  }

  /** Checks a call before anything runs; `raw` is the decoded argument list (handles unresolved). */
  admit(entry: ApiEntry, raw: unknown[], principal: Principal, right: Right): Admitted {
    const args = [...raw];
    let confined: Confined | undefined;
    for (const i of configPositions(entry)) {
      // A config left out (an arity without it) is the empty one: a memory store.
      if (i > args.length) continue;
      confined = this.policy.confine(args[i]);
      args[i] = confined.config;
    }
    const names = confined !== undefined ? [confined.name] : this.isolation.namesIn(raw);
    checkRight(principal, right, names, entry.name);
    if (confined === undefined) return { args, confined, deleting: [] };
    if (entry.lifecycle === 'open') this.isolation.checkConnect(confined);
    const deleting = entry.lifecycle === 'delete' ? this.isolation.openOn(confined) : [];
    return { args, confined, deleting };
  }

  /** `/listen` on a connection needs the read right on its database. */
  admitListen(raw: unknown, principal: Principal, route: string): void {
    checkRight(principal, 'read', this.isolation.namesIn(raw), route);
  }

  /**
   * Runs the call: a release gives back only the uses this credential took (another
   * client's handle keeps working), anything else runs as it is.
   */
  async run(
    entry: ApiEntry,
    fn: (...a: unknown[]) => Promise<unknown>,
    args: unknown[],
    principal: Principal,
  ): Promise<unknown> {
    if (entry.lifecycle !== 'release' || !(args[0] instanceof Connection)) return fn(...args);
    const conn = args[0];
    const n = this.isolation.releases(conn, principal.id, args[1] === true);
    for (let i = 0; i < n && !conn.isReleased; i++) await internalApi.release(conn);
    return null;
  }

  /** After the call: notes a connect, marks what a delete removed; the answer to send. */
  finish(admitted: Admitted, result: unknown, principal: Principal): unknown {
    const { confined } = admitted;
    if (confined === undefined) return result;
    if (result instanceof Connection) this.isolation.connected(result, confined, principal.id);
    if (admitted.deleting.length > 0) this.isolation.deletedUnder(admitted.deleting);
    return asGivenAnswer(result, confined);
  }
}
