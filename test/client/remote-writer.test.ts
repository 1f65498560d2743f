/**
 * The remote writer: a server process writes a file store; this process reads the store
 * itself and sends its transactions to the server (`:writer`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { type ServerProcess, startServerProcess } from './server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'dh-writer-'));
let server: ServerProcess;
let url: string;

beforeAll(async () => {
  server = await startServerProcess({ DATAHIKE_DATA_DIR: dir, DATAHIKE_TOKEN: 'tok' });
  url = server.url;
}, 30_000);

afterAll(() => server.stop());

it('sends writes to the server and reads its own writes from the shared store', async () => {
  const cfg = {
    store: { backend: ':file', path: join(dir, 'shared') },
    writer: { backend: ':datahike-server', url, token: 'tok' },
  };
  await d.createDatabase(cfg);
  expect(await d.databaseExists(cfg)).toBe(true);
  const conn = await d.connect(cfg);
  expect(conn).not.toBeInstanceOf(d.RemoteConnection);
  const heard: number[] = [];
  await d.listen(conn, (r) => heard.push(r['tx-data'].length));
  await d.transact(conn, [
    {
      'db/ident': ':name',
      'db/valueType': ':db.type/string',
      'db/cardinality': ':db.cardinality/one',
    },
  ]);
  const report = await d.transact(conn, [{ 'db/id': -1, name: 'Ann' }]);
  expect(report.tempids['-1']).toBeGreaterThan(0);
  // Read-your-writes: db(conn) and the report's db-after are local values with the commit.
  const db = await d.db(conn);
  expect(await d.q('[:find [?n ...] :where [_ :name ?n]]', db)).toEqual(['Ann']);
  expect(await d.q('[:find [?n ...] :where [_ :name ?n]]', report['db-after'])).toEqual(['Ann']);
  await d.loadEntities(conn, [
    [report.tempids['-1'], ':name', 'Anne', report['db-after'].maxTx + 1, true],
  ]);
  expect(await d.q('[:find [?n ...] :where [_ :name ?n]]', await d.db(conn))).toEqual(['Anne']);
  expect(heard.length).toBe(3);
  // Garbage collection runs at the writer, which owns the store.
  const gc = (await d.gcStorage(conn)) as Record<string, unknown>;
  expect(gc).toHaveProperty('removed');
  await d.release(conn);
  await d.deleteDatabase(cfg);
  expect(await d.databaseExists({ store: cfg.store })).toBe(false);
}, 60_000);
