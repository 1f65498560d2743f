/** Resolving what users write for an entity (id, ident, lookup ref) on the read side. */

import { boundDatom } from '../index/datom.js';
import { DatahikeError, isKeyword, type Keyword, printValue } from '../values/index.js';
import type { DbView } from './db.js';

export type EntityId = number | Keyword | readonly [Keyword | string, unknown];

/**
 * The entity id for `x`, or undefined when a lookup ref or ident names nothing.
 * Malformed references are errors.
 */
export function entid(db: DbView, x: unknown): number | undefined {
  if (typeof x === 'number') {
    if (Number.isInteger(x) && x >= 0) return x;
  } else if (isKeyword(x)) {
    return db.schema.idents.get(x);
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
    if (v === undefined || v === null) return undefined;
    const found = db.search('avet', boundDatom(undefined, x[0], v));
    return found.length > 0 ? found[0]!.e : undefined;
  } else if (typeof x === 'bigint') {
    return Number(x);
  }
  throw new DatahikeError(
    'entity-id/invalid',
    `Expected an entity id, ident or lookup ref ([attribute value]), got ${printValue(x)}.`,
    { entity: x },
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
