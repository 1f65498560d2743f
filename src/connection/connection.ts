/**
 * A connection: the current database value of one branch, and the local writer that
 * moves it.
 *
 * Transactions queue in arrival order. The writer takes every transaction waiting when
 * it is free, applies them one after another (each gets its own tx id, commit id and
 * report) and commits them to the store in one write (group commit); then their
 * promises resolve, in order, and listeners hear of them. A transaction that fails is
 * rejected alone; the others of its group go on without it.
 */

import type { Db } from '../db/index.js';
import { K } from '../schema/index.js';
import { type TransactOptions, type TxReport, transactData } from '../tx/index.js';
import { DatahikeError, type Keyword, keyword, randomUuid } from '../values/index.js';
import type { DatabaseConfig } from './config.js';
import type { RemoteWriter } from './remote-writer.js';

export type Listener = (report: TxReport) => void;

/**
 * Where a connection's branch lives: the memory store (live values) or a durable store
 * (commit records). The connection's writer talks to it only through this.
 */
export interface Branch {
  /** The newest database this process knows of. */
  readonly db: Db;
  /** Runs a synchronous read or transaction over the branch's lazily loaded indices. */
  withNodes<T>(fn: () => T): Promise<T>;
  /**
   * Makes the reports durable and the last one's database current, all or nothing.
   * Throws `writer/conflict` when another writer moved the branch.
   */
  commit(reports: readonly TxReport[]): Promise<void>;
  /** Catches up with commits made elsewhere; true when the database changed. */
  refresh(): Promise<boolean>;
  /** The database as of one of the branch's commits; null when there is no such commit. */
  commitDb(id: string): Promise<Db | null>;
  /** The head of another branch of the same store; null when there is none. */
  branchDb(name: string): Promise<Db | null>;
  /** Calls back when another process may have committed; returns the stop function. */
  watch?(onChange: () => void): () => void;
  /** Catches up with other processes' commits, as reports. */
  refreshReports?(): Promise<TxReport[]>;
  close(): Promise<void>;
}

interface Pending {
  readonly txData: readonly unknown[];
  readonly opts: TransactOptions;
  readonly resolve: (r: TxReport) => void;
  readonly reject: (e: unknown) => void;
}

let listenerKeys = 0;

const COMMIT_ID = keyword('db/commitId');

export class Connection {
  private released = false;
  private readonly listeners = new Map<unknown, Listener>();
  private readonly queue: Pending[] = [];
  private writing: Promise<void> | null = null;
  private lastRefresh = 0;
  private stopWatching: (() => void) | null = null;
  private catchingUp = false;
  /** Tx ids the listeners have heard of (the last 1024). */
  private readonly notified = new Set<number>();
  private remoteWriter: RemoteWriter | null = null;
  private remoteTail: Promise<unknown> = Promise.resolve();
  private noticedAgain = false;
  /** How many `connect` calls share this connection. */
  refCount = 1;

