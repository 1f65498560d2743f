export { AGGREGATES, BUILTINS } from './builtins.js';
export type { PlanStep } from './context.js';
export { parseFind, parseQuery, parseRuleSet, type Query } from './parse.js';
export {
  explainQuery,
  type PullFn,
  type QueryOptions,
  type QueryResult,
  runQuery,
} from './query.js';
