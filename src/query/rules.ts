/**
 * A rule call clause `(rule ?a ?b)`: checks its arguments, asks for the answers (the rows
 * fed to it during bottom-up evaluation, the whole relation bottom-up when no argument is
 * bound, else tabled top-down calls on the bound values) and joins them into the state.
 */

import { printValue } from '../values/index.js';
import { fail, type QueryContext, withDefaultSrc } from './context.js';
import type { Clause } from './parse.js';
import { join, project, type Relation, valueEquals } from './relation.js';
import { bottomUp } from './rules-bottom-up.js';
import { callLinear } from './rules-linear.js';
import { callRule } from './rules-top-down.js';
import { boundVars, gather, type Solve, type State } from './state.js';

const NO_SCALARS: ReadonlyMap<string, unknown> = new Map();

export function applyRule(
  ctx: QueryContext,
  state: State,
  c: Extract<Clause, { kind: 'rule' }>,
  solve: Solve,
): State {
  const branches = ctx.rules.branches.get(c.name)!;
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
    (mask.every((m) => !m) ? bottomUp(src, c.name, solve) : null) ??
    callLinear(src, c.name, mask, inputs, solve) ??
    callRule(src, c.name, mask, inputs, solve);
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
