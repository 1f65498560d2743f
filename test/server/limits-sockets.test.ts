/**
 * Clients that hold the server's resources: sockets that send a request slowly or never
 * finish it, many /listen streams or databases under one credential, requests faster
 * than the rate limit, and queries asking for more time than the server gives. Each is
 * cut off or refused (408/429/503) and the server stays up with its data whole.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackTarget, attackTarget, codeOf, limitOf } from './limits-helpers.js';

let t: AttackTarget;
beforeAll(async () => {
  t = await attackTarget({
    DATAHIKE_HEADERS_TIMEOUT: '500',
    DATAHIKE_REQUEST_TIMEOUT: '1000',
    DATAHIKE_TIMEOUT: '300',
    DATAHIKE_MAX_LISTEN_STREAMS: '3',
    DATAHIKE_MAX_DATABASES: '3',
  });
}, 60_000);
afterAll(() => t.stop());

/** A socket that sends `text` and then nothing; resolves when the server closes it. */
function stall(text: string): Promise<void> {
  const { hostname, port } = new URL(t.url);
  return new Promise((resolve) => {
    const s: Socket = connect(Number(port), hostname, () => s.write(text));
    s.on('error', () => undefined);
    // Read what the server sends (its 408), so that its end reaches us.
    s.resume();
    s.on('close', () => resolve());
  });
}

describe('slow clients', () => {
  it('closes 300 sockets that send a body slowly, or headers never finished', async () => {
    const head = 'POST /q HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/edn\r\n';
    const closed = [
      ...Array.from({ length: 250 }, () => stall(`${head}Content-Length: 1000\r\n\r\n[`)),
      ...Array.from({ length: 50 }, () => stall(head)),
    ];
    // Meanwhile the server answers others.
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
    let n = 0;
    for (const c of closed) void c.then(() => n++);
    await expect.poll(() => n, { timeout: 30_000 }).toBe(300);
    await t.intact();
  }, 60_000);
});

describe('timeouts', () => {
  it("caps a query's own timeout by the server's, in every form of q", async () => {
    const slow =
      '[:find (count ?x) . :where [(range 3000) [?x ...]] [(range 3000) [?y ...]] [(< ?x ?y)]]';
    const db = await t.db();
    for (const body of [
      `[{:query ${JSON.stringify(slow)} :args [${db}] :timeout 100000000}]`,
      `[{:query ${JSON.stringify(slow)} :args [${db}]}]`,
      `[${JSON.stringify(slow)} ${db}]`,
    ]) {
      const a = await t.post('q', body);
      expect(a.status).toBe(503);
      // Stopped by the query's timeout or by its read's budget, both the server's :timeout.
      expect(['query/timeout', 'server/timeout']).toContain(codeOf(a));
    }
    await t.intact();
  });
});

describe('per-credential caps', () => {
  it('refuses a /listen stream beyond :max-listen-streams, and takes one once another ends', async () => {
    const aborts: AbortController[] = [];
    const open = () => {
      const abort = new AbortController();
      aborts.push(abort);
      return fetch(`${t.url}/listen`, {
        method: 'POST',
        headers: { 'content-type': 'application/edn', accept: 'application/edn' },
        body: `[${t.conn}]`,
        signal: abort.signal,
      });
    };
    for (let i = 0; i < 3; i++) expect((await open()).status).toBe(200);
    const refused = await open();
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain('max-listen-streams');
    aborts[0]!.abort();
    await expect.poll(async () => (await open()).status, { timeout: 10_000 }).toBe(200);
    for (const a of aborts) a.abort();
    await t.intact();
  });

  it('refuses databases beyond :max-databases, counting deletes', async () => {
    const cfg = (i: number) => `{:store {:backend :memory :id "quota-${i}"}}`;
    // The reference database is one of them.
    expect((await t.post('create-database', `[${cfg(1)}]`)).status).toBe(200);
    expect((await t.post('create-database', `[${cfg(2)}]`)).status).toBe(200);
    const refused = await t.post('create-database', `[${cfg(3)}]`);
    expect(refused.status).toBe(429);
    expect(limitOf(refused)).toBe('max-databases');
    expect((await t.post('delete-database', `[${cfg(2)}]`)).status).toBe(200);
    expect((await t.post('create-database', `[${cfg(3)}]`)).status).toBe(200);
    await t.intact();
  });
});

describe('rate limit', () => {
  let limited: AttackTarget;
  beforeAll(async () => {
    limited = await attackTarget({ DATAHIKE_RATE_LIMIT: '20' });
  }, 60_000);
  afterAll(() => limited.stop());

  it('answers 429 with Retry-After beyond the rate, and /health always', async () => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, () =>
        fetch(`${limited.url}/db`, {
          method: 'POST',
          headers: { 'content-type': 'application/edn' },
          body: `[${limited.conn}]`,
        }),
      ),
    );
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await fetch(`${limited.url}/health`)).status).toBe(200);
    await expect
      .poll(
        async () =>
          (
            await fetch(`${limited.url}/db`, {
              method: 'POST',
              headers: { 'content-type': 'application/edn' },
              body: `[${limited.conn}]`,
            })
          ).status,
        { timeout: 5000 },
      )
      .toBe(200);
    // Once the bucket has filled again.
    await new Promise((r) => setTimeout(r, 1500));
    await limited.intact();
  });
});
