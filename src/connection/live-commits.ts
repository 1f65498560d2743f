/**
 * The commits a memory store keeps, by commit id, for `commitAsDb` and handles to past
 * commits. Keeping every commit's database would keep every index path each transaction
 * copied (kilobytes per commit, most of the memory of a database built by many small
 * transactions). So one commit in CHECKPOINT keeps its database; the others keep their
 * datoms, and their database is made again from the nearest one before that keeps its
 * database (at most CHECKPOINT - 1 transactions replayed, in one batch).
 *
 * Committing appends to two lists; the index by id is brought up to date when a commit is
 * looked up, so transactions nobody looks up cost no hashing of their ids.
 */

import { Db, type DbMeta } from '../db/index.js';
import type { Datom } from '../index/datom.js';
import type { MemoryStore } from '../storage/memory.js';
import { replayTxs } from '../tx/index.js';
import { Uuid } from '../values/index.js';

/**
 * A commit kept without its database: its parent's database and its datoms make it. Its
 * meta is kept as text (a commit made by transactions has one parent), a third of what a
 * meta object with Uuids would hold.
 */
class Replayable {
  constructor(
    readonly id: string,
    readonly parent: string,
    /** Commits since the last one that keeps its database. */
    readonly depth: number,
    readonly txData: readonly Datom[],
    readonly maxEid: number,
    readonly maxTx: number,
    readonly updatedAt: Date | undefined,
  ) {}
}

type Kept = Db | Replayable;

const CHECKPOINT = 64;

/** The key under which a memory store holds its LiveCommits. */
const KEY = 'commits';

export class LiveCommits {
  private readonly index = new Map<string, Kept>();
  /** Commits not in the index yet: their ids and what is kept of them. */
  private readonly ids: string[] = [];
  private readonly kept: Kept[] = [];
  /** The commit added last and its depth (the parent of the next, as a rule). */
  private last: string | undefined;
  private lastDepth = 0;

  private constructor(private readonly store: MemoryStore) {}

  /** The commits of `store` (made on first use). */
  static of(store: MemoryStore): LiveCommits {
    let commits = store.get(KEY) as LiveCommits | undefined;
    if (commits === undefined) {
      commits = new LiveCommits(store);
      store.put([[KEY, commits]]);
    }
    return commits;
  }

  /** Keeps the database of a commit made from its parent's (`before`) by datoms `txData`. */
  add(before: Db, after: Db, txData: readonly Datom[]): void {
    const id = after.meta.commitId!.str;
    const parent = before.meta.commitId?.str;
    const depth = parent === undefined ? CHECKPOINT : this.depthOf(parent) + 1;
    this.last = id;
    this.ids.push(id);
    const { parentCommitIds, createdAt } = after.meta;
    const plain =
      parentCommitIds.length === 1 &&
      parentCommitIds[0]!.str === parent &&
      createdAt === before.meta.createdAt;
    if (depth >= CHECKPOINT || !plain) {
      this.lastDepth = 0;
      this.kept.push(after);
      return;
    }
    this.lastDepth = depth;
    // An exact copy: the transaction's list has room to grow (a dozen slots).
    const datoms = txData.slice();
    const { maxEid, maxTx, meta } = after;
    this.kept.push(new Replayable(id, parent, depth, datoms, maxEid, maxTx, meta.updatedAt));
  }

  /** Keeps a commit's database as it is (a new database's first commit). */
  addDb(db: Db): void {
    this.last = db.meta.commitId!.str;
    this.lastDepth = 0;
    this.ids.push(this.last);
    this.kept.push(db);
  }

  /** The database of a commit; null when the store has no such commit. */
  db(id: string): Db | null {
    const newer: Replayable[] = [];
    let kept = this.get(id);
    while (kept instanceof Replayable) {
      newer.push(kept);
      kept = this.get(kept.parent);
    }
    if (kept === undefined) return null;
    if (newer.length === 0) return kept;
    newer.reverse();
    const db = replayTxs(
      kept,
      newer.map((c) => ({ tx: c.maxTx, datoms: c.txData })),
    );
    const c = newer[newer.length - 1]!;
    const meta: DbMeta = {
      commitId: new Uuid(c.id),
      parentCommitIds: [new Uuid(c.parent)],
      createdAt: kept.meta.createdAt,
      updatedAt: c.updatedAt,
    };
    return new Db(db.indices, db.temporal, db.schema, c.maxEid, c.maxTx, db.config, meta);
  }

  /**
   * Whether `db` is the database of commit `id` here (not one made from it by `dbWith`,
   * which keeps the commit's meta but not its max-tx).
   */
  holds(id: string, db: Db): boolean {
    const kept = this.get(id);
    return kept instanceof Replayable
      ? kept.maxTx === db.maxTx && kept.maxEid === db.maxEid
      : kept === db;
  }

  /** How many transactions lie between a commit and the nearest one keeping its database. */
  private depthOf(id: string): number {
    if (id === this.last) return this.lastDepth;
    const kept = this.get(id);
    return kept instanceof Replayable ? kept.depth : 0;
  }

  private get(id: string): Kept | undefined {
    const { ids, kept } = this;
    if (ids.length > 0) {
      for (let i = 0; i < ids.length; i++) this.index.set(ids[i]!, kept[i]!);
      ids.length = 0;
      kept.length = 0;
    }
    const found = this.index.get(id);
    if (found !== undefined) return found;
    // A commit made outside transactions (a forced branch head) is in the store by its id.
    const db = this.store.get(id);
    return db instanceof Db ? db : undefined;
  }
}
