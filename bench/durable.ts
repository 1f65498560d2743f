/**
 * `npm run bench -- durable`: durable commits against the machine's limit, measured in the
 * same run: the limit is a raw loop of Node file calls, each a small record appended to a
 * file and fdatasync'd, run in blocks between the file store's one-client blocks (so both
 * see the same load of a shared machine). Single-entity transactions on the file, SQLite
 * and PostgreSQL stores, from one client (tx/s, p50/p99 latency) and from 32 concurrent
 * clients in this process (group commit); and 32 HTTP connections to a server process on
 * the file store.
 */
import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import * as d from '../src/index.js';
import { progress } from './harness.js';
import { ITEM_SCHEMA, item } from './items.js';
import { startServer } from './server.js';
import { countAppends, fmt, folderBytes, settle, tail } from './storage.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SEQUENTIAL_TX = env('BENCH_DURABLE_SEQUENTIAL', 3000);
const CONCURRENT_TX = env('BENCH_DURABLE_CONCURRENT', 20000);
const CLIENTS = env('BENCH_DURABLE_CLIENTS', 32);
const HTTP_SECONDS = env('BENCH_DURABLE_HTTP_SECONDS', 5);
const WARMUP_TX = 300;
/** About a single-entity commit record with its frame. */
const RECORD_BYTES = 300;

const PG_STORE = {
  backend: ':pg',
  host: process.env.BENCH_PG_HOST ?? '127.0.0.1',
  port: env('BENCH_PG_PORT', 5432),
  dbname: process.env.BENCH_PG_DB ?? 'test',
  user: process.env.BENCH_PG_USER ?? 'postgres',
};

type Config = Record<string, unknown>;

/**
 * The raw loop the file store is set against: a small record written at the end of a
 * file and fdatasync'd, `n` times; the milliseconds it took.
 */
class RawAppends {
  private at = 0;
  private readonly buf = Buffer.alloc(RECORD_BYTES, 7);

  private constructor(
    private readonly h: fs.FileHandle,
    private readonly path: string,
  ) {}

  static async open(dir: string): Promise<RawAppends> {
    const path = join(dir, `raw-appends-${process.pid}`);
    return new RawAppends(await fs.open(path, 'wx'), path);
  }

  async run(n: number): Promise<number> {
    const t0 = performance.now();
    for (let i = 0; i < n; i++, this.at += this.buf.length) {
      await this.h.write(this.buf, 0, this.buf.length, this.at);
      await this.h.datasync();
    }
    return performance.now() - t0;
  }

