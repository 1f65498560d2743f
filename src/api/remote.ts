/**
 * Calls that run on a server instead of here, decided by the objects a call is given:
 * - a connection, database or entity that lives on a server (the client's RemoteConnection,
 *   RemoteDb and RemoteEntity) implements `Remote`: a call on one runs where it lives;
 * - a config naming a server (`:remote-peer`) is claimed by a `ConfigRoute`, which the
 *   program passes in where it composes the API (the client offers one; see compose.ts).
 * Which argument a call is "on" follows the specification table: its first argument, the
 * inputs of a query, a config. Browser-safe: only the table and values are used.
 */

import { isKeyword } from '../values/index.js';
import { type ArgKind, apiEntry } from './specification.js';

/** The method by which an object living elsewhere runs calls on itself. */
export const RUN_REMOTELY: unique symbol = Symbol('datahike-ts.runRemotely');

export interface Remote {
  /**
   * Runs the API function `jsName` with these arguments (as the caller gave them) where
   * this object lives; resolves with the result in internal values.
   */
  [RUN_REMOTELY](jsName: string, args: readonly unknown[]): Promise<unknown>;
}

export function isRemote(x: unknown): x is Remote {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Partial<Remote>)[RUN_REMOTELY] === 'function'
  );
}

/** Takes the calls on configs that name somewhere else to run them (`:remote-peer`). */
export interface ConfigRoute {
  /** Whether calls on this config (an object, a Map or EDN text, as given) run elsewhere. */
  claims(config: unknown): boolean;
  /** Runs the call elsewhere; resolves with the result in internal values. */
  call(jsName: string, args: readonly unknown[]): Promise<unknown>;
}

/** A query's inputs: after the query, or in `{ query, args }` (an object or a keyword Map). */
function queryInputs(args: readonly unknown[]): readonly unknown[] {
  const first = args[0];
  let inArgMap: unknown;
  if (first instanceof Map) {
    for (const [k, v] of first) if (isKeyword(k) && k.fqn === 'args') inArgMap = v;
  } else if (first !== null && typeof first === 'object' && !Array.isArray(first))
    inArgMap = (first as { args?: unknown }).args;
  return Array.isArray(inArgMap) ? [...inArgMap, ...args.slice(1)] : args.slice(1);
}

/**
 * Decides, for calls of `jsName`, whether a call runs elsewhere: the function gives the
 * promise of its result there (internal values), or undefined when it runs here.
 */
export function elsewhere(
  jsName: string,
  routes: readonly ConfigRoute[],
): (args: readonly unknown[]) => Promise<unknown> | undefined {
  const kinds = new Set<ArgKind | undefined>(apiEntry(jsName)?.args.map((arity) => arity[0]));
  if (kinds.has('query'))
    return (args) => queryInputs(args).find(isRemote)?.[RUN_REMOTELY](jsName, args);
  const onConfig = kinds.has('config') && routes.length > 0;
  return (args) => {
    const first = args[0];
    if (isRemote(first)) return first[RUN_REMOTELY](jsName, args);
    if (!onConfig) return undefined;
    return routes.find((r) => r.claims(first))?.call(jsName, args);
  };
}
