/**
 * The local writer: this process commits into the store itself.
 *
 * Transactions queue in arrival order. The writer takes every transaction waiting when
 * it is free, applies them one after another (each gets its own tx id, commit id and
 * report) and commits them to the store in one write (group commit); then their
 * promises resolve, in order. Listeners hear of them through the branch as they go in.
 * A transaction that fails is rejected alone; the others of its group go on without it.
 */

import type { Db } from '../db/index.js';
import { K } from '../schema/index.js';
import {
  callsTxFunctions,
  settleTxFunctions,
  type TransactOptions,
  type TxReport,
  transactData,
} from '../tx/index.js';
import { DatahikeError, isDatahikeError, keyword, printValue, type Uuid } from '../values/index.js';
import { DurableBranch } from './branches.js';
import { commitHash } from './commit-hash.js';
import { collectGarbage } from './gc.js';
import type { GcSummary, Writer, WriterContext } from './writer.js';

interface Pending {
  readonly txData: readonly unknown[];
  readonly opts: TransactOptions;
  readonly resolve: (r: TxReport) => void;
  readonly reject: (e: unknown) => void;
}

const COMMIT_ID = keyword('db/commitId');

/** Grace period of garbage collection unless one is given: readers of older commits go on. */
const DEFAULT_GRACE_MS = 5 * 60_000;

export class LocalWriter implements Writer {
  private readonly queue: Pending[] = [];
  private writing: Promise<void> | null = null;

  constructor(private readonly context: WriterContext) {}

  get busy(): boolean {
    return this.writing !== null;
  }

  transact(txData: readonly unknown[], opts: TransactOptions): Promise<TxReport> {
    return new Promise<TxReport>((resolve, reject) => {
      this.queue.push({ txData, opts, resolve, reject });
      if (this.writing === null) this.writing = this.drain();
    });
  }

  async flush(): Promise<void> {
    while (this.writing !== null) await this.writing;
  }

  async gcStorage(
    removeBefore: Date | undefined,
    opts: { graceMs?: number; progress?: (message: string) => void },
  ): Promise<GcSummary> {
    const branch = this.context.branch;
    // Live values in memory are garbage collected by JavaScript.
    if (!(branch instanceof DurableBranch)) return { removed: 0, marked: 0, kept: 0 };
    await this.flush();
    await branch.settle();
    return collectGarbage(branch.store, {
      removeBefore,
      graceMs: opts.graceMs ?? DEFAULT_GRACE_MS,
      keepRoots: branch.base.roots === null ? [] : [branch.base.roots],
      progress: opts.progress,
      collected: (name, seq) => branch.collected(name, seq),
    });
  }

  /** Commits queued transactions, a group at a time, until the queue is empty. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0);
        await this.commitGroup(group);
        // Let the callers just answered queue their next transactions before the next
        // group is taken: otherwise they miss it, and concurrent callers split into two
        // cohorts that commit alternately, each in half-size groups. A commit in memory
        // costs nothing to share, so there the turn of the event loop is not worth it.
        if (this.context.branch instanceof DurableBranch)
          await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.writing = null;
    }
  }

  private async commitGroup(group: Pending[]): Promise<void> {
    const { branch } = this.context;
    const done: { p: Pending; report: TxReport }[] = [];
    let built = false;
    try {
      await branch.commit(async (start) => {
        built = true;
        let db = start;
        for (const p of group) {
          if (this.context.isReleased) {
            p.reject(this.releasedError());
            continue;
          }
          try {
            const before = db;
            // Transaction functions that answer a Promise are awaited before the transaction.
            const txData = callsTxFunctions(p.txData)
              ? ((await settleTxFunctions(before, p.txData)) as typeof p.txData)
              : p.txData;
            // In memory the transaction runs at once; else once its index nodes are loaded.
            const ran = branch.withNodes(() => transactData(before, txData, p.opts));
            const report = ran instanceof Promise ? await ran : ran;
            const final = withCommit(before, report, p.opts.mergeParents ?? []);
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
    for (const { p, report } of done) p.resolve(report);
  }

  private releasedError(): DatahikeError {
    return new DatahikeError(
      'connection/released',
      'The connection was released before this transaction could commit.',
      { store: this.context.config.store.id },
    );
  }
}

/** The report with the commit's identity: commit id, parent, and the tx instant as update time. */
function withCommit(before: Db, report: TxReport, merged: readonly Uuid[]): TxReport {
  const txInstant = report.txData.find((d) => d.e === report.dbAfter.maxTx && d.a === K.txInstant)
    ?.v as Date;
  const parentCommitIds = [
    ...(before.meta.commitId === undefined ? [] : [before.meta.commitId]),
    ...merged,
  ];
  // A content id (commit-hash.ts): it covers the parents' ids and this transaction's datoms.
  const commitId = commitHash({
    parents: parentCommitIds.map((p) => p.str),
    maxEid: report.dbAfter.maxEid,
    maxTx: report.dbAfter.maxTx,
    updatedAt: txInstant.getTime(),
    datoms: report.txData,
  });
  const dbAfter = report.dbAfter.withMeta({
    commitId,
    parentCommitIds,
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
