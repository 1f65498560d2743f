/**
 * /listen with a start point: `Last-Event-ID: tx − 1` streams every commit from tx on, also
 * those the server does not remember (made before it followed the connection: read from the
 * log), then the live ones, each once and in order.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import type { Server } from '../../src/server/app.js';
import { startServer } from '../server/in-process.js';

let server: Server;
let url: string;
beforeAll(async () => {
  ({ server, url } = await startServer());
});
afterAll(() => server.close());

/** The tx ids of the first `count` tx events of a /listen stream opened after `lastId`. */
async function listened(conn: unknown, lastId: number, count: number, onOpen: () => Promise<void>) {
  const args = Buffer.from(JSON.stringify([conn])).toString('base64url');
  const ac = new AbortController();
  const res = await fetch(`${url}/listen?args=${args}`, {
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      'last-event-id': String(lastId),
    },
    signal: ac.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const txs: number[] = [];
  let buffer = '';
  let opened = false;
  while (txs.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (\d+)$/m.exec(block)?.[1];
      if (block.includes('event: ready') && !opened) {
        opened = true;
        void onOpen();
      } else if (block.includes('event: tx') && id !== undefined) txs.push(Number(id));
    }
  }
  ac.abort();
  return txs;
}

it('streams from a start point before what the server remembers, then live', async () => {
  const cfg = { store: { backend: ':memory', id: 'listen-from' }, 'schema-flexibility': ':read' };
  await d.createDatabase(cfg);
  // Committed in this process before the server follows the database.
  const local = await d.connect(cfg);
  const past: number[] = [];
  for (let i = 0; i < 5; i++)
    past.push((await d.transact(local, [{ n: i }])).tempids['db/current-tx']!);
  const connected = await fetch(`${url}/connect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(['{:store {:backend :memory :id "listen-from"}}']),
  });
  const conn = JSON.parse(await connected.text());
  const later: number[] = [];
  const txs = await listened(conn, past[1]! - 1, 3 + 4, async () => {
    for (let i = 0; i < 4; i++)
      later.push((await d.transact(local, [{ n: 10 + i }])).tempids['db/current-tx']!);
  });
  expect(txs).toEqual([...past.slice(1), ...later]);
  await d.release(local);
});
