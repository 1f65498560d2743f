/**
 * Data patterns `[e a v tx added]`: their shape (constants resolved against the source,
 * variables by position), matching datoms or tuples of a collection source, estimates, and
 * the resolution of bound values in entity positions through shadow columns.
 */

import type { DbView } from '../db/index.js';
import type { Datom } from '../index/datom.js';
import { isKeyword, type Keyword } from '../values/index.js';
import { isDb } from './context.js';
import type { Term } from './parse.js';
import { valueEquals } from './relation.js';
import { entityConst, entityOf, NOTHING, needsResolving, valueConst } from './resolve.js';
import { countDatoms, datomField, rangeDatoms, scan, type ValueRange } from './scan.js';
import type { State } from './state.js';

export interface PatternShape {
  /** Constant (resolved) per position, or undefined. */
  consts: unknown[];
  /** Variable name per position, or undefined. */
  vars: (string | undefined)[];
  /** Distinct variables in position order. */
  outVars: string[];
}

export function shapeOf(db: DbView | null, terms: readonly Term[]): PatternShape | null {
  const consts: unknown[] = [];
  const vars: (string | undefined)[] = [];
  for (let i = 0; i < 5; i++) {
    const t = terms[i];
    if (t === undefined || t.kind === 'blank') {
      consts.push(undefined);
      vars.push(undefined);
    } else if (t.kind === 'var') {
      consts.push(undefined);
      vars.push(t.name);
    } else {
      const value = t.kind === 'src' ? t.name : t.value;
      let c = value;
      if (db !== null) {
        if (i === 0) c = entityConst(db, value);
        else if (i === 2) c = valueConst(db, isRefAttr(db, terms[1]), value);
        else if (i === 3 && Array.isArray(value)) c = entityConst(db, value);
        if (i === 1 && typeof value === 'string') c = NOTHING;
      }
      if (c === NOTHING) return null;
      consts.push(c);
      vars.push(undefined);
    }
  }
  const outVars: string[] = [];
  for (const v of vars) if (v !== undefined && !outVars.includes(v)) outVars.push(v);
  return { consts, vars, outVars };
}

/** Whether a pattern's attribute term is a constant reference attribute of `db`. */
function isRefAttr(db: DbView, t: Term | undefined): boolean {
  return t?.kind === 'const' && isKeyword(t.value) && db.schema.attr(t.value)?.isRef === true;
}

/** Rows over `shape.outVars` for the datoms (or tuples) that fit the shape. */
function rowsOf(
  items: readonly (Datom | readonly unknown[])[],
  shape: PatternShape,
  fixed: readonly unknown[],
  matchedByLookup = false,
): unknown[][] {
  const rows: unknown[][] = [];
  const { vars, consts, outVars } = shape;
  const n = outVars.length;
  const positions = outVars.map((v) => vars.indexOf(v));
  // Positions whose value must equal something: constants, fixed values, repeated variables.
  const tests: [number, unknown, number][] = [];
  for (let i = 0; i < 5; i++) {
    const c = fixed[i] !== undefined ? fixed[i] : consts[i];
    if (c !== undefined && !(matchedByLookup && i < 4)) tests.push([i, c, -1]);
    const v = vars[i];
    if (v !== undefined && positions[outVars.indexOf(v)] !== i)
      tests.push([i, undefined, positions[outVars.indexOf(v)]!]);
  }
  const tupleSource = items.length > 0 && Array.isArray(items[0]);
  for (const it of items) {
    let ok = true;
    for (let t = 0; t < tests.length && ok; t++) {
      const [i, c, other] = tests[t]!;
      const x = tupleSource ? (it as unknown[])[i] : datomField(it as Datom, i);
      const y =
        other < 0 ? c : tupleSource ? (it as unknown[])[other] : datomField(it as Datom, other);
      ok = valueEquals(x, y);
    }
    if (!ok) continue;
    const row = new Array(n);
    for (let j = 0; j < n; j++)
      row[j] = tupleSource
        ? (it as unknown[])[positions[j]!]
        : datomField(it as Datom, positions[j]!);
    rows.push(row);
  }
  return rows;
}