  constructor(
    readonly config: DatabaseConfig,
    readonly branch: Branch,
    /** How stale `db()` may be, in ms, before it looks for commits made elsewhere. */
    private readonly refreshMs = 0,
  ) {}

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
    if (this.writing === null && now - this.lastRefresh >= this.refreshMs) {
      this.lastRefresh = now;
      await this.branch.refresh();
    }
    return this.branch.db;
  }

  /** @internal sends what changes the database to a writer elsewhere (`:writer`). */
  setRemoteWriter(writer: RemoteWriter): void {
    this.remoteWriter = writer;
  }

  /** The writer elsewhere that commits for this connection, or null when it commits itself. */
  get remote(): RemoteWriter | null {
    return this.remoteWriter;
  }

  transact(txData: readonly unknown[], opts: TransactOptions = {}): Promise<TxReport> {
    this.ensureOpen();
    if (this.remoteWriter !== null) {
      const run = this.remoteTail.then(() => this.transactRemotely(txData, opts));
      this.remoteTail = run.catch(() => undefined);
      return run;
    }
    return new Promise<TxReport>((resolve, reject) => {
      this.queue.push({ txData, opts, resolve, reject });
      if (this.writing === null) this.writing = this.drain();
    });
  }

  /**
   * A transaction committed by the remote writer, then read back from the shared store:
   * when this resolves, `db()` includes it and the report's databases are local values.
   */
  private async transactRemotely(
    txData: readonly unknown[],
    opts: TransactOptions,
  ): Promise<TxReport> {
    const before = this.branch.db;
    const commit = await this.remoteWriter!.transact(this.config, txData, opts);
    let after: Db | null = null;
    for (let attempt = 0; attempt < 50 && after === null; attempt++) {
      await this.branch.refresh();
      if (this.branch.db.meta.commitId?.str === commit.commitId) after = this.branch.db;
      else after = await this.branch.commitDb(commit.commitId);
      if (after === null) await new Promise((r) => setTimeout(r, 10 * (attempt + 1)));
    }
    if (after === null)
      throw new DatahikeError(
        'writer/not-visible',
        `The writer committed ${commit.commitId}, but the store this process reads does not show it: do both use the same store?`,
        { commitId: commit.commitId },
      );
    const tempids = new Map<string | number | Keyword, number>();
    for (const [k, v] of commit.tempids) tempids.set(k as string | number | Keyword, v);
    const report: TxReport = {
      dbBefore: before,
      dbAfter: after,
      txData: commit.txData,
      tempids,
      txMeta: commit.txMeta,
    };
    this.notify(report);
    return report;
  }

  /** Commits queued transactions, a group at a time, until the queue is empty. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0);
        await this.commitGroup(group);
        // Let the callers just answered queue their next transactions before the next
        // group is taken: otherwise they miss it, and concurrent callers split into two
        // cohorts that commit alternately, each in half-size groups.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.writing = null;
    }
  }

  private async commitGroup(group: Pending[]): Promise<void> {
    const done: { p: Pending; report: TxReport }[] = [];
    let db = this.branch.db;
    for (const p of group) {
      if (this.released) {
        p.reject(this.releasedError());
        continue;
      }
      try {
        const before = db;
        const report = await this.branch.withNodes(() => transactData(before, p.txData, p.opts));
        const final = withCommit(before, report);
        done.push({ p, report: final });
        db = final.dbAfter;
      } catch (err) {
        p.reject(err);
      }
    }
    if (done.length === 0) return;
    try {
      await this.branch.commit(done.map((d) => d.report));
    } catch (err) {
      for (const d of done) d.p.reject(err);
      return;
    }
    for (const { p, report } of done) {
      p.resolve(report);
      this.notify(report);
    }
  }

  private releasedError(): DatahikeError {
    return new DatahikeError(
      'connection/released',
      'The connection was released before this transaction could commit.',
      { store: this.config.store.id },
    );
  }

  /** @internal tells the listeners of a commit (made here, or noticed from elsewhere), once. */
  notify(report: TxReport): void {
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
    if (this.stopWatching === null && this.branch.watch !== undefined)
      this.stopWatching = this.branch.watch(() => this.noticeRemote());
    return k;
  }

  unlisten(key: unknown): boolean {
    const removed = this.listeners.delete(key);
    if (this.listeners.size === 0) this.stopWatch();
    return removed;
  }

  private stopWatch(): void {
    this.stopWatching?.();
    this.stopWatching = null;
  }

  /** Another process may have committed: tell the listeners, one catch-up at a time. */
  private noticeRemote(): void {
    // While this connection writes, the commits are its own and it reports them itself.
    if (this.released || this.writing !== null) return;
    if (this.catchingUp) {
      this.noticedAgain = true;
      return;
    }
    const refresh = this.branch.refreshReports;
    if (refresh === undefined) return;
    this.catchingUp = true;
    this.noticedAgain = false;
    refresh
      .call(this.branch)
      .then((reports) => {
        for (const r of reports) this.notify(r);
      })
      .catch(() => undefined)
      .finally(() => {
        this.catchingUp = false;
        if (this.noticedAgain) this.noticeRemote();
      });
  }

  /** Waits until every queued transaction has finished. */
  async flush(): Promise<void> {
    while (this.writing !== null) await this.writing;
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

/** The report with the commit's identity: commit id, parent, and the tx instant as update time. */
function withCommit(before: Db, report: TxReport): TxReport {
  const txInstant = report.txData.find((d) => d.e === report.dbAfter.maxTx && d.a === K.txInstant)
    ?.v as Date;
  const commitId = randomUuid();
  const dbAfter = report.dbAfter.withMeta({
    commitId,
    parentCommitIds: before.meta.commitId === undefined ? [] : [before.meta.commitId],
    createdAt: before.meta.createdAt,
    updatedAt: txInstant,
  });
  const txMeta = new Map<unknown, unknown>(report.txMeta instanceof Map ? report.txMeta : []);
  txMeta.set(K.txInstant, txInstant);
  txMeta.set(COMMIT_ID, commitId);
  return { ...report, dbAfter, txMeta };
}
