/**
 * Joining a data pattern into the state. A pattern sharing no variable adds a relation of
 * its own. One sharing variables with a small relation is looked up per row through the
 * index (entity bound, or value bound on an AVET attribute); with a large one it is scanned
 * once and hash-joined, or merged by entity when its attribute is constant. A pattern linking
 * two relations extends one through the index and hash-joins the other, never forming their
 * product.
 */

import type { DbView } from '../db/index.js';
import { isKeyword, type Keyword, printValue } from '../values/index.js';
import { fail, isDb, type QueryContext, rowMeter, source, ticker } from './context.js';
import type { Clause } from './parse.js';
import {
  estimateShape,
  matchPattern,
  matchRange,
  type PatternShape,
  resolveBound,
  shapeOf,
  simplePattern,
  withSingles,
} from './pattern.js';
import { colsOf, join, type Relation, valueEquals } from './relation.js';
import { attributeDatoms, datomField, scan, type ValueRange } from './scan.js';
import { boundVars, dropVars, gather, type State } from './state.js';

/** The state after a pattern clause: bound values in entity positions resolved first. */
export function applyPattern(
  ctx: QueryContext,
  state: State,
  c: Extract<Clause, { kind: 'pattern' }>,
  range?: ValueRange,
): State {
  const src = source(ctx, c.src);
  if (!isDb(src) && !Array.isArray(src) && !(src instanceof Set))
    fail(
      'query/bad-source',
      `Cannot match ${c.text}: the source is not a database or a collection of tuples, got ${printValue(src)}.`,
      { clause: c.text },
    );
  const shape = shapeOf(isDb(src) ? src : null, c.terms);
  if (shape === null) return [{ vars: [], rows: [] }];
  const bound = boundVars(state);
  if (!shape.outVars.some((v) => bound.has(v)))
    return [...state, { vars: shape.outVars, rows: matchAll(src, shape, range) }];
  if (isDb(src)) {
    const resolved = resolveBound(src, state, shape, c.terms);
    if (resolved !== null) {
      const after = applyShape(ctx, resolved.state, src, resolved.shape, range);
      return after.map((r) => dropVars(r, resolved.shadows));
    }
  }
  return applyShape(ctx, state, src, shape, range);
}

/** Every match of a pattern, read from its value range when it has one. */
function matchAll(src: unknown, shape: PatternShape, range: ValueRange | undefined): unknown[][] {
  return range !== undefined && isDb(src) && shape.consts[0] === undefined
    ? matchRange(src, shape, range)
    : matchPattern(src, shape, []);
}

/** Chooses how the pattern meets the relations it shares variables with (see the header). */
function applyShape(
  ctx: QueryContext,
  state: State,
  src: unknown,
  whole: PatternShape,
  range?: ValueRange,
): State {
  const shape = withSingles(state, whole);
  const bound = boundVars(state);
  const shared = shape.outVars.filter((v) => bound.has(v));
  const touching = state.filter((r) => r.vars.some((v) => shared.includes(v)));
  if (touching.length > 1) {
    // The pattern links relations: extend the one bound to its entity (else the smallest)
    // through the index, then hash-join the others to it, instead of forming their product.
    const e = shape.vars[0];
    const driver =
      touching.find((r) => e !== undefined && r.vars.includes(e)) ??
      touching.reduce((a, b) => (a.rows.length <= b.rows.length ? a : b));
    let [extended] = applyShape(ctx, [driver], src, shape, range) as [Relation];
    for (const r of touching) if (r !== driver) extended = join(extended, r, ticker(ctx));
    return [...state.filter((r) => !touching.includes(r)), extended];
  }
  const [rel, rest] = gather(state, new Set(shared), ticker(ctx));
  const r = rel!;
  // Per-row lookups pay when the bound side is small and the pattern is indexable by it.
  const eBound = shape.vars[0] !== undefined && bound.has(shape.vars[0]);
  const avBound =
    isDb(src) &&
    shape.vars[2] !== undefined &&
    bound.has(shape.vars[2]) &&
    isKeyword(shape.consts[1]) &&
    src.schema.attr(shape.consts[1] as Keyword)?.inAvet === true;
  if (isDb(src) && (eBound || avBound) && r.rows.length * 8 < estimateShape(src, shape) + 64) {
    const sharedCols = colsOf(r, shared);
    const newVars = shape.outVars.filter((v) => !bound.has(v));
    // Where each new variable comes from in a datom, and which row column fills each position.
    const newPos = newVars.map((v) => shape.vars.indexOf(v));
    const fromRow = [0, 1, 2, 3, 4].map((i) => {
      const v = shape.vars[i];
      return v === undefined || !bound.has(v) ? -1 : sharedCols[shared.indexOf(v)]!;
    });
    // Checks the index lookup does not make: `added`, and a variable repeated in the pattern.
    const repeated = shape.vars.some((v, i) => v !== undefined && shape.vars.indexOf(v) !== i);
    const simple = shape.consts[4] === undefined && !repeated;
    const rows: unknown[][] = [];
    const fixed = new Array<unknown>(5);
    const at = (i: number) => (fixed[i] !== undefined ? fixed[i] : shape.consts[i]);
    const meter = rowMeter(ctx);
    for (const row of r.rows) {
      meter(rows.length);
      for (let i = 0; i < 5; i++) fixed[i] = fromRow[i]! >= 0 ? row[fromRow[i]!] : undefined;
      if (simple) {
        const e = at(0);
        const a = at(1);
        if ((e !== undefined && typeof e !== 'number') || (a !== undefined && !isKeyword(a)))
          continue;
        for (const dt of scan(src, e, a, at(2), at(3))) {
          const out = row.slice();
          for (const p of newPos) out.push(datomField(dt, p));
          meter(rows.push(out));
        }
      } else {
        const newIdx = newVars.map((v) => shape.outVars.indexOf(v));
        for (const m of matchPattern(src, shape, fixed)) {
          const out = row.slice();
          for (const i of newIdx) out.push(m[i]);
          meter(rows.push(out));
        }
      }
    }
    return [...rest, { vars: [...r.vars, ...newVars], rows }];
  }
  if (isDb(src) && eBound && isKeyword(shape.consts[1]) && simplePattern(shape))
    return [...rest, mergeByEntity(ctx, src, shape, r, bound)];
  return [
    ...rest,
    join(r, { vars: shape.outVars, rows: matchAll(src, shape, range) }, ticker(ctx)),
  ];
}

