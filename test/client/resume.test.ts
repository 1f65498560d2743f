/**
 * A remote listener whose connection drops: it reconnects, resumes after the last commit it
 * saw (Last-Event-ID), and misses none of the commits made while it was away.
 */
import { mkdtempSync } from 'node:fs';
import {
  connect,
  type Socket,
  type Server as TcpServer,
  createServer as tcpServer,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { createServer, type Server } from '../../src/server/app.js';
import { serverConfig } from '../../src/server/config.js';
import { keyword } from '../../src/values/index.js';

let server: Server;
let url: string;
let proxy: TcpServer;
let proxyUrl: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = await createServer(
    serverConfig(
      new Map<unknown, unknown>([
        [keyword('level'), keyword('silent')],
        [keyword('data-dir'), mkdtempSync(join(tmpdir(), 'dh-resume-'))],
      ]),
      {},
    ),
  );
  url = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const target = new URL(url);
  // A TCP proxy whose connections the test can cut, as a network would.
  proxy = tcpServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  proxy.close();
  await server.close();
});

it('resumes after a dropped connection without missing a commit', async () => {
  const store = { backend: ':memory', id: 'resume' };
  const direct = {
    store,
    'schema-flexibility': ':read',
    'remote-peer': { backend: ':datahike-server', url },
  };
  const viaProxy = {
    store,
    'schema-flexibility': ':read',
    'remote-peer': { backend: ':datahike-server', url: proxyUrl, format: ':json' },
  };
  await d.createDatabase(direct);
  const writer = await d.connect(direct);
  const listener = await d.connect(viaProxy);
  const heard: number[] = [];
  await d.listen(listener, (r) => {
    for (const x of r['tx-data']) if (x.a === ':n') heard.push(x.v as number);
  });
  await d.transact(writer, [{ n: 1 }]);
  await expect.poll(() => heard.length, { timeout: 5000 }).toBe(1);
  // The network drops; commits go on meanwhile.
  for (const s of sockets) s.destroy();
  await d.transact(writer, [{ n: 2 }]);
  await d.transact(writer, [{ n: 3 }]);
  await expect.poll(() => heard.length, { timeout: 10_000 }).toBe(3);
  await d.transact(writer, [{ n: 4 }]);
  await expect.poll(() => heard.length, { timeout: 5000 }).toBe(4);
  expect(heard).toEqual([1, 2, 3, 4]);
}, 30_000);
