/**
 * The planner: runs the :where clauses of a query (or of a not/or branch, a rule body)
 * into the state, a list of relations with disjoint variables. Greedily, it picks the next
 * clause: filters (predicates, functions, not) as soon as their variables are bound,
 * otherwise the pattern, or or rule call with the fewest expected results that joins what is
 * already bound, so that no cartesian product is built where a join exists.
 */

import type { LoadingRun } from '../index/btree-api.js';
import type { Keyword } from '../values/index.js';
import {
  checkDeadline,
  fail,
  isDb,
  type PlanStep,
  type QueryContext,
  source,
  withDefaultSrc,
} from './context.js';
import { applyFn, applyPred, inputVars } from './functions.js';
import { type Clause, clauseVars } from './parse.js';
import { estimateShape, shapeOf, withSingles } from './pattern.js';
import { applyPattern } from './pattern-join.js';
import { valueRange } from './range.js';
import { project } from './relation.js';
import { applyRule } from './rules.js';
import { countRange } from './scan.js';
import { boundVars, type State } from './state.js';
import { applyNot, applyOr, notVars, orBranchesDiffer, orRequired } from './subquery.js';

function ready(
  ctx: QueryContext,
  c: Clause,
  bound: Set<string>,
  outer: ReadonlySet<string>,
): boolean {
  switch (c.kind) {
    case 'pred':
    case 'fn':
      return [...inputVars(ctx, c)].every((v) => bound.has(v));
    case 'not':
      return notVars(c, outer).every((v) => bound.has(v));
    case 'or':
      return orRequired(c).every((v) => bound.has(v));
    default:
      return true;
  }
}

function estimate(
  ctx: QueryContext,
  c: Clause,
  state: State,
  pending: readonly Clause[],
  bound: ReadonlySet<string>,
): number {
  switch (c.kind) {
    case 'pattern': {
      const src = source(ctx, c.src);
      const shape = shapeOf(isDb(src) ? src : null, c.terms);
      if (shape === null) return 0;
      const range = valueRange(ctx, c, pending, bound);
      if (range !== undefined && isDb(src) && shape.consts[0] === undefined)
        return countRange(src, shape.consts[1] as Keyword, range);
      return estimateShape(src, withSingles(state, shape));
    }
    case 'or': {
      const sub = withDefaultSrc(ctx, c.src);
      return Math.min(
        ...c.branches.map((b) => Math.max(...b.map((x) => estimate(sub, x, state, [], bound)), 0)),
      );
    }
    case 'rule':
      return ctx.ruleRows?.get(c)?.length ?? (c.args.some((t) => t.kind === 'const') ? 10 : 10000);
    default:
      return 0;
  }
}

/** The variables of `clauses` that also occur outside a given clause. */
function outerVars(
  all: readonly Clause[],
  except: Clause,
  seedVars: ReadonlySet<string>,
): Set<string> {
  const out = new Set(seedVars);
  for (const c of all) if (c !== except) for (const v of clauseVars(c)) out.add(v);
  return out;
}

/** Where the planner stood after a clause: what a rerun after loading nodes starts from. */
interface Checkpoint {
  readonly clauses: readonly Clause[];
  readonly state: State;
  readonly pending: readonly Clause[];
  readonly estimates: ReadonlyMap<Clause, number>;
  readonly plan: readonly PlanStep[] | null;
}

const CHECKPOINT = 'query/where';

/**
 * Runs `clauses` into `seed`. With `loading` (the top level of a query over stored
 * indices), each clause ends a step: a run that missed nodes is run again from the state
 * after the last clause that missed none, its clauses not repeated.
 */
