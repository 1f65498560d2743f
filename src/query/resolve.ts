/**
 * Entities named in a query: ids, idents and lookup refs. A constant written in a pattern
 * must name an entity (DataScript's and Datahike's "Nothing found for entity id"); a value
 * bound to a variable (an input, a function result) is resolved against each source that
 * reads it in entity position, and is reported as written.
 */

import { type DbView, entid, entidStrict } from '../db/index.js';
import { DatahikeError, isKeyword } from '../values/index.js';

/** Marks a constant that can match nothing (a string in entity position, say). */
export const NOTHING = Symbol('nothing');

function isLookupRef(x: unknown): x is [unknown, unknown] {
  return Array.isArray(x) && x.length === 2 && isKeyword(x[0]);
}

/**
 * The entity id a bound value names in `db`, or undefined when it names none there: an
 * unknown ident or lookup ref, a lookup ref on an attribute that is not unique (a value that
 * only looks like one), or a value that is no entity at all.
 */
export function entityOf(db: DbView, x: unknown): number | undefined {
  if (typeof x === 'number') return x;
  if (isKeyword(x)) return db.schema.idents.get(x);
  if (typeof x === 'bigint') return Number(x);
  if (!isLookupRef(x) || db.schema.attr(x[0] as never)?.unique === undefined) return undefined;
  try {
    return entid(db, x);
  } catch (e) {
    if (e instanceof DatahikeError) return undefined;
    throw e;
  }
}

/** Whether a bound value needs {@link entityOf} before it can meet entity ids. */
export function needsResolving(x: unknown): boolean {
  return typeof x !== 'number';
}

/** A constant in entity position: ids pass, idents and lookup refs must name an entity. */
export function entityConst(db: DbView, x: unknown): unknown {
  if (typeof x === 'number') return x;
  if (isKeyword(x) || isLookupRef(x)) return entidStrict(db, x);
  return NOTHING;
}

/** A constant in value position: for reference attributes idents and lookup refs resolve. */
export function valueConst(db: DbView, isRef: boolean, x: unknown): unknown {
  if (isRef && (isKeyword(x) || isLookupRef(x))) return entidStrict(db, x);
  return x;
}
