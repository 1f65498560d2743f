export { AGGREGATES, BUILTINS } from './builtins.js';
export type { PlanStep } from './engine.js';
export { parseFind, parseQuery, parseRuleSet, type Query } from './parse.js';
export {
  explainQuery,
  type PullFn,
  type QueryOptions,
  type QueryResult,
  runQuery,
} from './query.js';
