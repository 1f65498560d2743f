/** `q`: parse (cached), bind inputs, solve the clauses, and shape the result as :find says. */

import { LRUCache } from 'lru-cache';
import { parseEdn } from '../edn/index.js';
import { DatahikeError, keyword, sym } from '../values/index.js';
import { bindValue } from './bind.js';
import { AGGREGATES } from './builtins.js';
import type { PlanStep, QueryContext } from './context.js';
import {
  bindingText,
  bindingVars,
  type FindElem,
  type InSpec,
  inputsOf,
  parseQuery,
  parseRuleSet,
  type Query,
  type RuleBranch,
  type Term,
} from './parse.js';
import { solve } from './planner.js';
import { colsOf, distinct, keyOfRow, type Relation } from './relation.js';
import { ruleState } from './rule-state.js';
import { collectVars } from './state.js';

export interface QueryOptions {
  /** Milliseconds before the query stops with `query/timeout`. */
  readonly timeout?: number;
  readonly limit?: number;
  readonly offset?: number;
  /** Collect the plan with rows and times per clause. */
  readonly stats?: boolean;
}

/** Pulls for `(pull ?e pattern)` in :find; the pull layer provides it. */
export type PullFn = (db: unknown, pattern: unknown, eid: unknown) => unknown;

export interface QueryResult {
  readonly result: unknown;
  readonly plan: PlanStep[] | null;
  /** A relation of variables only (no :with, no return map): a set of tuples in Datahike. */
  readonly plainRelation: boolean;
}

const parsed = new LRUCache<string, Query>({ max: 500 });

function bad(code: string, message: string, data: Record<string, unknown> = {}): never {
  throw new DatahikeError(code, message, data);
}

const preambles = new LRUCache<string, ReturnType<typeof inputsOf>>({ max: 500 });

function inputsCached(q: unknown): ReturnType<typeof inputsOf> {
  if (typeof q !== 'string') return inputsOf(q);
  let hit = preambles.get(q);
  if (hit === undefined) preambles.set(q, (hit = inputsOf(q)));
  return hit;
}

function arityError(expected: string, count: number, given: number): never {
  return bad(
    'query/arity',
    `The query's :in takes ${count} input(s) (${expected}), but ${given} were given.`,
    { expected: count, given },
  );
}

function parseCached(q: unknown, rules: Map<string, RuleBranch[]> | undefined): Query {
  const names = new Set(rules?.keys() ?? []);
  if (typeof q !== 'string') return parseQuery(q, names);
  const key = `${[...names].join(' ')}\u0000${q}`;
  let hit = parsed.get(key);
  if (hit === undefined) parsed.set(key, (hit = parseQuery(parseEdn(q), names)));
  return hit;
}

/** A constant, a source or a scalar input: the parameters of an aggregate (`n` of `(max n ?x)`). */
function paramValue(ctx: QueryContext, t: Term, text: string): unknown {
  if (t.kind === 'const') return t.value;
  if (t.kind === 'src') return ctx.sources.get(t.name);
  if (t.kind === 'var' && ctx.scalars.has(t.name)) return ctx.scalars.get(t.name);
  return bad(
    'query/invalid',
    `${text}: the arguments before the aggregated variable must be constants or scalar inputs.`,
    { find: text },
  );
}

function aggregate(
  ctx: QueryContext,
  elem: Extract<FindElem, { kind: 'agg' }>,
  rows: unknown[][],
  rel: Relation,
): unknown {
  const col = rel.vars.indexOf(elem.over);
  const values = rows.map((r) => r[col]);
  const params = elem.params.map((t) => paramValue(ctx, t, elem.text));
  if (elem.fn.kind === 'var') {
    const f = ctx.scalars.get(elem.fn.name);
    if (typeof f !== 'function')
      bad('query/unknown-function', `${elem.fn.name} is not bound to an aggregate function.`, {});
    return (f as (...a: unknown[]) => unknown)(...params, values);
  }
  const agg = AGGREGATES.get(elem.fn.name);
  if (agg === undefined)
    bad(
      'query/unknown-function',
      `Unknown aggregate ${elem.fn.name} in ${elem.text}: use count, count-distinct, sum, avg, median, variance, stddev, min, max, distinct, rand, sample, or (aggregate ?f ?x) with a function input.`,
      {},
    );
  return agg(values, ...params);
}

/** The variable a find element reads: its own, the pulled entity's, the aggregated one. */
function elemVar(e: FindElem): string {
  return e.kind === 'agg' ? e.over : e.name;
}

function shape(q: Query, tuples: unknown[][]): unknown {
  const rows = q.keys === null ? tuples : tuples.map((t) => keyed(q, t));
  switch (q.find.kind) {
    case 'rel':
      return rows;
    case 'coll':
      return tuples.map((t) => t[0]);
    case 'tuple':
      return rows[0] ?? null;
    case 'scalar':
      return tuples[0]?.[0] ?? null;
  }
}

function keyed(q: Query, tuple: unknown[]): Map<unknown, unknown> {
  const m = new Map<unknown, unknown>();
  q.keys!.names.forEach((name, i) => {
    const key =
      q.keys!.kind === 'keys' ? keyword(name) : q.keys!.kind === 'syms' ? sym(name) : name;
    m.set(key, tuple[i]);
  });
  return m;
}

