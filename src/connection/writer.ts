/**
 * The writer of a connection: what moves its branch. The local writer (local-writer.ts)
 * commits into the store itself; a writer elsewhere (`:writer {:backend :datahike-server …}`,
 * made by the client) sends the transactions to the process that writes the store. Which
 * kinds of writer elsewhere exist is decided where the program is composed: the functions
 * of databases.ts take the writer factories they may use.
 */

import type { TransactOptions, TxReport } from '../tx/index.js';
import { DatahikeError, isKeyword, keyword } from '../values/index.js';
import type { DatabaseConfig } from './config.js';
import type { Branch } from './connection.js';
import type { GcResult } from './gc.js';

/** What a writer writes for: a connection's branch, its config and its listeners. */
export interface WriterContext {
  readonly config: DatabaseConfig;
  readonly branch: Branch;
  /** True once the connection is released: transactions not yet committed fail then. */
  readonly isReleased: boolean;
  /** Tells the listeners of a commit (each commit once, whoever reports it first). */
  notify(report: TxReport): void;
}

export interface Writer {
  /**
   * Commits a transaction; resolves with its report once it is durable and the branch's
   * database includes it.
   */
  transact(txData: readonly unknown[], opts: TransactOptions): Promise<TxReport>;
  /**
   * True while this process commits (then the branch's database is current without a
   * refresh, and a refresh would only compete with the commits).
   */
  readonly busy: boolean;
  /** Resolves once every transaction handed over so far has finished. */
  flush(): Promise<void>;
  /**
   * Garbage collection of the branch's store, which its writer runs (a reader must not
   * delete what the writer is flushing). `progress` hears what it is doing.
   */
  gcStorage(
    removeBefore: Date | undefined,
    opts: { graceMs?: number; progress?: (message: string) => void },
  ): Promise<GcSummary>;
}

/** What garbage collection did; `truncated` only on durable stores. */
export type GcSummary = Omit<GcResult, 'truncated'> & {
  readonly truncated?: GcResult['truncated'];
};

/** The writer of a store's databases that runs elsewhere: it creates, deletes and commits. */
export interface DatabaseWriter {
  createDatabase(config: DatabaseConfig): Promise<void>;
  deleteDatabase(config: DatabaseConfig): Promise<void>;
  /** The writer of a connection of this process (which reads the shared store itself). */
  writerFor(context: WriterContext): Writer;
}

/** Makes the writer a `:writer` map names, or gives undefined when it is not of its kind. */
export type WriterFactory = (spec: ReadonlyMap<unknown, unknown>) => DatabaseWriter | undefined;

const WRITER = keyword('writer');

/**
 * The writer elsewhere a config names (`:writer`), made by the first of `factories` that
 * knows its kind; undefined when this process writes (`:writer` absent or `{:backend :self}`).
 */
export function writerOf(
  config: DatabaseConfig,
  factories: readonly WriterFactory[],
): DatabaseWriter | undefined {
  const spec = config.extra.get(WRITER);
  if (spec === undefined || spec === null) return undefined;
  if (!(spec instanceof Map))
    throw new DatahikeError('config/invalid', ':writer must be a map like {:backend :self}.', {});
  let backend: unknown;
  for (const [k, v] of spec) if (isKeyword(k) && k.fqn === 'backend') backend = v;
  if (backend === undefined || (isKeyword(backend) && backend.fqn === 'self')) return undefined;
  if (config.store.kind === 'memory')
    throw new DatahikeError(
      'config/invalid',
      'A remote :writer needs a store both processes reach (:file, :jdbc, :sqlite, :s3), not :memory.',
      {},
    );
  for (const f of factories) {
    const w = f(spec);
    if (w !== undefined) return w;
  }
  throw new DatahikeError(
    'config/invalid',
    `No writer for :writer ${String(backend)}: use {:backend :self} or {:backend :datahike-server :url "http://…"}.`,
    { backend: String(backend) },
  );
}
