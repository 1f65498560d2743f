/**
 * datahike-ts: a durable Datalog database for TypeScript, following Datahike's model.
 * Everything a program needs is exported from here.
 *
 * The package's API is composed here, from the api layer and the client's parts: the
 * remote peer's route for configs with `:remote-peer`, and the writer on a server for
 * configs with `:writer {:backend :datahike-server …}`, sharing one set of peers.
 */
import {
  type ApiParts,
  type ConnectionOf,
  createApi,
  type DatabaseOf,
  type TransactionReport as ReportOf,
  type SpecOf,
  type TypedApi,
  type Untyped,
  type WithSchema,
} from './api/index.js';
import {
  Peers,
  type RemoteConnection,
  type RemoteDb,
  type RemoteEntity,
  remotePeerRoute,
  serverWriters,
} from './client/index.js';
import type { Connection as LocalConnectionClass } from './connection/index.js';

const peers = new Peers();
const parts: ApiParts = { writers: [serverWriters(peers)], configRoutes: [remotePeerRoute(peers)] };

/** The objects of this package that live on a server. */
interface Remotes {
  conn: RemoteConnection;
  db: RemoteDb;
  entity: RemoteEntity;
}

/** The public API's functions, typed (api/typed-api.ts) with this package's remote objects. */
export type Api = TypedApi<Remotes>;
const api: Api = createApi(parts) as unknown as Api;

/**
 * A connection, local or on a server (`Connection<typeof schema>` for one typed by a
 * `defineSchema` schema). `connect` gives the kind its config names.
 */
export type Connection<S = Untyped> = ConnectionOf<Remotes, SpecOf<S>>;
/** A database value: the current one, or an as-of, since, history or filtered view. */
export type Database<S = Untyped> = DatabaseOf<Remotes, SpecOf<S>>;
/** A transaction report; `D` the kind of database value its connection gives. */
export type TransactionReport<D = Database> = ReportOf<D>;
/** A connection in this process: what `connect` gives for a config without `remote-peer`. */
export type LocalConnection<S = Untyped> = LocalConnectionClass & WithSchema<SpecOf<S>>;

// Only the public API: the functions below, their types, and the values they hand out.
export type {
  AttributeSpec,
  Config,
  CreatedConfig,
  DatabaseConfig,
  Datom,
  DatomObject,
  Db,
  DbView,
  FileStoreConfig,
  IndexKeyword,
  LogEntry,
  MemoryStoreConfig,
  Metrics,
  PostgresStoreConfig,
  PullPattern,
  PullResult,
  QueryArgs,
  QueryInput,
  QueryResult,
  S3StoreConfig,
  Schema,
  SchemaOf,
  SchemaSpec,
  SchemaTx,
  ServerPeerConfig,
  SqliteStoreConfig,
  StoreConfig,
  Tempids,
  TimePoint,
  TransactArg,
  Transaction,
  TxData,
  TxEntity,
  TxForm,
  Typed,
  TypedEntity,
  Untyped,
} from './api/index.js';
export { defineSchema, EntityView } from './api/index.js';
export { RemoteConnection, RemoteDb, RemoteEntity } from './client/index.js';
export {
  DatahikeError,
  type ErrorCode,
  isDatahikeError,
  Keyword,
  keyword,
  Uuid,
} from './values/index.js';

export const {
  createDatabase,
  deleteDatabase,
  databaseExists,
  connect,
  release,
  db,
  transact,
  loadEntities,
  listen,
  unlisten,
  asOf,
  since,
  history,
  filter,
  isFiltered,
  withDb,
  initDb,
  dbWith,
  datoms,
  seekDatoms,
  rseekDatoms,
  indexRange,
  entity,
  entityDb,
  schema,
  reverseSchema,
  commitAsDb,
  branchAsDb,
  gcStorage,
  commitId,
  parentCommitIds,
  metrics,
  q,
  queryStats,
  explain,
  pull,
  pullMany,
  tempid,
  datahikeVersion,
  txRange,
  reports,
  indexPull,
  branches,
  branch,
  deleteBranch,
  forceBranch,
  mergeDb,
  branchHistory,
  diff,
  commonAncestor,
  verifyCommits,
  isPromise,
  randomUuid,
  uuid,
} = api;
