/**
 * The two kinds of branch a connection writes to: one in the process-wide memory store
 * (live database values, nothing serialised, as Datahike's memory store), and one in a
 * durable store (commit records in the branch log, index nodes flushed in the
 * background; see durable.ts).
 */

import type { Db } from '../db/index.js';
import { type NodeCache, withLoadedNodes } from '../index/btree-api.js';
import type { Datom } from '../index/datom.js';
import { packDatoms } from '../storage/codec.js';
import type { MemoryStore } from '../storage/memory.js';
import { isTransientStoreError, type Store } from '../storage/store.js';
import type { TxReport } from '../tx/index.js';
import { DatahikeError, isDatahikeError } from '../values/index.js';
import type { CommitHistory } from './commit-history.js';
import type { Branch, CommitSink } from './connection.js';
import {
  BranchLog,
  type BranchState,
  commitRecord,
  type Positioned,
  type Seen,
} from './durable.js';
import { LiveCommits } from './live-commits.js';
import { durableLog, type LogEntry, liveLog, liveLogRange } from './log.js';
import { type Base, decodeCommit, encodeCommit } from './records.js';

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
  onCommits: CommitSink | null = null;

  constructor(
    readonly store: MemoryStore,
    private readonly name: string,
    head: LiveHead,
  ) {
    this.current = head.db;
  }

  get db(): Db {
    return this.current;
  }

  withNodes<T>(fn: () => T): T {
    return fn();
  }

  async commit(build: (db: Db) => Promise<readonly TxReport[]>): Promise<void> {
    const reports = await build(this.current);
    if (reports.length === 0) return;
    // Everything below is synchronous: the head cannot move between the reports.
    const head = this.store.readRef(this.name) as LiveHead | undefined;
    if (head?.db !== reports[0]!.dbBefore)
      throw conflict(`memory store ${this.store.id}`, this.name);
    const last = reports[reports.length - 1]!.dbAfter;
    this.store.casRef(this.name, head, { ...head, db: last });
    const commits = LiveCommits.of(this.store);
    for (const r of reports) commits.add(r.dbBefore, r.dbAfter, r.txData);
    const log = liveLog(this.store, this.name);
    for (const r of reports)
      log.push({
        tx: r.dbAfter.maxTx,
        commitId: r.dbAfter.meta.commitId!.str,
        parents: r.dbAfter.meta.parentCommitIds.map((p) => p.str),
        datoms: r.txData,
      });
    this.current = last;
    this.onCommits?.(reports);
  }

  async refresh(): Promise<boolean> {
    const head = this.store.readRef(this.name) as LiveHead | undefined;
    if (head === undefined || head.db === this.current) return false;
    this.current = head.db;
    return true;
  }

  async close(): Promise<void> {}

  async commitDb(id: string): Promise<Db | null> {
    return LiveCommits.of(this.store).db(id);
  }

  async branchDb(name: string): Promise<Db | null> {
    return (this.store.readRef(name) as LiveHead | undefined)?.db ?? null;
  }

  txLog(from: number, to: number): AsyncIterable<LogEntry> {
    return liveLogRange(this.store, this.name, from, to);
  }

  /** Whether `db` is the database of commit `id` in this branch's store. */
  knowsCommit(id: string, db: Db): boolean {
    return LiveCommits.of(this.store).holds(id, db);
  }
}

export interface DurableOptions {
  /** Flush index nodes once this many datoms were committed since the last flush. */
  readonly flushThreshold: number;
  /** How often to look for other processes' commits when the store cannot notify. */
  readonly pollMs?: number;
}

/** An append the store could not say went in or not: found out before the state moves on. */
interface Unresolved {
  /** The seq the append went after. */
  readonly seq: number;
  /** The commit id of its first record. */
  readonly id: string;
  /** The state had it gone in, and its reports. */
  readonly after: BranchState;
  readonly reports: readonly TxReport[];
}

function notCommitted(label: string, cause: unknown): DatahikeError {
  return new DatahikeError(
    'store/unavailable',
    `The ${label} failed during the commit; the log shows that nothing of it went in, so it is safe to retry (${(cause as Error).message}).`,
    { store: label },
    cause,
  );
}

/** The error of the transaction after a failed background flush: nothing of it was sent. */
function flushFailed(label: string, cause: unknown): DatahikeError {
  const code = isDatahikeError(cause) && isTransientStoreError(cause) ? cause.code : 'store/io';
  return new DatahikeError(
    code,
    `The background flush of the indices to the ${label} failed (${(cause as Error).message}). The commits before are safe in the log; this transaction was not sent: retry it (the flush is tried again after the next commit).`,
    { store: label, flush: true },
    cause,
  );
}

