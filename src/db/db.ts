/**
 * Database values. `Db` is the current state at one transaction; `AsOfDb`, `SinceDb`,
 * `HistoricalDb` and `FilteredDb` are views of it. All are immutable and answer the same
 * questions (`select`, `search`, `count`), so the query engine, pull and the entity API
 * work on any of them.
 */

import {
  Datom,
  FULL_ORDER,
  type IndexName,
  PREFIX_ORDER,
  type RetractedDatom,
} from '../index/datom.js';
import type { Schema } from '../schema/index.js';
import { DatahikeError, type Uuid } from '../values/index.js';
import { countPrefix, type DatomTree, type Indices } from './indices.js';

/** What a database was created with; stored with every commit. */
export interface DbConfig {
  readonly keepHistory: boolean;
  readonly schemaFlexibility: 'write' | 'read';
}

/** Commit bookkeeping, filled in by the connection layer. */
export interface DbMeta {
  readonly commitId: Uuid | undefined;
  readonly parentCommitIds: readonly Uuid[];
  readonly createdAt: Date | undefined;
  readonly updatedAt: Date | undefined;
}

export const EMPTY_META: DbMeta = {
  commitId: undefined,
  parentCommitIds: [],
  createdAt: undefined,
  updatedAt: undefined,
};

export abstract class DbView {
  abstract readonly schema: Schema;
  abstract readonly maxEid: number;
  abstract readonly maxTx: number;
  /** The current database under this view. */
  abstract readonly origin: Db;
  /** True when datoms include retractions (`added` false). */
  get isHistory(): boolean {
    return false;
  }
  get isFiltered(): boolean {
    return false;
  }

  /**
   * Datoms between two bounds in index order (both inclusive, prefix semantics: undefined
   * components match anything); `reverse` walks from `from` downwards to `to`.
   */
  abstract select(
    index: IndexName,
    from: Datom | undefined,
    to: Datom | undefined,
    reverse: boolean,
  ): Datom[];

  /** Datoms that match a prefix. */
  search(index: IndexName, bound: Datom): Datom[] {
    return this.select(index, bound, bound, false);
  }

  /** Datoms that match a prefix and `keep`. */
  searchWhere(index: IndexName, bound: Datom, keep: (d: Datom) => boolean): Datom[] {
    return this.search(index, bound).filter(keep);
  }

  /** How many datoms match a prefix; the query planner's estimate. */
  count(index: IndexName, bound: Datom): number {
    return this.search(index, bound).length;
  }
}

/** A database value: the current datoms after one transaction. */
export class Db extends DbView {
  constructor(
    readonly indices: Indices,
    /** Retracted datoms and their retractions; null when history is off. */
    readonly temporal: Indices | null,
    readonly schema: Schema,
    readonly maxEid: number,
    readonly maxTx: number,
    readonly config: DbConfig,
    readonly meta: DbMeta = EMPTY_META,
  ) {
    super();
  }

  get origin(): Db {
    return this;
  }

  tree(index: IndexName): DatomTree {
    return this.indices[index];
  }

  select(
    index: IndexName,
    from: Datom | undefined,
    to: Datom | undefined,
    reverse: boolean,
  ): Datom[] {
    return sliceTree(this.indices[index], index, from, to, reverse);
  }

  override search(index: IndexName, bound: Datom): Datom[] {
    return this.indices[index].sliceToArray(bound, bound, PREFIX_ORDER[index]);
  }

  /** Collects only the matches, not every datom of the prefix. */
  override searchWhere(index: IndexName, bound: Datom, keep: (d: Datom) => boolean): Datom[] {
    const out: Datom[] = [];
    this.indices[index].forEachInRange(bound, bound, PREFIX_ORDER[index], (d) => {
      if (keep(d)) out.push(d);
    });
    return out;
  }

  override count(index: IndexName, bound: Datom): number {
    return countPrefix(this.indices[index], index, bound);
  }

  withMeta(meta: DbMeta): Db {
    return new Db(
      this.indices,
      this.temporal,
      this.schema,
      this.maxEid,
      this.maxTx,
      this.config,
      meta,
    );
  }
}

function sliceTree(
  tree: DatomTree,
  index: IndexName,
  from: Datom | undefined,
  to: Datom | undefined,
  reverse: boolean,
): Datom[] {
  const cmp = PREFIX_ORDER[index];
  return reverse ? tree.rsliceToArray(from, to, cmp) : tree.sliceToArray(from, to, cmp);
}