  async close(): Promise<void> {
    await this.h.close();
    await fs.rm(this.path, { force: true });
  }
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

interface Throughput {
  sequential: number;
  p50: number;
  p99: number;
  /** The raw loop's appends per second, measured in blocks between the sequential ones. */
  limit?: number;
  concurrent: number;
  /** CPU time of this process per transaction in the concurrent run (µs, all threads). */
  cpuPerTx: number;
  /** Transactions per store append in the concurrent run. */
  groupSize: number;
  /** File store: bytes written per transaction, the log's and the index nodes' share. */
  bytes?: { log: number; nodes: number };
}

/** Blocks of the sequential run, each followed by as many raw appends (when measured). */
const BLOCKS = 10;

/**
 * Single-entity transactions: one client, then CLIENTS clients, on one new database. With
 * `raw`, the one client's transactions alternate in blocks with as many raw appends, so that
 * both see the same load of the machine.
 */
async function throughput(
  label: string,
  cfg: Config,
  file?: { dir: string; raw: RawAppends },
): Promise<Throughput> {
  const raw = file?.raw;
  const size = async () =>
    file === undefined
      ? { log: 0, blobs: 0 }
      : {
          log: await folderBytes(join(file.dir, 'log')),
          blobs: await folderBytes(join(file.dir, 'blobs')),
        };
  await d.createDatabase(cfg);
  const conn = (await d.connect(cfg)) as d.LocalConnection;
  try {
    await d.transact(conn, ITEM_SCHEMA);
    let next = 1;
    for (let i = 0; i < WARMUP_TX; i++) await d.transact(conn, item(next++));
    await raw?.run(WARMUP_TX);
    await settle(conn);
    const before = await size();
    const tailBefore = tail(conn).datoms;

    const latencies: number[] = [];
    let txMs = 0;
    let rawMs = 0;
    const block = Math.ceil(SEQUENTIAL_TX / BLOCKS);
    for (let b = 0; b < BLOCKS; b++) {
      progress(
        `${label} 1 client: ${b * block}/${SEQUENTIAL_TX} tx, ${fmt((b * block * 1000) / (txMs || 1))} tx/s${raw === undefined ? '' : `, raw appends ${fmt((b * block * 1000) / (rawMs || 1))}/s`}`,
      );
      const t0 = performance.now();
      for (let i = 0; i < block; i++) {
        const s = performance.now();
        await d.transact(conn, item(next++));
        latencies.push(performance.now() - s);
      }
      txMs += performance.now() - t0;
      if (raw !== undefined) rawMs += await raw.run(block);
    }
    latencies.sort((a, b) => a - b);
    const done = block * BLOCKS;

    const appends = countAppends(conn);
    let started = 0;
    const cpu = process.cpuUsage();
    const t1 = performance.now();
    const client = async () => {
      while (started < CONCURRENT_TX) {
        started++;
        await d.transact(conn, item(next++));
      }
    };
    const ticker = setInterval(
      () =>
        progress(
          `${label} ${CLIENTS} clients: ${started}/${CONCURRENT_TX} tx, ${fmt((started * 1000) / (performance.now() - t1))} tx/s`,
        ),
      200,
    );
    try {
      await Promise.all(Array.from({ length: CLIENTS }, client));
    } finally {
      clearInterval(ticker);
      progress('');
    }
    const concurrent = (CONCURRENT_TX * 1000) / (performance.now() - t1);
    const used = process.cpuUsage(cpu);
    const cpuPerTx = (used.user + used.system) / CONCURRENT_TX;
    const groupSize = CONCURRENT_TX / appends();
    await settle(conn);
    const after = await size();
    const txs = done + CONCURRENT_TX;
    // Index flushes lag behind: their bytes are charged to the datoms they covered.
    const datoms = txs * 4;
    const flushed = tailBefore + datoms - tail(conn).datoms;
    return {
      sequential: (done * 1000) / txMs,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      ...(raw === undefined ? {} : { limit: (done * 1000) / rawMs }),
      concurrent,
      cpuPerTx,
      groupSize,
      ...(file === undefined
        ? {}
        : {
            bytes: {
              log: (after.log - before.log) / txs,
              nodes: flushed > 0 ? ((after.blobs - before.blobs) / flushed) * 4 : 0,
            },
          }),
    };
  } finally {
    await d.release(conn, true);
  }
}

/** The in-memory store on the same transactions: what the work besides storage costs. */
async function memoryRate(): Promise<number> {
  const cfg = { store: { backend: ':memory', id: `bench-durable-${process.pid}` } };
  await d.createDatabase(cfg);
  const conn = (await d.connect(cfg)) as d.LocalConnection;
  try {
    await d.transact(conn, ITEM_SCHEMA);
    for (let i = 0; i < WARMUP_TX; i++) await d.transact(conn, item(-1 - i));
    progress(`memory 1 client: ${SEQUENTIAL_TX} tx`);
    const t0 = performance.now();
    for (let i = 0; i < SEQUENTIAL_TX; i++) await d.transact(conn, item(i + 1));
    return (SEQUENTIAL_TX * 1000) / (performance.now() - t0);
  } finally {
    progress('');
    await d.deleteDatabase(cfg);
  }
}

/** CLIENTS HTTP connections sending single-entity transactions to a server on the file store. */
async function httpRate(dataDir: string): Promise<{ rps: number; p50: number; p99: number }> {
  const server = await startServer(dataDir);
  const post = async (path: string, args: unknown[]) => {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  try {
    const cfg = ['{:store {:backend :file :id "durable"}}'];
    await post('/create-database', cfg);
    const conn = await post('/connect', cfg);
    await post('/transact', [
      conn,
      ITEM_SCHEMA.map((a) =>
        Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v.replace(/^:/, '')])),
      ),
    ]);
    let n = 0;
    const body = () => JSON.stringify([conn, [{ 'item/id': n, 'item/name': `item-${n++}` }]]);
    const run = (duration: number) =>
      autocannon({
        url: `${server.url}/transact`,
        connections: CLIENTS,
        duration,
        requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: body() }) }],
        headers: { 'content-type': 'application/json' },
      });
    progress('http: warm-up');
    await run(1);
    progress(`http: ${CLIENTS} connections, ${HTTP_SECONDS} s`);
    const r = await run(HTTP_SECONDS);
    if (r.errors + r.non2xx > 0) throw new Error(`http: ${r.errors + r.non2xx} failed requests`);
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
  } finally {
    progress('');
    await server.stop();
  }
}

