export { type DatomObject, toExternal, toInternal } from './convert.js';
export { type RemoteDispatcher, registerRemote } from './dispatch.js';
export { EntityView } from './entity.js';
export * from './functions.js';
export { type InternalApi, internalApi } from './internal.js';
export { API, type ApiEntry, type ArgKind, apiEntry } from './specification.js';