function mergeSorted(a: Datom[], b: Datom[], index: IndexName): Datom[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const cmp = FULL_ORDER[index];
  const out: Datom[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = cmp(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

function temporalOf(db: Db, what: string): Indices {
  if (db.temporal === null)
    throw new DatahikeError(
      'db/no-history',
      `${what} is only allowed on temporal indexed databases: create the database with keep-history? true.`,
    );
  return db.temporal;
}

function ordered(datoms: Datom[], reverse: boolean): Datom[] {
  return reverse ? datoms.reverse() : datoms;
}

/** A database or a time view of one: what `history`, `asOf` and `since` may wrap. */
export type TimeViewable = Db | TimeView;

/**
 * A view in time of one current database, as Datahike 0.6+ nests them: each view wraps
 * another (`history(asOf(db, t))`, `since(history(db), t)`, …) and together they keep
 * the transactions after `after` up to and including `upTo`, either as the state those
 * transactions leave (a value asserted in them and not retracted in them) or, with
 * history, as every assertion and retraction they made.
 */
export abstract class TimeView extends DbView {
  protected readonly temporal: Indices;
  readonly origin: Db;
  /** Every event, not the state (a `history` somewhere in the chain). */
  readonly historical: boolean;
  /** Transactions after this one (exclusive); 0 for all. */
  readonly after: number;
  /** Transactions up to this one (inclusive); Infinity for all. */
  readonly upTo: number;

  constructor(
    /** The database or view this one wraps. */
    readonly inner: TimeViewable,
    what: string,
    bounds: { historical?: boolean; after?: number; upTo?: number },
  ) {
    super();
    const base = inner instanceof TimeView ? inner : undefined;
    this.origin = inner.origin;
    this.temporal = temporalOf(this.origin, what);
    this.historical = bounds.historical ?? base?.historical ?? false;
    this.after = Math.max(bounds.after ?? 0, base?.after ?? 0);
    this.upTo = Math.min(
      bounds.upTo ?? Number.POSITIVE_INFINITY,
      base?.upTo ?? Number.POSITIVE_INFINITY,
    );
  }

  get schema(): Schema {
    return this.origin.schema;
  }
  get maxEid(): number {
    return this.origin.maxEid;
  }
  get maxTx(): number {
    return Math.min(this.origin.maxTx, this.upTo);
  }
  override get isHistory(): boolean {
    return this.historical;
  }

  private within(tx: number): boolean {
    return tx > this.after && tx <= this.upTo;
  }

  select(index: IndexName, from?: Datom, to?: Datom, reverse = false): Datom[] {
    const { after, upTo } = this;
    const all = after === 0 && upTo === Number.POSITIVE_INFINITY;
    let current = sliceTree(this.origin.indices[index], index, from, to, false);
    if (!all) current = current.filter((d) => this.within(d.t));
    // Without history and without an upper bound, retracted facts are never visible.
    if (!this.historical && upTo === Number.POSITIVE_INFINITY) return ordered(current, reverse);
    const records = sliceTree(this.temporal[index], index, from, to, false) as RetractedDatom[];
    let past: Datom[] = [];
    if (this.historical) {
      // Each record is two events, assertion then retraction; each kept if its tx is.
      for (const r of records) {
        if (this.within(r.t)) past.push(new Datom(r.e, r.a, r.v, r.t));
        if (this.within(r.retractedAt)) past.push(new Datom(r.e, r.a, r.v, -r.retractedAt));
      }
      if (from?.t !== undefined || to?.t !== undefined) {
        const cmp = PREFIX_ORDER[index];
        past = past.filter(
          (d) => (from === undefined || cmp(d, from) >= 0) && (to === undefined || cmp(d, to) <= 0),
        );
      }
    } else {
      // The state after `upTo`: facts asserted in range and not yet retracted then.
      for (const r of records)
        if (this.within(r.t) && r.retractedAt > upTo) past.push(new Datom(r.e, r.a, r.v, r.t));
    }
    return ordered(mergeSorted(current, past, index), reverse);
  }
}

/** Every assertion and retraction ever made (within the wrapped view's range): `history(db)`. */
export class HistoricalDb extends TimeView {
  constructor(inner: TimeViewable) {
    super(inner, 'history', { historical: true });
  }
}

/** The database as it was right after transaction `t`: `asOf(db, t)`. */
export class AsOfDb extends TimeView {
  constructor(
    inner: TimeViewable,
    /** A tx id; Dates are converted by the caller. */
    readonly timePoint: number,
    readonly timePointDate: Date | undefined = undefined,
  ) {
    super(inner, 'as-of', { upTo: timePoint });
  }
}

/** Only what transactions after `t` asserted (and did not retract): `since(db, t)`. */
export class SinceDb extends TimeView {
  constructor(
    inner: TimeViewable,
    readonly timePoint: number,
    readonly timePointDate: Date | undefined = undefined,
  ) {
    super(inner, 'since', { after: timePoint });
  }
}

export type DatomPredicate = (db: DbView, datom: Datom) => boolean;

/** A view that hides the datoms a predicate rejects: `filter(db, pred)`. */
export class FilteredDb extends DbView {
  constructor(
    readonly unfiltered: DbView,
    readonly pred: DatomPredicate,
  ) {
    super();
  }

  override get isHistory(): boolean {
    return this.unfiltered.isHistory;
  }
  override get isFiltered(): boolean {
    return true;
  }
  get origin(): Db {
    return this.unfiltered.origin;
  }
  get schema(): Schema {
    return this.unfiltered.schema;
  }
  get maxEid(): number {
    return this.unfiltered.maxEid;
  }
  get maxTx(): number {
    return this.unfiltered.maxTx;
  }

  select(index: IndexName, from?: Datom, to?: Datom, reverse = false): Datom[] {
    return this.unfiltered
      .select(index, from, to, reverse)
      .filter((d) => this.pred(this.unfiltered, d));
  }

  /** The cheap condition first: the predicate sees only the datoms that meet it. */
  override searchWhere(index: IndexName, bound: Datom, keep: (d: Datom) => boolean): Datom[] {
    return this.unfiltered
      .searchWhere(index, bound, keep)
      .filter((d) => this.pred(this.unfiltered, d));
  }
}