export async function runDurableBenchmarks(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'dh-bench-durable-'));
  const lines: string[] = [];
  const row = (name: string, t: Throughput, limit?: number) => {
    const of = (x: number) => (limit === undefined ? '' : ` (${fmt(x / limit, 2)}x)`);
    lines.push(
      `${name.padEnd(12)} ${`${fmt(t.sequential)} tx/s${of(t.sequential)}`.padEnd(22)} ${`${fmt(t.p50, 2)} / ${fmt(t.p99, 2)} ms`.padEnd(17)} ${`${fmt(t.concurrent)} tx/s${of(t.concurrent)}`.padEnd(22)} ${`${fmt(t.cpuPerTx)} µs`.padEnd(11)} ${fmt(t.groupSize, 1)}`,
    );
  };
  try {
    const memory = await memoryRate();
    const raw = await RawAppends.open(root);
    const dir = join(root, 'f');
    let file: Throughput;
    try {
      file = await throughput('file', { store: { backend: ':file', path: dir } }, { dir, raw });
    } finally {
      await raw.close();
    }
    const limit = file.limit!;
    const sqlite = await throughput('sqlite', {
      store: { backend: ':sqlite', path: join(root, 'tx.sqlite') },
    });
    const pgCfg = { store: { ...PG_STORE, table: `bench_durable_${process.pid}` } };
    let pg: Throughput | string;
    try {
      pg = await throughput('postgresql', pgCfg);
    } catch (err) {
      if ((err as { code?: string }).code !== 'store/unavailable') throw err;
      pg = `skipped: ${PG_STORE.host}:${PG_STORE.port}/${PG_STORE.dbname} unreachable`;
    } finally {
      await d.deleteDatabase(pgCfg).catch(() => undefined);
    }
    const http = await httpRate(join(root, 'http'));

    console.log(
      `\nDurable commits (single-entity tx: 3 datoms + tx instant; fsync on; files in ${tmpdir()})`,
    );
    console.log(
      `fsync'd-append limit: ${fmt(limit)} appends/s (raw loop of ${RECORD_BYTES}-byte writes + fdatasync, in ${BLOCKS} blocks between the file store's 1-client blocks)`,
    );
    console.log(`memory store (no storage), 1 client: ${fmt(memory)} tx/s`);
    console.log(
      `${'store'.padEnd(12)} ${'1 client (/ limit)'.padEnd(22)} ${'p50 / p99'.padEnd(17)} ${`${CLIENTS} clients (/ limit)`.padEnd(22)} ${'CPU per tx'.padEnd(11)} tx per append`,
    );
    row('file', file, limit);
    row('sqlite', sqlite, limit);
    if (typeof pg === 'string') lines.push(`postgresql: ${pg}`);
    else row('postgresql', pg, limit);
    for (const l of lines) console.log(l);
    const b = file.bytes!;
    console.log(
      `file: ${fmt(b.log + b.nodes)} bytes written per tx (log ${fmt(b.log)} + index nodes ${fmt(b.nodes)})`,
    );
    console.log(
      `file, ${CLIENTS} HTTP connections to a server process: ${fmt(http.rps)} tx/s (p50 ${fmt(http.p50)} ms, p99 ${fmt(http.p99)} ms)`,
    );
    console.log(
      `floors: file 1 client >= 0.5x the limit (${fmt(file.sequential / limit, 2)}x), ${CLIENTS} clients >= 15,000 tx/s (${fmt(file.concurrent)})`,
    );
  } finally {
    progress('');
    rmSync(root, { recursive: true, force: true });
  }
}
