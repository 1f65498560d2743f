/** Relations (named columns over rows) and the joins between them. */

import { isKeyword, printValue, Uuid } from '../values/index.js';

export interface Relation {
  readonly vars: readonly string[];
  readonly rows: unknown[][];
}

/** A value as a JavaScript Map key, equal for equal values. */
export function keyOf(v: unknown): unknown {
  switch (typeof v) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'bigint':
      return v;
    case 'undefined':
      return null;
    default:
      if (v === null || isKeyword(v)) return v;
      if (v instanceof Date) return `\u0000d${v.getTime()}`;
      if (v instanceof Uuid) return `\u0000u${v.str}`;
      return `\u0000${printValue(v)}`;
  }
}

/** A key for several values at once. */
export function keyOfRow(row: readonly unknown[], cols: readonly number[]): unknown {
  if (cols.length === 1) return keyOf(row[cols[0]!]);
  let k = '';
  for (const c of cols) {
    const x = keyOf(row[c]);
    k += `${typeof x === 'string' ? 's' : typeof x}:${isKeyword(x) ? x.fqn : String(x)}\u0001`;
  }
  return k;
}

export function colsOf(rel: Relation, vars: readonly string[]): number[] {
  return vars.map((v) => rel.vars.indexOf(v));
}

/**
 * A set of rows of one width: nested maps per column, no string key built per row. A map
 * level holds a row itself until a second row shares its prefix, so a column of unique
 * values (an entity id, say) costs no map per row.
 */
export class RowSet {
  private readonly root = new Map<unknown, unknown>();

  constructor(private readonly width: number) {}

  /** Adds a row; false when an equal row was already there. */
  add(r: readonly unknown[]): boolean {
    let m = this.root;
    const width = this.width;
    for (let c = 0; c < width; c++) {
      const k = keyOf(r[c]);
      const entry = m.get(k);
      if (entry === undefined) {
        m.set(k, r);
        return true;
      }
      if (c === width - 1) return false;
      if (entry instanceof Map) {
        m = entry;
        continue;
      }
      // A lone row with this prefix: equal, or split the level where they differ.
      const o = entry as readonly unknown[];
      let same = true;
      for (let j = c + 1; j < width && same; j++) same = keyOf(o[j]) === keyOf(r[j]);
      if (same) return false;
      const level = new Map<unknown, unknown>([[keyOf(o[c + 1]), o]]);
      m.set(k, level);
      m = level;
    }
    return false;
  }
}

/** Distinct rows. */
export function distinct(rel: Relation): Relation {
  const width = rel.vars.length;
  if (width === 0) return { vars: rel.vars, rows: rel.rows.length > 0 ? [rel.rows[0]!] : [] };
  const seen = new RowSet(width);
  return { vars: rel.vars, rows: rel.rows.filter((r) => seen.add(r)) };
}

/** The rows' values for some of the columns, without duplicates. */
export function project(rel: Relation, vars: readonly string[]): Relation {
  const cols = colsOf(rel, vars);
  return distinct({ vars, rows: rel.rows.map((r) => cols.map((c) => r[c])) });
}

/** Called every few thousand rows of a long loop; throws to stop it (a query's timeout). */
export type Tick = () => void;

const TICK_EVERY = 4096;

/** Natural join on the shared variables (a product when none are shared). */
export function join(a: Relation, b: Relation, tick?: Tick): Relation {
  const shared = a.vars.filter((v) => b.vars.includes(v));
  const extra = b.vars.filter((v) => !shared.includes(v));
  const vars = [...a.vars, ...extra];
  const extraCols = colsOf(b, extra);
  const rows: unknown[][] = [];
  if (shared.length === 0) {
    let n = 0;
    for (const x of a.rows) {
      if (tick !== undefined && ++n % 64 === 0) tick();
      for (const y of b.rows) {
        const row = x.slice();
        for (const c of extraCols) row.push(y[c]);
        rows.push(row);
      }
    }
    return { vars, rows };
  }
  // Hash the smaller side.
  const [small, big, smallIsA] = a.rows.length <= b.rows.length ? [a, b, true] : [b, a, false];
  const smallCols = colsOf(small, shared);
  const bigCols = colsOf(big, shared);
  const table = new Map<unknown, unknown[][]>();
  for (const r of small.rows) {
    const k = keyOfRow(r, smallCols);
    const list = table.get(k);
    if (list === undefined) table.set(k, [r]);
    else list.push(r);
  }
  let n = 0;
  for (const r of big.rows) {
    if (tick !== undefined && ++n % TICK_EVERY === 0) tick();
    const matches = table.get(keyOfRow(r, bigCols));
    if (matches === undefined) continue;
    for (const m of matches) {
      const x = smallIsA ? m : r;
      const y = smallIsA ? r : m;
      const row = new Array(vars.length);
      for (let i = 0; i < x.length; i++) row[i] = x[i];
      for (let i = 0; i < extraCols.length; i++) row[x.length + i] = y[extraCols[i]!];
      rows.push(row);
    }
  }
  return { vars, rows };
}

/** Rows of `a` with no match in `b` on the shared variables. */
export function antiJoin(a: Relation, b: Relation): Relation {
  const shared = a.vars.filter((v) => b.vars.includes(v));
  if (shared.length === 0) return b.rows.length > 0 ? { vars: a.vars, rows: [] } : a;
  const keys = new Set<unknown>();
  const bCols = colsOf(b, shared);
  for (const r of b.rows) keys.add(keyOfRow(r, bCols));
  const aCols = colsOf(a, shared);
  return { vars: a.vars, rows: a.rows.filter((r) => !keys.has(keyOfRow(r, aCols))) };
}

/** Union of relations over the same variables (in any column order). */
export function union(vars: readonly string[], rels: readonly Relation[]): Relation {
  const rows: unknown[][] = [];
  for (const r of rels) {
    const cols = colsOf(r, vars);
    for (const row of r.rows) rows.push(cols.map((c) => row[c]));
  }
  return distinct({ vars, rows });
}
