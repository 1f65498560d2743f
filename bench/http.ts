/**
 * The HTTP server under load: the server runs in its own process (as in production), and
 * autocannon, in this one, sends simple `q` and `pull` requests (JSON and transit) and
 * small transactions from 32 concurrent connections on the file store. Reports requests
 * per second with p50/p99 latency beside the targets (10,000 queries/s, 5,000 tx/s).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { decodeJson, encodeTransit } from '../src/wire/index.js';
import { startServer } from './server.js';

const DURATION = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const JSON_H = { 'content-type': 'application/json' };

async function call(url: string, path: string, args: unknown[]): Promise<unknown> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: JSON_H,
    body: JSON.stringify(args),
  });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  target: string;
}

async function load(name: string, target: string, opts: autocannon.Options): Promise<Row> {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[Khttp: ${name} (${DURATION} s)`);
  const r = await autocannon({ duration: DURATION, connections: 32, pipelining: 1, ...opts });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  return {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
    target,
  };
}

export async function runHttpBenchmarks(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dh-bench-http-'));
  const server = await startServer(dataDir);
  const { url } = server;
  try {
    const cfg = ['{:store {:backend :file :id "bench"}}'];
    await call(url, '/create-database', cfg);
    const conn = await call(url, '/connect', cfg);
    const schema = [
      {
        'db/ident': 'name',
        'db/valueType': 'db.type/string',
        'db/cardinality': 'db.cardinality/one',
        'db/unique': 'db.unique/identity',
      },
      { 'db/ident': 'age', 'db/valueType': 'db.type/long', 'db/cardinality': 'db.cardinality/one' },
    ];
    await call(url, '/transact', [conn, schema]);
    await call(url, '/transact', [
      conn,
      Array.from({ length: 1000 }, (_, i) => ({ name: `p${i}`, age: i % 90 })),
    ]);
    const db = await call(url, '/db', [conn]);
    const query = JSON.stringify([
      '[:find ?a . :in $ ?n :where [?e :name ?n] [?e :age ?a]]',
      db,
      'p42',
    ]);
    const pull = JSON.stringify([
      db,
      [
        ['!kw', 'name'],
        ['!kw', 'age'],
      ],
      [['!kw', 'name'], 'p42'],
    ]);
    const rows: Row[] = [];
    rows.push(
      await load('q, JSON (POST)', '10,000 req/s', {
        url: `${url}/q`,
        method: 'POST',
        headers: JSON_H,
        body: query,
      }),
    );
    rows.push(
      await load('q, JSON (GET ?args=)', '10,000 req/s', {
        url: `${url}/q?args=${Buffer.from(query).toString('base64url')}`,
        headers: JSON_H,
      }),
    );
    const tq = encodeTransit(decodeJson(query));
    rows.push(
      await load('q, transit (POST)', '10,000 req/s', {
        url: `${url}/q`,
        method: 'POST',
        headers: { 'content-type': 'application/transit+json' },
        body: tq,
      }),
    );
    rows.push(
      await load('pull, JSON (POST)', '10,000 req/s', {
        url: `${url}/pull`,
        method: 'POST',
        headers: JSON_H,
        body: pull,
      }),
    );
    let n = 0;
    rows.push(
      await load('transact, 1 entity, file store, 32 clients', '5,000 req/s', {
        url: `${url}/transact`,
        method: 'POST',
        headers: JSON_H,
        requests: [
          {
            method: 'POST',
            setupRequest: (req) => ({
              ...req,
              body: JSON.stringify([conn, [{ name: `t${n++}`, age: 1 }]]),
            }),
          },
        ],
      }),
    );
    console.log(
      `\nHTTP server on loopback (server in its own process; autocannon, 32 connections, ${DURATION} s each)`,
    );
    const w = Math.max(...rows.map((r) => r.name.length));
    console.log(
      `${'benchmark'.padEnd(w)}  ${'req/s'.padStart(9)}  ${'p50 ms'.padStart(7)}  ${'p99 ms'.padStart(7)}  ${'errors'.padStart(6)}  target`,
    );
    for (const r of rows)
      console.log(
        `${r.name.padEnd(w)}  ${Math.round(r.rps).toLocaleString('en').padStart(9)}  ${r.p50.toFixed(1).padStart(7)}  ${r.p99.toFixed(1).padStart(7)}  ${String(r.errors).padStart(6)}  ${r.target}`,
      );
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  await runReadPoolBenchmarks();
}

/** A read that makes a million rows and strings: it runs until the server's deadline stops it. */
const RUNAWAY = '[:find (count ?x) . :where [(range 1000000) [?x ...]] [(str ?x ?x ?x) ?y]]';

