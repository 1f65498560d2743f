/**
 * Predicate clauses `[(f ?a ?b)]` and function clauses `[(f ?a) binding]`: the function is
 * a built-in or a function bound to a variable; the arguments come from the row, the scalar
 * inputs or the sources; a result is bound to the binding form, joining on any binding
 * variable that is already bound.
 */

import { DatahikeError } from '../values/index.js';
import { bindValue } from './bind.js';
import { builtin } from './builtins.js';
import { checkDeadline, fail, type QueryContext, rowMeter, source, ticker } from './context.js';
import { bindingVars, type Clause, type FnRef, type Term } from './parse.js';
import { type Relation, valueEquals } from './relation.js';
import { boundVars, gather, type State } from './state.js';

type Fn = (...a: unknown[]) => unknown;
type Call = Extract<Clause, { kind: 'pred' | 'fn' }>;

function resolveFn(
  ctx: QueryContext,
  ref: FnRef,
  row: readonly unknown[] | null,
  rel: Relation | null,
  clause: Call,
): Fn {
  if (ref.kind === 'var') {
    const col = rel?.vars.indexOf(ref.name) ?? -1;
    const f = col >= 0 && row !== null ? row[col] : ctx.scalars.get(ref.name);
    if (typeof f !== 'function')
      fail('query/unknown-function', `${ref.name} is not bound to a function in ${clause.text}.`, {
        function: ref.name,
      });
    return f as Fn;
  }
  return (
    builtin(ref.name, ctx) ??
    fail(
      'query/unknown-function',
      `Unknown ${clause.kind === 'pred' ? 'predicate' : 'function'} ${ref.name} in ${clause.text}: use a built-in, or pass a JavaScript function as an input and call it through its variable.`,
      { function: ref.name },
    )
  );
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

/**
 * The arguments of a call for each row of `rel`, where the row column or the value of each
 * is found once for all rows; null when one is bound by nothing (then `callArgs` says so).
 */
function argsPerRow(
  ctx: QueryContext,
  args: readonly Term[],
  rel: Relation,
  clause: string,
): ((row: readonly unknown[]) => unknown[]) | null {
  const cols: number[] = [];
  const values: unknown[] = [];
  for (const t of args) {
    const col = t.kind === 'var' ? rel.vars.indexOf(t.name) : -1;
    if (t.kind === 'blank' || (t.kind === 'var' && col < 0 && !ctx.scalars.has(t.name)))
      return null;
    cols.push(col);
    values.push(col >= 0 ? undefined : argValue(ctx, t, [], null, clause));
  }
  const n = cols.length;
  return (row) => {
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = cols[i]! >= 0 ? row[cols[i]!] : values[i];
    return out;
  };
}

/** The variables a call reads that the state must bind (scalar inputs are bound already). */
export function inputVars(ctx: QueryContext, c: { fn: FnRef; args: readonly Term[] }): Set<string> {
  const out = new Set<string>();
  for (const t of c.args) if (t.kind === 'var' && !ctx.scalars.has(t.name)) out.add(t.name);
  if (c.fn.kind === 'var' && !ctx.scalars.has(c.fn.name)) out.add(c.fn.name);
  return out;
}

function invoke(f: Fn, args: unknown[], clause: string): unknown {
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

/** Rows a function's result counts for in the read's budget: its items, or 16 characters a row. */
function sizeOf(x: unknown): number {
  if (typeof x === 'string') return x.length >>> 4;
  if (Array.isArray(x)) return x.length;
  if (x instanceof Set || x instanceof Map) return x.size;
  return 0;
}

function truthy(x: unknown): boolean {
  return x !== false && x !== null && x !== undefined;
}

export function applyPred(
  ctx: QueryContext,
  state: State,
  c: Extract<Clause, { kind: 'pred' }>,
): State {
  const [rel, rest] = gather(state, inputVars(ctx, c), ticker(ctx));
  if (rel === null) {
    const ok = truthy(
      invoke(resolveFn(ctx, c.fn, null, null, c), callArgs(ctx, c.args, [], null, c.text), c.text),
    );
    return ok ? state : [...state, { vars: [], rows: [] }];
  }
  const fixedFn = c.fn.kind === 'name' ? resolveFn(ctx, c.fn, null, null, c) : null;
  const argsOf =
    argsPerRow(ctx, c.args, rel, c.text) ??
    ((row: readonly unknown[]) => callArgs(ctx, c.args, row, rel, c.text));
  let n = 0;
  const rows = rel.rows.filter((row) => {
    if (++n % 1024 === 0) checkDeadline(ctx);
    return truthy(invoke(fixedFn ?? resolveFn(ctx, c.fn, row, rel, c), argsOf(row), c.text));
  });
  return [...rest, { vars: rel.vars, rows }];
}

export function applyFn(
  ctx: QueryContext,
  state: State,
  c: Extract<Clause, { kind: 'fn' }>,
): State {
  const outVars = bindingVars(c.binding);
  const bound = boundVars(state);
  // A binding variable that is already bound makes the clause an equality test on it.
  const [rel, rest] = gather(
    state,
    new Set([...inputVars(ctx, c), ...outVars.filter((v) => bound.has(v))]),
    ticker(ctx),
  );
  const base: Relation = rel ?? { vars: [], rows: [[]] };
  const checks = outVars.map((v) => base.vars.indexOf(v));
  const fresh = outVars.map((v, i) => checks[i]! < 0 && outVars.indexOf(v) === i);
  const fixedFn = c.fn.kind === 'name' ? resolveFn(ctx, c.fn, null, null, c) : null;
  const argsOf =
    argsPerRow(ctx, c.args, base, c.text) ??
    ((row: readonly unknown[]) => callArgs(ctx, c.args, row, rel, c.text));
  const rows: unknown[][] = [];
  const meter = rowMeter(ctx);
  for (const row of base.rows) {
    meter(rows.length);
    const value = invoke(fixedFn ?? resolveFn(ctx, c.fn, row, rel, c), argsOf(row), c.text);
    // A function that answers nil binds nothing (DataScript, Datahike).
    if (value === null || value === undefined) continue;
    // What it made counts too: rows that each hold a large collection take memory as rows do.
    const size = sizeOf(value);
    if (size > 0) ctx.budget?.spend(size);
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
      meter(rows.push(out));
    }
  }
  return [...rest, { vars: [...base.vars, ...outVars.filter((_, i) => fresh[i])], rows }];
}
