/**
 * The writer on a server (`:writer {:backend :datahike-server :url … :token …}`): this
 * process reads the shared store itself and sends what changes a database to the server
 * that writes it. `serverWriters` is the writer factory the program composes the API with.
 */

import { resolve } from 'node:path';
import { apiEntry } from '../api/index.js';
import {
  type Branch,
  configToData,
  type DatabaseConfig,
  type DatabaseWriter,
  type GcSummary,
  type Writer,
  type WriterContext,
  type WriterFactory,
} from '../connection/index.js';
import type { Db } from '../db/index.js';
import type { Datom } from '../index/datom.js';
import type { TransactOptions, TxReport } from '../tx/index.js';
import { DatahikeError, isKeyword, type Keyword, keyword } from '../values/index.js';
import { DbHandle, type WireTxReport } from '../wire/index.js';
import type { RemotePeer } from './peer.js';
import { namesServer, type Peers } from './peers.js';
import { type RemoteConnection, RemoteDb } from './proxies.js';

const K = {
  writer: keyword('writer'),
  store: keyword('store'),
  path: keyword('path'),
  initialTx: keyword('initial-tx'),
  txData: keyword('tx-data'),
  txMeta: keyword('tx-meta'),
  graceMs: keyword('graceMs'),
};

function entry(jsName: string) {
  return apiEntry(jsName)!;
}

/**
 * The config as the server should see it: no :writer, and a file or SQLite store's path made
 * absolute (the server shares this machine's file system, not its working directory).
 */
function forServer(config: DatabaseConfig): Map<unknown, unknown> {
  const m = configToData(config);
  m.delete(K.writer);
  const store = new Map(config.store.raw);
  const path = store.get(K.path);
  if ((config.store.kind === 'file' || config.store.kind === 'sqlite') && typeof path === 'string')
    store.set(K.path, resolve(path));
  m.set(K.store, store);
  if (config.initialTx !== undefined) m.set(K.initialTx, config.initialTx);
  return m;
}

/** Writers on the datahike servers `:writer` maps name, through the peers of `peers`. */
export function serverWriters(peers: Peers): WriterFactory {
  return (spec) => (namesServer(spec) ? new ServerDatabases(peers.of(spec)) : undefined);
}

/** The server writing a store's databases, and this process's connections on it. */
class ServerDatabases implements DatabaseWriter {
  private readonly conns = new Map<string, Promise<RemoteConnection>>();

  constructor(readonly peer: RemotePeer) {}

  async createDatabase(config: DatabaseConfig): Promise<void> {
    await this.peer.call(entry('createDatabase'), [forServer(config)]);
  }

  async deleteDatabase(config: DatabaseConfig): Promise<void> {
    this.conns.delete(key(config));
    await this.peer.call(entry('deleteDatabase'), [forServer(config)]);
  }

  writerFor(context: WriterContext): Writer {
    return new ServerWriter(this, context);
  }

  /** The server's connection to the database (connected once, again after a failure). */
  connection(config: DatabaseConfig): Promise<RemoteConnection> {
    let p = this.conns.get(key(config));
    if (p === undefined) {
      const m = forServer(config);
      m.delete(K.initialTx);
      p = this.peer.call(entry('connect'), [m]) as Promise<RemoteConnection>;
      this.conns.set(key(config), p);
      p.catch(() => this.conns.delete(key(config)));
    }
    return p;
  }
}

function key(c: DatabaseConfig): string {
  return `${c.store.kind}:${c.store.id}:${c.branch.fqn}`;
}

/**
 * A connection's writer on a server: its transactions go there one at a time; each is
 * then read back from the shared store, so when it resolves `db()` includes it and the
 * report's databases are local values.
 */
class ServerWriter implements Writer {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly server: ServerDatabases,
    private readonly context: WriterContext,
  ) {}

  /** The server commits, not this process: the branch must be refreshed to see its commits. */
  get busy(): boolean {
    return false;
  }

  transact(txData: readonly unknown[], opts: TransactOptions): Promise<TxReport> {
    const run = this.tail.then(() => this.commit(txData, opts));
    this.tail = run.catch(() => undefined);
    return run;
  }

  async flush(): Promise<void> {
    await this.tail;
  }

  async gcStorage(removeBefore: Date | undefined, opts: { graceMs?: number }): Promise<GcSummary> {
    const args: unknown[] = [await this.server.connection(this.context.config)];
    // Only the arguments given: the server checks the count against the arities.
    if (opts.graceMs !== undefined)
      args.push(removeBefore ?? null, new Map([[K.graceMs, opts.graceMs]]));
    else if (removeBefore !== undefined) args.push(removeBefore);
    return gcSummary(await this.server.peer.call(entry('gcStorage'), args));
  }

  private async commit(txData: readonly unknown[], opts: TransactOptions): Promise<TxReport> {
    const { branch, config } = this.context;
    const before = branch.db;
    const arg =
      opts.txMeta === undefined
        ? txData
        : new Map<unknown, unknown>([
            [K.txData, txData],
            [K.txMeta, opts.txMeta],
          ]);
    // After a server restart the peer connects again by itself (nothing was applied).
    const answer = (await this.server.peer.call(entry('transact'), [
      await this.server.connection(config),
      arg,
    ])) as WireTxReport;
    const handle = answer.dbAfter instanceof RemoteDb ? answer.dbAfter.handle : undefined;
    if (!(handle instanceof DbHandle) || handle.commitId === null)
      throw new DatahikeError('writer/bad-answer', 'The writer answered without a commit id.', {});
    const commitId = handle.commitId.str;
    const txDatoms = answer.txData as Datom[];
    const after = await readBack(branch, commitId, txDatoms[0]?.tx);
    const tempids = new Map<string | number | Keyword, number>();
    for (const [k, v] of answer.tempids as ReadonlyMap<unknown, number>)
      tempids.set(k as string | number | Keyword, v);
    const report: TxReport = {
      dbBefore: before,
      dbAfter: after,
      txData: txDatoms,
      tempids,
      txMeta: answer.txMeta,
    };
    this.context.notify(report);
    return report;
  }
}

/**
 * The database of a commit the server made, read from the shared store: the server
 * answered once the commit was durable, so a refresh started after its answer holds it.
 */
async function readBack(branch: Branch, commitId: string, maxTx: number | undefined): Promise<Db> {
  let after: Db | null;
  try {
    await branch.refresh();
    after =
      branch.db.meta.commitId?.str === commitId
        ? branch.db
        : await branch.commitDb(commitId, maxTx);
  } catch (err) {
    // The transaction is committed: it must not look like one that failed.
    throw new DatahikeError(
      'writer/not-visible',
      `The writer committed ${commitId}, but this process cannot read the store to show it (${(err as Error).message}); db(conn) shows it once the store answers.`,
      { commitId },
      err,
    );
  }
  if (after === null)
    throw new DatahikeError(
      'writer/not-visible',
      `The writer committed ${commitId}, but the store this process reads does not show it: do both use the same store?`,
      { commitId },
    );
  return after;
}

/** The server's garbage collection answer (a keyword map) as the writer's summary. */
function gcSummary(answer: unknown): GcSummary {
  const out: Record<string, unknown> = {};
  if (answer instanceof Map)
    for (const [k, v] of answer) {
      const name = isKeyword(k) ? k.fqn : String(k);
      out[name] =
        v instanceof Map
          ? Object.fromEntries([...v].map(([b, n]) => [isKeyword(b) ? b.fqn : String(b), n]))
          : v;
    }
  return out as unknown as GcSummary;
}
