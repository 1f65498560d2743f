/**
 * The remote writer (`:writer {:backend :datahike-server :url … :token …}`): this process
 * reads the shared store itself and sends what changes a database to the server that
 * writes it. Registered with the connection layer when the package is imported.
 */

import { resolve } from 'node:path';
import { apiEntry } from '../api/index.js';
import {
  configToData,
  type DatabaseConfig,
  type RemoteWriter,
  registerRemoteWriter,
} from '../connection/index.js';
import type { Datom } from '../index/datom.js';
import { DatahikeError, isKeyword, keyword } from '../values/index.js';
import { DbHandle, type WireTxReport } from '../wire/index.js';
import type { RemotePeer } from './peer.js';
import { type RemoteConnection, RemoteDb } from './proxies.js';
import { peerOf } from './remote.js';

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

export function remoteWriter(peer: RemotePeer): RemoteWriter {
  const conns = new Map<string, Promise<RemoteConnection>>();
  const key = (c: DatabaseConfig) => `${c.store.kind}:${c.store.id}:${c.branch.fqn}`;
  const connFor = (config: DatabaseConfig) => {
    let p = conns.get(key(config));
    if (p === undefined) {
      const m = forServer(config);
      m.delete(K.initialTx);
      p = peer.call(entry('connect'), [m]) as Promise<RemoteConnection>;
      conns.set(key(config), p);
      p.catch(() => conns.delete(key(config)));
    }
    return p;
  };
  return {
    async createDatabase(config) {
      await peer.call(entry('createDatabase'), [forServer(config)]);
    },
    async deleteDatabase(config) {
      conns.delete(key(config));
      await peer.call(entry('deleteDatabase'), [forServer(config)]);
    },
    async gcStorage(config, removeBefore, opts) {
      const args: unknown[] = [await connFor(config)];
      if (opts.graceMs !== undefined)
        args.push(removeBefore ?? null, new Map([[K.graceMs, opts.graceMs]]));
      else if (removeBefore !== undefined) args.push(removeBefore);
      return peer.call(entry('gcStorage'), args);
    },
    async transact(config, txData, opts) {
      const arg =
        opts.txMeta === undefined
          ? txData
          : new Map<unknown, unknown>([
              [K.txData, txData],
              [K.txMeta, opts.txMeta],
            ]);
      // After a server restart the peer connects again by itself (nothing was applied).
      const report = (await peer.call(entry('transact'), [
        await connFor(config),
        arg,
      ])) as WireTxReport;
      const after = report.dbAfter;
      const handle = after instanceof RemoteDb ? after.handle : undefined;
      if (!(handle instanceof DbHandle) || handle.commitId === null)
        throw new DatahikeError(
          'writer/bad-answer',
          'The writer answered without a commit id.',
          {},
        );
      return {
        commitId: handle.commitId.str,
        txData: report.txData as Datom[],
        tempids: report.tempids as ReadonlyMap<unknown, number>,
        txMeta: report.txMeta,
      };
    },
  };
}

registerRemoteWriter((spec) => {
  let backend: unknown;
  for (const [k, v] of spec) if (isKeyword(k) && k.fqn === 'backend') backend = v;
  if (!(isKeyword(backend) && backend.fqn === 'datahike-server')) return undefined;
  return remoteWriter(peerOf(spec));
});
