/**
 * What one durable connection remembers of its branch's past, so that a handle to a
 * recent commit costs a lookup instead of a read and replay of the log:
 *
 * - where each commit it has seen is in the log (its seq and the base its record names),
 *   for the last POSITIONS commits;
 * - the databases of the commits it built (committed, or replayed from the log), kept
 *   least recently used first and bounded by an estimate of the memory they hold.
 *
 * The memory of a database beyond the node cache is its index nodes that exist only in
 * memory (not written by a flush). Consecutive databases share all but the nodes a
 * transaction copied, so each database is charged only for the nodes it added: a
 * transaction changes a tree through one transient, which stamps every node it makes with
 * its own edit token, so a database's new nodes are exactly those reached from a new root
 * through nodes carrying that root's token (everything else was charged to an earlier
 * database, provided every database is added right after the one it was made from: the
 * branch adds every state it moves through). Evicting a database gives back its charge;
 * nodes it added that later databases still share are then no longer counted, which is at
 * most one database's worth of unflushed nodes.
 */

import type { Db } from '../db/index.js';
import type { Node } from '../index/btree-api.js';
import type { Datom } from '../index/datom.js';
import type { Base } from './records.js';

/** Commit positions remembered (about 100 bytes each). */
const POSITIONS = 100_000;

/** Estimated bytes: a node object, an array's header, a slot, a Db with its meta, a datom. */
const NODE_BYTES = 96;
const ARRAY_BYTES = 16;
const SLOT_BYTES = 8;
const DB_BYTES = 512;
const DATOM_BYTES = 120;

export interface CommitPosition {
  readonly seq: number;
  /** The base the commit's record names: where a replay up to it may start. */
  readonly base: Base;
}

export interface KnownDb {
  readonly seq: number;
  readonly db: Db;
}

interface Entry extends KnownDb {
  readonly bytes: number;
}

function nodeBytes(n: Node<Datom>): number {
  let b = NODE_BYTES;
  if (n.keys !== undefined) b += ARRAY_BYTES + SLOT_BYTES * n.keys.length;
  if (n.children !== undefined) b += ARRAY_BYTES + SLOT_BYTES * n.children.length;
  if (n.counts !== undefined) b += ARRAY_BYTES + SLOT_BYTES * n.counts.length;
  return b;
}

export class CommitHistory {
  private readonly positions = new Map<string, CommitPosition>();
  /** Databases by commit id, least recently used first. */
  private readonly dbs = new Map<string, Entry>();
  /** Roots, and nodes made outside a transient, that some database was charged for. */
  private readonly charged = new WeakSet<Node<Datom>>();
  private used = 0;

  constructor(
    /** The most memory the databases may hold, in bytes (estimated). */
    readonly maxBytes: number,
  ) {}

  /** Estimated bytes the databases hold. */
  get bytes(): number {
    return this.used;
  }

  /** How many databases are kept. */
  get size(): number {
    return this.dbs.size;
  }

  position(commitId: string): CommitPosition | undefined {
    return this.positions.get(commitId);
  }

  /** The database of a commit, if it is kept (it becomes the most recently used). */
  db(commitId: string): KnownDb | undefined {
    const e = this.dbs.get(commitId);
    if (e === undefined) return undefined;
    this.dbs.delete(commitId);
    this.dbs.set(commitId, e);
    return e;
  }

  /**
   * The kept database closest before or at `seq`: where a replay up to `seq` may start. It
   * becomes the most recently used: readers following a moving point in the past (a handle
   * always so many commits old) then replay only the commits since their last read.
   */
  nearest(seq: number): KnownDb | undefined {
    let best: [string, Entry] | undefined;
    for (const kv of this.dbs)
      if (kv[1].seq <= seq && (best === undefined || kv[1].seq > best[1].seq)) best = kv;
    if (best === undefined) return undefined;
    this.dbs.delete(best[0]);
    this.dbs.set(best[0], best[1]);
    return best[1];
  }

  /** Notes where a commit is in the log (the first record wins: a checkpoint repeats it). */
  note(commitId: string, seq: number, base: Base): void {
    if (this.positions.has(commitId)) return;
    this.positions.set(commitId, { seq, base });
    if (this.positions.size > POSITIONS) this.positions.delete(this.positions.keys().next().value!);
  }

