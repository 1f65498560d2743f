/**
 * The remote peer in a real browser: the client bundled for the browser (no Node module on
 * its path), loaded by headless Chromium from a page, talking to a server on loopback.
 * Chromium comes from Debian's package (test/support/chromium.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { type Server as HttpServer, createServer as httpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, expect, it } from 'vitest';
import { createServer, type Server } from '../../src/server/app.js';
import { serverConfig } from '../../src/server/config.js';
import { keyword } from '../../src/values/index.js';
import { browserAvailable, launchChromium } from '../support/chromium.js';

const PAGE = (api: string) => `<!doctype html><script type="module">
import { api } from '/client.js';
const out = {};
try {
  const cfg = { store: { backend: ':memory', id: 'browser' }, 'schema-flexibility': ':read',
    'remote-peer': { backend: ':datahike-server', url: ${JSON.stringify(api)}, format: ':transit' } };
  await api.createDatabase(cfg);
  const conn = await api.connect(cfg);
  out.uuid = api.isPromise(api.randomUuid()) ? 'a promise' : api.uuid('550E8400-E29B-41D4-A716-446655440000').str;
  const heard = [];
  await api.listen(conn, (r) => heard.push(r['tx-data'].length));
  const report = await api.transact(conn, [{ name: 'Ann', age: 30 }]);
  out.txData = report['tx-data'].length;
  // listen resolved once subscribed: the commit arrives.
  while (heard.length === 0) await new Promise((r) => setTimeout(r, 10));
  out.heard = heard;
  const db = await api.db(conn);
  out.rows = await api.q('[:find ?n ?a :where [?e :name ?n] [?e :age ?a]]', db);
  out.pulled = await api.pull(db, '[:name]', 1);
} catch (e) { out.error = String(e && e.message || e); }
await fetch('/result', { method: 'POST', body: JSON.stringify(out) });
</script>`;

let server: Server | undefined;
let pages: HttpServer | undefined;
let chromium: ChildProcess | undefined;
afterAll(async () => {
  chromium?.kill('SIGKILL');
  pages?.close();
  await server?.close();
});

it.runIf(browserAvailable())(
  'runs the remote peer in headless Chromium',
  async () => {
    const bundle = await build({
      entryPoints: [join(import.meta.dirname, '..', '..', 'src', 'client', 'browser.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
    });
    const code = bundle.outputFiles[0]!.text;
    let result: (v: unknown) => void = () => undefined;
    const answered = new Promise<unknown>((r) => {
      result = r;
    });
    pages = httpServer((req, res) => {
      if (req.url === '/result') {
        let body = '';
        req.on('data', (b) => {
          body += String(b);
        });
        req.on('end', () => {
          res.end();
          result(JSON.parse(body));
        });
        return;
      }
      const isJs = req.url === '/client.js';
      res.writeHead(200, { 'content-type': isJs ? 'text/javascript' : 'text/html' });
      res.end(isJs ? code : PAGE(apiUrl));
    });
    await new Promise<void>((r) => pages!.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(pages.address() as { port: number }).port}`;
    server = await createServer(
      serverConfig(
        new Map<unknown, unknown>([
          [keyword('level'), keyword('silent')],
          [keyword('access-control-allow-origin'), [origin]],
          [keyword('data-dir'), mkdtempSync(join(tmpdir(), 'dh-browser-'))],
        ]),
        {},
      ),
    );
    const apiUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
    chromium = launchChromium([`${origin}/`]);
    const out = (await answered) as Record<string, unknown>;
    expect(out.error).toBeUndefined();
    expect(out.txData).toBe(3);
    expect(out.uuid).toBe('550e8400-e29b-41d4-a716-446655440000');
    expect(out.heard).toEqual([3]);
    expect(out.rows).toEqual([['Ann', 30]]);
    expect(out.pulled).toEqual({ name: 'Ann' });
  },
  60_000,
);
