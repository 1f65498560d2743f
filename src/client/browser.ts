/**
 * The remote peer for the browser (and any other runtime without Node's modules): every
 * remote-capable function of the API table, by its JavaScript name, with the package's own
 * public conventions, running on a datahike server. Bundle it with any bundler:
 *
 *   import { api } from 'datahike-ts/browser';
 *   const conn = await api.connect({ store: {…}, 'remote-peer': { backend: ':datahike-server', url } });
 */

import { datomToObject, toExternal } from '../api/convert.js';
import { isPromise, randomUuid, uuid } from '../api/extras.js';
import { elsewhere } from '../api/remote.js';
import { API } from '../api/specification.js';
import type {
  ConfigArg,
  CreatedConfig,
  TransactionReport as ReportOf,
  TypedApi,
} from '../api/typed-api.js';
import type { ConfigInput } from '../api/typed-config.js';
import type { SchemaOf, WithSchema } from '../api/typed-schema.js';
import type { Datom } from '../index/datom.js';
import { DatahikeError, isKeyword } from '../values/index.js';
import { isTxReport } from '../wire/index.js';
import { Peers } from './peers.js';
import type { RemoteConnection, RemoteDb, RemoteEntity } from './proxies.js';
import { remotePeerRoute } from './remote.js';

export { isPromise, randomUuid, uuid } from '../api/extras.js';
export type { CreatedConfig, Tempids, TypedEntity } from '../api/typed-api.js';
export type {
  Config,
  DatabaseConfig,
  ServerPeerConfig,
  StoreConfig,
} from '../api/typed-config.js';
export type { PullResult } from '../api/typed-pull.js';
export type { QueryResult } from '../api/typed-query.js';
export type { SchemaOf, SchemaSpec, SchemaTx, Untyped } from '../api/typed-schema.js';
export { defineSchema } from '../api/typed-schema.js';
export type { ErrorCode } from '../values/index.js';
export { RemoteConnection, RemoteDb, RemoteEntity } from './proxies.js';

/** A transaction report: here its databases are on the server. */
export type TransactionReport<D = RemoteDb> = ReportOf<D>;

/** The API's functions that run only in the process that calls them: not here. */
type LocalOnly =
  | 'withDb'
  | 'dbWith'
  | 'initDb'
  | 'filter'
  | 'tempid'
  | 'datahikeVersion'
  | 'reports';

/** Configs here must name the server: `remote-peer`. */
type RemoteConfigArg<C> = ConfigArg<C> & { 'remote-peer': object };

/**
 * The remote peer's functions, typed as the package's (api/typed-api.ts) on remote objects,
 * with configs that name a server; every other name is a type error.
 */
export type BrowserApi = Omit<
  TypedApi<{ conn: RemoteConnection; db: RemoteDb; entity: RemoteEntity }>,
  LocalOnly | 'createDatabase' | 'deleteDatabase' | 'databaseExists' | 'connect'
> & {
  createDatabase<const C extends ConfigInput>(cfg: RemoteConfigArg<C>): Promise<CreatedConfig<C>>;
  deleteDatabase<const C extends ConfigInput>(cfg: RemoteConfigArg<C>): Promise<null>;
  databaseExists<const C extends ConfigInput>(cfg: RemoteConfigArg<C>): Promise<boolean>;
  connect<const C extends ConfigInput>(
    cfg: RemoteConfigArg<C>,
  ): Promise<
    RemoteConnection & WithSchema<C extends { 'initial-tx': infer T } ? SchemaOf<T> : SchemaOf<C>>
  >;
};

/** A result in public form; reports as the package's transaction reports. */
function toPublic(x: unknown): unknown {
  if (!isTxReport(x)) return toExternal(x);
  const tempids: Record<string, number> = {};
  for (const [k, v] of x.tempids) tempids[isKeyword(k) ? k.fqn : String(k)] = v as number;
  return {
    'db-before': x.dbBefore,
    'db-after': x.dbAfter,
    'tx-data': (x.txData as Datom[]).map(datomToObject),
    tempids,
    'tx-meta': toExternal(x.txMeta),
  };
}

// The parts of this entry: the remote peer's route for configs, with its own peers.
const routes = [remotePeerRoute(new Peers())];

/** The function run where its remote objects or its config say: nothing runs here. */
function remotely(jsName: string): (args: unknown[]) => Promise<unknown> {
  const where = elsewhere(jsName, routes);
  return async (args) => {
    const answer = where(args);
    if (answer === undefined)
      throw new DatahikeError(
        'client/not-remote',
        `${jsName} runs on a server here: give it a remote connection or database, or a config with :remote-peer.`,
        { function: jsName },
      );
    return answer;
  };
}

/** The callbacks given to `listen`, by the wrappers registered for them. */
const listenerOf = new WeakMap<object, unknown>();

/**
 * The remote functions by their JavaScript names (`q`, `pull`, `transact`, `listen`, …), and
 * the synchronous extras `randomUuid`, `uuid` and `isPromise`.
 */
export const api: Readonly<BrowserApi> = Object.fromEntries([
  ...API.filter((e) => e.remote).map((e) => {
    const run = remotely(e.jsName);
    return [e.jsName, async (...args: unknown[]) => toPublic(await run(args))];
  }),
  [
    'listen',
    async (conn: unknown, keyOrCb: unknown, cb?: unknown) => {
      const f = (cb ?? keyOrCb) as (r: unknown) => void;
      const wrapped = (r: unknown) => f(toPublic(r));
      listenerOf.set(wrapped, f);
      return remotely('listen')(cb === undefined ? [conn, wrapped] : [conn, keyOrCb, wrapped]);
    },
  ],
  [
    'unlisten',
    // The listeners left, by key (a keyword key without its colon), as Datahike's package.
    async (conn: unknown, key: unknown) => {
      const left = (await remotely('unlisten')([conn, key])) as Map<unknown, object>;
      return Object.fromEntries(
        [...left].map(([k, f]) => [String(k).replace(/^:/, ''), listenerOf.get(f) ?? f]),
      );
    },
  ],
  ['randomUuid', randomUuid],
  ['uuid', uuid],
  ['isPromise', isPromise],
]) as never;
