/** Points in time as transactions: the transaction of a moment. */

import { boundDatom, TX0 } from '../index/datom.js';
import { K } from '../schema/index.js';
import type { DbView } from './db.js';

/**
 * The last transaction at or before `date` (the first tx id when none is). Transaction ids
 * and instants grow together, so the tx entities' `:db/txInstant`s in AEVT are searched.
 */
export function txAtOrBefore(db: DbView, date: Date): number {
  const txs = db.origin.search('aevt', boundDatom(undefined, K.txInstant));
  const t = date.getTime();
  let lo = 0;
  let hi = txs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((txs[mid]!.v as Date).getTime() <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? txs[lo - 1]!.e : TX0;
}
