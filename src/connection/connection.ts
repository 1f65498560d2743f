/**
 * A connection: the current database value of one branch, and the local writer that
 * moves it. Transactions are applied one at a time in arrival order; each is committed
 * to the store (the branch head moved with compare-and-set) before its promise resolves
 * and listeners hear of it.
 */

import type { Db } from '../db/index.js';
import { K } from '../schema/index.js';
import type { MemoryStore } from '../storage/memory.js';
import { type TransactOptions, type TxReport, transactData } from '../tx/index.js';
import { DatahikeError, keyword, randomUuid } from '../values/index.js';
import type { DatabaseConfig } from './config.js';

export type Listener = (report: TxReport) => void;

/** What the store holds under a branch name. */
export interface BranchHead {
  readonly db: Db;
  readonly config: DatabaseConfig;
}

let listenerKeys = 0;

const COMMIT_ID = keyword('db/commitId');

export class Connection {
  private current: Db;
  private released = false;
  private readonly listeners = new Map<unknown, Listener>();
  /** The writer's queue: each transaction starts when the previous one has committed. */
  private tail: Promise<unknown> = Promise.resolve();
  /** How many `connect` calls share this connection. */
  refCount = 1;

  constructor(
    readonly config: DatabaseConfig,
    readonly store: MemoryStore,
    head: BranchHead,
  ) {
    this.current = head.db;
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

  /** The current database value. */
  db(): Db {
    this.ensureOpen();
    return this.current;
  }

  transact(txData: readonly unknown[], opts: TransactOptions = {}): Promise<TxReport> {
    this.ensureOpen();
    const run = this.tail.then(() => this.commit(txData, opts));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private commit(txData: readonly unknown[], opts: TransactOptions): TxReport {
    this.ensureOpen();
    const before = this.current;
    const report = transactData(before, txData, opts);
    const txInstant = report.txData.find((d) => d.e === report.dbAfter.maxTx && d.a === K.txInstant)
      ?.v as Date;
    const commitId = randomUuid();
    const dbAfter = report.dbAfter.withMeta({
      commitId,
      parentCommitIds: before.meta.commitId === undefined ? [] : [before.meta.commitId],
      createdAt: before.meta.createdAt,
      updatedAt: txInstant,
    });
    const branch = this.config.branch.fqn;
    const head = this.store.readRef(branch) as BranchHead | undefined;
    if (
      head?.db !== before ||
      !this.store.casRef(branch, head, { db: dbAfter, config: head.config })
    )
      throw new DatahikeError(
        'writer/conflict',
        'The branch head moved under this writer: another writer is committing to the same database.',
        { store: this.config.store.id, branch: this.config.branch },
      );
    this.store.put([[commitId.str, dbAfter]]);
    this.current = dbAfter;
    const txMeta = new Map<unknown, unknown>(report.txMeta instanceof Map ? report.txMeta : []);
    txMeta.set(K.txInstant, txInstant);
    txMeta.set(COMMIT_ID, commitId);
    const final: TxReport = { ...report, dbAfter, txMeta };
    for (const listener of this.listeners.values()) {
      try {
        listener(final);
      } catch (err) {
        // A failing listener must not fail the transaction that has already committed.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
    return final;
  }

  /** Calls `callback` with the report of every later transaction; returns the key to unlisten with. */
  listen(callback: Listener, key?: unknown): unknown {
    this.ensureOpen();
    const k = key ?? `listener-${++listenerKeys}`;
    this.listeners.set(k, callback);
    return k;
  }

  unlisten(key: unknown): boolean {
    return this.listeners.delete(key);
  }

  /** Waits until every queued transaction has finished. */
  async flush(): Promise<void> {
    await this.tail;
  }

  /** @internal the registry calls this when the last user releases or the database is deleted. */
  close(): void {
    this.released = true;
    this.listeners.clear();
  }
}
