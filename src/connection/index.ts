export { DurableBranch, LiveBranch } from './branches.js';
export {
  configToData,
  connectionKey,
  type DatabaseConfig,
  KEY as CONFIG_KEYS,
  normaliseConfig,
  type StoreConfig,
} from './config.js';
export { type Branch, Connection, type Listener } from './connection.js';
export { connect, createDatabase, databaseExists, deleteDatabase, release } from './databases.js';
export { collectGarbage, type GcOptions, type GcResult } from './gc.js';
export {
  type RemoteCommit,
  type RemoteWriter,
  type RemoteWriterFactory,
  registerRemoteWriter,
} from './remote-writer.js';