  /** Forgets a commit the log no longer holds. */
  forget(commitId: string): void {
    this.positions.delete(commitId);
    const e = this.dbs.get(commitId);
    if (e === undefined) return;
    this.dbs.delete(commitId);
    this.used -= e.bytes;
  }

  /** Forgets everything (the log turned out to differ from what was noted). */
  clear(): void {
    this.positions.clear();
    this.dbs.clear();
    this.used = 0;
  }

  /** Forgets the commits before `seq` (garbage collection removed them). */
  forgetBefore(seq: number): void {
    for (const [id, p] of this.positions) if (p.seq < seq) this.positions.delete(id);
    for (const [id, e] of this.dbs) if (e.seq < seq) this.forget(id);
  }

  /**
   * Keeps the database of a commit at `seq`, made by a transaction of `datoms` datoms from
   * the database added before it (`fresh`: made otherwise, so every in-memory node not yet
   * charged is counted), or from it through the databases `between` (a group commit keeps
   * only its last: the nodes their transactions made that this one still shares are its
   * own); then evicts the least recently used until the rest fit.
   */
  add(
    commitId: string,
    seq: number,
    db: Db,
    datoms: number,
    fresh = false,
    between: readonly Db[] = [],
  ): void {
    const old = this.dbs.get(commitId);
    if (old !== undefined) {
      if (old.db === db) return;
      this.dbs.delete(commitId);
      this.used -= old.bytes;
    }
    const bytes = DB_BYTES + DATOM_BYTES * datoms + this.newNodeBytes(db, fresh, between);
    this.dbs.set(commitId, { seq, db, bytes });
    this.used += bytes;
    for (const [id, e] of this.dbs) {
      if (this.used <= this.maxBytes || id === commitId) break;
      this.dbs.delete(id);
      this.used -= e.bytes;
    }
  }

  /** Bytes of the in-memory nodes of `db` that no database was charged for yet. */
  private newNodeBytes(db: Db, fresh: boolean, between: readonly Db[]): number {
    let bytes = 0;
    const trees = (d: Db) => {
      const all = [d.indices.eavt, d.indices.aevt, d.indices.avet];
      if (d.temporal !== null) all.push(d.temporal.eavt, d.temporal.aevt, d.temporal.avet);
      return all;
    };
    // The edit tokens of the transients that made the new roots, this one's and those between.
    const edits = new Set<unknown>();
    const roots: Node<Datom>[] = [];
    for (const d of [...between, db])
      for (const t of trees(d)) {
        const root = t.loadedRoot;
        if (root === undefined || root.address !== undefined || this.charged.has(root)) continue;
        if (d === db) roots.push(root);
        if (root.edit !== null) edits.add(root.edit);
        else this.charged.add(root);
      }
    for (const root of roots) {
      this.charged.add(root);
      bytes += fresh ? this.walkAll(root) : this.walk(root, edits);
    }
    return bytes;
  }

  /**
   * A new node and its descendants made by the same transients (`edits`), or outside one
   * and not charged yet.
   */
  private walk(n: Node<Datom>, edits: ReadonlySet<unknown>): number {
    let bytes = nodeBytes(n);
    const cs = n.children;
    if (cs === undefined) return bytes;
    const outside = n.edit === null;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      if (typeof c === 'string' || c.address !== undefined) continue;
      if (!outside) {
        if (edits.has(c.edit)) bytes += this.walk(c, edits);
      } else if (c.edit === null && !this.charged.has(c)) {
        this.charged.add(c);
        bytes += this.walk(c, edits);
      }
    }
    return bytes;
  }

  /** A node and every in-memory descendant not charged yet, marking them charged. */
  private walkAll(n: Node<Datom>): number {
    let bytes = nodeBytes(n);
    const cs = n.children;
    if (cs === undefined) return bytes;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      if (typeof c === 'string' || c.address !== undefined || this.charged.has(c)) continue;
      this.charged.add(c);
      bytes += this.walkAll(c);
    }
    return bytes;
  }
}
