/**
 * datahike-ts: a durable Datalog database for TypeScript, following Datahike's model.
 * Everything a program needs is exported from here.
 *
 * The package's API is composed here, from the api layer and the client's parts: the
 * remote peer's route for configs with `:remote-peer`, and the writer on a server for
 * configs with `:writer {:backend :datahike-server …}`, sharing one set of peers.
 */
import { type ApiParts, createApi } from './api/index.js';
import { Peers, remotePeerRoute, serverWriters } from './client/index.js';

const peers = new Peers();
const parts: ApiParts = { writers: [serverWriters(peers)], configRoutes: [remotePeerRoute(peers)] };
const api = createApi(parts);

// Only the public API: the functions below, their types, and the values they hand out.
export type {
  Api,
  Config,
  Connection,
  Database,
  DatabaseConfig,
  Datom,
  DatomObject,
  Db,
  DbView,
  IndexKeyword,
  LogEntry,
  Metrics,
  PullPattern,
  QueryArgs,
  QueryInput,
  Schema,
  TimePoint,
  TransactArg,
  Transaction,
  TransactionReport,
  TxData,
} from './api/index.js';
export { EntityView } from './api/index.js';
export { RemoteConnection, RemoteDb, RemoteEntity } from './client/index.js';
export { DatahikeError, isDatahikeError, Keyword, keyword, Uuid } from './values/index.js';

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
  isPromise,
  randomUuid,
  uuid,
} = api;
