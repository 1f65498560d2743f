/** Datom counts of a database, as Datahike's `metrics` gives them. */

import type { Keyword } from '../values/index.js';
import type { DbView } from './db.js';

export interface DatomCounts {
  readonly count: number;
  readonly avetCount: number;
  readonly perAttr: Map<Keyword, number>;
  readonly perEntity: Map<number, number>;
  /** Datoms of history(db) (two per history record), with history on. */
  readonly temporal: { readonly count: number; readonly avetCount: number } | null;
}

/**
 * Counts of the datoms the view holds (and of the history under it). Reads every datom, and
 * all reads come before the counting, so that a rerun for missing nodes (whenLoaded) is cheap.
 */
export function datomCounts(db: DbView): DatomCounts {
  const all = db.select('eavt', undefined, undefined, false);
  const avetCount = db.select('avet', undefined, undefined, false).length;
  const temporal = db.origin.temporal;
  // Each history record is an assertion and its retraction: two datoms of history(db).
  const history =
    temporal === null ? null : { count: temporal.eavt.size * 2, avetCount: temporal.avet.size * 2 };
  const perAttr = new Map<Keyword, number>();
  const perEntity = new Map<number, number>();
  for (const x of all) {
    perAttr.set(x.a, (perAttr.get(x.a) ?? 0) + 1);
    perEntity.set(x.e, (perEntity.get(x.e) ?? 0) + 1);
  }
  return {
    count: all.length,
    avetCount,
    perAttr,
    perEntity,
    temporal: history,
  };
}