/** What a branch tells its history of each record replayed. */
export function seenBy(history: CommitHistory): Seen {
  return (at: Positioned, datoms: number, db: Db | undefined) => {
    history.note(at.record.id, at.seq, at.record.base);
    if (db !== undefined) history.add(at.record.id, at.seq, db, datoms);
  };
}

/**
 * A branch in a durable store. Its state moves only forward and one step at a time:
 * commits, refreshes and adopting a flush run in turn (`exclusive`), a refresh asked for
 * while one runs is shared by everyone who asks meanwhile and runs after it, and each step
 * starts from the state the previous one left. So a refresh that read the log earlier can
 * never install an older state over a newer one, and the writer's state never falls behind
 * the log it appended to.
 */
export class DurableBranch implements Branch {
  onCommits: CommitSink | null = null;
  /** Whether other processes' commits need reports (someone listens). */
  wantReports = false;
  private flushing: Promise<void> | null = null;
  /** A finished flush waiting to become the base (at the next commit or refresh). */
  private flushed: { db: Db; base: Base } | null = null;
  private flushError: unknown = null;
  /** A failed flush the next transaction has not reported yet. */
  private unreportedFlushError: unknown = null;
  private failedFlushes = 0;
  /** This connection has committed: closing it may flush. */
  private wrote = false;
  /** The end of the queue of state changes. */
  private turn: Promise<unknown> = Promise.resolve();
  private refreshing: Promise<boolean> | null = null;
  /** The refresh that callers arriving while one runs share; it starts after that one. */
  private queuedRefresh: Promise<boolean> | null = null;
  private unresolved: Unresolved | null = null;
  private reopened = 0;

  /** The branch's log in the store; tells the history of every record replayed. */
  private readonly log: BranchLog;

  /**
   * `history` should know the commits `state` was built from (give `seenBy(history)` to
   * the `BranchLog` that opened it).
   */
  constructor(
    readonly store: Store,
    private readonly name: string,
    readonly cache: NodeCache<Datom>,
    private state: BranchState,
    private readonly opts: DurableOptions,
    readonly history: CommitHistory,
  ) {
    this.log = new BranchLog(store, name, cache, seenBy(history));
    this.remember(state);
  }

  /** Keeps the head of a state made otherwise than from the database added before it. */
  private remember(state: BranchState): void {
    const id = state.db.meta.commitId?.str;
    if (id !== undefined) this.history.add(id, state.seq, state.db, 0, true);
  }

  get db(): Db {
    return this.state.db;
  }

  /** How often the log disagreed with the state (`connection/diverged`) and it was read again. */
  get divergences(): number {
    return this.reopened;
  }

  /** The roots the next commit will name as its base. */
  get base(): Base {
    return this.state.base;
  }

  /** The database config as the store keeps it (data), for roots written beside the writer's. */
  get storedConfig(): unknown {
    return this.state.config;
  }

  withNodes<T>(fn: () => T): Promise<T> {
    return withLoadedNodes(this.cache, fn);
  }

  /** Runs the state changes one at a time, in the order they were asked for. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(fn);
    this.turn = run.catch(() => undefined);
    return run;
  }

  private install(state: BranchState, reports: readonly TxReport[]): void {
    this.state = state;
    if (reports.length > 0) this.onCommits?.(reports);
  }

  async commit(build: (db: Db) => Promise<readonly TxReport[]>): Promise<void> {
    await this.exclusive(async () => {
      if (this.unresolved !== null) {
        try {
          await this.resolve();
        } catch (err) {
          if (!isTransientStoreError(err)) throw err;
          throw new DatahikeError(
            'store/unavailable',
            `The ${this.store.label} does not answer, and whether an earlier commit went in is still unknown: nothing of this transaction was sent, retry it later (${(err as Error).message}).`,
            { store: this.store.label },
            err,
          );
        }
      }
      if (this.unreportedFlushError !== null) {
        const err = this.unreportedFlushError;
        this.unreportedFlushError = null;
        throw flushFailed(this.store.label, err);
      }
      await this.adoptFlush();
      const before = this.state;
      const reports = await build(before.db);
      if (reports.length === 0) return;
      const records = reports.map((r) =>
        encodeCommit(commitRecord(r.dbAfter, r.txData, before.base)),
      );
      const after: BranchState = {
        db: reports[reports.length - 1]!.dbAfter,
        seq: before.seq + reports.length,
        base: before.base,
        novelty: before.novelty.with(
          reports.map((r, i) => ({
            seq: before.seq + 1 + i,
            tx: r.dbAfter.maxTx,
            datoms: r.txData,
          })),
        ),
        config: before.config,
      };
      let appended: boolean;
      try {
        appended = await this.store.append(this.name, before.seq, records);
      } catch (err) {
        if (!isDatahikeError(err, 'store/commit-unknown')) throw err;
        this.unresolved = {
          seq: before.seq,
          id: reports[0]!.dbAfter.meta.commitId!.str,
          after,
          reports,
        };
        let committed: boolean;
        try {
          committed = await this.resolve();
        } catch {
          throw err;
        }
        if (!committed) throw notCommitted(this.store.label, err);
        return;
      }
      if (!appended) {
        await this.catchUp();
        throw conflict(this.store.label, this.name);
      }
      this.wrote = true;
      this.keep(before.seq, before.base, reports);
      this.install(after, reports);
      this.maybeFlush();
    });
  }

  /**
   * Notes the commits of reports appended after `seq` on `base`, and keeps the database of
   * the last: those before it in a group would each hold the nodes their transaction copied
   * (most of them replaced by the next one's), promoted by the garbage collector only to die
   * later; a handle to one is replayed from the database kept before it.
   */
  private keep(seq: number, base: Base, reports: readonly TxReport[]): void {
    let datoms = 0;
    reports.forEach((r, i) => {
      this.history.note(r.dbAfter.meta.commitId!.str, seq + 1 + i, base);
      datoms += r.txData.length;
    });
    const last = reports[reports.length - 1]!.dbAfter;
    const between = reports.slice(0, -1).map((r) => r.dbAfter);
    this.history.add(last.meta.commitId!.str, seq + reports.length, last, datoms, false, between);
  }

