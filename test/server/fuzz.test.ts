/**
 * Throws malformed bodies, wrong types, odd headers and random bytes at every route: the
 * server answers each with a status below 500 (or 503 for a timeout), and afterwards still
 * answers correctly about a database that was there before.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { API, routePath } from '../../src/api/index.js';
import { createServer, type Server } from '../../src/server/app.js';
import { serverConfig } from '../../src/server/config.js';
import { keyword } from '../../src/values/index.js';

let server: Server;
let url: string;
const H = { 'content-type': 'application/json' };
const CFG = ['{:store {:backend :memory :id "fuzz"} :schema-flexibility :read}'];
let conn: unknown;

beforeAll(async () => {
  server = await createServer(
    serverConfig(
      new Map<unknown, unknown>([
        [keyword('level'), keyword('silent')],
        [keyword('data-dir'), mkdtempSync(join(tmpdir(), 'dh-fuzz-'))],
        [keyword('body-limit'), 65536],
        [keyword('timeout'), 2000],
      ]),
      {},
    ),
  );
  url = await server.app.listen({ port: 0, host: '127.0.0.1' });
  await fetch(`${url}/create-database`, { method: 'POST', headers: H, body: JSON.stringify(CFG) });
  conn = await (
    await fetch(`${url}/connect`, { method: 'POST', headers: H, body: JSON.stringify(CFG) })
  ).json();
  await fetch(`${url}/transact`, {
    method: 'POST',
    headers: H,
    body: JSON.stringify([conn, [{ n: 1 }]]),
  });
});
afterAll(() => server.close());

const routes = API.filter((e) => e.remote).map(routePath);
const TYPES = ['application/json', 'application/edn', 'application/transit+json', 'text/plain', ''];

const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v));
const tagged = fc
  .tuple(
    fc.constantFrom(
      '!kw',
      '!uuid',
      '!date',
      '!set',
      '!datahike/DB',
      '!datahike/Connection',
      '!sym',
      '!bigint',
    ),
    fc.jsonValue({ maxDepth: 2 }),
  )
  .map(([t, v]) => JSON.stringify([[t, v]]));
const withHandles = fc
  .array(fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant('HANDLE')), { maxLength: 4 })
  .map((xs) => JSON.stringify(xs).replaceAll('"HANDLE"', JSON.stringify(conn)));
const bytes = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1'));
const edn = fc.constantFrom(
  '[',
  '[:find',
  '#datahike/DB {',
  '{:a}',
  '[#inst "x"]',
  '#{1 1}',
  '[1 2 3]',
  '[nil]',
);
const body = fc.oneof(
  json,
  tagged,
  withHandles,
  bytes,
  edn,
  fc.constant(''),
  fc.string({ maxLength: 50 }),
);

it('answers garbage with 4xx and stays consistent', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...routes),
      fc.constantFrom(...TYPES),
      body,
      fc.boolean(),
      async (route, type, b, get) => {
        const headers: Record<string, string> = type === '' ? {} : { 'content-type': type };
        const res = get
          ? await fetch(`${url}${route}?args=${Buffer.from(b).toString('base64url')}`, { headers })
          : await fetch(`${url}${route}`, { method: 'POST', headers, body: b });
        const text = await res.text();
        expect(
          res.status < 500 || res.status === 503,
          `${route} ${type} ${b.slice(0, 80)} → ${res.status} ${text.slice(0, 200)}`,
        ).toBe(true);
      },
    ),
    { numRuns: 300 },
  );
  const huge = await fetch(`${url}/q`, {
    method: 'POST',
    headers: H,
    body: JSON.stringify(['x'.repeat(100_000)]),
  });
  expect(huge.status).toBe(413);
  // A fuzzed /release may have closed the connection: connect again, then ask.
  const again = await (
    await fetch(`${url}/connect`, { method: 'POST', headers: H, body: JSON.stringify(CFG) })
  ).json();
  const db = await (
    await fetch(`${url}/db`, { method: 'POST', headers: H, body: JSON.stringify([again]) })
  ).json();
  const count = await fetch(`${url}/q`, {
    method: 'POST',
    headers: H,
    body: JSON.stringify(['[:find (count ?e) . :where [?e :n]]', db]),
  });
  expect(count.status).toBe(200);
  expect(await count.json()).toBeGreaterThanOrEqual(1);
}, 120_000);
