/**
 * The state of a running query: relations with disjoint variables, joined only when a
 * clause links them (or at the end, into the one relation :find reads).
 */

import { fail, type QueryContext, ticker } from './context.js';
import type { Clause } from './parse.js';
import { join, type Relation, type Tick } from './relation.js';

/** Relations with pairwise disjoint variables; their product is the query's bindings so far. */
export type State = Relation[];

/**
 * Runs clauses from a seed state: the planner. Phases that nest clauses (not, or, rule
 * bodies) are handed it, so that they sit below it.
 */
export type Solve = (ctx: QueryContext, seed: State, clauses: readonly Clause[]) => State;

/** Every variable the state binds. */
export function boundVars(state: State): Set<string> {
  const out = new Set<string>();
  for (const r of state) for (const v of r.vars) out.add(v);
  return out;
}

/** Joins every relation that mentions one of `vars` into one; returns it and the rest. */
export function gather(
  state: State,
  vars: ReadonlySet<string>,
  tick?: Tick,
): [Relation | null, State] {
  let joined: Relation | null = null;
  const rest: State = [];
  for (const r of state) {
    if (r.vars.some((v) => vars.has(v))) joined = joined === null ? r : join(joined, r, tick);
    else rest.push(r);
  }
  return [joined, rest];
}

/** A relation without some of its variables (rows copied only when one is there). */
export function dropVars(r: Relation, vars: readonly string[]): Relation {
  if (!r.vars.some((v) => vars.includes(v))) return r;
  const keep = r.vars.flatMap((v, i) => (vars.includes(v) ? [] : [i]));
  return { vars: keep.map((i) => r.vars[i]!), rows: r.rows.map((row) => keep.map((i) => row[i])) };
}

/** The one relation over `vars` that the state holds (joined; products where needed). */
export function collectVars(ctx: QueryContext, state: State, vars: readonly string[]): Relation {
  let rel: Relation = state[0] ?? { vars: [], rows: [[]] };
  for (const r of state.slice(1)) rel = join(rel, r, ticker(ctx));
  const missing = vars.filter((v) => !rel.vars.includes(v));
  if (missing.length === 0) return rel;
  // An empty result may stop before every variable was reached.
  if (rel.rows.length === 0) return { vars: [...rel.vars, ...missing], rows: [] };
  return fail(
    'query/unbound-variable',
    `${missing.join(', ')} in :find or :with is not bound by :where or :in.`,
    {
      variables: missing,
    },
  );
}
