/**
 * The :find phase: from the relation over the find and :with variables to the result, with
 * set semantics (duplicates kept by :with), aggregates per group, pulls, :limit/:offset and
 * the shape :find asks for (relation, collection, tuple, scalar; maps for :keys/:strs/:syms).
 */

import type { DbView } from '../db/index.js';
import { pull } from '../pull/index.js';
import { DatahikeError, type ErrorCode, keyword, printValue, sym } from '../values/index.js';
import { AGGREGATES } from './builtins.js';
import { checkDeadline, isDb, type QueryContext, rowMeter } from './context.js';
import type { FindElem, Query, Term } from './parse.js';
import { colsOf, distinct, keyOfRow, type Relation } from './relation.js';
import { collectVars, type State } from './state.js';

function bad(code: ErrorCode, message: string, data: Record<string, unknown> = {}): never {
  throw new DatahikeError(code, message, data);
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

/** `(pull $src ?e pattern)`: the source must be a database. */
function pullFrom(src: unknown, pattern: unknown, eid: unknown): unknown {
  if (!isDb(src))
    bad('query/bad-source', `pull in :find needs a database source, got ${printValue(src)}.`, {});
  // Datahike takes a set of attributes as a pattern too.
  return pull(src as DbView, pattern instanceof Set ? [...pattern] : pattern, eid);
}

/** The variables the :find phase reads: those of :find and :with. */
export function findVars(q: Query): Set<string> {
  return new Set([...q.find.elems.map(elemVar), ...q.with]);
}

/** Whether the result is a relation of variables only (no :with, no return map): a set in Datahike. */
export function isPlainRelation(q: Query): boolean {
  return (
    q.find.kind === 'rel' &&
    q.keys === null &&
    q.with.length === 0 &&
    q.find.elems.every((e) => e.kind === 'var')
  );
}

/** The result :find asks for from the state :where left. */
export function findResult(
  ctx: QueryContext,
  q: Query,
  state: State,
  window: { readonly offset?: number; readonly limit?: number },
): unknown {
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
    const meter = rowMeter(ctx);
    for (const r of full.rows) {
      meter(0);
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
  if (q.find.elems.some((e) => e.kind === 'pull'))
    tuples = tuples.map((t) =>
      t.map((v, i) => {
        checkDeadline(ctx);
        const e = q.find.elems[i]!;
        if (e.kind !== 'pull') return v;
        const pattern = e.patternName === null ? e.pattern : ctx.scalars.get(e.patternName);
        return pullFrom(ctx.sources.get(e.src), pattern, v);
      }),
    );
  const offset = window.offset ?? 0;
  if (offset > 0 || window.limit !== undefined)
    tuples = tuples.slice(offset, window.limit === undefined ? undefined : offset + window.limit);
  return shape(q, tuples);
}
