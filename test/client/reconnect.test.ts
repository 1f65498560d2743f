/**
 * A remote peer whose server restarted goes on by itself: reads, writes refused before
 * anything ran (the server no longer knew the connection), listeners, database handles
 * from before the restart, and `:writer` clients. A write whose answer was lost is
 * reported as such (`client/outcome-unknown`), never sent twice.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { type ServerProcess, startServerProcess } from './server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'dh-reconnect-'));
let server: ServerProcess;
let port: string;

beforeAll(async () => {
  server = await startServerProcess({ DATAHIKE_DATA_DIR: dir });
  port = new URL(server.url).port;
}, 30_000);
afterAll(() => server.stop());

/** Stops the server (SIGTERM, or a crash) and starts it again on the same port and data. */
async function restart(crash: boolean): Promise<void> {
  if (crash) server.child.kill('SIGKILL');
  await server.stop();
  server = await startServerProcess({ DATAHIKE_DATA_DIR: dir, DATAHIKE_PORT: port });
}

const SCHEMA = [
  {
    'db/ident': ':name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/identity',
  },
];
const NAMES = '[:find [?n ...] :where [_ :name ?n]]';

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it.each([
  ['after a clean restart', false],
  ['after a crash', true],
])(
  'a remote peer reads, writes and listens %s',
  async (_, crash) => {
    const cfg = {
      store: { backend: ':file', id: `peer-${crash}` },
      'remote-peer': { backend: ':datahike-server', url: server.url },
    };
    await d.createDatabase(cfg);
    const conn = await d.connect(cfg);
    await d.transact(conn, SCHEMA);
    await d.transact(conn, [{ name: 'Ann' }]);
    const old = await d.db(conn);
    await d.transact(conn, [{ name: 'Bob' }]);
    const heard: string[] = [];
    const key = await d.listen(conn, (r) => {
      for (const x of r['tx-data']) if (x.a === ':name') heard.push(x.v as string);
    });
    await restart(crash);
    // A handle from before the restart, then the connection's database.
    expect(await d.q(NAMES, old)).toEqual(['Ann']);
    expect((await d.q(NAMES, await d.db(conn))) as string[]).toHaveLength(2);
    // A write: the server answered that it lacked the connection, so nothing ran yet.
    await d.transact(conn, [{ name: 'Cy' }]);
    expect(((await d.q(NAMES, await d.db(conn))) as string[]).sort()).toEqual(['Ann', 'Bob', 'Cy']);
    await until('the listener to hear the commit after the restart', () => heard.includes('Cy'));
    expect(heard.filter((n) => n === 'Cy')).toHaveLength(1);
    await d.unlisten(conn, key);
    await d.release(conn);
  },
  60_000,
);

it('a :writer client transacts after its writer restarted', async () => {
  const cfg = {
    store: { backend: ':file', path: join(dir, 'shared') },
    writer: { backend: ':datahike-server', url: server.url },
  };
  await d.createDatabase(cfg);
  const conn = await d.connect(cfg);
  try {
    await d.transact(conn, SCHEMA);
    await d.transact(conn, [{ name: 'Ann' }]);
    await restart(true);
    await d.transact(conn, [{ name: 'Bob' }]);
    expect(((await d.q(NAMES, await d.db(conn))) as string[]).sort()).toEqual(['Ann', 'Bob']);
  } finally {
    await d.release(conn);
  }
}, 60_000);

it('tells a refused write from one whose answer was lost', async () => {
  const cfg = {
    store: { backend: ':file', id: 'refused' },
    'remote-peer': { backend: ':datahike-server', url: server.url },
  };
  await d.createDatabase(cfg);
  const conn = await d.connect(cfg);
  await d.transact(conn, SCHEMA);
  // Nobody listens: the write never left, and is retried, then reported unreachable.
  await server.stop();
  await expect(d.transact(conn, [{ name: 'Ann' }])).rejects.toMatchObject({
    code: 'client/unreachable',
  });
  server = await startServerProcess({ DATAHIKE_DATA_DIR: dir, DATAHIKE_PORT: port });
  expect(await d.q(NAMES, await d.db(conn))).toEqual([]);
  await d.release(conn);
  // A server that takes the request and hangs up: it may have been applied.
  const cut = createServer((req) => req.socket.destroy());
  await new Promise<void>((r) => cut.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(cut.address() as AddressInfo).port}`;
    const lost = {
      store: { backend: ':memory', id: 'lost' },
      'remote-peer': { backend: ':datahike-server', url },
    };
    await expect(d.createDatabase(lost)).rejects.toMatchObject({
      code: 'client/outcome-unknown',
    });
  } finally {
    cut.close();
  }
  // One that answers 200 and breaks off in the middle of the body: applied, answer lost.
  const torn = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/transit+json', 'content-length': '1000' });
    res.write('["^ "');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  await new Promise<void>((r) => torn.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(torn.address() as AddressInfo).port}`;
    const lost = {
      store: { backend: ':memory', id: 'torn' },
      'remote-peer': { backend: ':datahike-server', url },
    };
    await expect(d.createDatabase(lost)).rejects.toMatchObject({
      code: 'client/outcome-unknown',
    });
  } finally {
    torn.close();
  }
}, 60_000);
