export { AGGREGATES, BUILTINS } from './builtins.js';
export type { PlanStep } from './context.js';
export { explainQuery, type QueryOptions, type QueryResult, runQuery } from './query.js';
