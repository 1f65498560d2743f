/** Relations (named columns over rows) and the joins between them. */

import {
  BigDec,
  bytesToBase64,
  Char,
  equals,
  isKeyword,
  Keyword,
  Sym,
  Uuid,
} from '../values/index.js';

export interface Relation {
  readonly vars: readonly string[];
  readonly rows: unknown[][];
}

/**
 * A value as a JavaScript Map key, equal exactly for equal values: primitives and keywords
 * as they are, other values as a canonical text (a string starting with NUL, so a string
 * value that starts with NUL is escaped).
 */
export function keyOf(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
      return v.charCodeAt(0) === 0 ? `\u0000s${v}` : v;
    case 'number':
    case 'boolean':
    case 'bigint':
      return v;
    case 'undefined':
      return null;
    default:
      if (v === null || isKeyword(v)) return v;
      return `\u0000${canonical(v)}`;
  }
}

const functionIds = new WeakMap<object, number>();
let nextFunctionId = 0;

/** Exact text for a value: equal values (sets and maps in any order) give equal texts. */
function canonical(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '0' : String(v);
    case 'bigint':
      return `${v}N`;
    case 'boolean':
      return String(v);
    case 'undefined':
      return 'nil';
    case 'function': {
      let id = functionIds.get(v);
      if (id === undefined) functionIds.set(v, (id = nextFunctionId++));
      return `#fn${id}`;
    }
  }
  if (v === null) return 'nil';
  if (v instanceof Keyword) return `:${v.fqn}`;
  if (v instanceof Sym) return `'${v.fqn}`;
  if (v instanceof Uuid) return `#uuid${v.str}`;
  if (v instanceof Date) return `#inst${v.getTime()}`;
  if (v instanceof BigDec)
    return `${v
      .toString()
      .replace(/(\.\d*?)0+$/, '$1')
      .replace(/\.$/, '')}M`;
  if (v instanceof Char) return `\\${v.char}`;
  if (v instanceof Uint8Array) return `#bytes${bytesToBase64(v)}`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(' ')}]`;
  if (v instanceof Set) return `#{${[...v].map(canonical).sort().join(' ')}}`;
  if (v instanceof Map)
    return `{${[...v]
      .map(([k, x]) => `${canonical(k)} ${canonical(x)}`)
      .sort()
      .join(',')}}`;
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null)
      return `#js{${Object.keys(v)
        .sort()
        .map((k) => `${JSON.stringify(k)} ${canonical((v as Record<string, unknown>)[k])}`)
        .join(',')}}`;
    let id = functionIds.get(v);
    if (id === undefined) functionIds.set(v, (id = nextFunctionId++));
    return `#object${id}`;
  }
  return String(v);
}

/** A key for several values at once. */
export function keyOfRow(row: readonly unknown[], cols: readonly number[]): unknown {
  if (cols.length === 1) return keyOf(row[cols[0]!]);
  let k = '';
  for (const c of cols) {
    const x = keyOf(row[c]);
    // Typed and length-prefixed where a text could hold the separator: keys never collide.
    if (typeof x === 'string') k += `s${x.length}:${x}`;
    else if (isKeyword(x)) k += `k${x.fqn.length}:${x.fqn}`;
    else k += `${typeof x === 'number' ? 'n' : typeof x === 'bigint' ? 'b' : 'o'}${String(x)};`;
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

/**
 * Called every few thousand turns of a long loop with the rows it made since the last
 * call; throws to stop it (a query's timeout, its read's budget).
 */
export type Tick = (made: number) => void;

const TICK_EVERY = 4096;

/** Natural join on the shared variables (a product when none are shared). */
export function join(a: Relation, b: Relation, tick?: Tick): Relation {
  const shared = a.vars.filter((v) => b.vars.includes(v));
  const extra = b.vars.filter((v) => !shared.includes(v));
  const vars = [...a.vars, ...extra];
  const extraCols = colsOf(b, extra);
  const rows: unknown[][] = [];
  if (shared.length === 0) {
    for (const x of a.rows) {
      for (const y of b.rows) {
        const row = x.slice();
        for (const c of extraCols) row.push(y[c]);
        // Every few thousand rows made: a product of large relations is where time goes.
        if (rows.push(row) % TICK_EVERY === 0 && tick !== undefined) tick(TICK_EVERY);
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
  let ticked = 0;
  for (const r of big.rows) {
    if (tick !== undefined && (++n % TICK_EVERY === 0 || rows.length - ticked >= TICK_EVERY)) {
      tick(rows.length - ticked);
      ticked = rows.length;
    }
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

/** Equality as patterns and joins match values: `equals`, with a fast path for primitives. */
export function valueEquals(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  // Distinct primitives are unequal (NaN aside); objects compare by value.
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null)
    return typeof x === 'number' && typeof y === 'number' && Number.isNaN(x) && Number.isNaN(y);
  return equals(x, y);
}