export function solve(
  ctx: QueryContext,
  seed: State,
  clauses: readonly Clause[],
  loading?: LoadingRun,
  keep?: ReadonlySet<string>,
): State {
  const resumed = loading?.resume<Checkpoint>(CHECKPOINT);
  // The clause objects the checkpoint names (a rerun may have parsed the query anew).
  if (resumed !== undefined) clauses = resumed.clauses;
  let state = resumed?.state ?? seed;
  const pending = [...(resumed?.pending ?? clauses)];
  const seedVars = boundVars(seed);
  const estimates = new Map<Clause, number>(resumed?.estimates);
  if (resumed?.plan != null) ctx.plan?.push(...resumed.plan);
  while (pending.length > 0) {
    checkDeadline(ctx);
    if (keep !== undefined) state = withoutDeadVars(state, keep, pending);
    const bound = boundVars(state);
    // Nothing can match any more: the remaining clauses cannot add rows.
    if (state.some((r) => r.rows.length === 0)) return [{ vars: [...bound], rows: [] }];
    let pick = -1;
    // Filters first, as soon as their variables are bound.
    for (let i = 0; i < pending.length && pick < 0; i++) {
      const c = pending[i]!;
      if (
        (c.kind === 'pred' || c.kind === 'fn' || c.kind === 'not') &&
        ready(ctx, c, bound, outerVars(clauses, c, seedVars))
      )
        pick = i;
    }
    if (pick < 0) {
      const candidates: number[] = [];
      for (let i = 0; i < pending.length; i++) {
        const c = pending[i]!;
        if (
          (c.kind === 'pattern' || c.kind === 'or' || c.kind === 'rule') &&
          ready(ctx, c, bound, bound)
        )
          candidates.push(i);
      }
      // A single candidate needs no estimate (counting can cost as much as reading).
      if (candidates.length === 1) pick = candidates[0]!;
      let best = Number.POSITIVE_INFINITY;
      for (const i of candidates.length > 1 ? candidates : []) {
        const c = pending[i]!;
        let cost = estimates.get(c);
        if (cost === undefined) estimates.set(c, (cost = estimate(ctx, c, state, pending, bound)));
        // A clause that joins what is bound usually yields far less than its estimate
        // alone; a small unconnected one is joined later, never multiplied in a product
        // when a join exists (applyPattern drives lookups from one side and hash-joins).
        const joins = [...clauseVars(c)].some((v) => bound.has(v));
        const weighted = joins ? cost / 4 : cost;
        if (weighted < best) {
          pick = i;
          best = weighted;
        }
      }
    }
    if (pick < 0) stuck(ctx, pending[0]!, bound);
    const [c] = pending.splice(pick, 1) as [Clause];
    const t0 = ctx.plan === null ? 0 : performance.now();
    state =
      c.kind === 'pattern'
        ? applyPattern(ctx, state, c, valueRange(ctx, c, pending, bound))
        : applyClause(ctx, state, c);
    if (ctx.plan !== null)
      ctx.plan.push({
        clause: c.text,
        estimate: estimates.get(c) ?? null,
        rows: state.reduce((n, r) => n + r.rows.length, 0),
        ms: performance.now() - t0,
      });
    loading?.step<Checkpoint>(CHECKPOINT, {
      clauses,
      state,
      pending: [...pending],
      estimates: new Map(estimates),
      plan: ctx.plan === null ? null : [...ctx.plan],
    });
  }
  return state;
}

/**
 * The state without the variables nothing reads any more (neither `keep` nor a clause
 * still to run), each relation that had some deduplicated on the rest: a value shared by
 * many rows (the `?a` of `[?e :name "Ivan"] [?e :age ?a] [?e1 :age ?a]`, once `?e` is done
 * with) is then joined once, not once per row.
 */
function withoutDeadVars(
  state: State,
  keep: ReadonlySet<string>,
  pending: readonly Clause[],
): State {
  let live: Set<string> | null = null;
  let out: State | null = null;
  for (let i = 0; i < state.length; i++) {
    const r = state[i]!;
    if (live === null) {
      if (r.vars.every((v) => keep.has(v))) continue;
      live = new Set(keep);
      for (const c of pending) for (const v of clauseVars(c)) live.add(v);
    }
    const alive = live;
    if (r.vars.every((v) => alive.has(v))) continue;
    out ??= [...state];
    out[i] = project(
      r,
      r.vars.filter((v) => alive.has(v)),
    );
  }
  return out ?? state;
}

/** The error for a clause that cannot run: what it needs is bound by nothing. */
function stuck(ctx: QueryContext, c: Clause, bound: ReadonlySet<string>): never {
  if (c.kind === 'or' && c.vars === null) {
    const missing = orRequired(c).filter((v) => !bound.has(v));
    if (c.branches.some((b) => missing.some((v) => !b.some((x) => clauseVars(x).has(v)))))
      orBranchesDiffer(c, bound);
  }
  const needed =
    c.kind === 'pred' || c.kind === 'fn'
      ? inputVars(ctx, c)
      : c.kind === 'or'
        ? orRequired(c)
        : clauseVars(c);
  const missing = [...needed].filter((v) => !bound.has(v));
  return fail(
    'query/insufficient-binding',
    `Insufficient bindings: ${missing.join(', ')} not bound in ${c.text}.`,
    { clause: c.text, variables: missing },
  );
}

function applyClause(ctx: QueryContext, state: State, c: Clause): State {
  switch (c.kind) {
    case 'pattern':
      return applyPattern(ctx, state, c);
    case 'pred':
      return applyPred(ctx, state, c);
    case 'fn':
      return applyFn(ctx, state, c);
    case 'not':
      return applyNot(ctx, state, c, solve);
    case 'or':
      return applyOr(ctx, state, c, solve);
    case 'rule':
      return applyRule(ctx, state, c, solve);
  }
}
