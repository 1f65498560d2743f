/**
 * Where a call runs: locally, or on a server when its arguments say so (a remote
 * connection or database, a config with `remote-peer`). The api layer cannot import the
 * client (layers import downwards), so the client registers itself here; the public
 * functions call `dispatchedApi`, which asks each registered dispatcher first.
 */

import { type InternalApi, internalApi } from './internal.js';

export interface RemoteDispatcher {
  /** True when these arguments belong to this dispatcher's remote objects or configs. */
  claims(args: readonly unknown[]): boolean;
  /** Runs the function (by its `jsName`) remotely; the result in internal values. */
  call(jsName: string, args: unknown[]): Promise<unknown>;
}

const dispatchers: RemoteDispatcher[] = [];

export function registerRemote(d: RemoteDispatcher): void {
  if (!dispatchers.includes(d)) dispatchers.push(d);
}

/** Whether a registered dispatcher takes a call with these arguments (it runs remotely). */
export function isRemoteCall(args: readonly unknown[]): boolean {
  return dispatchers.some((d) => d.claims(args));
}

/** `internalApi`, each function first offered to the registered dispatchers. */
export const dispatchedApi = Object.fromEntries(
  Object.entries(internalApi).map(([name, f]) => [
    name,
    (...args: unknown[]) => {
      for (const d of dispatchers) if (d.claims(args)) return d.call(name, args);
      return (f as (...a: unknown[]) => Promise<unknown>)(...args);
    },
  ]),
) as unknown as InternalApi;
