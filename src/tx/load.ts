/**
 * Loading exported datoms (`loadEntities`): each original transaction made again as one
 * transaction, keeping entity ids; the original tx ids map to the new ones as they are made.
 */

import { TX0 } from '../index/datom.js';
import { K, type Schema } from '../schema/index.js';
import type { Keyword } from '../values/index.js';

/** A datom as an export writes it: `[e a v tx added]`. */
export interface ExportedDatom {
  readonly e: number;
  readonly a: Keyword;
  readonly v: unknown;
  readonly tx: number;
  readonly added: boolean;
}

/** The datoms of each original transaction, oldest transaction first. */
export function exportedTransactions(
  datoms: readonly ExportedDatom[],
): [tx: number, datoms: ExportedDatom[]][] {
  const byTx = new Map<number, ExportedDatom[]>();
  for (const d of datoms) {
    let group = byTx.get(d.tx);
    if (group === undefined) byTx.set(d.tx, (group = []));
    group.push(d);
  }
  return [...byTx].sort((x, y) => x[0] - y[0]);
}

/**
 * The tx-data that makes one original transaction again: its own tx entity becomes the
 * current transaction, and earlier original tx ids (as entities, or as values of reference
 * attributes) become the ids the load gave them (`txIds`).
 */
export function reloadForms(
  schema: Schema,
  tx: number,
  datoms: readonly ExportedDatom[],
  txIds: ReadonlyMap<number, number>,
): unknown[] {
  return datoms.map(({ e, a, v, added }) => {
    const ent = e === tx ? K.currentTx : (txIds.get(e) ?? e);
    const isRef = schema.attr(a)?.isRef === true;
    const val = isRef && typeof v === 'number' && v >= TX0 ? (txIds.get(v) ?? v) : v;
    return [added ? K.add : K.retract, ent, a, val];
  });
}
