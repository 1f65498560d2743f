/**
 * What rule evaluation keeps for one query, shared by every rule call in it (the context
 * carries it; a nested query has its own): the rules, the tables of top-down calls, the
 * rounds of their fixpoint, and the whole relations bottom-up evaluation found.
 */

import type { Clause, RuleBranch } from './parse.js';
import type { LinearPlan } from './rules-linear.js';

/** A top-down table: one per source, rule and which arguments are bound. */
export interface RuleTable {
  /** Answers (full head tuples, by their key) per input (the bound arguments' values). */
  readonly answers: Map<unknown, Map<unknown, Answer>>;
  /** The round in which each input was last evaluated. */
  readonly evaluated: Map<unknown, number>;
  readonly inProgress: Set<unknown>;
}

/** An answer of a rule call, with the round that found it. */
export interface Answer {
  readonly row: unknown[];
  readonly round: number;
}

/** Where the fixpoint of top-down calls stands. */
export interface RuleRounds {
  round: number;
  grew: boolean;
  /** Some call read the partial answers of an input still being evaluated. */
  cycle: boolean;
  depth: number;
  /** Calls too deep to evaluate on the stack: the outermost call evaluates them after its own. */
  deferred: (() => void)[];
}

export interface RuleState {
  /** The rules passed in, by name: each a list of branches. */
  readonly branches: ReadonlyMap<string, RuleBranch[]>;
  /**
   * Every rule body calls at most one rule, outside not/or: then a call on an input still
   * being evaluated needs only the answers new since the last round (semi-naive).
   */
  readonly linear: boolean;
  /** Top-down tables, by source, rule and binding mask. */
  readonly tables: Map<string, RuleTable>;
  readonly rounds: RuleRounds;
  /** Whole relations (calls with no bound argument) found bottom-up, by source and rule. */
  readonly whole: Map<string, readonly unknown[][]>;
  /** How each rule runs right-linearly, by rule and binding mask (null: it does not). */
  readonly linearPlans: Map<string, LinearPlan | null>;
}

/** The fresh state for a query given its rules. */
export function ruleState(branches: ReadonlyMap<string, RuleBranch[]>): RuleState {
  return {
    branches,
    linear: isLinear(branches),
    tables: new Map(),
    rounds: { round: 0, grew: false, cycle: false, depth: 0, deferred: [] },
    whole: new Map(),
    linearPlans: new Map(),
  };
}

/** Whether every rule body calls at most one rule, and none inside not or or. */
function isLinear(rules: ReadonlyMap<string, RuleBranch[]>): boolean {
  const calls = (c: Clause, nested: boolean): number => {
    if (c.kind === 'rule') return nested ? Number.POSITIVE_INFINITY : 1;
    if (c.kind === 'not') return c.clauses.reduce((n, x) => n + calls(x, true), 0);
    if (c.kind === 'or') return c.branches.flat().reduce((n, x) => n + calls(x, true), 0);
    return 0;
  };
  for (const branches of rules.values())
    for (const b of branches) if (b.body.reduce((n, c) => n + calls(c, false), 0) > 1) return false;
  return true;
}
