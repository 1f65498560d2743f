export { Entity, entity } from './entity.js';