  /**
   * Finds out whether the unresolved append went in: its first record in the place after
   * its seq (then its state is installed), or another record there, or nothing, and then
   * a copy of the head takes the place (a checkpoint: no commit), so that the append can
   * no longer arrive late. True when it went in. Throws when the store does not answer.
   */
  private async resolve(): Promise<boolean> {
    const u = this.unresolved!;
    for (let attempt = 0; ; attempt++) {
      const [next] = await this.store.readLog(this.name, u.seq + 1, u.seq + 1);
      if (next !== undefined) {
        this.unresolved = null;
        if (decodeCommit(next, this.name).id === u.id) {
          this.wrote = true;
          this.keep(u.seq, u.after.base, u.reports);
          this.install(u.after, u.reports);
          this.maybeFlush();
          return true;
        }
        await this.catchUp();
        return false;
      }
      try {
        if (await this.fence(u.seq)) {
          this.unresolved = null;
          return false;
        }
        if (attempt >= 2) throw this.log.diverged(this.state, 'moved away from it');
      } catch (err) {
        if (isDatahikeError(err, 'connection/diverged')) {
          this.unresolved = null;
          await this.reopen();
        }
        throw err;
      }
    }
  }

  /** Reads the state again from the log (after `connection/diverged`). */
  private async reopen(): Promise<void> {
    this.reopened++;
    // What the history noted may be commits the log no longer has.
    this.history.clear();
    const fresh = await this.log.open();
    if (fresh === null) return;
    this.flushed = null;
    this.state = fresh;
    this.remember(fresh);
  }

  /** Appends a checkpoint copy of the head at `seq`; false when the log no longer ends there. */
  private async fence(seq: number): Promise<boolean> {
    const [at] = await this.store.readLog(this.name, seq, seq);
    const head = at === undefined ? null : decodeCommit(at, this.name);
    if (head === null || head.id !== this.state.db.meta.commitId?.str)
      throw this.log.diverged(this.state, `lacks it at ${seq}`);
    const record = { ...head, datoms: packDatoms([]), checkpoint: true };
    if (!(await this.store.append(this.name, seq, [encodeCommit(record)]))) return false;
    this.state = { ...this.state, seq: seq + 1 };
    return true;
  }

  private maybeFlush(): void {
    if (this.flushing !== null || this.flushed !== null) return;
    if (this.state.novelty.datoms < this.opts.flushThreshold) return;
    this.flushing = this.flushNow(this.state).finally(() => {
      this.flushing = null;
    });
  }

  private async flushNow(snapshot: BranchState): Promise<void> {
    try {
      const { blobs, rootsKey, db } = await this.log.flushBlobs(
        snapshot.db,
        snapshot.seq,
        snapshot.config,
      );
      await this.store.put(blobs);
      this.flushed = { db, base: { roots: rootsKey, seq: snapshot.seq } };
      this.flushError = null;
    } catch (err) {
      // The commits are safe in the log, and the flush is tried again after the next
      // commit; the next transaction is refused with the error, so that it is not silent.
      this.flushError = err;
      this.unreportedFlushError = err;
      this.failedFlushes++;
    }
  }

