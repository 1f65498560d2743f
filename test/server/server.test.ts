/** The HTTP server over real HTTP on loopback: the API in every format, auth, CORS, caching, errors. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from '../../src/server/app.js';
import { serverConfig } from '../../src/server/config.js';
import { keyword } from '../../src/values/index.js';

const JSON_H = { 'content-type': 'application/json' };

// The answers are arbitrary JSON.
const json = async (r: Response): Promise<any> => r.json();
const TOKEN = 'test-secret';

async function start(
  extra: Record<string, unknown> = {},
): Promise<{ server: Server; url: string }> {
  const file = new Map<unknown, unknown>([
    [keyword('port'), 0],
    [keyword('level'), keyword('silent')],
    [keyword('data-dir'), mkdtempSync(join(tmpdir(), 'dh-server-'))],
  ]);
  for (const [k, v] of Object.entries(extra)) file.set(keyword(k), v);
  const server = await createServer(serverConfig(file, {}));
  const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
  return { server, url };
}

describe('the server in dev mode', () => {
  let server: Server;
  let url: string;
  const post = (path: string, body: unknown, headers: Record<string, string> = JSON_H) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    ({ server, url } = await start({
      cache: new Map([[keyword('get'), new Map([[keyword('max-age'), 60]])]]),
    }));
  });
  afterAll(() => server.close());

  it('runs the README session: create, connect, transact, query, pull', async () => {
    const cfg = '{:store {:backend :file :id "people"}}';
    const created = await post('/create-database', [cfg]);
    expect(created.status).toBe(200);
    expect((await json(created)).store.backend).toEqual(['!kw', 'file']);
    expect(await json(await post('/database-exists', [cfg]))).toBe(true);
    const conn = await json(await post('/connect', [cfg]));
    expect(conn).toEqual(['!datahike/Connection', ['people', ['!kw', 'db']]]);
    const schema = [
      {
        'db/ident': 'name',
        'db/valueType': 'db.type/string',
        'db/cardinality': 'db.cardinality/one',
      },
      {
        'db/ident': ':age',
        'db/valueType': ':db.type/long',
        'db/cardinality': ':db.cardinality/one',
      },
    ];
    expect((await post('/transact', [conn, schema])).status).toBe(200);
    const report = await json(await post('/transact', [conn, [{ name: 'Peter', age: 42 }]]));
    expect(report[0]).toBe('!datahike/TxReport');
    const datoms = report[1]['tx-data'] as unknown[][];
    expect(datoms.map((d) => (d[1] as unknown[])[1])).toEqual(
      expect.arrayContaining([
        ['!kw', 'name'],
        ['!kw', 'age'],
      ]),
    );
    const db = await json(await post('/db', [conn]));
    expect(db[0]).toBe('!datahike/DB');
    const peter = (
      datoms.find((d) => (d[1] as unknown[][])[1]?.[1] === 'name')![1] as unknown[]
    )[0];
    const answer = await post('/q', ['[:find ?n ?a :where [?e :name ?n] [?e :age ?a]]', db]);
    expect(await json(answer)).toEqual(['!set', [['Peter', 42]]]);
    const pulled = await post('/pull', [
      db,
      [
        ['!kw', 'name'],
        ['!kw', 'age'],
      ],
      peter,
    ]);
    expect(await json(pulled)).toEqual({ name: 'Peter', age: 42 });
    const all = await post('/datoms', [db, ['!kw', 'eavt'], peter]);
    expect(await json(all)).toEqual([
      ['!datahike/Datom', [peter, ['!kw', 'age'], 42, report[1]['db-after'][1]['max-tx'], true]],
      [
        '!datahike/Datom',
        [peter, ['!kw', 'name'], 'Peter', report[1]['db-after'][1]['max-tx'], true],
      ],
    ]);
  });

  it('pins a database handle to its commit', async () => {
    const cfg = '{:store {:backend :memory :id "pinned"} :schema-flexibility :read}';
    await post('/create-database', [cfg]);
    const conn = await json(await post('/connect', [cfg]));
    await post('/transact', [conn, [{ n: 1 }]]);
    const before = await json(await post('/db', [conn]));
    await post('/transact', [conn, [{ n: 2 }]]);
    const count = '[:find (count ?e) . :where [?e :n]]';
    expect(await json(await post('/q', [count, before]))).toBe(1);
    const after = await json(await post('/db', [conn]));
    expect(await json(await post('/q', [count, after]))).toBe(2);
  });

  it('speaks EDN and transit, and answers in the Accept format', async () => {
    const cfg = '{:store {:backend :memory :id "formats"} :schema-flexibility :read}';
    await post('/create-database', [cfg]);
    const edn = await post('/connect', `[${cfg}]`, { 'content-type': 'application/edn' });
    expect(edn.headers.get('content-type')).toContain('application/edn');
    const conn = await edn.text();
    expect(conn).toMatch(/^#datahike\/Connection/);
    const tx = await post('/transact', `[${conn} [{:name "Ann"}]]`, {
      'content-type': 'application/edn',
      accept: 'application/transit+json',
    });
    expect(tx.status).toBe(200);
    expect(tx.headers.get('content-type')).toContain('application/transit+json');
    expect(await tx.text()).toContain('datahike/TxReport');
    const exists = await post('/database-exists', '["^ "]', {
      'content-type': 'application/transit+json; charset=utf-8',
    });
    expect(exists.status).toBe(400);
  });

  it('takes GET arguments as ?args= and serves them cacheably', async () => {
    const cfg = '{:store {:backend :memory :id "cache"} :schema-flexibility :read}';
    await post('/create-database', [cfg]);
    const conn = await json(await post('/connect', [cfg]));
    await post('/transact', [conn, [{ n: 7 }]]);
    const db = await json(await post('/db', [conn]));
    const args = Buffer.from(JSON.stringify(['[:find ?v . :where [_ :n ?v]]', db])).toString(
      'base64url',
    );
    const first = await fetch(`${url}/q?args=${args}`, { headers: JSON_H });
    expect(await json(first)).toBe(7);
    // Private unless the config says the data is public; it varies with the credential.
    expect(first.headers.get('cache-control')).toBe('private, max-age=60');
    expect(first.headers.get('vary')).toContain('authorization');
    const etag = first.headers.get('etag')!;
    const again = await fetch(`${url}/q?args=${args}`, {
      headers: { ...JSON_H, 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
  });

  it('answers errors with a status and an error body', async () => {
    const malformed = await post('/q', '[1, 2');
    expect(malformed.status).toBe(400);
    expect((await json(malformed)).error.code).toMatch(/^wire\//);
    const notList = await post('/q', { query: 1 });
    expect(notList.status).toBe(400);
    const missing = await post('/connect', ['{:store {:backend :memory :id "nowhere"}}']);
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.code).toBe('database/not-found');
    const wrongKind = await post('/pull', [['!kw', 'x'], ['*'], 1]);
    expect(wrongKind.status).toBe(400);
    expect((await json(wrongKind)).error.data.path).toEqual([0]);
    const wrongCount = await post('/db', []);
    expect(wrongCount.status).toBe(400);
    const route = await post('/no-such-route', []);
    expect(route.status).toBe(404);
    const cfg = '{:store {:backend :memory :id "errors"}}';
    await post('/create-database', [cfg]);
    const conn = await json(await post('/connect', [cfg]));
    const bad = await post('/transact', [conn, [{ undeclared: 1 }]]);
    expect(bad.status).toBe(422);
    expect((await json(bad)).error.code).toBe('transact/schema');
    const type = await post('/q', '[]', { 'content-type': 'text/plain' });
    expect(type.status).toBe(415);
  });

  it('reads EDN in string arguments, and stops a query that runs too long with 503', async () => {
    const cfg = '{:store {:backend :memory :id "slow"} :schema-flexibility :read}';
    await post('/create-database', [cfg]);
    const conn = await json(await post('/connect', [cfg]));
    const tx = await post('/transact', [
      conn,
      `[${Array.from({ length: 300 }, (_, i) => `{:n ${i}}`).join(' ')}]`,
    ]);
    expect(tx.status).toBe(200);
    const db = await json(await post('/db', [conn]));
    const slow = await post('/q', [
      {
        // A product the answer needs: every triple's sum is read (the planner cannot drop ?b, ?c).
        query: '[:find (count ?s) . :where [?a :n ?x] [?b :n ?y] [?c :n ?z] [(+ ?x ?y ?z) ?s]]',
        args: [db],
        timeout: 50,
      },
    ]);
    expect(slow.status).toBe(503);
    expect((await json(slow)).error.code).toBe('query/timeout');
    const fine = await post('/q', ['[:find (count ?a) . :where [?a :n]]', db]);
    expect(await json(fine)).toBe(300);
  });

  it('serves health, readiness, metrics and the OpenAPI document', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('datahike_http_requests_total');
    expect(metrics).toMatch(/^datahike_flush_failures_total 0$/m);
    expect(metrics).toMatch(/^datahike_flush_failing 0$/m);
    const doc = await json(await fetch(`${url}/openapi.json`));
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/q', '/transact', '/pull-many']),
    );
    expect((await fetch(`${url}/docs/`)).status).toBe(200);
  });

  it('allows configured origins (CORS), preflight included', async () => {
    const pre = await fetch(`${url}/q`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:8080', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBeLessThan(300);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:8080');
    const other = await fetch(`${url}/health`, { headers: { origin: 'http://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the server with a token', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    ({ server, url } = await start({ token: TOKEN, 'body-limit': 2048 }));
  });
  afterAll(() => server.close());

  const exists = (
    headers: Record<string, string>,
    body = '["{:store {:backend :memory :id \\"x\\"}}"]',
  ) =>
    fetch(`${url}/database-exists`, { method: 'POST', headers: { ...JSON_H, ...headers }, body });

  it('needs the token, in either header', async () => {
    const none = await exists({});
    expect(none.status).toBe(401);
    expect((await json(none)).error.code).toBe('server/unauthorized');
    expect((await exists({ token: 'wrong' })).status).toBe(401);
    expect((await exists({ token: TOKEN })).status).toBe(200);
    expect((await exists({ authorization: `token ${TOKEN}` })).status).toBe(200);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
  });

  it('refuses bodies above the limit with 413', async () => {
    const big = JSON.stringify(['x'.repeat(5000)]);
    const res = await exists({ token: TOKEN }, big);
    expect(res.status).toBe(413);
  });
});

describe('the server config', () => {
  it('names an unknown key or a wrong type', () => {
    expect(() => serverConfig(new Map([[keyword('prot'), 1]]), {})).toThrow(
      /Unknown server config key :prot/,
    );
    expect(() => serverConfig(new Map([[keyword('port'), 'x']]), {})).toThrow(/:port must be/);
    expect(serverConfig(undefined, { DATAHIKE_PORT: '5555' }).port).toBe(5555);
    expect(serverConfig(undefined, { DATAHIKE_TOKEN: 's' }).devMode).toBe(false);
  });
});