function inText(i: InSpec): string {
  return i.kind === 'src' || i.kind === 'sym'
    ? i.name
    : i.kind === 'rules'
      ? '%'
      : bindingText(i.binding);
}

/** Binds the inputs to :in: sources, scalars by name, and the relations they seed. */
function bindInputs(
  q: Query,
  inputs: readonly unknown[],
): { sources: Map<string, unknown>; scalars: Map<string, unknown>; seed: Relation[] } {
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
  return { sources, scalars, seed };
}

export function runQuery(
  query: unknown,
  inputs: readonly unknown[],
  opts: QueryOptions = {},
  pull?: PullFn,
): QueryResult {
  const pre = inputsCached(query);
  // Checked before :where is parsed: its rule calls need the rules among the inputs.
  if (pre.count >= 0 && pre.count !== inputs.length) arityError(pre.text, pre.count, inputs.length);
  const rules = pre.rules >= 0 ? parseRuleSet(inputs[pre.rules]) : undefined;
  const q = parseCached(query, rules);
  const { sources, scalars, seed } = bindInputs(q, inputs);
  for (const e of q.find.elems)
    if (e.kind === 'pull' && e.patternName !== null && !scalars.has(e.patternName))
      bad('query/invalid', `The pull pattern ${e.patternName} is not an input of the query.`, {
        pattern: e.patternName,
      });

  const deadline =
    opts.timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + opts.timeout;
  const ctx: QueryContext = {
    sources,
    defaultSrc: '$',
    scalars,
    rules: ruleState(rules ?? new Map()),
    deadline,
    plan: opts.stats ? [] : null,
    nestedQuery: (nested, args) => {
      const left = Number.isFinite(deadline) ? { timeout: Math.max(0, deadline - Date.now()) } : {};
      const { result, plainRelation } = runQuery(nested, args, left, pull);
      // A relation is a set of tuples, as `q` gives it in Datahike.
      return plainRelation ? new Set(result as unknown[]) : result;
    },
  };
  const state = solve(ctx, seed, q.where);
  const findVars = q.find.elems.map(elemVar);
  const groupVars = q.find.elems.filter((e) => e.kind !== 'agg').map(elemVar);
  const needed = [...new Set([...findVars, ...q.with])];
  const rel = collectVars(ctx, state, needed);
  // Set semantics over find and :with variables; :with columns then fall away, keeping duplicates.
  const hasAgg = q.find.elems.some((e) => e.kind === 'agg');
  const columns = (vars: readonly string[]) => {
    const cols = colsOf(rel, vars);
    const same = cols.length === rel.vars.length && cols.every((c, i) => c === i);
    return same ? rel.rows : rel.rows.map((r) => cols.map((c) => r[c]));
  };
  let tuples: unknown[][];
  if (!hasAgg && q.with.length === 0)
    tuples = distinct({ vars: findVars, rows: columns(findVars) }).rows;
  else if (!hasAgg) {
    const full = distinct({ vars: needed, rows: columns(needed) });
    const outCols = colsOf(full, findVars);
    tuples = full.rows.map((r) => outCols.map((c) => r[c]));
  } else {
    const full = distinct({ vars: needed, rows: columns(needed) });
    const groupCols = colsOf(full, groupVars);
    const groups = new Map<unknown, unknown[][]>();
    for (const r of full.rows) {
      const k = keyOfRow(r, groupCols);
      const g = groups.get(k);
      if (g === undefined) groups.set(k, [r]);
      else g.push(r);
    }
    tuples = [];
    for (const rows of groups.values())
      tuples.push(
        q.find.elems.map((e) =>
          e.kind === 'agg' ? aggregate(ctx, e, rows, full) : rows[0]![full.vars.indexOf(e.name)],
        ),
      );
  }
  if (q.find.elems.some((e) => e.kind === 'pull')) {
    if (pull === undefined) bad('query/invalid', 'pull in :find is not available here.', {});
    tuples = tuples.map((t) =>
      t.map((v, i) => {
        const e = q.find.elems[i]!;
        if (e.kind !== 'pull') return v;
        const pattern = e.patternName === null ? e.pattern : scalars.get(e.patternName);
        // Datahike takes a set of attributes as a pattern too.
        return pull(sources.get(e.src), pattern instanceof Set ? [...pattern] : pattern, v);
      }),
    );
  }
  const offset = opts.offset ?? 0;
  if (offset > 0 || opts.limit !== undefined)
    tuples = tuples.slice(offset, opts.limit === undefined ? undefined : offset + opts.limit);
  const plainRelation =
    q.find.kind === 'rel' &&
    q.keys === null &&
    q.with.length === 0 &&
    !hasAgg &&
    q.find.elems.every((e) => e.kind === 'var');
  return { result: shape(q, tuples), plan: ctx.plan, plainRelation };
}

/** A readable plan: the clauses in the order the planner runs them, with estimates and rows. */
export function explainQuery(query: unknown, inputs: readonly unknown[], pull?: PullFn): string {
  const { plan } = runQuery(query, inputs, { stats: true }, pull);
  return plan!
    .map(
      (s, i) =>
        `${i + 1}. ${s.clause}  (estimate ${s.estimate ?? '-'}, rows ${s.rows}, ${s.ms.toFixed(2)} ms)`,
    )
    .join('\n');
}