  /** Makes a finished flush the base of later commits, letting go of the nodes in memory. */
  private async adoptFlush(): Promise<void> {
    const f = this.flushed;
    if (f === null || this.unresolved !== null) return;
    this.flushed = null;
    // A refresh may have moved the state onto a newer base (another writer's flush) while
    // this flush ran: the novelty no longer reaches back to the flush, and rebasing on it
    // would drop the records in between. Such a flush is of no use any more.
    if (f.base.seq < this.state.base.seq) return;
    this.state = await this.log.rebase(f.db, f.base, this.state);
    // The head again, on the flushed trees: the in-memory copy it replaces can go.
    this.remember(this.state);
  }

  /** Waits for a running flush (tests, a clean close). */
  async settle(): Promise<void> {
    if (this.flushing !== null) await this.flushing;
    await this.exclusive(() => this.adoptFlush());
  }

  /** The error of the last flush if it failed (null once one succeeds), for metrics. */
  get lastFlushError(): unknown {
    return this.flushError;
  }

  /** How many background flushes failed on this connection. */
  get flushFailures(): number {
    return this.failedFlushes;
  }

  refresh(): Promise<boolean> {
    if (this.queuedRefresh !== null) return this.queuedRefresh;
    if (this.refreshing === null) return this.startRefresh();
    const queued = this.refreshing
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        this.queuedRefresh = null;
        return this.startRefresh();
      });
    this.queuedRefresh = queued;
    return queued;
  }

  private startRefresh(): Promise<boolean> {
    const run = this.exclusive(() => this.catchUp());
    this.refreshing = run;
    const done = () => {
      if (this.refreshing === run) this.refreshing = null;
    };
    run.then(done, done);
    return run;
  }

  /**
   * Takes in what the log holds beyond the state. When the log no longer agrees with the
   * state (`connection/diverged`), the state is read again from the log and the error
   * thrown once.
   */
  private async catchUp(): Promise<boolean> {
    if (this.unresolved !== null) await this.resolve();
    await this.adoptFlush();
    let next: Awaited<ReturnType<BranchLog['refresh']>>;
    try {
      next = await this.log.refresh(this.state, this.wantReports);
    } catch (err) {
      if (isDatahikeError(err, 'connection/diverged')) await this.reopen();
      throw err;
    }
    if (next === null) return false;
    this.install(next.state, next.reports);
    return true;
  }

  knownDb(id: string): Db | undefined {
    const current = this.state.db;
    return current.meta.commitId?.str === id ? current : this.history.db(id)?.db;
  }

  /**
   * The database of a commit: the current one, one this connection keeps, or one replayed
   * from the nearest database it keeps (or else the commit's base) up to the commit, found
   * in the log by the position this connection noted or its max-tx (`maxTx`, a hint).
   */
  async commitDb(id: string, maxTx?: number): Promise<Db | null> {
    const known = this.knownDb(id);
    if (known !== undefined) return known;
    let at = this.history.position(id);
    if (at === undefined) {
      const found = await this.log.findCommit(id, maxTx, (p) =>
        this.history.note(p.record.id, p.seq, p.record.base),
      );
      if (found === null) return null;
      at = { seq: found.seq, base: found.record.base };
    }
    const from = this.history.nearest(at.seq);
    const db =
      from !== undefined && from.seq >= at.base.seq
        ? await this.log.replayOnto(from, at.seq)
        : await this.log.dbFromBase(at.base, at.seq);
    // The log no longer holds the records (garbage collection): no such commit any more.
    if (db === null) this.history.forget(id);
    return db;
  }

  async branchDb(name: string): Promise<Db | null> {
    return (await new BranchLog(this.store, name, this.cache).open())?.db ?? null;
  }

  txLog(from: number, to: number): AsyncIterable<LogEntry> {
    return durableLog(this.store, this.name, from, to);
  }

  /** Garbage collection removed the commits of `branch` before `seq`. */
  collected(branch: string, seq: number): void {
    if (branch === this.name) this.history.forgetBefore(seq);
  }

  /** Calls back when the log may have grown: the store's notification, else polling. */
  watch(onChange: () => void): () => void {
    if (this.store.watch !== undefined) return this.store.watch(this.name, onChange);
    const timer = setInterval(onChange, this.opts.pollMs ?? 1000);
    timer.unref();
    return () => clearInterval(timer);
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      if (this.flushing !== null) await this.flushing;
      if (this.unresolved !== null) await this.resolve().catch(() => false);
      await this.adoptFlush();
      // A writer leaves its store flushed, so that the next reader opens from index roots
      // instead of replaying the log since the last flush.
      // The checkpoint also when a background flush took in everything: no record names
      // that flush's roots yet.
      if (this.wrote && this.unresolved === null) {
        if (this.state.novelty.length > 0) {
          await this.flushNow(this.state);
          await this.adoptFlush();
        }
        await this.checkpoint().catch(() => undefined);
      }
    });
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
