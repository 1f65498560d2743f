/** Making database values from nothing or from a list of datoms. */

import { SortedSet, type SortedSetOptions } from '../index/btree-api.js';
import { cmpAEVT, cmpAVET, cmpEAVT, type Datom, TX0 } from '../index/datom.js';
import { attributeFromProps, K, Schema } from '../schema/index.js';
import type { Keyword } from '../values/index.js';
import { Db, type DbConfig } from './db.js';
import { emptyIndices, type Indices } from './indices.js';

export const DEFAULT_DB_CONFIG: DbConfig = { keepHistory: true, schemaFlexibility: 'write' };

/** An empty database; `schema` holds attributes defined without schema entities, if any. */
export function emptyDb(
  config: DbConfig = DEFAULT_DB_CONFIG,
  opts?: SortedSetOptions<Datom>,
  schema: Schema = Schema.empty(config.schemaFlexibility),
): Db {
  return new Db(
    emptyIndices(opts),
    config.keepHistory ? emptyIndices(opts) : null,
    schema,
    0,
    TX0,
    config,
  );
}

/** The schema that the schema entities among `datoms` (current, added datoms) define. */
export function schemaFromDatoms(
  datoms: readonly Datom[],
  flexibility: DbConfig['schemaFlexibility'],
  base: Schema = Schema.empty(flexibility),
): Schema {
  const props = new Map<number, Map<Keyword, unknown>>();
  for (const d of datoms) {
    if (d.a !== K.ident && !d.a.fqn.startsWith('db/')) continue;
    let m = props.get(d.e);
    if (m === undefined) props.set(d.e, (m = new Map()));
    m.set(d.a, d.v);
  }
  let schema = base;
  for (const [e, m] of props) {
    const ident = m.get(K.ident) as Keyword | undefined;
    if (ident === undefined) continue;
    schema = schema.withEntity(e, ident, attributeFromProps(ident, e, m, flexibility));
  }
  return schema;
}

/**
 * A database holding exactly these datoms (all assertions), built bottom-up in one pass
 * per index: `initDb`, the bulk path for imports and benchmarks.
 */
export function dbFromDatoms(
  datoms: readonly Datom[],
  config: DbConfig = DEFAULT_DB_CONFIG,
  opts?: SortedSetOptions<Datom>,
  base?: Schema,
): Db {
  const schema = schemaFromDatoms(datoms, config.schemaFlexibility, base);
  let maxEid = 0;
  let maxTx = TX0;
  const avet: Datom[] = [];
  for (const d of datoms) {
    if (d.e < TX0 && d.e > maxEid) maxEid = d.e;
    if (d.tx > maxTx) maxTx = d.tx;
    if (schema.attr(d.a)?.inAvet) avet.push(d);
  }
  const indices: Indices = {
    eavt: SortedSet.fromUnsorted(cmpEAVT, datoms, opts),
    aevt: SortedSet.fromUnsorted(cmpAEVT, datoms, opts),
    avet: SortedSet.fromUnsorted(cmpAVET, avet, opts),
  };
  return new Db(
    indices,
    config.keepHistory ? emptyIndices(opts) : null,
    schema,
    maxEid,
    maxTx,
    config,
  );
}
