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
import { isTransientStoreError } from '../storage/store.js';
import { type TransactOptions, type TxReport, transactData } from '../tx/index.js';
import {
  DatahikeError,
  isDatahikeError,
  type Keyword,
  keyword,
  printValue,
  randomUuid,
} from '../values/index.js';
import type { DatabaseConfig } from './config.js';
import type { RemoteWriter } from './remote-writer.js';

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
  /** Runs a synchronous read or transaction over the branch's lazily loaded indices. */
  withNodes<T>(fn: () => T): Promise<T>;
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
  /** Calls back when another process may have committed; returns the stop function. */
  watch?(onChange: () => void): () => void;
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
  /** Tx ids the listeners have heard of (the last 1024). */
  private readonly notified = new Set<number>();
  private remoteWriter: RemoteWriter | null = null;
  private remoteTail: Promise<unknown> = Promise.resolve();
  /** The store announced a commit while this connection was writing. */
  private noticedWhileWriting = false;
  private stale: { since: Date; error: unknown } | null = null;
  /** How many `connect` calls share this connection. */
  refCount = 1;

  constructor(
    readonly config: DatabaseConfig,
    readonly branch: Branch,
    /** How stale `db()` may be, in ms, before it looks for commits made elsewhere. */
    private readonly refreshMs = 0,
  ) {
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
    if (this.writing === null && now - this.lastRefresh >= this.refreshMs) {
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
      try {
        // Started after the writer's answer, so it sees the commit.
        await this.branch.refresh();
        if (this.branch.db.meta.commitId?.str === commit.commitId) after = this.branch.db;
        else after = await this.branch.commitDb(commit.commitId, commit.txData[0]?.tx);
      } catch (err) {
        // The transaction is committed: it must not look like one that failed.
        throw new DatahikeError(
          'writer/not-visible',
          `The writer committed ${commit.commitId}, but this process cannot read the store to show it (${(err as Error).message}); db(conn) shows it once the store answers.`,
          { commitId: commit.commitId },
          err,
        );
      }
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
      if (this.noticedWhileWriting) {
        this.noticedWhileWriting = false;
        this.noticeRemote();
      }
    }
  }

  private async commitGroup(group: Pending[]): Promise<void> {
    const done: { p: Pending; report: TxReport }[] = [];
    let built = false;
    try {
      await this.branch.commit(async (start) => {
        built = true;
        let db = start;
        for (const p of group) {
          if (this.released) {
            p.reject(this.releasedError());
            continue;
          }
          try {
            const before = db;
            const report = await this.branch.withNodes(() =>
              transactData(before, p.txData, p.opts),
            );
            const final = withCommit(before, report);
            done.push({ p, report: final });
            db = final.dbAfter;
          } catch (err) {
            p.reject(err);
          }
        }
        return done.map((d) => d.report);
      });
    } catch (err) {
      if (!built) for (const p of group) p.reject(err);
      else if (isDatahikeError(err, 'store/commit-unknown'))
        for (const d of done) d.p.reject(commitUnknown(d.report, err));
      else for (const d of done) d.p.reject(err);
      return;
    }
    // The listeners heard of the commits as they went in (the branch's onCommits).
    if (done.length > 0) this.stale = null;
    for (const { p, report } of done) p.resolve(report);
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
    this.branch.wantReports = true;
    if (this.stopWatching === null && this.branch.watch !== undefined)
      this.stopWatching = this.branch.watch(() => this.noticeRemote());
    return k;
  }

  unlisten(key: unknown): boolean {
    const removed = this.listeners.delete(key);
    if (this.listeners.size === 0) {
      this.branch.wantReports = false;
      this.stopWatch();
    }
    return removed;
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
    if (this.writing !== null) {
      this.noticedWhileWriting = true;
      return;
    }
    // A store that does not answer now is asked again at the next notice or db().
    this.branch.refresh().catch(() => undefined);
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

/** The error for a transaction whose commit the store could not confirm or deny. */
function commitUnknown(report: TxReport, cause: DatahikeError): DatahikeError {
  const commitId = report.dbAfter.meta.commitId!.str;
  const meta = report.txMeta instanceof Map ? new Map(report.txMeta) : new Map();
  meta.delete(K.txInstant);
  meta.delete(COMMIT_ID);
  const check =
    meta.size > 0
      ? `its tx-meta ${printValue(meta)}, a unique value it asserts, or commitAsDb(conn, "${commitId}")`
      : `a unique value it asserts (give transactions tx-meta to make this easy), or commitAsDb(conn, "${commitId}")`;
  return new DatahikeError(
    'store/commit-unknown',
    `The store stopped answering after the transaction was sent, so it may have committed or not (${cause.message}). Do not retry it blindly, it could apply twice: once the store answers, check whether db(conn) holds it, by ${check}. This connection finds out itself before its next commit.`,
    { commitId, txMeta: meta.size > 0 ? meta : null },
    cause,
  );
}
