/**
 * Executing the :where clauses of a parsed query. The state is a list of relations with
 * disjoint variables; each clause joins into it. A greedy planner picks the next clause:
 * filters (predicates, functions, not) as soon as their variables are bound, otherwise the
 * pattern, or/rule with the fewest expected results that joins what is already bound, so
 * that no cartesian product is built where a join exists.
 */

import { DatahikeError, isKeyword, type Keyword, keyword, printValue } from '../values/index.js';
import { bindValue } from './bind.js';
import { BUILTINS } from './builtins.js';
import { checkDeadline, fail, isDb, type QueryContext, source, withDefaultSrc } from './context.js';
import type { Clause, FnRef, RuleBranch, Term } from './parse.js';
import { bindingVars, clauseVars } from './parse.js';
import { estimateShape, shapeOf, withSingles } from './pattern.js';
import { applyPattern } from './pattern-join.js';
import {
  antiJoin,
  colsOf,
  join,
  keyOfRow,
  project,
  type Relation,
  RowSet,
  union,
  valueEquals,
} from './relation.js';
import { entityOf } from './resolve.js';
import { scan } from './scan.js';
import { boundVars, gather, type State } from './state.js';

// ---- functions and predicates ----------------------------------------------------------

function resolveFn(
  ctx: QueryContext,
  ref: FnRef,
  row: readonly unknown[] | null,
  rel: Relation | null,
  clause: Extract<Clause, { kind: 'pred' | 'fn' }>,
): (...a: unknown[]) => unknown {
  if (ref.kind === 'var') {
    const col = rel?.vars.indexOf(ref.name) ?? -1;
    const f = col >= 0 && row !== null ? row[col] : ctx.scalars.get(ref.name);
    if (typeof f !== 'function')
      fail('query/unknown-function', `${ref.name} is not bound to a function in ${clause.text}.`, {
        function: ref.name,
      });
    return f as (...a: unknown[]) => unknown;
  }
  const name = ref.name.replace(/^clojure\.core\//, '');
  const builtin = BUILTINS.get(name) ?? dbFunction(ctx, name);
  if (builtin !== undefined) return builtin;
  return fail(
    'query/unknown-function',
    `Unknown ${clause.kind === 'pred' ? 'predicate' : 'function'} ${ref.name} in ${clause.text}: use a built-in, or pass a JavaScript function as an input and call it through its variable.`,
    { function: ref.name },
  );
}

/** A reverse attribute (`:_parent`, `:person/_friend`) as its forward attribute, else null. */
function forwardOf(a: unknown): Keyword | null {
  if (!isKeyword(a) || !a.name.startsWith('_')) return null;
  return a.ns === null ? keyword(a.name.slice(1)) : keyword(a.ns, a.name.slice(1));
}

/** Functions that read a database, and `q` (a nested query); resolved by the engine. */
function dbFunction(ctx: QueryContext, name: string): ((...a: unknown[]) => unknown) | undefined {
  const values = (db: unknown, e: unknown, a: unknown): unknown[] => {
    if (!isDb(db))
      fail(
        'query/bad-source',
        `${name} needs a database as its first argument, got ${printValue(db)}.`,
        {},
      );
    const eid = entityOf(db, e);
    if (eid === undefined) return [];
    const forward = forwardOf(a);
    if (forward !== null) return scan(db, undefined, forward, eid, undefined).map((d) => d.e);
    return scan(db, eid, a, undefined, undefined).map((d) => d.v);
  };
  switch (name) {
    case 'get-else':
      return (db, e, a, dflt) => {
        if (dflt === null || dflt === undefined)
          fail('query/invalid', 'get-else: nil default value is not supported.', {});
        const vs = values(db, e, a);
        return vs.length > 0 ? vs[0] : dflt;
      };
    case 'get-some':
      return (db, e, ...attrs) => {
        for (const a of attrs) {
          const vs = values(db, e, a);
          if (vs.length > 0) return [a, vs[0]];
        }
        return null;
      };
    case 'missing?':
      return (db, e, a) => values(db, e, a).length === 0;
    case 'q':
    case 'datahike.query/q':
      return (query, ...inputs) => ctx.nestedQuery(query, inputs);
    default:
      return undefined;
  }
}

function argValue(
  ctx: QueryContext,
  t: Term,
  row: readonly unknown[],
  rel: Relation | null,
  clause: string,
): unknown {
  switch (t.kind) {
    case 'const':
      return t.value;
    case 'src':
      return source(ctx, t.name);
    case 'blank':
      return fail('query/invalid', `_ cannot be a function argument in ${clause}.`, {});
    case 'var': {
      const col = rel?.vars.indexOf(t.name) ?? -1;
      if (col >= 0) return row[col];
      if (ctx.scalars.has(t.name)) return ctx.scalars.get(t.name);
      return fail(
        'query/insufficient-binding',
        `Insufficient bindings: ${t.name} not bound in ${clause}.`,
        { variable: t.name, clause },
      );
    }
  }
}

function callArgs(
  ctx: QueryContext,
  args: readonly Term[],
  row: readonly unknown[],
  rel: Relation | null,
  clause: string,
): unknown[] {
  return args.map((t) => argValue(ctx, t, row, rel, clause));
}

function inputVars(ctx: QueryContext, c: { fn: FnRef; args: readonly Term[] }): Set<string> {
  const out = new Set<string>();
  for (const t of c.args) if (t.kind === 'var' && !ctx.scalars.has(t.name)) out.add(t.name);
  if (c.fn.kind === 'var' && !ctx.scalars.has(c.fn.name)) out.add(c.fn.name);
  return out;
}

function invoke(f: (...a: unknown[]) => unknown, args: unknown[], clause: string): unknown {
  try {
    return f(...args);
  } catch (err) {
    if (err instanceof DatahikeError) throw err;
    return fail(
      'query/function-failed',
      `${clause} threw: ${(err as Error)?.message ?? String(err)}`,
      { clause },
    );
  }
}

function truthy(x: unknown): boolean {
  return x !== false && x !== null && x !== undefined;
}

function applyPred(ctx: QueryContext, state: State, c: Extract<Clause, { kind: 'pred' }>): State {
  const [rel, rest] = gather(state, inputVars(ctx, c));
  if (rel === null) {
    const ok = truthy(
      invoke(resolveFn(ctx, c.fn, null, null, c), callArgs(ctx, c.args, [], null, c.text), c.text),
    );
    return ok ? state : [...state, { vars: [], rows: [] }];
  }
  const fixedFn = c.fn.kind === 'name' ? resolveFn(ctx, c.fn, null, null, c) : null;
  const rows = rel.rows.filter((row) =>
    truthy(
      invoke(
        fixedFn ?? resolveFn(ctx, c.fn, row, rel, c),
        callArgs(ctx, c.args, row, rel, c.text),
        c.text,
      ),
    ),
  );
  return [...rest, { vars: rel.vars, rows }];
}

function applyFn(ctx: QueryContext, state: State, c: Extract<Clause, { kind: 'fn' }>): State {
  const outVars = bindingVars(c.binding);
  const bound = boundVars(state);
  // A binding variable that is already bound makes the clause an equality test on it.
  const [rel, rest] = gather(
    state,
    new Set([...inputVars(ctx, c), ...outVars.filter((v) => bound.has(v))]),
  );
  const base: Relation = rel ?? { vars: [], rows: [[]] };
  const checks = outVars.map((v) => base.vars.indexOf(v));
  const fresh = outVars.map((v, i) => checks[i]! < 0 && outVars.indexOf(v) === i);
  const fixedFn = c.fn.kind === 'name' ? resolveFn(ctx, c.fn, null, null, c) : null;
  const rows: unknown[][] = [];
  let n = 0;
  for (const row of base.rows) {
    if (++n % 1024 === 0) checkDeadline(ctx);
    const value = invoke(
      fixedFn ?? resolveFn(ctx, c.fn, row, rel, c),
      callArgs(ctx, c.args, row, rel, c.text),
      c.text,
    );
    next: for (const values of bindValue(c.binding, value)) {
      const out = row.slice();
      for (let i = 0; i < values.length; i++) {
        const col = checks[i]!;
        if (col >= 0) {
          if (!valueEquals(row[col], values[i])) continue next;
        } else if (!fresh[i]) {
          if (!valueEquals(values[outVars.indexOf(outVars[i]!)], values[i])) continue next;
        } else out.push(values[i]);
      }
      rows.push(out);
    }
  }
  return [...rest, { vars: [...base.vars, ...outVars.filter((_, i) => fresh[i])], rows }];
}

// ---- not, or, rules --------------------------------------------------------------------

/** Runs clauses in a sub-state seeded with the current bindings of `vars`. */
function subquery(
  ctx: QueryContext,
  state: State,
  vars: readonly string[],
  clauses: readonly Clause[],
  src: string | null,
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

function applyNot(ctx: QueryContext, state: State, c: Extract<Clause, { kind: 'not' }>): State {
  const bound = boundVars(state);
  const vars = c.vars ?? [...clauseVars(c)].filter((v) => bound.has(v));
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
  const excluded = subquery(ctx, state, vars, c.clauses, c.src);
  const [rel, rest] = gather(state, new Set(vars));
  if (rel === null) return excluded.rows.length > 0 ? [...state, { vars: [], rows: [] }] : state;
  return [...rest, antiJoin(rel, excluded)];
}

/** The variables an or/or-join joins on: or-join's, or every variable of an or's branches. */
function orVars(c: Extract<Clause, { kind: 'or' }>): string[] {
  return c.vars === null ? [...clauseVars(c)] : [...c.vars.required, ...c.vars.free];
}

const orNeeds = new WeakMap<Clause, readonly string[]>();

/**
 * The variables an or/or-join needs bound before it runs: or-join's required ones, and each
 * join variable some branch does not bind itself (it only filters on it, or does not name it).
 */
function orRequired(c: Extract<Clause, { kind: 'or' }>): readonly string[] {
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
function orBranchesDiffer(c: Extract<Clause, { kind: 'or' }>, bound: ReadonlySet<string>): never {
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

function applyOr(ctx: QueryContext, state: State, c: Extract<Clause, { kind: 'or' }>): State {
  const vars = orVars(c);
  const results = c.branches.map((b) => subquery(ctx, state, vars, b, c.src));
  for (const r of results) if (r.vars.length !== vars.length) orBranchesDiffer(c, boundVars(state));
  const merged = union(vars, results);
  const [rel, rest] = gather(state, new Set(vars));
  return [...rest, rel === null ? merged : join(rel, merged)];
}

export interface RuleTable {
  /** Answers (full head tuples, by their key) per input (the bound arguments' values). */
  readonly answers: Map<unknown, Map<unknown, Answer>>;
  /** The round in which each input was last evaluated. */
  readonly evaluated: Map<unknown, number>;
  readonly inProgress: Set<unknown>;
}

/** An answer of a rule call, with the round that found it. */
interface Answer {
  readonly row: unknown[];
  readonly round: number;
}

/** Shared by every rule call of one query: which round of the fixpoint it is in. */
interface RuleRounds {
  round: number;
  grew: boolean;
  /** Some call read the partial answers of an input still being evaluated. */
  cycle: boolean;
  depth: number;
  /** Calls too deep to evaluate on the stack: the outermost call evaluates them after its own. */
  deferred: (() => void)[];
}

/** How deep rule calls nest on the stack before new inputs wait for the outermost call. */
const MAX_RULE_DEPTH = 100;

const rounds = new WeakMap<Map<string, RuleTable>, RuleRounds>();

/**
 * Rules are evaluated top-down with tables: each call, identified by its rule and the
 * values of its bound arguments, keeps its answers; a recursive call on an input already
 * being evaluated reads the answers found so far, and the outermost call repeats until no
 * table grows (a fixpoint).
 */
function applyRule(ctx: QueryContext, state: State, c: Extract<Clause, { kind: 'rule' }>): State {
  const branches = ctx.rules.get(c.name)!;
  const head = branches[0]!;
  if (c.args.length !== head.vars.length)
    fail(
      'query/invalid',
      `Rule ${c.name} takes ${head.vars.length} arguments, ${c.text} gives ${c.args.length}.`,
      { clause: c.text },
    );
  const bound = boundVars(state);
  const mask = c.args.map((t) => t.kind === 'const' || (t.kind === 'var' && bound.has(t.name)));
  for (const b of branches)
    for (const r of b.required) {
      const i = b.vars.indexOf(r);
      if (!mask[i])
        fail(
          'query/insufficient-binding',
          `Insufficient bindings: rule ${c.name} needs ${printValue(c.args[i])} bound in ${c.text}.`,
          { clause: c.text },
        );
    }
  const inVars = c.args
    .filter((t, i) => mask[i] && t.kind === 'var')
    .map((t) => (t as { name: string }).name);
  const [rel, rest] = gather(state, new Set(inVars));
  const inputRel = rel === null ? { vars: [], rows: [[]] } : project(rel, inVars);
  const inputs = inputRel.rows.map((row) =>
    c.args
      .filter((_, i) => mask[i])
      .map((t) =>
        t.kind === 'const' ? t.value : row[inputRel.vars.indexOf((t as { name: string }).name)],
      ),
  );
  // Rule bodies read the call's source by default and see no scalar inputs: their variables
  // are their own, bound only through the head.
  const src: QueryContext = { ...withDefaultSrc(ctx, c.src), scalars: NO_SCALARS };
  const answers =
    ctx.ruleRows?.get(c) ??
    (mask.every((m) => !m) ? bottomUp(src, c.name) : null) ??
    callRule(src, c.name, mask, inputs);
  // Answers are full head tuples; match them against the call's arguments.
  const outVars: string[] = [];
  for (const t of c.args) if (t.kind === 'var' && !outVars.includes(t.name)) outVars.push(t.name);
  const plain = outVars.length === c.args.length && c.args.every((t) => t.kind === 'var');
  const rows: unknown[][] = plain ? answers.slice() : [];
  if (!plain)
    outer: for (const a of answers) {
      const row: unknown[] = new Array(outVars.length);
      const seen = new Array<boolean>(outVars.length).fill(false);
      for (let i = 0; i < c.args.length; i++) {
        const t = c.args[i]!;
        if (t.kind === 'const' && !valueEquals(a[i], t.value)) continue outer;
        if (t.kind === 'var') {
          const j = outVars.indexOf(t.name);
          if (seen[j] && !valueEquals(row[j], a[i])) continue outer;
          row[j] = a[i];
          seen[j] = true;
        }
      }
      rows.push(row);
    }
  const result: Relation = { vars: outVars, rows };
  return [...rest, rel === null ? result : join(rel, result)];
}

const NO_SCALARS: ReadonlyMap<string, unknown> = new Map();

/**
 * A call with no bound argument asks for the whole relation: evaluated bottom-up,
 * semi-naively (each round joins only the answers new in the previous round into the
 * bodies), which beats tabled top-down calls that re-solve every body per round. Returns
 * null when some body cannot run without bindings from its head, or a rule call sits
 * inside not/or or names another source: those go top-down.
 */
function bottomUp(ctx: QueryContext, name: string): readonly unknown[][] | null {
  let known = wholeRelations.get(ctx.tables);
  if (known === undefined) wholeRelations.set(ctx.tables, (known = new Map()));
  const key = `${ctx.defaultSrc}|${name}`;
  const cached = known.get(key);
  if (cached !== undefined) return cached;
  const names = reachableRules(ctx, name);
  if (names === null) return null;
  const full = new Map<string, { set: RowSet; rows: unknown[][] }>();
  let delta = new Map<string, unknown[][]>();
  for (const n of names)
    full.set(n, { set: new RowSet(ctx.rules.get(n)![0]!.vars.length), rows: [] });
  const calls = (b: RuleBranch) =>
    b.body.filter((c): c is Extract<Clause, { kind: 'rule' }> => c.kind === 'rule');
  try {
    const recursive = names.some((n) => ctx.rules.get(n)!.some((b) => calls(b).length > 0));
    for (
      let round = 0;
      round === 0 || (recursive && [...delta.values()].some((d) => d.length > 0));
      round++
    ) {
      checkDeadline(ctx);
      const found = new Map<string, unknown[][]>(names.map((n) => [n, []]));
      for (const n of names)
        for (const b of ctx.rules.get(n)!) {
          const cs = calls(b);
          // Round 0 runs the bodies without rule calls; later rounds feed each call in turn
          // the previous round's new answers and the others everything known.
          if (round === 0 ? cs.length > 0 : cs.length === 0) continue;
          const variants = round === 0 ? [null] : cs.filter((c) => delta.get(c.name)!.length > 0);
          for (const v of variants) {
            const rows = new Map<Clause, readonly unknown[][]>();
            for (const c of cs) rows.set(c, c === v ? delta.get(c.name)! : full.get(c.name)!.rows);
            const result = solve({ ...ctx, ruleRows: rows }, [], b.body);
            const [all] = gather(result, new Set(b.vars));
            if (all === null || all.rows.length === 0) continue;
            if (b.vars.some((x) => !all.vars.includes(x))) return null;
            const cols = colsOf(all, b.vars);
            for (const r of all.rows) found.get(n)!.push(cols.map((col) => r[col]));
          }
        }
      const next = new Map<string, unknown[][]>();
      for (const [n, rows] of found) {
        const known = full.get(n)!;
        const fresh = rows.filter((r) => known.set.add(r));
        // A new array: the previous one may still be read as this round's `full`.
        known.rows = known.rows.concat(fresh);
        next.set(n, fresh);
      }
      delta = next;
    }
  } catch (e) {
    if (e instanceof DatahikeError && e.code === 'query/insufficient-binding') return null;
    throw e;
  }
  for (const [n, { rows }] of full) known.set(`${ctx.defaultSrc}|${n}`, rows);
  return known.get(key)!;
}

/** Per query (keyed by its rule tables): the whole relations bottom-up evaluation found. */
const wholeRelations = new WeakMap<Map<string, RuleTable>, Map<string, readonly unknown[][]>>();

/**
 * The rules a call reaches, if every one of them can run bottom-up: no required head
 * variables, every head variable and every filter input generated by a pattern, rule call
 * or function binding of the body, and rule calls only at the top of bodies, on `$`.
 */
function reachableRules(ctx: QueryContext, name: string): string[] | null {
  const seen = [name];
  for (let i = 0; i < seen.length; i++) {
    for (const b of ctx.rules.get(seen[i]!)!) {
      if (b.required.length > 0) return null;
      const generated = new Set<string>();
      for (const c of b.body) {
        if (c.kind === 'pattern' || c.kind === 'rule')
          for (const t of c.kind === 'pattern' ? c.terms : c.args)
            if (t.kind === 'var') generated.add(t.name);
        if (c.kind === 'fn') for (const v of bindingVars(c.binding)) generated.add(v);
        if (c.kind === 'rule') {
          if (c.src !== null || !ctx.rules.has(c.name)) return null;
          if (!seen.includes(c.name)) seen.push(c.name);
        }
        if ((c.kind === 'not' || c.kind === 'or') && callsRule(c)) return null;
      }
      const needed = new Set(b.vars);
      for (const c of b.body) {
        if (c.kind === 'pred' || c.kind === 'fn')
          for (const t of c.args) if (t.kind === 'var') needed.add(t.name);
        if (c.kind === 'not' || c.kind === 'or') {
          const elsewhere = new Set(b.vars);
          for (const x of b.body) if (x !== c) for (const v of clauseVars(x)) elsewhere.add(v);
          for (const v of clauseVars(c)) if (elsewhere.has(v)) needed.add(v);
        }
      }
      for (const v of needed) if (!generated.has(v)) return null;
    }
  }
  return seen;
}

function callsRule(c: Clause): boolean {
  if (c.kind === 'rule') return true;
  if (c.kind === 'not') return c.clauses.some(callsRule);
  if (c.kind === 'or') return c.branches.some((b) => b.some(callsRule));
  return false;
}

/**
 * Answers to a rule call for the given inputs. The outermost call iterates in rounds:
 * each round evaluates every tabled input once (a call on an input already being
 * evaluated reads the answers found so far), until a round adds no answer anywhere.
 */
function callRule(
  ctx: QueryContext,
  name: string,
  mask: boolean[],
  inputs: unknown[][],
): unknown[][] {
  const tableKey = `${ctx.defaultSrc}|${name}|${mask.map((m) => (m ? 'b' : 'f')).join('')}`;
  let table = ctx.tables.get(tableKey);
  if (table === undefined)
    ctx.tables.set(
      tableKey,
      (table = { answers: new Map(), evaluated: new Map(), inProgress: new Set() }),
    );
  let rs = rounds.get(ctx.tables);
  if (rs === undefined)
    rounds.set(ctx.tables, (rs = { round: 0, grew: false, cycle: false, depth: 0, deferred: [] }));
  const boundCols = mask.flatMap((m, i) => (m ? [i] : []));
  const keyCols = boundCols.map((_, i) => i);
  const keyed = inputs.map((input) => [keyOfRow(input, keyCols), input] as const);
  for (const [k] of keyed) if (!table.answers.has(k)) table.answers.set(k, new Map());
  const outermost = rs.depth === 0;
  const partial = new Set(keyed.filter(([k]) => table!.inProgress.has(k)).map(([k]) => k));
  if (partial.size > 0) rs.cycle = true;
  const stale = () =>
    keyed.filter(([k]) => table!.evaluated.get(k) !== rs!.round && !table!.inProgress.has(k));
  const evaluateStale = () => {
    const todo = stale();
    if (todo.length === 0) return false;
    for (const [k] of todo) {
      table!.evaluated.set(k, rs!.round);
      table!.inProgress.add(k);
    }
    try {
      evaluateBranches(
        ctx,
        name,
        table!,
        boundCols,
        keyCols,
        todo.map(([, input]) => input),
        rs!,
      );
    } finally {
      for (const [k] of todo) table!.inProgress.delete(k);
    }
    return true;
  };
  if (!outermost && rs.depth >= MAX_RULE_DEPTH && stale().length > 0) {
    // A deep chain of new inputs (ancestors a thousand levels up): answer with what is known
    // and let the outermost call evaluate these in this round; later rounds complete them.
    rs.deferred.push(evaluateStale);
    rs.cycle = true;
  } else if (outermost || stale().length > 0) {
    rs.depth++;
    try {
      do {
        if (outermost) {
          rs.round++;
          rs.grew = false;
          rs.cycle = false;
        }
        if (!evaluateStale() && !outermost) break;
        while (outermost && rs.deferred.length > 0) rs.deferred.shift()!();
        // Without a cycle every answer was computed from complete answers: done.
      } while (outermost && rs.grew && rs.cycle);
    } finally {
      rs.depth--;
    }
  }
  const out: unknown[][] = [];
  // Semi-naive: from an input still in progress only what the last round and this one found.
  const since = rs.round - 1;
  for (const [k] of keyed) {
    const deltaOnly = ctx.linearRules && partial.has(k);
    for (const a of table.answers.get(k)!.values())
      if (!deltaOnly || a.round >= since) out.push(a.row);
  }
  return out;
}

/**
 * The bound head variables with the inputs' values. A variable the head repeats takes one
 * value: inputs giving it two different ones have no answer.
 */
function headSeed(
  headVars: readonly string[],
  boundCols: readonly number[],
  inputs: unknown[][],
): Relation {
  const names = boundCols.map((i) => headVars[i]!);
  const vars = [...new Set(names)];
  if (vars.length === names.length) return project({ vars: names, rows: inputs }, names);
  const first = vars.map((v) => names.indexOf(v));
  const rows = inputs
    .filter((row) => names.every((v, j) => valueEquals(row[j], row[names.indexOf(v)])))
    .map((row) => first.map((j) => row[j]));
  return project({ vars, rows }, vars);
}

function evaluateBranches(
  ctx: QueryContext,
  name: string,
  table: RuleTable,
  boundCols: readonly number[],
  keyCols: readonly number[],
  todo: unknown[][],
  rs: RuleRounds,
): void {
  checkDeadline(ctx);
  for (const branch of ctx.rules.get(name)!) {
    const headVars = branch.vars;
    const seed = headSeed(headVars, boundCols, todo);
    const result = solve(ctx, [seed], branch.body);
    const [all] = gather(result, new Set(headVars));
    if (all === null || all.rows.length === 0) continue;
    for (const v of headVars)
      if (!all.vars.includes(v))
        fail('query/insufficient-binding', `Rule ${name} does not bind ${v}.`, { rule: name });
    const cols = colsOf(all, headVars);
    for (const r of all.rows) {
      const answer = cols.map((col) => r[col]);
      const bucket = table.answers.get(
        keyOfRow(
          boundCols.map((i) => answer[i]),
          keyCols,
        ),
      );
      if (bucket === undefined) continue;
      const ak = keyOfRow(
        answer,
        answer.map((_, i) => i),
      );
      if (!bucket.has(ak)) {
        bucket.set(ak, { row: answer, round: rs.round });
        rs.grew = true;
      }
    }
  }
}

// ---- planning --------------------------------------------------------------------------

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
      return (c.vars ?? [...clauseVars(c)].filter((v) => outer.has(v))).every((v) => bound.has(v));
    case 'or':
      return orRequired(c).every((v) => bound.has(v));
    default:
      return true;
  }
}

function estimate(ctx: QueryContext, c: Clause, state: State): number {
  switch (c.kind) {
    case 'pattern': {
      const src = source(ctx, c.src);
      const shape = shapeOf(isDb(src) ? src : null, c.terms);
      return shape === null ? 0 : estimateShape(src, withSingles(state, shape));
    }
    case 'or': {
      const sub = withDefaultSrc(ctx, c.src);
      return Math.min(
        ...c.branches.map((b) => Math.max(...b.map((x) => estimate(sub, x, state)), 0)),
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

export function solve(ctx: QueryContext, seed: State, clauses: readonly Clause[]): State {
  let state = seed;
  const pending = [...clauses];
  const seedVars = boundVars(seed);
  const estimates = new Map<Clause, number>();
  while (pending.length > 0) {
    checkDeadline(ctx);
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
        if (cost === undefined) estimates.set(c, (cost = estimate(ctx, c, state)));
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
    state = applyClause(ctx, state, c);
    if (ctx.plan !== null)
      ctx.plan.push({
        clause: c.text,
        estimate: estimates.get(c) ?? null,
        rows: state.reduce((n, r) => n + r.rows.length, 0),
        ms: performance.now() - t0,
      });
  }
  return state;
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
      return applyNot(ctx, state, c);
    case 'or':
      return applyOr(ctx, state, c);
    case 'rule':
      return applyRule(ctx, state, c);
  }
}
