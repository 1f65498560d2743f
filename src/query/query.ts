/** `q`: parse (cached), bind inputs, solve the clauses, and shape the result as :find says. */

import { LRUCache } from 'lru-cache';
import { parseEdn } from '../edn/index.js';
import { DatahikeError, isKeyword, isSym, keyword, sym } from '../values/index.js';
import { AGGREGATES } from './builtins.js';
import {
  bindingVars,
  bindValue,
  collectVars,
  type PlanStep,
  type QueryContext,
  solve,
} from './engine.js';
import {
  type Clause,
  clauseVars,
  type FindElem,
  parseQuery,
  parseRuleSet,
  type Query,
  type RuleBranch,
} from './parse.js';
import { colsOf, distinct, keyOfRow, type Relation } from './relation.js';

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
}

const parsed = new LRUCache<string, Query>({ max: 500 });

function bad(code: string, message: string, data: Record<string, unknown> = {}): never {
  throw new DatahikeError(code, message, data);
}

function parseCached(q: unknown, rules: Map<string, RuleBranch[]> | undefined): Query {
  const names = new Set(rules?.keys() ?? []);
  if (typeof q !== 'string') return parseQuery(q, names);
  const key = `${[...names].join(' ')}\u0000${q}`;
  let hit = parsed.get(key);
  if (hit === undefined) parsed.set(key, (hit = parseQuery(parseEdn(q), names)));
  return hit;
}

/** The position of `%` among the :in inputs, without parsing :where (which needs the rules). */
function rulesInputIndex(q: unknown): number {
  const data = typeof q === 'string' ? parseEdn(q) : q;
  let ins: unknown[] | undefined;
  if (data instanceof Map) {
    for (const [k, v] of data) if (isKeyword(k) && k.fqn === 'in') ins = v as unknown[];
  } else if (Array.isArray(data)) {
    const i = data.findIndex((x) => (isKeyword(x) && x.fqn === 'in') || x === ':in');
    if (i >= 0) {
      ins = [];
      for (let j = i + 1; j < data.length; j++) {
        const x = data[j];
        if (isKeyword(x) || (typeof x === 'string' && x.startsWith(':'))) break;
        ins.push(x);
      }
    }
  }
  return ins === undefined ? -1 : ins.findIndex((x) => x === '%' || (isSym(x) && x.fqn === '%'));
}

function aggregate(
  ctx: QueryContext,
  elem: Extract<FindElem, { kind: 'agg' }>,
  rows: unknown[][],
  rel: Relation,
): unknown {
  const varArgs = elem.args.filter((a) => a.kind === 'var');
  if (varArgs.length !== 1)
    bad('query/invalid', `Aggregate ${elem.text} needs exactly one variable.`, { find: elem.text });
  const col = rel.vars.indexOf((varArgs[0] as { name: string }).name);
  const values = rows.map((r) => r[col]);
  const params = elem.args
    .filter((a) => a.kind === 'const')
    .map((a) => (a as { value: unknown }).value);
  if (elem.fn.kind === 'var') {
    const f = ctx.sources.get(elem.fn.name);
    if (typeof f !== 'function')
      bad('query/unknown-function', `${elem.fn.name} is not bound to an aggregate function.`, {});
    return (f as (...a: unknown[]) => unknown)(values, ...params);
  }
  const agg = AGGREGATES.get(elem.fn.name);
  if (agg === undefined)
    bad(
      'query/unknown-function',
      `Unknown aggregate ${elem.fn.name}: use count, count-distinct, sum, avg, median, variance, stddev, min, max, distinct, rand, sample or a function input.`,
      {},
    );
  if (values.length === 0)
    return elem.fn.name === 'count' || elem.fn.name === 'count-distinct' ? 0 : null;
  return agg(values, ...params);
}

function elemVar(e: FindElem): string | null {
  return e.kind === 'var' || e.kind === 'pull' ? e.name : null;
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

export function runQuery(
  query: unknown,
  inputs: readonly unknown[],
  opts: QueryOptions = {},
  pull?: PullFn,
): QueryResult {
  const ri = rulesInputIndex(query);
  const rules = ri >= 0 && ri < inputs.length ? parseRuleSet(inputs[ri]) : undefined;
  const q = parseCached(query, rules);
  if (q.in.length !== inputs.length)
    bad(
      'query/arity',
      `The query's :in takes ${q.in.length} input(s) (${q.in.map((i) => (i.kind === 'src' ? i.name : i.kind === 'rules' ? '%' : 'binding')).join(' ')}), but ${inputs.length} were given.`,
      {
        expected: q.in.length,
        given: inputs.length,
      },
    );
  const sources = new Map<string, unknown>();
  const seed: Relation[] = [];
  q.in.forEach((spec, i) => {
    const value = inputs[i];
    if (spec.kind === 'src') sources.set(spec.name, value);
    else if (spec.kind === 'bind') {
      const b = spec.binding;
      // Scalars (functions among them) are also reachable by name, for function position.
      if (b.kind === 'scalar') sources.set(b.name, value);
      const vars = bindingVars(b);
      if (vars.length === 0) return;
      seed.push(distinct({ vars, rows: bindValue(b, value) }));
    }
  });
  // Static check: every :find and :with variable must come from :where or :in.
  const known = new Set<string>(seed.flatMap((r) => r.vars));
  for (const c of q.where) for (const v of clauseVars(c)) known.add(v);
  for (const v of [
    ...q.find.elems.map(elemVar),
    ...q.find.elems.flatMap((e) =>
      e.kind === 'agg'
        ? e.args.filter((a) => a.kind === 'var').map((a) => (a as { name: string }).name)
        : [],
    ),
    ...q.with,
  ])
    if (v !== null && !known.has(v))
      bad('query/unbound-variable', `${v} in :find or :with is not bound by :where or :in.`, {
        variable: v,
      });

  const ctx: QueryContext = {
    sources,
    rules: rules ?? new Map(),
    deadline: opts.timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + opts.timeout,
    plan: opts.stats ? [] : null,
    tables: new Map(),
    linearRules: rules === undefined || isLinear(rules),
  };
  const state = solve(ctx, seed, q.where);
  const findVars = q.find.elems.map(elemVar).filter((v): v is string => v !== null);
  const aggVars = q.find.elems.flatMap((e) =>
    e.kind === 'agg'
      ? e.args.filter((a) => a.kind === 'var').map((a) => (a as { name: string }).name)
      : [],
  );
  const needed = [...new Set([...findVars, ...aggVars, ...q.with])];
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
    const groupVars = q.find.elems.filter((e) => e.kind !== 'agg').map((e) => elemVar(e)!);
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
          e.kind === 'agg'
            ? aggregate(ctx, e, rows, full)
            : rows[0]![full.vars.indexOf(elemVar(e)!)],
        ),
      );
  }
  if (q.find.elems.some((e) => e.kind === 'pull')) {
    if (pull === undefined) bad('query/invalid', 'pull in :find is not available here.', {});
    tuples = tuples.map((t) =>
      t.map((v, i) => {
        const e = q.find.elems[i]!;
        return e.kind === 'pull' ? pull(sources.get(e.src), e.pattern, v) : v;
      }),
    );
  }
  const offset = opts.offset ?? 0;
  if (offset > 0 || opts.limit !== undefined)
    tuples = tuples.slice(offset, opts.limit === undefined ? undefined : offset + opts.limit);
  return { result: shape(q, tuples), plan: ctx.plan };
}

/** Whether every rule body calls at most one rule, and none inside not or or. */
function isLinear(rules: Map<string, RuleBranch[]>): boolean {
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
