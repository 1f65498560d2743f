/**
 * A connection: a reader of one branch (the newest database value this process knows of,
 * kept current by refreshes and store notifications), the writer that moves the branch
 * (writer.ts: the local writer, or one elsewhere), and its listeners.
 */

import type { Db } from '../db/index.js';
import { isTransientStoreError } from '../storage/store.js';
import type { TransactOptions, TxReport } from '../tx/index.js';
import { DatahikeError } from '../values/index.js';
import type { DatabaseConfig } from './config.js';
import { LocalWriter } from './local-writer.js';
import type { LogEntry } from './log.js';
import type { GcSummary, Writer, WriterContext } from './writer.js';

export type Listener = (report: TxReport) => void;

/** Where a branch reports the commits its state takes in, in log order. */
export type CommitSink = (reports: readonly TxReport[]) => void;

/**
 * Where a connection's branch lives: the memory store (live values) or a durable store
 * (commit records). The connection's writer talks to it only through this.
 */
export interface Branch {
  /** The newest database this process knows of. */
  readonly db: Db;
  /**
   * Runs a synchronous read or transaction over the branch's lazily loaded indices; at once
   * (not in a Promise) when every node is in memory.
   */
  withNodes<T>(fn: () => T): T | Promise<T>;
  /**
   * Computes transactions on the current database (`build`, while nothing else moves the
   * state) and makes their reports durable and the last one's database current, all or
   * nothing. Throws `writer/conflict` when another writer moved the branch, and
   * `store/commit-unknown` when the store could not tell whether they went in.
   */
  commit(build: (db: Db) => Promise<readonly TxReport[]>): Promise<void>;
  /**
   * Catches up with commits made elsewhere; true when the database changed. Concurrent
   * calls share one refresh, and the state never moves back.
   */
  refresh(): Promise<boolean>;
  /** Told of every commit the state takes in (own and others'), once each, in order. */
  onCommits: CommitSink | null;
  /** Whether others' commits need their reports even when that costs reads (listeners). */
  wantReports?: boolean;
  /**
   * The database as of one of the branch's commits; null when there is no such commit.
   * `maxTx`, the commit's max-tx if known (a database handle carries it), helps find it.
   */
  commitDb(id: string, maxTx?: number): Promise<Db | null>;
  /** The database of a commit if this process has it at hand (no store read). */
  knownDb?(id: string): Db | undefined;
  /** The head of another branch of the same store; null when there is none. */
  branchDb(name: string): Promise<Db | null>;
  /** The transactions of the branch with `from <= tx < to`, in tx order (log.ts). */
  txLog(from: number, to: number): AsyncIterable<LogEntry>;
  /** Calls back when another process may have committed; returns the stop function. */
  watch?(onChange: () => void): () => void;
  close(): Promise<void>;
}

let listenerKeys = 0;

export interface ConnectionOptions {
  /** How stale `db()` may be, in ms, before it looks for commits made elsewhere. */
  readonly refreshMs?: number;
  /** Makes the connection's writer; the local writer unless the config names one elsewhere. */
  readonly writer?: (context: WriterContext) => Writer;
}

export class Connection implements WriterContext {
  private released = false;
  private readonly listeners = new Map<unknown, Listener>();
  private readonly writer: Writer;
  private readonly refreshMs: number;
  private lastRefresh = 0;
  private stopWatching: (() => void) | null = null;
  /** Tx ids the listeners have heard of (the last 1024). */
  private readonly notified = new Set<number>();
  /** The store announced a commit while this connection was writing. */
  private noticedWhileWriting = false;
  private stale: { since: Date; error: unknown } | null = null;
  /** How many `connect` calls share this connection. */
  refCount = 1;

  constructor(
    readonly config: DatabaseConfig,
    readonly branch: Branch,
    opts: ConnectionOptions = {},
  ) {
    this.refreshMs = opts.refreshMs ?? 0;
    this.writer = (opts.writer ?? ((c) => new LocalWriter(c)))(this);
    branch.onCommits = (reports) => {
      for (const r of reports) this.notify(r);
    };
  }

  get isReleased(): boolean {
    return this.released;
  }

  private ensureOpen(): void {
    if (this.released)
      throw new DatahikeError(
        'connection/released',
        'This connection has been released (or its database deleted): connect again to use the database.',
        { store: this.config.store.id, branch: this.config.branch },
      );
  }

