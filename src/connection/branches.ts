/**
 * The two kinds of branch a connection writes to: one in the process-wide memory store
 * (live database values, nothing serialised, as Datahike's memory store), and one in a
 * durable store (commit records in the branch log, index nodes flushed in the
 * background; see durable.ts).
 */

import type { Db } from '../db/index.js';
import { type NodeCache, withLoadedNodes } from '../index/btree-api.js';
import type { Datom } from '../index/datom.js';
import { packDatoms, unpackDatoms } from '../storage/codec.js';
import type { MemoryStore } from '../storage/memory.js';
import type { Store } from '../storage/store.js';
import type { TxReport } from '../tx/index.js';
import { DatahikeError } from '../values/index.js';
import type { Branch } from './connection.js';
import {
  type Base,
  type BranchState,
  commitRecord,
  commitState,
  decodeCommit,
  encodeCommit,
  flushBlobs,
  openBranch,
  rebase,
  refreshBranch,
} from './durable.js';

/** What the memory store holds under a branch name. */
export interface LiveHead {
  readonly db: Db;
  readonly config: unknown;
}

function conflict(store: string, branch: string): DatahikeError {
  return new DatahikeError(
    'writer/conflict',
    `The ${branch} branch of ${store} moved under this writer: another writer is committing to the same database. Only one writer per database is allowed; send transactions to it (or retry after db() shows its commits).`,
    { store, branch },
  );
}

export class LiveBranch implements Branch {
  private current: Db;

  constructor(
    private readonly store: MemoryStore,
    private readonly name: string,
    head: LiveHead,
  ) {
    this.current = head.db;
  }

  get db(): Db {
    return this.current;
  }

  async withNodes<T>(fn: () => T): Promise<T> {
    return fn();
  }

  async commit(reports: readonly TxReport[]): Promise<void> {
    for (const r of reports) {
      const head = this.store.readRef(this.name) as LiveHead | undefined;
      if (
        head?.db !== r.dbBefore ||
        !this.store.casRef(this.name, head, { ...head, db: r.dbAfter })
      )
        throw conflict(`memory store ${this.store.id}`, this.name);
      this.store.put([[r.dbAfter.meta.commitId!.str, r.dbAfter]]);
      this.current = r.dbAfter;
    }
  }

  async refresh(): Promise<boolean> {
    const head = this.store.readRef(this.name) as LiveHead | undefined;
    if (head === undefined || head.db === this.current) return false;
    this.current = head.db;
    return true;
  }

  async close(): Promise<void> {}

  async commitDb(id: string): Promise<Db | null> {
    return (this.store.get(id) as Db | undefined) ?? null;
  }

  async branchDb(name: string): Promise<Db | null> {
    return (this.store.readRef(name) as LiveHead | undefined)?.db ?? null;
  }
}

export interface DurableOptions {
  /** Flush index nodes once this many datoms were committed since the last flush. */
  readonly flushThreshold: number;
  /** How often to look for other processes' commits when the store cannot notify. */
  readonly pollMs?: number;
}

export class DurableBranch implements Branch {
  private flushing: Promise<void> | null = null;
  /** A finished flush waiting to become the base (at the next commit or refresh). */
  private flushed: { db: Db; base: Base } | null = null;
  private flushError: unknown = null;
  /** This connection has committed: closing it may flush. */
  private wrote = false;

  constructor(
    readonly store: Store,
    private readonly name: string,
    readonly cache: NodeCache<Datom>,
    private state: BranchState,
    private readonly opts: DurableOptions,
  ) {}

  get db(): Db {
    return this.state.db;
  }

  /** The roots the next commit will name as its base. */
  get base(): Base {
    return this.state.base;
  }

  withNodes<T>(fn: () => T): Promise<T> {
    return withLoadedNodes(this.cache, fn);
  }

  async commit(reports: readonly TxReport[]): Promise<void> {
    await this.adoptFlush();
    const { seq, base } = this.state;
    const records = reports.map((r) => encodeCommit(commitRecord(r.dbAfter, r.txData, base)));
    if (!(await this.store.append(this.name, seq, records))) {
      await this.refresh();
      throw conflict(this.store.label, this.name);
    }
    this.wrote = true;
    this.state = {
      db: reports[reports.length - 1]!.dbAfter,
      seq: seq + reports.length,
      base,
      novelty: [
        ...this.state.novelty,
        ...reports.map((r, i) => ({ seq: seq + 1 + i, tx: r.dbAfter.maxTx, datoms: r.txData })),
      ],
      config: this.state.config,
    };
    this.maybeFlush();
  }

