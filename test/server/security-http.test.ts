/**
 * Issue 14, dev mode and HTTP caching, against a server process in dev mode with `:cache`:
 * DNS rebinding (a foreign Host) and cross-site simple POSTs (form and text bodies) are
 * refused; only GETs whose arguments are all in the URL are cacheable, privately, varying on
 * the credential headers. A public variant runs in process.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseEdn } from '../../src/edn/index.js';
import { createServer } from '../../src/server/app.js';
import { serverConfig } from '../../src/server/config.js';
import { type ServerProcess, startServerProcess } from '../client/server-process.js';
import { call, Reference } from './security.js';

const dir = mkdtempSync(join(tmpdir(), 'dh-sec-http-'));
let server: ServerProcess;
let url: string;
let reference: Reference;

beforeAll(async () => {
  writeFileSync(join(dir, 'server.edn'), '{:cache {:get {:max-age 60}}}');
  server = await startServerProcess(
    { DATAHIKE_DATA_DIR: join(dir, 'data') },
    dir,
    join(dir, 'server.edn'),
  );
  url = server.url;
  reference = new Reference(url);
  await reference.create();
}, 30_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => reference.check());

/** A raw request with exactly these headers (fetch would not let a test set Host). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body = '',
): Promise<{
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sized = { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const req = request({ hostname, port, method, path, headers: sized }, (res) => {
      let text = '';
      res.on('data', (b) => {
        text += String(b);
      });
      res.on('end', () => resolve({ status: res.statusCode!, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const createBody = JSON.stringify(['{:store {:backend :memory :id "rebound"}}']);

describe('dev mode', () => {
  it('answers only requests addressed to a loopback name (DNS rebinding)', async () => {
    const port = new URL(url).port;
    for (const host of [`evil.example:${port}`, 'evil.example', `192.168.1.10:${port}`, '[::2]'])
      for (const path of ['/create-database', '/health']) {
        const a = await raw('POST', path, { host, 'content-type': 'application/json' }, createBody);
        expect(a.status, `${host} ${path}`).toBe(403);
      }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `app.localhost:${port}`])
      expect((await raw('GET', '/health', { host })).status).toBe(200);
  });

  it('refuses the bodies a web page can send across sites without asking', async () => {
    const host = new URL(url).host;
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/plain, application/json',
    ]) {
      const a = await raw('POST', '/create-database', { host, 'content-type': type }, createBody);
      expect(a.status, type).toBe(415);
    }
    expect((await raw('POST', '/create-database', { host }, createBody)).status).toBe(415);
    expect(
      (await call(url, '/database-exists', ['{:store {:backend :memory :id "rebound"}}'])).body,
    ).toBe(false);
  });
});

describe('caching', () => {
  it('marks only GETs with ?args= cacheable, privately, varying on the credential', async () => {
    const db = (await call(url, '/db', [reference.connection])).body;
    const args = ['[:find (count ?e) . :where [?e :who]]', db];
    const inUrl = await fetch(
      `${url}/q?args=${Buffer.from(JSON.stringify(args)).toString('base64url')}`,
      { headers: { 'content-type': 'application/json' } },
    );
    expect(inUrl.status).toBe(200);
    expect(inUrl.headers.get('cache-control')).toBe('private, max-age=60');
    expect(inUrl.headers.get('vary')).toMatch(/authorization/);
    expect(inUrl.headers.get('vary')).toMatch(/token/);
    expect(inUrl.headers.get('etag')).not.toBeNull();
    // Arguments in the body: another query under the same URL, so never stored.
    const inBody = await raw(
      'GET',
      '/q',
      { host: new URL(url).host, 'content-type': 'application/json' },
      JSON.stringify(args),
    );
    expect(inBody.status, inBody.body).toBe(200);
    expect(inBody.headers['cache-control']).toBe('no-store');
    expect(inBody.headers.etag).toBeUndefined();
    const posted = await call(url, '/q', args);
    expect(posted.headers.get('cache-control')).toBe('no-store');
  });

  it('is public only when the config says the data is public', async () => {
    const config = serverConfig(
      parseEdn('{:cache {:get {:max-age 30 :public true}}}') as Map<unknown, unknown>,
      { DATAHIKE_DATA_DIR: join(dir, 'public') },
    );
    const s = await createServer(config);
    try {
      const headers = { host: 'localhost', 'content-type': 'application/json' };
      const post = async (route: string, args: unknown) =>
        (
          await s.app.inject({ method: 'POST', url: route, headers, payload: JSON.stringify(args) })
        ).json();
      const cfg = '{:store {:backend :memory :id "public"}}';
      await post('/create-database', [cfg]);
      const db = await post('/db', [await post('/connect', [cfg])]);
      const args = Buffer.from(JSON.stringify(['[:find ?e :where [?e :x]]', db])).toString(
        'base64url',
      );
      const res = await s.app.inject({ method: 'GET', url: `/q?args=${args}`, headers });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=30');
    } finally {
      await s.close();
    }
  });
});