  /** The current database value, without looking for commits made elsewhere. */
  db(): Db {
    this.ensureOpen();
    return this.branch.db;
  }

  /**
   * The newest database: commits of other processes are looked for at most once per
   * `refreshMs` (never while this connection is writing: its own commits are current).
   */
  async latest(): Promise<Db> {
    this.ensureOpen();
    const now = Date.now();
    if (!this.writer.busy && now - this.lastRefresh >= this.refreshMs) {
      this.lastRefresh = now;
      try {
        await this.branch.refresh();
        this.stale = null;
      } catch (err) {
        // Released meanwhile: its store is closed, which is not the store's failure.
        this.ensureOpen();
        if (!isTransientStoreError(err)) throw err;
        // The store does not answer for now: the last state known is still a state it had.
        this.stale ??= { since: new Date(now), error: err };
      }
    }
    return this.branch.db;
  }

  /**
   * Since when `db()` has answered from the last state known because the store did not
   * answer, and why; null while refreshes succeed.
   */
  get staleness(): { readonly since: Date; readonly error: unknown } | null {
    return this.stale;
  }

  async transact(txData: readonly unknown[], opts: TransactOptions = {}): Promise<TxReport> {
    this.ensureOpen();
    const report = await this.writer.transact(txData, opts);
    // A commit went through: the store answers again.
    this.stale = null;
    return report;
  }

  /** Garbage collection of the store, by its writer (see `Writer.gcStorage`). */
  gcStorage(
    removeBefore: Date | undefined,
    opts: { graceMs?: number; progress?: (message: string) => void } = {},
  ): Promise<GcSummary> {
    this.ensureOpen();
    return this.writer.gcStorage(removeBefore, opts);
  }

  /** Tells the listeners of a commit (made here, or noticed from elsewhere), once. */
  notify(report: TxReport): void {
    // Nobody to tell, and no store watcher that could tell of this commit again later.
    if (this.listeners.size === 0 && this.branch.watch === undefined) return;
    // A commit may be seen twice: as this process's own, and by the store watcher.
    const tx = report.txData[0]?.tx;
    if (tx !== undefined) {
      if (this.notified.has(tx)) return;
      this.notified.add(tx);
      if (this.notified.size > 1024) this.notified.delete(this.notified.values().next().value!);
    }
    for (const listener of this.listeners.values()) {
      try {
        listener(report);
      } catch (err) {
        // A failing listener must not fail the transaction that has already committed.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /**
   * Calls `callback` with the report of every later transaction, this process's and (on
   * a durable store) other processes'; returns the key to unlisten with.
   */
  listen(callback: Listener, key?: unknown): unknown {
    this.ensureOpen();
    const k = key ?? `listener-${++listenerKeys}`;
    this.listeners.set(k, callback);
    this.branch.wantReports = true;
    if (this.stopWatching === null && this.branch.watch !== undefined)
      this.stopWatching = this.branch.watch(() => this.noticeRemote());
    return k;
  }

  /** Removes the listener under `key`; returns the listeners left, by key (as Datahike's). */
  unlisten(key: unknown): ReadonlyMap<unknown, Listener> {
    this.listeners.delete(key);
    if (this.listeners.size === 0) {
      this.branch.wantReports = false;
      this.stopWatch();
    }
    return new Map(this.listeners);
  }

  private stopWatch(): void {
    this.stopWatching?.();
    this.stopWatching = null;
  }

  /**
   * Another process may have committed: catch up, which tells the listeners. Refreshes
   * asked for meanwhile share one; while this connection writes the commits are its own,
   * so one refresh after the writing is enough.
   */
  private noticeRemote(): void {
    if (this.released) return;
    if (this.writer.busy) {
      if (this.noticedWhileWriting) return;
      this.noticedWhileWriting = true;
      void this.writer
        .flush()
        .catch(() => undefined)
        .then(() => {
          this.noticedWhileWriting = false;
          this.noticeRemote();
        });
      return;
    }
    // A store that does not answer now is asked again at the next notice or db().
    this.branch.refresh().catch(() => undefined);
  }

  /** Waits until every transaction handed to the writer has finished. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** @internal the registry calls this when the last user releases or the database is deleted. */
  async close(): Promise<void> {
    this.released = true;
    this.listeners.clear();
    this.stopWatch();
    await this.flush().catch(() => undefined);
    await this.branch.close();
  }
}
