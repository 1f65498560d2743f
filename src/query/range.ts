/**
 * Comparison predicates as index ranges: a pattern on an AVET attribute whose value
 * variable a later `[(> ?v 50000)]` (or `<`, `<=`, `>=`, either way round, against a
 * constant or a scalar input) compares reads only that stretch of AVET instead of every
 * datom of the attribute. The predicates still run on what it reads: the range holds every
 * datom they keep (their comparison is the index's value order), and the planner's
 * estimate of the pattern is the range's count.
 */

import { compareValues, isKeyword, type Keyword, Rank, rankOf } from '../values/index.js';
import { isDb, type QueryContext, source } from './context.js';
import type { Clause, Term } from './parse.js';
import type { ValueRange } from './scan.js';

const COMPARISONS = new Set(['<', '>', '<=', '>=']);

type Pattern = Extract<Clause, { kind: 'pattern' }>;

/** The value a predicate argument has before any row: a constant or a scalar input. */
function fixedValue(ctx: QueryContext, t: Term): { value: unknown } | null {
  if (t.kind === 'const') return { value: t.value };
  if (t.kind === 'var' && ctx.scalars.has(t.name)) return { value: ctx.scalars.get(t.name) };
  return null;
}

/**
 * A bound the index order can take as it is: numbers (JavaScript's; a numerically equal
 * bigint or decimal sorts just after one) and values of ranks without several kinds.
 */
function usable(k: unknown): boolean {
  if (k === null || k === undefined) return false;
  if (typeof k === 'number') return !Number.isNaN(k);
  return rankOf(k) !== Rank.Number && rankOf(k) !== Rank.Other;
}

/** The range the pending comparisons on `c`'s value variable allow; undefined for none. */
export function valueRange(
  ctx: QueryContext,
  c: Pattern,
  pending: readonly Clause[],
  bound: ReadonlySet<string>,
): ValueRange | undefined {
  const [e, a, v] = c.terms;
  if (a?.kind !== 'const' || !isKeyword(a.value) || v?.kind !== 'var') return undefined;
  if (e !== undefined && e.kind === 'const') return undefined;
  if (bound.has(v.name) || ctx.scalars.has(v.name)) return undefined;
  const src = source(ctx, c.src);
  if (!isDb(src) || src.schema.attr(a.value as Keyword)?.inAvet !== true) return undefined;
  let lo: unknown;
  let hi: unknown;
  for (const p of pending) {
    if (p.kind !== 'pred' || p.fn.kind !== 'name' || !COMPARISONS.has(p.fn.name)) continue;
    if (p.args.length !== 2) continue;
    const [x, y] = p.args as [Term, Term];
    const first = x.kind === 'var' && x.name === v.name;
    const second = y.kind === 'var' && y.name === v.name;
    if (first === second) continue;
    const k = fixedValue(ctx, first ? y : x);
    if (k === null || !usable(k.value)) continue;
    const op = p.fn.name;
    // With the variable first, > and >= bound it from below; with it second, from above.
    const below = (op === '>' || op === '>=') === first;
    if (below) {
      if (lo === undefined || compareValues(k.value, lo) > 0) lo = k.value;
    } else {
      // `(<= ?v 5)` keeps 5n and 5M too, which sort just after 5: bound above them.
      let upper = k.value;
      const inclusive = first ? op === '<=' : op === '>=';
      if (typeof upper === 'number' && inclusive) {
        if (!Number.isInteger(upper) || Math.abs(upper) >= 2 ** 52) continue;
        upper += 0.5;
      }
      if (hi === undefined || compareValues(upper, hi) < 0) hi = upper;
    }
  }
  return lo === undefined && hi === undefined ? undefined : { lo, hi };
}