/** Matches a pattern against a source, with some positions fixed to values. */
export function matchPattern(src: unknown, shape: PatternShape, fixed: unknown[]): unknown[][] {
  if (isDb(src)) {
    const c = (i: number) => (fixed[i] !== undefined ? fixed[i] : shape.consts[i]);
    const e = c(0);
    const a = c(1);
    if (a !== undefined && !isKeyword(a)) return [];
    if (e !== undefined && typeof e !== 'number') return [];
    // The lookup already matched e, a, v and tx: only `added` and repeated variables remain.
    return rowsOf(scan(src, e, a, c(2), c(3)), shape, fixed, true);
  }
  if (Array.isArray(src) || src instanceof Set)
    return rowsOf([...src] as unknown[][], shape, fixed);
  return [];
}

/** Matches a pattern on an AVET attribute, its value within a range (see range.ts). */
export function matchRange(db: DbView, shape: PatternShape, range: ValueRange): unknown[][] {
  return rowsOf(rangeDatoms(db, shape.consts[1] as Keyword, range), shape, []);
}

/** Expected result size of a pattern alone (its constants only). */
export function estimateShape(src: unknown, shape: PatternShape): number {
  if (!isDb(src)) return Array.isArray(src) ? src.length : 1000;
  const [e, a, v] = shape.consts;
  return countDatoms(src, e, a, v);
}

/** Where a pattern reads entity ids: entity and tx, and the value of a reference attribute. */
function entityPositions(db: DbView, terms: readonly Term[]): number[] {
  return isRefAttr(db, terms[1]) ? [0, 2, 3] : [0, 3];
}

/**
 * Bound values in a pattern's entity positions that are not entity ids (lookup refs,
 * idents) are resolved against the pattern's own source: each such variable gets a shadow
 * column of the ids it names in `db` (rows naming none drop out), and the pattern reads the
 * shadow instead, so the variable keeps its values as written. Null when nothing needs it.
 */
export function resolveBound(
  db: DbView,
  state: State,
  shape: PatternShape,
  terms: readonly Term[],
): { state: State; shape: PatternShape; shadows: string[] } | null {
  let rels: State | null = null;
  let vars: (string | undefined)[] | null = null;
  const shadows: string[] = [];
  for (const i of entityPositions(db, terms)) {
    const v = shape.vars[i];
    if (v === undefined) continue;
    const current: State = rels ?? state;
    const k = current.findIndex((r) => r.vars.includes(v));
    if (k < 0) continue;
    const rel = current[k]!;
    const col = rel.vars.indexOf(v);
    if (!rel.rows.some((row) => needsResolving(row[col]))) continue;
    const shadow = `\u0000${v}`;
    if (!shadows.includes(shadow)) {
      const rows: unknown[][] = [];
      for (const row of rel.rows) {
        const e = entityOf(db, row[col]);
        if (e !== undefined) rows.push([...row, e]);
      }
      rels = current.map((r, j) => (j === k ? { vars: [...r.vars, shadow], rows } : r));
      shadows.push(shadow);
    }
    vars ??= [...shape.vars];
    vars[i] = shadow;
  }
  if (rels === null || vars === null) return null;
  const outVars: string[] = [];
  for (const v of vars) if (v !== undefined && !outVars.includes(v)) outVars.push(v);
  return { state: rels, shape: { consts: shape.consts, vars, outVars }, shadows };
}

/**
 * The shape with the values of variables bound to a single value filled in as constants
 * (DataScript's constant substitution), so the scan and its estimate use the index for them.
 */
export function withSingles(state: State, shape: PatternShape): PatternShape {
  let consts: unknown[] | null = null;
  for (let i = 0; i < 5; i++) {
    const v = shape.vars[i];
    if (v === undefined || shape.consts[i] !== undefined) continue;
    const r = state.find((x) => x.rows.length === 1 && x.vars.includes(v));
    if (r === undefined) continue;
    const value = r.rows[0]![r.vars.indexOf(v)];
    if (value === undefined) continue;
    consts ??= [...shape.consts];
    consts[i] = value;
  }
  return consts === null ? shape : { ...shape, consts };
}

/** No `added` constant and no variable twice: an index lookup checks everything. */
export function simplePattern(shape: PatternShape): boolean {
  return (
    shape.consts[4] === undefined &&
    !shape.vars.some((v, i) => v !== undefined && shape.vars.indexOf(v) !== i)
  );
}
