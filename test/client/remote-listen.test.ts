/**
 * Listening through a server: `listen` resolves once the server has subscribed the event
 * stream, and from then on every commit after the connection's current one arrives, once, in
 * order; a refusal (wrong token) is reported once instead of being retried forever.
 */
import { type Server as HttpServer, createServer as httpServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiEntry } from '../../src/api/index.js';
import { RemoteConnection, RemotePeer } from '../../src/client/index.js';
import * as d from '../../src/index.js';
import type { Server } from '../../src/server/app.js';
import { keyword } from '../../src/values/index.js';
import { ConnectionHandle } from '../../src/wire/index.js';
import { startServer } from '../server/in-process.js';

let server: Server;
let url: string;

beforeAll(async () => {
  ({ server, url } = await startServer({ token: 'secret' }));
});
afterAll(() => server.close());

const config = (id: string, token = 'secret') => ({
  store: { backend: ':memory', id },
  'schema-flexibility': ':read',
  'remote-peer': { backend: ':datahike-server', url, token },
});

/** The tx ids of the commits a listener hears. */
function txsHeard(): { txs: number[]; listener: (r: d.TransactionReport) => void } {
  const txs: number[] = [];
  return { txs, listener: (r) => txs.push(r['tx-data'][0]!.tx) };
}

describe('a remote listen', () => {
  it('hears the commit made right after it resolves, and each later one', async () => {
    await d.createDatabase(config('ready'));
    const conn = await d.connect(config('ready'));
    const { txs, listener } = txsHeard();
    await d.listen(conn, listener);
    const made: number[] = [];
    for (let i = 0; i < 3; i++)
      made.push((await d.transact(conn, [{ n: i }])).tempids['db/current-tx']!);
    await expect.poll(() => txs.length).toBe(3);
    expect(txs).toEqual(made);
  });

  it('starts from the connection current commit: no commit falls between', async () => {
    await d.createDatabase(config('between'));
    const writer = await d.connect(config('between'));
    const conn = await d.connect(config('between'));
    // Commits go on while the listener subscribes.
    let writing = true;
    let last = 0;
    const writes = (async () => {
      for (let i = 0; writing || i < 5; i++)
        last = (await d.transact(writer, [{ n: i }])).tempids['db/current-tx']!;
    })();
    await expect.poll(() => last).toBeGreaterThan(0);
    const { txs, listener } = txsHeard();
    await d.listen(conn, listener);
    const current = (await d.db(conn)) as unknown as d.RemoteDb;
    writing = false;
    await writes;
    await expect.poll(() => txs.at(-1)).toBe(last);
    // Every commit after the one db(conn) gave once listen had resolved, and none twice.
    expect(txs[0]).toBeLessThanOrEqual(current.maxTx! + 1);
    expect(txs).toEqual(Array.from({ length: txs.length }, (_, i) => txs[0]! + i));
  });

  it('stops at unlisten', async () => {
    await d.createDatabase(config('stop'));
    const conn = await d.connect(config('stop'));
    const first = txsHeard();
    const second = txsHeard();
    const key = await d.listen(conn, first.listener);
    const other = await d.listen(conn, second.listener);
    await d.transact(conn, [{ n: 1 }]);
    await expect.poll(() => first.txs.length).toBe(1);
    // unlisten answers with the listeners left, by key
    expect(await d.unlisten(conn, key)).toEqual({ [String(other)]: second.listener });
    const tx = (await d.transact(conn, [{ n: 2 }])).tempids['db/current-tx']!;
    // The listener still subscribed hears the commit; the one removed does not.
    await expect.poll(() => second.txs.at(-1)).toBe(tx);
    expect(first.txs).toHaveLength(1);
  });

  it('with a wrong token fails once, with the server error, and does not retry', async () => {
    await d.createDatabase(config('refused'));
    const good = await d.connect(config('refused'));
    const refused = (await d.connect(config('refused'))) as unknown as RemoteConnection;
    // The same connection, presented with a wrong token.
    const wrong = new RemoteConnection(
      new RemotePeer({ url, token: 'wrong', retries: 5 }),
      refused.handle,
    );
    await expect(d.listen(wrong as never, () => undefined)).rejects.toMatchObject({
      code: 'server/unauthorized',
    });
    // A listen that succeeds afterwards, then the count of refusals the server gave.
    await d.listen(good, () => undefined);
    const metrics = await (
      await fetch(`${url}/metrics`, { headers: { authorization: 'token secret' } })
    ).text();
    expect(metrics).toContain('datahike_http_requests_total{route="/listen",status="401"} 1\n');
  });
});

describe('a listen the server refuses later', () => {
  let fake: HttpServer;
  let fakeUrl: string;
  const requests: (string | undefined)[] = [];

  beforeAll(async () => {
    // A server whose first stream is subscribed and then ends, and which refuses the next.
    fake = httpServer((req, res) => {
      requests.push(req.headers['last-event-id'] as string | undefined);
      if (requests.length === 1) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end('id: 536870913\nevent: ready\ndata: 536870913\n\n');
      } else {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"server/unauthorized","message":"token revoked","data":{}}}');
      }
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    fakeUrl = `http://127.0.0.1:${(fake.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => fake.close(() => r())));

  it('reports the refusal once and stops', async () => {
    const peer = new RemotePeer({ url: fakeUrl, format: 'json' });
    const conn = new RemoteConnection(peer, new ConnectionHandle('x', keyword('db')));
    const errors: d.DatahikeError[] = [];
    let reported: () => void = () => undefined;
    const stopped = new Promise<void>((r) => (reported = r));
    await peer.listen(
      apiEntry('listen')!,
      conn,
      () => undefined,
      (err) => {
        errors.push(err);
        reported();
      },
    );
    await stopped;
    expect(errors.map((e) => e.code)).toEqual(['server/unauthorized']);
    // The second request resumed after the commit the first stream started from.
    expect(requests).toEqual([undefined, '536870913']);
  });
});
