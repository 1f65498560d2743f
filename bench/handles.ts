import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as d from '../src/index.js';
import { progress, runScript } from './harness.js';
import { ITEM_SCHEMA, item } from './items.js';
import { type BenchServer, startServer } from './server.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const LEVELS = (process.env.BENCH_HANDLE_LEVELS ?? '1000,4000,16000').split(',').map(Number);
const SAMPLES = env('BENCH_HANDLE_SAMPLES', 40);
const FILL_CLIENTS = 16;
const WRITER_CLIENTS = env('BENCH_WRITER_CLIENTS', 4);
const WRITER_SECONDS = env('BENCH_WRITER_SECONDS', 10);

const VALUE_OF = '[:find ?v . :in $ ?id :where [?e :item/id ?id] [?e :item/value ?v]]';

interface Row {
  name: string;
  value: string;
  target: string;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function remoteConfig(url: string, id: string) {
  return {
    store: { backend: ':file', id },
    'remote-peer': { backend: ':datahike-server', url },
  };
}

async function handleLatency(root: string): Promise<Row[]> {
  const dataDir = join(root, 'handles');
  let server: BenchServer = await startServer(dataDir);
  const rows: Row[] = [];
  try {
    const cfg = remoteConfig(server.url, 'handles');
    await d.createDatabase(cfg);
    let conn = await d.connect(cfg);
    await d.transact(conn, ITEM_SCHEMA);
    let next = 1;
    let commits = 2;
    let old: unknown;
    for (const level of LEVELS) {
      let done = commits;
      const client = async () => {
        while (done < level) {
          done++;
          await d.transact(conn, item(next++));
          if (done % 200 === 0) progress(`handles: ${done}/${level} commits`);
        }
      };
      await Promise.all(Array.from({ length: FILL_CLIENTS }, client));
      commits = done;
      const current: number[] = [];
      const oneOld: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        progress(`handles at ${level} commits: sample ${i + 1}/${SAMPLES}`);
        old = await d.db(conn);
        await d.transact(conn, item(next++));
        const now = await d.db(conn);
        oneOld.push(await timed(() => d.q(VALUE_OF, old, 1)));
        current.push(await timed(() => d.q(VALUE_OF, now, 1)));
        commits++;
      }
      const c = quantile(current, 0.5);
      const o = quantile(oneOld, 0.5);
      rows.push(
        {
          name: `${fmt(level)} commits: /q on a current handle (p50 / p90)`,
          value: `${fmt(c, 2)} / ${fmt(quantile(current, 0.9), 2)} ms`,
          target: '',
        },
        {
          name: `${fmt(level)} commits: /q on a handle one commit old (p50 / p90)`,
          value: `${fmt(o, 2)} / ${fmt(quantile(oneOld, 0.9), 2)} ms (${fmt(o / c, 1)}× current)`,
          target: '≤ 2× current, flat',
        },
      );
    }
    // A fresh server process has none of the databases in memory.
    old = await d.db(conn);
    await d.transact(conn, item(next++));
    await server.stop();
    progress('handles: restarting the server');
    server = await startServer(dataDir, { DATAHIKE_PORT: new URL(cfg['remote-peer'].url).port });
    conn = await d.connect(cfg);
    const first = await timed(() => d.q(VALUE_OF, old, 1));
    const second = await timed(() => d.q(VALUE_OF, old, 1));
    rows.push({
      name: `${fmt(commits)} commits, fresh server: first /q on a handle one commit old (then)`,
      value: `${fmt(first, 1)} ms (${fmt(second, 2)} ms)`,
      target: '',
    });
    await d.release(conn);
  } finally {
    progress('');
    await server.stop();
  }
  return rows;
}

/** One client process transacting for WRITER_SECONDS; its acknowledged transactions. */
async function client(mode: 'writer' | 'peer', url: string, path: string, first: number) {
  const args = [mode, url, path, String(WRITER_SECONDS), String(first)];
  return (await runScript<{ acks: number }>('writer-client', args)).acks;
}

async function writerThroughput(root: string): Promise<Row[]> {
  const dataDir = join(root, 'writers');
  const server = await startServer(dataDir);
  const rows: Row[] = [];
  try {
    const path = join(dataDir, 'shared');
    const peerCfg = {
      store: { backend: ':file', path },
      'remote-peer': { backend: ':datahike-server', url: server.url },
    };
    await d.createDatabase(peerCfg);
    const conn = await d.connect(peerCfg);
    await d.transact(conn, ITEM_SCHEMA);
    await d.release(conn);
    const rates: Record<string, number> = {};
    let first = 1;
    for (const mode of ['peer', 'writer'] as const) {
      progress(`${mode} clients: ${WRITER_CLIENTS} processes for ${WRITER_SECONDS} s`);
      const acks = await Promise.all(
        Array.from({ length: WRITER_CLIENTS }, (_, i) =>
          client(mode, server.url, path, first + i * 1_000_000),
        ),
      );
      first += WRITER_CLIENTS * 1_000_000;
      const total = acks.reduce((a, b) => a + b, 0);
      rates[mode] = total / WRITER_SECONDS;
      rows.push({
        name: `${WRITER_CLIENTS} ${mode === 'writer' ? ':writer' : ':remote-peer'} client processes, 1 tx at a time each`,
        value: `${fmt(rates[mode]!)} tx/s (per client ${acks.map((a) => fmt(a / WRITER_SECONDS)).join(', ')})`,
        target: mode === 'writer' ? `≥ ${fmt(rates.peer! / 2)} tx/s (½ :remote-peer)` : '',
      });
    }
  } finally {
    progress('');
    await server.stop();
  }
  return rows;
}

export async function runHandleBenchmarks(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'dh-bench-handles-'));
  const rows: Row[] = [];
  try {
    rows.push(...(await handleLatency(root)));
    rows.push(...(await writerThroughput(root)));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  console.log(
    `\nHandles under history and :writer clients (server in its own process, file store, fsync on, files in ${tmpdir()})`,
  );
  const w = Math.max(...rows.map((r) => r.name.length));
  const v = Math.max(...rows.map((r) => r.value.length));
  console.log(`${'benchmark'.padEnd(w)}  ${'result'.padEnd(v)}  target`);
  for (const r of rows) console.log(`${r.name.padEnd(w)}  ${r.value.padEnd(v)}  ${r.target}`);
}
