/**
 * Many tasks sharing one connection, against a server in its own process that writes a
 * file store: a `:writer` connection (reads the store here, sends transactions to the
 * server) and a `:remote-peer` connection (everything through the server). Checked:
 * read-your-writes (a task's next db() holds the write it was just acknowledged), reads
 * that never go back on a connection while others write and read at the same time, and a
 * server whose `/db` is never older than an acknowledgement it already sent.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { type ServerProcess, startServerProcess } from '../client/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'dh-shared-'));
let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess({ DATAHIKE_DATA_DIR: dir, DATAHIKE_TOKEN: 'tok' });
}, 30_000);

afterAll(() => server.stop());

const WRITERS = 8;
const EACH = 15;
const READERS = 4;

it('gives every task its own writes back, and no connection or server reads backwards', async () => {
  const store = { backend: ':file', path: join(dir, 'shared') };
  const writerCfg = {
    store,
    'schema-flexibility': ':read',
    writer: { backend: ':datahike-server', url: server.url, token: 'tok' },
  };
  const peerCfg = {
    store,
    'schema-flexibility': ':read',
    'remote-peer': { backend: ':datahike-server', url: server.url, token: 'tok' },
  };
  await d.createDatabase(writerCfg);
  const conn = await d.connect(writerCfg);
  const peer = await d.connect(peerCfg);
  const problems: string[] = [];
  /** The newest tx a db() on each connection has returned, when a call starts. */
  const newest = { local: 0, server: 0 };
  const read = async (which: 'local' | 'server') => {
    const floor = newest[which];
    const db = await d.db(which === 'local' ? conn : peer);
    const tx = db.maxTx as number;
    if (tx < floor) problems.push(`${which} db() at ${tx} after one at ${floor}`);
    newest[which] = Math.max(newest[which], tx);
    return { db, tx };
  };
  let writing = true;
  const writer = async (t: number) => {
    for (let i = 0; i < EACH; i++) {
      const key = `w${t}-${i}`;
      const report = await d.transact(conn, [{ key }]);
      const tx = report['db-after'].maxTx as number;
      const own = await read('local');
      if (own.tx < tx) problems.push(`${key}: the next db() is at ${own.tx}, before its ack ${tx}`);
      const found = await d.q('[:find ?e . :in $ ?k :where [?e :key ?k]]', own.db, key);
      if (found === null) problems.push(`${key}: the next db() lacks it`);
      const remote = await read('server');
      if (remote.tx < tx) problems.push(`${key}: the server's /db at ${remote.tx} after ack ${tx}`);
    }
  };
  const reader = async () => {
    while (writing) {
      await read('local');
      await read('server');
    }
  };
  const readers = Array.from({ length: READERS }, () => reader());
  await Promise.all(Array.from({ length: WRITERS }, (_, t) => writer(t)));
  writing = false;
  await Promise.all(readers);
  expect(problems).toEqual([]);
  const all = await d.q('[:find (count ?e) . :where [?e :key]]', await d.db(conn));
  expect(all).toBe(WRITERS * EACH);
  await d.release(conn);
  await d.release(peer);
}, 120_000);
