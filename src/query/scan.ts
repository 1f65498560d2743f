/**
 * Index access for patterns: which index answers a pattern's constants (EAVT with the
 * entity, AVET with an indexed attribute and value, AEVT with the attribute), the datoms it
 * gives, and how many there are (the planner's estimates).
 */

import { Db, type DbView } from '../db/index.js';
import { boundDatom, type Datom, PREFIX_ORDER } from '../index/datom.js';
import type { Keyword } from '../values/index.js';
import { valueEquals } from './relation.js';

/** Datoms matching resolved components (undefined = any; nil, which no datom holds, = none). */
export function scan(db: DbView, e: unknown, a: unknown, v: unknown, tx: unknown): Datom[] {
  if (e === null || a === null || v === null || tx === null) return [];
  let out: Datom[];
  if (e !== undefined) {
    out =
      a === undefined && v !== undefined
        ? db.searchWhere('eavt', boundDatom(e as number), (d) => valueEquals(d.v, v))
        : db.search('eavt', boundDatom(e as number, a as Keyword, a === undefined ? undefined : v));
  } else if (a !== undefined) {
    if (v !== undefined && db.schema.attr(a as Keyword)?.inAvet)
      out = db.search('avet', boundDatom(undefined, a as Keyword, v));
    else if (v !== undefined)
      out = db.searchWhere('aevt', boundDatom(undefined, a as Keyword), (d) => valueEquals(d.v, v));
    else out = db.search('aevt', boundDatom(undefined, a as Keyword));
  } else if (v !== undefined)
    out = db.searchWhere('eavt', boundDatom(), (d) => valueEquals(d.v, v));
  else out = db.search('eavt', boundDatom());
  if (tx !== undefined) out = out.filter((d) => d.tx === tx);
  return out;
}

/** A datom's value at a pattern position: e, a, v, tx, added. */
export function datomField(d: Datom, i: number): unknown {
  switch (i) {
    case 0:
      return d.e;
    case 1:
      return d.a;
    case 2:
      return d.v;
    case 3:
      return d.tx;
    default:
      return d.added;
  }
}

/**
 * How many datoms match resolved components, or an estimate: a constant value without AVET
 * is guessed as an eighth of the attribute's datoms.
 */
export function countDatoms(db: DbView, e: unknown, a: unknown, v: unknown): number {
  if (e === null || a === null || v === null) return 0;
  if (e !== undefined)
    return db.count('eavt', boundDatom(e as number, a as Keyword, a === undefined ? undefined : v));
  if (a !== undefined) {
    if (v !== undefined && db.schema.attr(a as Keyword)?.inAvet)
      return db.count('avet', boundDatom(undefined, a as Keyword, v));
    const all = db.count('aevt', boundDatom(undefined, a as Keyword));
    return v === undefined ? all : Math.max(1, all >>> 3);
  }
  return db.count('eavt', boundDatom());
}

/**
 * An attribute's datoms sorted by entity: from AEVT, or with a constant value from AVET,
 * which then holds just the matching ones (also sorted by entity).
 */
export function attributeDatoms(db: DbView, a: Keyword, v: unknown): Datom[] {
  if (v === null) return [];
  return v !== undefined && db.schema.attr(a)?.inAvet
    ? db.search('avet', boundDatom(undefined, a, v))
    : db.search('aevt', boundDatom(undefined, a));
}

/**
 * Bounds on a pattern's value from comparison predicates (`[(> ?v 50000)]`): AVET datoms
 * of the attribute from `lo` to `hi` (each inclusive; undefined = open) hold every datom
 * the predicates can keep, and some they drop (they still run on what comes back).
 */
export interface ValueRange {
  readonly lo: unknown;
  readonly hi: unknown;
}

/** The datoms of an AVET attribute whose value lies in a range, sorted by value. */
export function rangeDatoms(db: DbView, a: Keyword, range: ValueRange): Datom[] {
  return db.select(
    'avet',
    boundDatom(undefined, a, range.lo),
    boundDatom(undefined, a, range.hi),
    false,
  );
}

/** How many datoms `rangeDatoms` gives; counted in the tree for a database (no views). */
export function countRange(db: DbView, a: Keyword, range: ValueRange): number {
  const from = boundDatom(undefined, a, range.lo);
  const to = boundDatom(undefined, a, range.hi);
  if (db instanceof Db) return db.indices.avet.count(from, to, PREFIX_ORDER.avet);
  return db.select('avet', from, to, false).length;
}
