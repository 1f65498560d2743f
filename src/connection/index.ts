export { DurableBranch, LiveBranch } from './branches.js';
export {
  configToData,
  connectionKey,
  type DatabaseConfig,
  KEY as CONFIG_KEYS,
  normaliseConfig,
  type StoreConfig,
} from './config.js';
export { type Branch, Connection, type ConnectionOptions, type Listener } from './connection.js';
export { connect, createDatabase, databaseExists, deleteDatabase, release } from './databases.js';
export { collectGarbage, type GcOptions, type GcResult } from './gc.js';
export type { LogEntry } from './log.js';
export { type VerifyResult, verifyBranch } from './verify.js';
export {
  branchHistory,
  branchNames,
  type CommitRef,
  commitDbAnywhere,
  commonAncestor,
  connectionOf,
  createBranch,
  forceBranch,
  removeBranch,
  resolveParents,
} from './versioning.js';
export type {
  DatabaseWriter,
  GcSummary,
  Writer,
  WriterContext,
  WriterFactory,
} from './writer.js';
