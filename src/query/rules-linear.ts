/**
 * Right-linear recursion from bound arguments, as `(anc ?c ?a)` with `?c` bound:
 * `[(anc ?c ?a) [?c :parent ?a]] [(anc ?c ?a) [?c :parent ?m] (anc ?m ?a)]`. When the only
 * recursive call of a branch passes the free head arguments through unchanged (and nothing
 * else in the body reads them), every answer of the call `(anc ?m ?a)` is an answer of
 * `(anc ?c ?a)` with `?c`'s value: so the inputs the recursion reaches are found first (a
 * walk over the rest of the recursive bodies), the exit branches run once on all of them,
 * and each input's answers are the exit answers of what it reaches. Tabling every reached
 * input would keep all of its answers: quadratic on a chain, where this is linear.
 */

import { checkDeadline, fail, type QueryContext, rowMeter, ticker } from './context.js';
import type { Clause, RuleBranch, Term } from './parse.js';
import { clauseVars } from './parse.js';
import { colsOf, keyOfRow, RowSet } from './relation.js';
import { headSeed } from './rules-top-down.js';
import { gather, type Solve } from './state.js';

type RuleCall = Extract<Clause, { kind: 'rule' }>;

/** How a rule runs right-linearly for one binding mask. */
export interface LinearPlan {
  /** Branches without a recursive call. */
  readonly exits: readonly RuleBranch[];
  /** Branches with one recursive call: the call, and the rest of the body. */
  readonly steps: readonly { branch: RuleBranch; call: RuleCall; rest: readonly Clause[] }[];
}

/** The rule names clauses call, nested ones included. */
function calledRules(clauses: readonly Clause[], out: Set<string>): Set<string> {
  for (const c of clauses) {
    if (c.kind === 'rule') out.add(c.name);
    else if (c.kind === 'not') calledRules(c.clauses, out);
    else if (c.kind === 'or') for (const b of c.branches) calledRules(b, out);
  }
  return out;
}

/** Whether `clauses` call `target`, directly or through other rules. */
function reaches(
  rules: ReadonlyMap<string, RuleBranch[]>,
  clauses: readonly Clause[],
  target: string,
): boolean {
  const seen = new Set<string>();
  const todo = [...calledRules(clauses, new Set())];
  while (todo.length > 0) {
    const n = todo.pop()!;
    if (n === target) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const b of rules.get(n) ?? []) todo.push(...calledRules(b.body, new Set()));
  }
  return false;
}

/**
 * The plan for calls of `name` with the bound arguments `mask`, or null when the rule is not
 * right-linear for it: some branch calls it more than once, inside not/or or through other
 * rules, names another source, or reads a free head variable outside the recursive call.
 */
export function linearPlan(
  rules: ReadonlyMap<string, RuleBranch[]>,
  name: string,
  mask: readonly boolean[],
): LinearPlan | null {
  // With no bound argument the whole relation goes bottom-up; with every one bound, tables.
  if (!mask.some((m) => m) || mask.every((m) => m)) return null;
  const exits: RuleBranch[] = [];
  const steps: { branch: RuleBranch; call: RuleCall; rest: Clause[] }[] = [];
  for (const branch of rules.get(name)!) {
    const calls = branch.body.filter((c): c is RuleCall => c.kind === 'rule' && c.name === name);
    if (calls.length === 0) {
      if (reaches(rules, branch.body, name)) return null;
      exits.push(branch);
      continue;
    }
    if (calls.length > 1) return null;
    const call = calls[0]!;
    const rest = branch.body.filter((c) => c !== call);
    if (call.src !== null || reaches(rules, rest, name)) return null;
    const head = branch.vars;
    const free = head.filter((_, i) => !mask[i]);
    // Each free head variable stands once in the head.
    if (free.some((v) => head.indexOf(v) !== head.lastIndexOf(v))) return null;
    for (let i = 0; i < head.length; i++) {
      const t: Term = call.args[i]!;
      if (mask[i] ? t.kind !== 'var' && t.kind !== 'const' : t.kind !== 'var' || t.name !== head[i])
        return null;
    }
    if (rest.some((c) => free.some((v) => clauseVars(c).has(v)))) return null;
    steps.push({ branch, call, rest });
  }
  if (steps.length === 0) return null;
  return { exits, steps };
}

/**
 * Answers (full head tuples) to `name` for the inputs (the bound arguments' values), or null
 * when the rule is not right-linear for this mask (then it goes to the tables).
 */
