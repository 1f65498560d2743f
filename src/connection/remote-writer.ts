/**
 * A database whose writer is elsewhere (`:writer {:backend :datahike-server :url …}`):
 * creating, deleting and transacting go to that writer, which commits into the shared
 * store; everything else reads the store here. The connection layer cannot import the
 * client (layers import downwards), so the client registers the factory.
 */

import type { Datom } from '../index/datom.js';
import type { TransactOptions } from '../tx/index.js';
import { DatahikeError, isKeyword, keyword } from '../values/index.js';
import type { DatabaseConfig } from './config.js';

/** What the writer reports of a transaction it committed. */
export interface RemoteCommit {
  readonly commitId: string;
  readonly txData: readonly Datom[];
  readonly tempids: ReadonlyMap<unknown, number>;
  readonly txMeta: unknown;
}

export interface RemoteWriter {
  createDatabase(config: DatabaseConfig): Promise<void>;
  deleteDatabase(config: DatabaseConfig): Promise<void>;
  transact(
    config: DatabaseConfig,
    txData: readonly unknown[],
    opts: TransactOptions,
  ): Promise<RemoteCommit>;
  /** Garbage collection of the shared store, run by its writer. */
  gcStorage(
    config: DatabaseConfig,
    removeBefore: Date | undefined,
    opts: { graceMs?: number },
  ): Promise<unknown>;
}

/** Makes the writer a `:writer` map names, or undefined when it is not this factory's kind. */
export type RemoteWriterFactory = (spec: Map<unknown, unknown>) => RemoteWriter | undefined;

const factories: RemoteWriterFactory[] = [];
const WRITER = keyword('writer');

export function registerRemoteWriter(f: RemoteWriterFactory): void {
  if (!factories.includes(f)) factories.push(f);
}

/** The remote writer of a config, or undefined when this process writes (`:self`). */
export function remoteWriterOf(config: DatabaseConfig): RemoteWriter | undefined {
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
