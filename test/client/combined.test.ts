/**
 * Combined distribution: server A writes a file store; server B serves the same store with
 * `:writer` pointing at A, so it answers reads itself and forwards writes. Clients on both
 * see every write, in one order.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { type ServerProcess, startServerProcess } from './server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'dh-combined-'));
const servers: ServerProcess[] = [];
let a: string;
let b: string;

beforeAll(async () => {
  // Both keep file stores under `dir` (the shared store is there); B forwards writes to A.
  const stores = `{:file {:roots ["${dir}"]}}`;
  servers.push(
    await startServerProcess({ DATAHIKE_DATA_DIR: join(dir, 'a'), DATAHIKE_STORES: stores }),
  );
  servers.push(
    await startServerProcess({
      DATAHIKE_DATA_DIR: join(dir, 'b'),
      DATAHIKE_STORES: stores,
      DATAHIKE_UPSTREAMS: servers[0]!.url,
    }),
  );
  [a, b] = servers.map((s) => s.url) as [string, string];
}, 30_000);
afterAll(() => Promise.all(servers.map((s) => s.stop())));

it('shares one writer between two servers', async () => {
  const store = { backend: ':file', path: join(dir, 'shared') };
  const viaA = {
    store,
    'schema-flexibility': ':read',
    'remote-peer': { backend: ':datahike-server', url: a },
  };
  // B's databases write through A.
  const viaB = {
    store,
    'schema-flexibility': ':read',
    writer: { backend: ':datahike-server', url: a },
    'remote-peer': { backend: ':datahike-server', url: b },
  };
  await d.createDatabase(viaA);
  const connA = await d.connect(viaA);
  const connB = await d.connect(viaB);
  const txs: number[] = [];
  for (let i = 0; i < 6; i++) {
    const r = await d.transact(i % 2 === 0 ? connA : connB, [{ n: i }]);
    txs.push(r['db-after'].maxTx as number);
  }
  // One order: tx ids grow with acknowledgement, whichever server took the write.
  expect(txs).toEqual([...txs].sort((x, y) => x - y));
  const q = '[:find [?n ...] :where [_ :n ?n]]';
  const fromA = ((await d.q(q, await d.db(connA))) as number[]).sort();
  const fromB = ((await d.q(q, await d.db(connB))) as number[]).sort();
  expect(fromA).toEqual([0, 1, 2, 3, 4, 5]);
  expect(fromB).toEqual(fromA);
}, 60_000);