  private maybeFlush(): void {
    if (this.flushing !== null || this.flushed !== null) return;
    let datoms = 0;
    for (const n of this.state.novelty) datoms += n.datoms.length;
    if (datoms < this.opts.flushThreshold) return;
    this.flushing = this.flushNow(this.state).finally(() => {
      this.flushing = null;
    });
  }

  private async flushNow(snapshot: BranchState): Promise<void> {
    try {
      const { blobs, rootsKey, db } = await flushBlobs(
        snapshot.db,
        snapshot.seq,
        snapshot.config,
        this.cache,
      );
      await this.store.put(blobs);
      this.flushed = { db, base: { roots: rootsKey, seq: snapshot.seq } };
    } catch (err) {
      // The commits are safe in the log; the next flush tries again.
      this.flushError = err;
    }
  }

  /** Makes a finished flush the base of later commits, letting go of the nodes in memory. */
  private async adoptFlush(): Promise<void> {
    const f = this.flushed;
    if (f === null) return;
    this.flushed = null;
    // A refresh may have moved the state onto a newer base (another writer's flush) while
    // this flush ran: the novelty no longer reaches back to the flush, and rebasing on it
    // would drop the records in between. Such a flush is of no use any more.
    if (f.base.seq < this.state.base.seq) return;
    this.state = await rebase(f.db, f.base, this.state, this.cache);
  }

  /** Waits for a running flush (tests, a clean close). */
  async settle(): Promise<void> {
    if (this.flushing !== null) await this.flushing;
    await this.adoptFlush();
  }

  /** The error of the last failed flush, if any (for metrics and tests). */
  get lastFlushError(): unknown {
    return this.flushError;
  }

  async refresh(): Promise<boolean> {
    await this.adoptFlush();
    const next = await refreshBranch(this.store, this.name, this.cache, this.state);
    if (next === null) return false;
    this.state = next;
    return true;
  }

  async commitDb(id: string): Promise<Db | null> {
    return (await commitState(this.store, this.name, this.cache, id))?.db ?? null;
  }

  async branchDb(name: string): Promise<Db | null> {
    return (await openBranch(this.store, name, this.cache))?.db ?? null;
  }

  /**
   * Catches up with commits made elsewhere and returns them as reports (their tx-data
   * read from the log; each report's dbAfter is the newest database).
   */
  async refreshReports(): Promise<TxReport[]> {
    const before = this.state;
    if (!(await this.refresh())) return [];
    const after = this.state.db;
    const records = await this.store.readLog(this.name, before.seq + 1, this.state.seq);
    return records.flatMap((r) => {
      const c = decodeCommit(r, this.name);
      if (c.checkpoint === true) return [];
      return {
        dbBefore: before.db,
        dbAfter: after,
        txData: unpackDatoms(c.datoms),
        tempids: new Map(),
        txMeta: null,
      };
    });
  }

  /** Calls back when the log may have grown: the store's notification, else polling. */
  watch(onChange: () => void): () => void {
    if (this.store.watch !== undefined) return this.store.watch(this.name, onChange);
    const timer = setInterval(onChange, this.opts.pollMs ?? 1000);
    timer.unref();
    return () => clearInterval(timer);
  }

  async close(): Promise<void> {
    if (this.flushing !== null) await this.flushing;
    await this.adoptFlush();
    // A writer leaves its store flushed, so that the next reader opens from index roots
    // instead of replaying the log since the last flush.
    if (this.wrote && this.state.novelty.length > 0) {
      await this.flushNow(this.state);
      await this.adoptFlush();
      await this.checkpoint().catch(() => undefined);
    }
    await this.store.close();
  }

  /**
   * Appends a copy of the head record that names the current base: not a commit (no
   * datoms, the same commit id), only a newer place for readers to start from.
   */
  private async checkpoint(): Promise<void> {
    const last = await this.store.lastRecord(this.name);
    if (last === null || last.seq !== this.state.seq) return;
    const head = decodeCommit(last, this.name);
    if (head.base.seq === this.state.base.seq) return;
    const record = { ...head, datoms: packDatoms([]), base: this.state.base, checkpoint: true };
    await this.store.append(this.name, last.seq, [encodeCommit(record)]);
  }
}
