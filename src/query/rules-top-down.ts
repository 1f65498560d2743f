/**
 * Rule calls evaluated top-down with tables: each call, identified by its rule and the
 * values of its bound arguments, keeps its answers; a recursive call on an input already
 * being evaluated reads the answers found so far, and the outermost call repeats until no
 * table grows (a fixpoint). The tables and rounds live in the query's rule state.
 */

import { checkDeadline, fail, type QueryContext, ticker } from './context.js';
import { colsOf, keyOfRow, project, type Relation, valueEquals } from './relation.js';
import type { RuleTable } from './rule-state.js';
import { gather, type Solve } from './state.js';

/** How deep rule calls nest on the stack before new inputs wait for the outermost call. */
const MAX_RULE_DEPTH = 100;

/**
 * Answers to a rule call for the given inputs. The outermost call iterates in rounds:
 * each round evaluates every tabled input once (a call on an input already being
 * evaluated reads the answers found so far), until a round adds no answer anywhere.
 */
export function callRule(
  ctx: QueryContext,
  name: string,
  mask: boolean[],
  inputs: unknown[][],
  solve: Solve,
): unknown[][] {
  const { tables, rounds: rs } = ctx.rules;
  const tableKey = `${ctx.defaultSrc}|${name}|${mask.map((m) => (m ? 'b' : 'f')).join('')}`;
  let table = tables.get(tableKey);
  if (table === undefined)
    tables.set(
      tableKey,
      (table = { answers: new Map(), evaluated: new Map(), inProgress: new Set() }),
    );
  const boundCols = mask.flatMap((m, i) => (m ? [i] : []));
  const keyCols = boundCols.map((_, i) => i);
  const keyed = inputs.map((input) => [keyOfRow(input, keyCols), input] as const);
  for (const [k] of keyed) if (!table.answers.has(k)) table.answers.set(k, new Map());
  const outermost = rs.depth === 0;
  const partial = new Set(keyed.filter(([k]) => table!.inProgress.has(k)).map(([k]) => k));
  if (partial.size > 0) rs.cycle = true;
  const stale = () =>
    keyed.filter(([k]) => table!.evaluated.get(k) !== rs.round && !table!.inProgress.has(k));
  const evaluateStale = () => {
    const todo = stale();
    if (todo.length === 0) return false;
    for (const [k] of todo) {
      table!.evaluated.set(k, rs.round);
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
        solve,
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
    const deltaOnly = ctx.rules.linear && partial.has(k);
    for (const a of table.answers.get(k)!.values())
      if (!deltaOnly || a.round >= since) out.push(a.row);
  }
  return out;
}

/**
 * The bound head variables with the inputs' values. A variable the head repeats takes one
 * value: inputs giving it two different ones have no answer.
 */
export function headSeed(
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
  solve: Solve,
): void {
  checkDeadline(ctx);
  const rs = ctx.rules.rounds;
  for (const branch of ctx.rules.branches.get(name)!) {
    const headVars = branch.vars;
    const seed = headSeed(headVars, boundCols, todo);
    const result = solve(ctx, [seed], branch.body);
    const [all] = gather(result, new Set(headVars), ticker(ctx));
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
