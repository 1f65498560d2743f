/** Resolving what users write for an entity (id, ident, lookup ref) on the read side. */

import { boundDatom } from '../index/datom.js';
import { DatahikeError, isKeyword, type Keyword, printValue } from '../values/index.js';
import type { DbView } from './db.js';

export type EntityId = number | Keyword | readonly [Keyword | string, unknown];

/** The largest entity (and transaction) id, as in Datahike and DataScript (2^31 - 1). */
export const EMAX = 2147483647;

/** `x` if it is a valid entity id number; an error if it is beyond {@link EMAX}. */
export function checkEntityId(x: number): number {
  if (x > EMAX)
    throw new DatahikeError(
      'entity-id/invalid',
      `Highest supported entity id is ${EMAX}, got ${x}.`,
      { entity: x },
    );
  return x;
}

/**
 * The entity id for `x`, or undefined when a lookup ref or ident names nothing.
 * Malformed references are errors.
 */
export function entid(db: DbView, x: unknown): number | undefined {
  if (typeof x === 'number') {
    if (Number.isInteger(x) && x >= 0) return checkEntityId(x);
  } else if (isKeyword(x)) {
    return db.schema.idents.get(x);
  } else if (Array.isArray(x) && x.length !== 2 && isKeyword(x[0])) {
    throw new DatahikeError(
      'lookup-ref/malformed',
      `Lookup ref should contain 2 elements: ${printValue(x)}, e.g. [:user/email "a@b.c"].`,
      { lookupRef: x },
    );
  } else if (Array.isArray(x) && x.length === 2 && isKeyword(x[0])) {
    const attr = db.schema.attr(x[0]);
    if (attr?.unique === undefined)
      throw new DatahikeError(
        'lookup-ref/not-unique',
        `Lookup ref ${printValue(x)} uses ${x[0]}, which is not :db/unique: only unique attributes identify entities.`,
        { lookupRef: x },
      );
    let v = x[1];
    if (attr.isRef) v = entid(db, v);
    else if (attr.tupleAttrs !== undefined && Array.isArray(v))
      v = tupleRefs(db, attr.tupleAttrs, v);
    if (v === undefined || v === null) return undefined;
    const found = db.search('avet', boundDatom(undefined, x[0], v));
    return found.length > 0 ? found[0]!.e : undefined;
  } else if (typeof x === 'bigint') {
    return checkEntityId(Number(x));
  }
  throw new DatahikeError(
    'entity-id/invalid',
    `Expected an entity id, ident or lookup ref ([attribute value]), got ${printValue(x)}.`,
    { entity: x },
  );
}

/** A composite tuple's value with lookup refs at reference positions resolved. */
function tupleRefs(db: DbView, attrs: readonly Keyword[], v: readonly unknown[]): unknown[] {
  return v.map((x, i) =>
    Array.isArray(x) && db.schema.attr(attrs[i]!)?.isRef === true ? (entid(db, x) ?? null) : x,
  );
}

/** Like {@link entid}, but a reference to nothing is an error. */
export function entidStrict(db: DbView, x: unknown): number {
  const e = entid(db, x);
  if (e === undefined)
    throw new DatahikeError(
      isKeyword(x) ? 'entity-id/unknown-ident' : 'lookup-ref/not-found',
      `Nothing found for ${isKeyword(x) ? 'ident' : 'lookup ref'} ${printValue(x)}.`,
      { entity: x },
    );
  return e;
}
