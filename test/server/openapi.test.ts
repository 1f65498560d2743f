/**
 * The OpenAPI document: one route per remote function of the API table (GET with `?args=`
 * and no body for reads, POST with the same list for all), the server's own routes, a
 * licence, tag descriptions and servers; Redocly's linter finds nothing to report; and on a
 * fresh server every example, run in the documented order, answers 200 with a value its
 * response schema accepts, in each wire format.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, routePath } from '../../src/api/index.js';
import type { Server } from '../../src/server/app.js';
import { EXAMPLE_ORDER, exampleArgs, openApiDocument } from '../../src/server/openapi.js';
import { startServer } from './in-process.js';

type Op = Record<string, any>;
const doc = openApiDocument() as Record<string, any>;
const paths = doc.paths as Record<string, Record<string, Op>>;

describe('the OpenAPI document', () => {
  it('has a route per remote function: reads as GET with ?args= and POST, others POST', () => {
    for (const e of API.filter((x) => x.remote)) {
      const route = paths[routePath(e)];
      expect(route, e.name).toBeDefined();
      const post = route!.post!;
      expect(post.requestBody.content['application/json'].example, e.name).toEqual(exampleArgs(e));
      expect(Object.keys(post.requestBody.content).sort()).toEqual([
        'application/edn',
        'application/json',
        'application/transit+json',
      ]);
      if (e.referentiallyTransparent) {
        const get = route!.get!;
        expect(get.requestBody, e.name).toBeUndefined();
        const [args] = get.parameters;
        expect(args).toMatchObject({ name: 'args', in: 'query' });
        expect(JSON.parse(Buffer.from(args.example, 'base64url').toString())).toEqual(
          exampleArgs(e),
        );
        expect(get.description).toContain('POST takes the same list');
      } else if (routePath(e) !== '/metrics') expect(route!.get, e.name).toBeUndefined();
    }
    for (const [path, ops] of Object.entries(paths))
      for (const op of Object.values(ops)) {
        expect(op.tags, path).toHaveLength(1);
        expect(op.responses['200'].content, path).toBeDefined();
      }
  });

  it("includes the server's own routes, /listen among them", () => {
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining(['/listen', '/health', '/ready', '/metrics', '/openapi.json']),
    );
    expect(Object.keys(paths['/listen']!).sort()).toEqual(['get', 'post']);
    expect(paths['/listen']!.get!.responses['200'].content).toHaveProperty('text/event-stream');
    // GET /metrics is Prometheus's, or with ?args= the function; POST is the function.
    expect(paths['/metrics']!.get!.responses['200'].content).toHaveProperty('text/plain');
    expect(paths['/metrics']!.post!.requestBody).toBeDefined();
  });

  it('gives every response a schema of its return kind', () => {
    const json = (path: string, method = 'post') =>
      paths[path]![method]!.responses['200'].content['application/json'].schema;
    expect(json('/q', 'get')).toEqual({ $ref: '#/components/schemas/QueryResult' });
    expect(json('/transact')).toEqual({ $ref: '#/components/schemas/TxReport' });
    expect(json('/datoms', 'get')).toEqual({ $ref: '#/components/schemas/Datoms' });
    expect(json('/database-exists')).toEqual({ type: 'boolean' });
    expect(json('/delete-database')).toEqual({ type: 'null' });
    for (const [path, ops] of Object.entries(paths))
      for (const [method, op] of Object.entries(ops)) {
        const content = op.responses['200'].content;
        const schema = (content['application/json'] ?? content['text/event-stream']).schema;
        expect(Object.keys(schema).length, `${method} ${path}`).toBeGreaterThan(0);
      }
  });

  it('names its licence, its servers and what each tag holds', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.license).toEqual({ name: 'EPL-1.0', identifier: 'EPL-1.0' });
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const tags = new Set(
      Object.values(paths)
        .flatMap((ops) => Object.values(ops))
        .flatMap((op) => op.tags),
    );
    for (const t of doc.tags) expect(t.description, t.name).toMatch(/\w/);
    expect(new Set(doc.tags.map((t: { name: string }) => t.name))).toEqual(tags);
  });

  // Redocly's CLI is a dev dependency: CI has it; a checkout sharing another's node_modules may not.
  const redocly = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'redocly');
  it.runIf(existsSync(redocly) || process.env.CI !== undefined)(
    'passes `redocly lint` with no error and no warning',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'dh-openapi-'));
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(doc));
      const r = spawnSync(redocly, ['lint', file, '--format=json'], {
        encoding: 'utf8',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      });
      const report = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
      expect(report.problems, r.stdout).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
      expect(r.status).toBe(0);
    },
    60_000,
  );
});

describe('the examples, on a fresh server in dev mode', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    ({ server, url } = await startServer());
  });
  afterAll(() => server.close());

  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  /** The JSON answer schema of an operation, with the document's components to refer to. */
  const validator = (op: Op) =>
    ajv.compile({
      ...op.responses['200'].content['application/json'].schema,
      components: doc.components,
    });

  async function check(label: string, res: Response, op: Op, type = 'application/json') {
    const text = await res.text();
    expect(res.status, `${label}: ${text.slice(0, 300)}`).toBe(200);
    expect(res.headers.get('content-type')).toContain(type);
    if (type !== 'application/json') return undefined;
    const value = JSON.parse(text);
    const valid = validator(op);
    expect(
      valid(value),
      `${label}: ${JSON.stringify(valid.errors)} for ${text.slice(0, 300)}`,
    ).toBe(true);
    return value;
  }

  it('answer in the documented order, each as its schema says', async () => {
    const json = { 'content-type': 'application/json' };
    let commitId: unknown;
    for (const name of EXAMPLE_ORDER) {
      const entry = API.find((e) => e.name === name)!;
      const path = routePath(entry);
      const post = paths[path]!.post!;
      let args = post.requestBody.content['application/json'].example as unknown[];
      // The one example that needs what another answered.
      if (name === 'commit-as-db') args = [args[0], commitId];
      const value = await check(
        `POST ${path}`,
        await fetch(`${url}${path}`, { method: 'POST', headers: json, body: JSON.stringify(args) }),
        post,
      );
      if (name === 'commit-id') commitId = value[1];
      if (name === 'q')
        expect(value).toEqual([
          '!set',
          [
            ['Peter', 42],
            ['Paul', 37],
          ],
        ]);
      if (!entry.referentiallyTransparent) continue;
      // The same list as ?args= (GET), and the example in the other formats.
      const get = paths[path]!.get;
      if (get !== undefined && name !== 'commit-as-db')
        await check(
          `GET ${path}`,
          await fetch(`${url}${path}?args=${get.parameters[0].example}`, { headers: json }),
          get,
        );
      for (const type of ['application/edn', 'application/transit+json']) {
        const body = post.requestBody.content[type].example;
        if (name === 'commit-as-db') continue;
        await check(
          `POST ${path} in ${type}`,
          await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': type }, body }),
          post,
          type,
        );
      }
    }
  });

  it('include /listen, /health, /ready and Prometheus /metrics', async () => {
    const cfg = exampleArgs(API.find((e) => e.name === 'create-database')!);
    const json = { 'content-type': 'application/json' };
    await fetch(`${url}/create-database`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify(cfg),
    });
    await fetch(`${url}/connect`, { method: 'POST', headers: json, body: JSON.stringify(cfg) });
    const listen = paths['/listen']!.get!;
    const stop = new AbortController();
    const stream = await fetch(`${url}/listen?args=${listen.parameters[0].example}`, {
      headers: json,
      signal: stop.signal,
    });
    expect(stream.status).toBe(200);
    const first = await stream.body!.getReader().read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^id: \d+\nevent: ready\n/);
    stop.abort();
    for (const path of ['/health', '/ready']) {
      const value = await check(path, await fetch(`${url}${path}`), paths[path]!.get!);
      expect(value.status).toMatch(/ok|ready/);
    }
    const prometheus = await fetch(`${url}/metrics`);
    expect(prometheus.status).toBe(200);
    expect(prometheus.headers.get('content-type')).toContain('text/plain');
    const withArgs = await fetch(
      `${url}/metrics?args=${paths['/metrics']!.get!.parameters[0].example}`,
      {
        headers: json,
      },
    );
    await check('GET /metrics?args=', withArgs, paths['/metrics']!.get!);
  });
});