/**
 * Joins a large relation with a pattern of constant attribute on its bound entity: the
 * attribute's datoms come out of AEVT sorted by entity, so each row finds its entity's
 * datoms by galloping forward from the previous row's (linear when the rows are sorted by
 * entity, as rows from an earlier AEVT scan are) instead of building a hash table.
 */
function mergeByEntity(
  ctx: QueryContext,
  src: DbView,
  shape: PatternShape,
  r: Relation,
  bound: Set<string>,
): Relation {
  const a = shape.consts[1] as Keyword;
  const v = shape.consts[2];
  const datoms = attributeDatoms(src, a, v);
  const eCol = r.vars.indexOf(shape.vars[0]!);
  // A value or tx that must match: a constant, or a column of the row.
  const testCol = [2, 3].map((i) => {
    const v = shape.vars[i];
    return v !== undefined && bound.has(v) ? r.vars.indexOf(v) : -1;
  });
  const newVars = shape.outVars.filter((v) => !bound.has(v));
  const newPos = newVars.map((v) => shape.vars.indexOf(v));
  const width = r.vars.length + newVars.length;
  const rows: unknown[][] = [];
  const n = datoms.length;
  let p = 0;
  const meter = rowMeter(ctx);
  for (const row of r.rows) {
    meter(rows.length);
    const e = row[eCol];
    if (typeof e !== 'number') continue;
    if (p >= n || datoms[p]!.e > e) p = 0;
    // Gallop to a window that holds the first datom of e, then binary search in it.
    let step = 1;
    let hi = p;
    while (hi < n && datoms[hi]!.e < e) {
      p = hi + 1;
      hi += step;
      step *= 2;
    }
    if (hi > n) hi = n;
    while (p < hi) {
      const mid = (p + hi) >>> 1;
      if (datoms[mid]!.e < e) p = mid + 1;
      else hi = mid;
    }
    for (let j = p; j < n; j++) {
      const dt = datoms[j]!;
      if (dt.e !== e) break;
      const value = testCol[0]! >= 0 ? row[testCol[0]!] : v;
      if (value !== undefined && !valueEquals(dt.v, value)) continue;
      const tx = testCol[1]! >= 0 ? row[testCol[1]!] : shape.consts[3];
      if (tx !== undefined && dt.tx !== tx) continue;
      const out = new Array(width);
      for (let i = 0; i < row.length; i++) out[i] = row[i];
      for (let i = 0; i < newPos.length; i++) out[row.length + i] = datomField(dt, newPos[i]!);
      meter(rows.push(out));
    }
  }
  return { vars: [...r.vars, ...newVars], rows };
}
