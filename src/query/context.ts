/**
 * What every phase of a running query reads: its sources, scalar inputs, rules, deadline
 * and plan statistics, and the helpers to reach a source and to fail with a query error.
 */

import { DbView } from '../db/index.js';
import { DatahikeError, type ErrorCode, type ReadBudget } from '../values/index.js';
import type { Clause } from './parse.js';
import type { Tick } from './relation.js';
import type { RuleState } from './rule-state.js';

/** One clause as the planner ran it (queryStats, explain). */
export interface PlanStep {
  readonly clause: string;
  readonly estimate: number | null;
  rows: number;
  ms: number;
}

export interface QueryContext {
  /** The sources (`$`, `$2`, …) by name. */
  readonly sources: ReadonlyMap<string, unknown>;
  /** The source a clause without one reads: `$`, or the one named by `($2 not ...)`. */
  readonly defaultSrc: string;
  /**
   * Scalar inputs by name (`?min`, a plain symbol `pattern`): constants wherever the query
   * names them, functions among them. Empty inside rule bodies, whose variables are their own.
   */
  readonly scalars: ReadonlyMap<string, unknown>;
  /** Runs a query nested in a function clause, `[(q [:find ...] $) ?r]`. */
  readonly nestedQuery: (query: unknown, inputs: unknown[]) => unknown;
  /** The rules and their evaluation state, shared by every rule call of the query. */
  readonly rules: RuleState;
  readonly deadline: number;
  /** What the read this query belongs to may still spend (rows made, time), if it has a budget. */
  readonly budget: ReadBudget | undefined;
  /** Filled when statistics or a plan are asked for. */
  readonly plan: PlanStep[] | null;
  /** During bottom-up rule evaluation: the answers each rule call clause reads. */
  readonly ruleRows?: ReadonlyMap<Clause, readonly unknown[][]>;
}

/** Throws a query error (`query/...` codes). */
export function fail(code: ErrorCode, message: string, data: Record<string, unknown> = {}): never {
  throw new DatahikeError(code, message, data);
}

/** Stops the query with `query/timeout` once its deadline (or its read's) has passed. */
export function checkDeadline(ctx: QueryContext): void {
  if (Date.now() >= ctx.deadline)
    fail('query/timeout', 'Query timed out: it ran longer than its timeout.', {});
  ctx.budget?.check();
}

export function isDb(x: unknown): x is DbView {
  return x instanceof DbView;
}

/** The source a clause reads: its own, else the default one; it must be an input. */
export function source(ctx: QueryContext, name: string | null): unknown {
  const n = name ?? ctx.defaultSrc;
  if (!ctx.sources.has(n))
    fail('query/unknown-source', `Where uses unknown source ${n}: bind it in :in.`, { source: n });
  return ctx.sources.get(n);
}

/** The context for clauses that read `src` by default (`($2 not ...)`, `($2 rule ...)`). */
export function withDefaultSrc(ctx: QueryContext, src: string | null): QueryContext {
  if (src === null || src === ctx.defaultSrc) return ctx;
  source(ctx, src);
  return { ...ctx, defaultSrc: src };
}

/**
 * A tick for long loops (see `Tick`): spends the rows made from the read's budget and
 * checks the deadline.
 */
export function ticker(ctx: QueryContext): Tick {
  return (made) => {
    if (made > 0) ctx.budget?.spend(made);
    checkDeadline(ctx);
  };
}

/**
 * For a loop that makes rows: call it on each turn with the number of rows made so far;
 * now and then it spends the new ones from the read's budget and checks the deadline.
 */
export function rowMeter(ctx: QueryContext): (made: number) => void {
  let turns = 0;
  let spent = 0;
  return (made) => {
    if (++turns < 1024 && made - spent < 4096) return;
    turns = 0;
    if (made > spent) ctx.budget?.spend(made - spent);
    spent = made;
    checkDeadline(ctx);
  };
}
