/**
 * `not`/`not-join` and `or`/`or-join`: their clauses run as a subquery seeded with the
 * current bindings of their join variables; `not` removes the rows the subquery matches,
 * `or` joins the union of its branches. DataScript's rules and errors for which variables
 * must be bound before they run.
 */

import { fail, type QueryContext, withDefaultSrc } from './context.js';
import { bindingVars, type Clause, clauseVars } from './parse.js';
import { antiJoin, join, project, type Relation, union } from './relation.js';
import { boundVars, gather, type Solve, type State } from './state.js';

type Or = Extract<Clause, { kind: 'or' }>;

/** Runs clauses in a sub-state seeded with the current bindings of `vars`. */
function subquery(
  ctx: QueryContext,
  state: State,
  vars: readonly string[],
  clauses: readonly Clause[],
  src: string | null,
  solve: Solve,
): Relation {
  const bound = boundVars(state);
  const seedVars = vars.filter((v) => bound.has(v));
  const [rel] = gather(state, new Set(seedVars));
  const seed = rel === null ? [] : [project(rel, seedVars)];
  const result = solve(withDefaultSrc(ctx, src), seed, clauses);
  // Nothing matched: an empty relation over every variable asked for.
  if (result.some((r) => r.rows.length === 0)) return { vars, rows: [] };
  const [all] = gather(result, new Set(vars));
  const present = vars.filter((v) => all?.vars.includes(v));
  if (all === null) return { vars: present, rows: [[]] };
  return project(all, present);
}

/** The variables a `not` joins on: not-join's, or those it shares with what is bound. */
export function notVars(c: Extract<Clause, { kind: 'not' }>, bound: ReadonlySet<string>): string[] {
  return c.vars === null ? [...clauseVars(c)].filter((v) => bound.has(v)) : [...c.vars];
}

export function applyNot(
  ctx: QueryContext,
  state: State,
  c: Extract<Clause, { kind: 'not' }>,
  solve: Solve,
): State {
  const bound = boundVars(state);
  const vars = notVars(c, bound);
  if (vars.length === 0)
    fail(
      'query/insufficient-binding',
      `Insufficient bindings: none of ${[...clauseVars(c)].join(', ')} is bound in ${c.text}.`,
      { clause: c.text },
    );
  for (const v of vars)
    if (!bound.has(v))
      fail('query/insufficient-binding', `Insufficient bindings: ${v} not bound in ${c.text}.`, {
        variable: v,
        clause: c.text,
      });
  const excluded = subquery(ctx, state, vars, c.clauses, c.src, solve);
  const [rel, rest] = gather(state, new Set(vars));
  if (rel === null) return excluded.rows.length > 0 ? [...state, { vars: [], rows: [] }] : state;
  return [...rest, antiJoin(rel, excluded)];
}

/** The variables an or/or-join joins on: or-join's, or every variable of an or's branches. */
function orVars(c: Or): string[] {
  return c.vars === null ? [...clauseVars(c)] : [...c.vars.required, ...c.vars.free];
}

/** Per clause (parsed once, so computed once): what {@link orRequired} found. */
const orNeeds = new WeakMap<Clause, readonly string[]>();

/**
 * The variables an or/or-join needs bound before it runs: or-join's required ones, and each
 * join variable some branch does not bind itself (it only filters on it, or does not name it).
 */
export function orRequired(c: Or): readonly string[] {
  let out = orNeeds.get(c);
  if (out === undefined) {
    const needs = new Set(c.vars?.required ?? []);
    for (const v of orVars(c))
      if (!c.branches.every((b) => b.some((x) => generates(x, v)))) needs.add(v);
    orNeeds.set(c, (out = [...needs]));
  }
  return out;
}

/** Whether a clause binds `v` by itself (a pattern, a rule call, a function result, an or). */
function generates(c: Clause, v: string): boolean {
  switch (c.kind) {
    case 'pattern':
      return c.terms.some((t) => t.kind === 'var' && t.name === v);
    case 'rule':
      return c.args.some((t) => t.kind === 'var' && t.name === v);
    case 'fn':
      return bindingVars(c.binding).includes(v);
    case 'or':
      return orVars(c).includes(v) && c.branches.every((b) => b.some((x) => generates(x, v)));
    default:
      return false;
  }
}

/** DataScript's error for an or whose branches differ in the free variables they use. */
export function orBranchesDiffer(c: Or, bound: ReadonlySet<string>): never {
  const free = c.branches.map((b) => {
    const vs = new Set<string>();
    for (const x of b) for (const v of clauseVars(x)) if (!bound.has(v)) vs.add(v);
    return [...vs].join(' ');
  });
  return fail(
    'query/invalid',
    `All branches of ${c.text} must use the same free variables, but they use ${free.map((f) => `#{${f}}`).join(' and ')}.`,
    { clause: c.text },
  );
}

export function applyOr(ctx: QueryContext, state: State, c: Or, solve: Solve): State {
  const vars = orVars(c);
  const results = c.branches.map((b) => subquery(ctx, state, vars, b, c.src, solve));
  for (const r of results) if (r.vars.length !== vars.length) orBranchesDiffer(c, boundVars(state));
  const merged = union(vars, results);
  const [rel, rest] = gather(state, new Set(vars));
  return [...rest, rel === null ? merged : join(rel, merged)];
}
