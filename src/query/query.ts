/**
 * `q`: parse the query (once per call; text is cached), bind the inputs, solve :where and
 * shape the result as :find says. A query on databases read from a store runs again for the
 * index nodes it missed (`whenLoaded`); only the run repeats, not the parse.
 */

import { LRUCache } from 'lru-cache';
import { whenLoaded } from '../db/index.js';
import { parseEdn } from '../edn/index.js';
import type { LoadingRun } from '../index/btree-api.js';
import { currentBudget, DatahikeError } from '../values/index.js';
import { bindValue } from './bind.js';
import type { PlanStep, QueryContext } from './context.js';
import { findResult, findVars, isPlainRelation } from './find.js';
import {
  bindingText,
  bindingVars,
  type InSpec,
  inputsOf,
  parseQuery,
  parseRuleSet,
  type Query,
  type RuleBranch,
} from './parse.js';
import { solve } from './planner.js';
import { distinct, type Relation } from './relation.js';
import { ruleState } from './rule-state.js';

export interface QueryOptions {
  /** Milliseconds before the query stops with `query/timeout`. */
  readonly timeout?: number;
  readonly limit?: number;
  readonly offset?: number;
  /** Collect the plan with rows and times per clause. */
  readonly stats?: boolean;
}

export interface QueryResult {
  readonly result: unknown;
  readonly plan: PlanStep[] | null;
  /** A relation of variables only (no :with, no return map): a set of tuples in Datahike. */
  readonly plainRelation: boolean;
}

type Rules = Map<string, RuleBranch[]>;

/** Query texts read: their EDN data and what :in says, so that a text is read once. */
const texts = new LRUCache<string, { data: unknown; pre: ReturnType<typeof inputsOf> }>({
  max: 500,
});
/** Parsed queries by the rule names they were parsed with and their text. */
const parsed = new LRUCache<string, Query>({ max: 500 });
/** Rule sets passed as text. */
const ruleTexts = new LRUCache<string, Rules>({ max: 100 });

function read(text: string): { data: unknown; pre: ReturnType<typeof inputsOf> } {
  let hit = texts.get(text);
  if (hit === undefined) {
    const data = parseEdn(text);
    texts.set(text, (hit = { data, pre: inputsOf(data) }));
  }
  return hit;
}

/**
 * Parses made during one call, so that a query nested in a function clause, run once per
 * row, is parsed once: its form is a constant of the query around it.
 */
class Parses {
  private readonly queries = new Map<unknown, { names: string; query: Query }>();
  private readonly rules = new Map<unknown, Rules>();

  query(form: unknown, rules: Rules | undefined): Query {
    const names = [...(rules?.keys() ?? [])].join(' ');
    if (typeof form === 'string') {
      const key = `${names}\u0000${form}`;
      let hit = parsed.get(key);
      if (hit === undefined)
        parsed.set(key, (hit = parseQuery(read(form).data, new Set(rules?.keys()))));
      return hit;
    }
    const hit = this.queries.get(form);
    if (hit !== undefined && hit.names === names) return hit.query;
    const query = parseQuery(form, new Set(rules?.keys()));
    this.queries.set(form, { names, query });
    return query;
  }

  ruleSet(value: unknown): Rules {
    if (typeof value === 'string') {
      let hit = ruleTexts.get(value);
      if (hit === undefined) ruleTexts.set(value, (hit = parseRuleSet(value)));
      return hit;
    }
    let hit = this.rules.get(value);
    if (hit === undefined) this.rules.set(value, (hit = parseRuleSet(value)));
    return hit;
  }
}

function arityError(expected: string, count: number, given: number): never {
  throw new DatahikeError(
    'query/arity',
    `The query's :in takes ${count} input(s) (${expected}), but ${given} were given.`,
    { expected: count, given },
  );
}

function inText(i: InSpec): string {
  return i.kind === 'src' || i.kind === 'sym'
    ? i.name
    : i.kind === 'rules'
      ? '%'
      : bindingText(i.binding);
}

/** A query parsed and its inputs bound: sources, scalars by name, the relations they seed. */
interface Prepared {
  readonly query: Query;
  readonly rules: Rules;
  readonly sources: Map<string, unknown>;
  readonly scalars: Map<string, unknown>;
  readonly seed: Relation[];
  readonly parses: Parses;
}

