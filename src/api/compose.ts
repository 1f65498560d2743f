/**
 * The API as a program composes it from its parts, with nothing registered on import:
 * the kinds of writer elsewhere its databases may name (`:writer`) and the routes for
 * configs that name a server (`:remote-peer`). The package entry (src/index.ts) and the
 * CLI pass the client's; `internalApi` (internal.ts) is the API with neither.
 */

import type { WriterFactory } from '../connection/index.js';
import { type InternalApi, localApi } from './internal.js';
import { type ConfigRoute, elsewhere } from './remote.js';

export interface ApiParts {
  /** Makers of the writers a config's `:writer` may name (the client's: `:datahike-server`). */
  readonly writers?: readonly WriterFactory[];
  /** Routes for calls on configs that run elsewhere (the client's: `:remote-peer`). */
  readonly configRoutes?: readonly ConfigRoute[];
}

/**
 * The API on internal values (see internal.ts): a call on a remote connection, database or
 * entity runs where it lives, one on a config a route claims runs there, any other here.
 */
export function composeApi(parts: ApiParts = {}): InternalApi {
  const routes = parts.configRoutes ?? [];
  const local = localApi(parts.writers ?? []);
  return Object.fromEntries(
    Object.entries(local).map(([name, f]) => {
      const remotely = elsewhere(name, routes);
      const here = f as (...args: unknown[]) => Promise<unknown>;
      return [name, (...args: unknown[]) => remotely(args) ?? here(...args)];
    }),
  ) as unknown as InternalApi;
}
