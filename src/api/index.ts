export { type ApiParts, composeApi } from './compose.js';
export { type DatomObject, toExternal, toInternal } from './convert.js';
export { EntityView } from './entity.js';
export * from './functions.js';
export { type InternalApi, internalApi } from './internal.js';
export { type ConfigRoute, isRemote, type Remote, RUN_REMOTELY } from './remote.js';
export {
  API,
  type ApiEntry,
  type ArgKind,
  apiEntry,
  commandName,
  positionsOf,
  type ReturnKind,
  type Right,
  routePath,
} from './specification.js';
export * from './typed-api.js';
export * from './typed-config.js';
export type { PullResult } from './typed-pull.js';
export type { QueryResult } from './typed-query.js';
export * from './typed-schema.js';