function prepare(form: unknown, inputs: readonly unknown[], parses: Parses): Prepared {
  const pre = typeof form === 'string' ? read(form).pre : inputsOf(form);
  // Checked before :where is parsed: its rule calls need the rules among the inputs.
  if (pre.count >= 0 && pre.count !== inputs.length)
    arityError(pre.text(), pre.count, inputs.length);
  const rules = pre.rules >= 0 ? parses.ruleSet(inputs[pre.rules]) : undefined;
  const q = parses.query(form, rules);
  // Without :in, one input is the database `$` even where :where reads none.
  const ins: readonly InSpec[] =
    q.implicitIn && q.in.length === 0 && inputs.length === 1 ? [{ kind: 'src', name: '$' }] : q.in;
  if (ins.length !== inputs.length)
    arityError(ins.map(inText).join(' '), ins.length, inputs.length);
  const sources = new Map<string, unknown>();
  const scalars = new Map<string, unknown>();
  const seed: Relation[] = [];
  ins.forEach((spec, i) => {
    const value = inputs[i];
    if (spec.kind === 'src') sources.set(spec.name, value);
    else if (spec.kind === 'sym') scalars.set(spec.name, value);
    else if (spec.kind === 'bind') {
      const b = spec.binding;
      // Scalars (functions among them) are also reachable by name, for function position.
      if (b.kind === 'scalar') scalars.set(b.name, value);
      const vars = bindingVars(b);
      if (vars.length === 0) return;
      seed.push(distinct({ vars, rows: bindValue(b, value) }));
    }
  });
  for (const e of q.find.elems)
    if (e.kind === 'pull' && e.patternName !== null && !scalars.has(e.patternName))
      throw new DatahikeError(
        'query/invalid',
        `The pull pattern ${e.patternName} is not an input of the query.`,
        { pattern: e.patternName },
      );
  return { query: q, rules: rules ?? new Map(), sources, scalars, seed, parses };
}

function deadlineOf(opts: QueryOptions): number {
  return opts.timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + opts.timeout;
}

/**
 * One run of a prepared query. In a loading run (`loading`), a rerun after the nodes it
 * missed are loaded keeps the first run's deadline and resumes :where after the last clause
 * it ran exactly (see planner.ts `solve`).
 */
function execute(p: Prepared, opts: QueryOptions, loading?: LoadingRun): QueryResult {
  // Kept before anything is read, so every rerun has it: loading counts against the timeout.
  const deadline = loading?.resume<number>('query/deadline') ?? deadlineOf(opts);
  loading?.step('query/deadline', deadline);
  const ctx: QueryContext = {
    sources: p.sources,
    defaultSrc: '$',
    scalars: p.scalars,
    rules: ruleState(p.rules),
    deadline,
    budget: currentBudget(),
    plan: opts.stats ? [] : null,
    nestedQuery: (nested, args) => {
      const left = Number.isFinite(deadline) ? { timeout: Math.max(0, deadline - Date.now()) } : {};
      const { result, plainRelation } = execute(prepare(nested, args, p.parses), left);
      // A relation is a set of tuples, as `q` gives it in Datahike.
      return plainRelation ? new Set(result as unknown[]) : result;
    },
  };
  const state = solve(ctx, p.seed, p.query.where, loading, findVars(p.query));
  const result = findResult(ctx, p.query, state, opts);
  return { result, plan: ctx.plan, plainRelation: isPlainRelation(p.query) };
}

/** Runs a query on its inputs, loading the index nodes it reads from their stores. */
export async function runQuery(
  query: unknown,
  inputs: readonly unknown[],
  opts: QueryOptions = {},
): Promise<QueryResult> {
  const p = prepare(query, inputs, new Parses());
  return whenLoaded(inputs, (loading) => execute(p, opts, loading));
}

/** A readable plan: the clauses in the order the planner runs them, with estimates and rows. */
export async function explainQuery(query: unknown, inputs: readonly unknown[]): Promise<string> {
  const { plan } = await runQuery(query, inputs, { stats: true });
  return plan!
    .map(
      (s, i) =>
        `${i + 1}. ${s.clause}  (estimate ${s.estimate ?? '-'}, rows ${s.rows}, ${s.ms.toFixed(2)} ms)`,
    )
    .join('\n');
}
