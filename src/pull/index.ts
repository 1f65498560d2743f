export { Entity, entity } from './entity.js';
export { type PullSpec, parsePullPattern, pull, pullMany } from './pull.js';