/**
 * Reads in the worker pool against reads on the event loop, one server each, in this run:
 * simple `q` requests per second, and /health latency while one client sends runaway
 * queries one after the other (the server's :timeout is 2 s for both).
 */
export async function runReadPoolBenchmarks(): Promise<void> {
  const modes: { name: string; env: Record<string, string> }[] = [
    { name: 'reads on the event loop', env: { DATAHIKE_READ_WORKERS: '0' } },
    { name: 'reads in the worker pool', env: {} },
  ];
  const results: { name: string; q: Row; health: Row; runaways: number }[] = [];
  for (const mode of modes) {
    const dataDir = mkdtempSync(join(tmpdir(), 'dh-bench-pool-'));
    const server = await startServer(dataDir, { DATAHIKE_TIMEOUT: '2000', ...mode.env });
    const { url } = server;
    try {
      const cfg = ['{:store {:backend :file :id "pool"}}'];
      await call(url, '/create-database', cfg);
      const conn = await call(url, '/connect', cfg);
      await call(url, '/transact', [
        conn,
        [
          {
            'db/ident': 'name',
            'db/valueType': 'db.type/string',
            'db/cardinality': 'db.cardinality/one',
            'db/unique': 'db.unique/identity',
          },
          {
            'db/ident': 'age',
            'db/valueType': 'db.type/long',
            'db/cardinality': 'db.cardinality/one',
          },
        ],
      ]);
      await call(url, '/transact', [
        conn,
        Array.from({ length: 1000 }, (_, i) => ({ name: `p${i}`, age: i % 90 })),
      ]);
      const db = await call(url, '/db', [conn]);
      const query = JSON.stringify([
        '[:find ?a . :in $ ?n :where [?e :name ?n] [?e :age ?a]]',
        db,
        'p42',
      ]);
      // Warm up (the server's code compiles, workers open the database on their first read).
      await autocannon({
        url: `${url}/q`,
        method: 'POST',
        headers: JSON_H,
        body: query,
        duration: 3,
        connections: 32,
      });
      const q = await load(`q, ${mode.name}`, '', {
        url: `${url}/q`,
        method: 'POST',
        headers: JSON_H,
        body: query,
      });
      let running = true;
      let runaways = 0;
      const attacker = (async () => {
        while (running) {
          await fetch(`${url}/q`, {
            method: 'POST',
            headers: JSON_H,
            body: JSON.stringify([RUNAWAY, db]),
          }).then((r) => r.text());
          runaways++;
        }
      })();
      // Let the first runaway start before measuring.
      await new Promise((r) => setTimeout(r, 200));
      const health = await load(`/health during runaway queries, ${mode.name}`, '', {
        url: `${url}/health`,
        connections: 4,
      });
      running = false;
      await attacker;
      results.push({ name: mode.name, q, health, runaways });
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const [loop, pool] = results as [(typeof results)[0], (typeof results)[0]];
  console.log(
    `\nReads in worker threads against reads on the event loop (file store, server :timeout 2 s, ${DURATION} s each)`,
  );
  for (const r of results)
    console.log(
      `${r.name.padEnd(26)}  q ${Math.round(r.q.rps).toLocaleString('en').padStart(7)} req/s (p99 ${r.q.p99.toFixed(1)} ms, ${r.q.errors} errors)   /health ${r.health.rps === 0 ? 'no answer' : `p99 ${r.health.p99.toFixed(1)} ms`}, ${Math.round(r.health.rps).toLocaleString('en')} req/s (${r.health.errors} errors), beside ${r.runaways} runaway queries`,
    );
  console.log(
    `worker pool / event loop: q ${(pool.q.rps / loop.q.rps).toFixed(2)}x (aim >= 1.6x on 2 cores); /health p99 ${pool.health.p99.toFixed(1)} ms with the pool (aim <= 50 ms), ${loop.health.rps === 0 ? 'no answer' : `${loop.health.p99.toFixed(1)} ms`} on the event loop`,
  );
}
