/**
 * datahike-ts: a durable Datalog database for TypeScript, following Datahike's model.
 * Everything a program needs is exported from here.
 */
export * from './api/index.js';
export { RemoteConnection, RemoteDb, RemoteEntity } from './client/index.js';
export { DatahikeError, isDatahikeError, Keyword, keyword, Uuid } from './values/index.js';