export function callLinear(
  ctx: QueryContext,
  name: string,
  mask: readonly boolean[],
  inputs: readonly unknown[][],
  solve: Solve,
): unknown[][] | null {
  const key = `${name}|${mask.map((m) => (m ? 'b' : 'f')).join('')}`;
  const plans = ctx.rules.linearPlans;
  let plan = plans.get(key);
  if (plan === undefined) plans.set(key, (plan = linearPlan(ctx.rules.branches, name, mask)));
  if (plan === null) return null;
  const boundCols = mask.flatMap((m, i) => (m ? [i] : []));
  const freeCols = mask.flatMap((m, i) => (m ? [] : [i]));
  const keyCols = boundCols.map((_, i) => i);
  // The inputs the recursion reaches, and from each the inputs its recursive calls get.
  const nodes = new Map<unknown, unknown[]>();
  const next = new Map<unknown, unknown[]>();
  let frontier: unknown[][] = [];
  for (const input of inputs) {
    const k = keyOfRow(input, keyCols);
    if (!nodes.has(k)) {
      nodes.set(k, input);
      frontier.push(input);
    }
  }
  while (frontier.length > 0) {
    checkDeadline(ctx);
    const found: unknown[][] = [];
    for (const input of frontier) next.set(keyOfRow(input, keyCols), []);
    for (const { branch, call, rest } of plan.steps) {
      const headBound = boundCols.map((i) => branch.vars[i]!);
      const seed = headSeed(branch.vars, boundCols, frontier);
      const callVars = boundCols.flatMap((i) => {
        const t = call.args[i]!;
        return t.kind === 'var' ? [t.name] : [];
      });
      const [all] = gather(
        solve(ctx, [seed], rest),
        new Set([...headBound, ...callVars]),
        ticker(ctx),
      );
      if (all === null || all.rows.length === 0) continue;
      if ([...headBound, ...callVars].some((v) => !all.vars.includes(v))) return null;
      const fromCols = colsOf(all, headBound);
      const toCols = boundCols.map((i) => {
        const t = call.args[i]!;
        return t.kind === 'var' ? all.vars.indexOf(t.name) : -1;
      });
      for (const row of all.rows) {
        const to = toCols.map((col, j) =>
          col >= 0 ? row[col] : (call.args[boundCols[j]!] as { value: unknown }).value,
        );
        const tk = keyOfRow(to, keyCols);
        next
          .get(
            keyOfRow(
              fromCols.map((c) => row[c]),
              keyCols,
            ),
          )
          ?.push(tk);
        if (!nodes.has(tk)) {
          nodes.set(tk, to);
          found.push(to);
        }
      }
    }
    frontier = found;
  }
  // The exit branches, once on every reached input: their free values by input.
  const exitRows = new Map<unknown, unknown[][]>();
  const reached = [...nodes.values()];
  for (const branch of plan.exits) {
    const head = branch.vars;
    const [all] = gather(
      solve(ctx, [headSeed(head, boundCols, reached)], branch.body),
      new Set(head),
      ticker(ctx),
    );
    if (all === null || all.rows.length === 0) continue;
    for (const v of head)
      if (!all.vars.includes(v))
        fail('query/insufficient-binding', `Rule ${name} does not bind ${v}.`, { rule: name });
    const cols = colsOf(all, head);
    for (const row of all.rows) {
      const k = keyOfRow(
        boundCols.map((i) => row[cols[i]!]),
        keyCols,
      );
      let rows = exitRows.get(k);
      if (rows === undefined) exitRows.set(k, (rows = []));
      rows.push(freeCols.map((i) => row[cols[i]!]));
    }
  }
  // Each input's answers: the exit answers of every input it reaches, under its own values.
  const out: unknown[][] = [];
  const meter = rowMeter(ctx);
  for (const [k, input] of inputsByKey(inputs, keyCols)) {
    const seen = new Set<unknown>([k]);
    const todo = [k];
    const answers = new RowSet(freeCols.length);
    while (todo.length > 0) {
      meter(out.length);
      const at = todo.pop()!;
      for (const f of exitRows.get(at) ?? [])
        if (answers.add(f)) {
          const answer = new Array<unknown>(mask.length);
          boundCols.forEach((c, j) => {
            answer[c] = input[j];
          });
          freeCols.forEach((c, j) => {
            answer[c] = f[j];
          });
          out.push(answer);
        }
      for (const n of next.get(at) ?? [])
        if (!seen.has(n)) {
          seen.add(n);
          todo.push(n);
        }
    }
  }
  return out;
}

function inputsByKey(
  inputs: readonly unknown[][],
  keyCols: readonly number[],
): Map<unknown, unknown[]> {
  const out = new Map<unknown, unknown[]>();
  for (const input of inputs) {
    const k = keyOfRow(input, keyCols);
    if (!out.has(k)) out.set(k, input);
  }
  return out;
}
