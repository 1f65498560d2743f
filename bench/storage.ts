import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as d from '../src/index.js';
import { runHandleBenchmarks } from './handles.js';
import { progress, runScript } from './harness.js';
import { people } from './people.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const BULK_ENTITIES = env('BENCH_STORAGE_ENTITIES', 200000);
const BULK_TX_DATOMS = env('BENCH_STORAGE_TX_DATOMS', 10000);
const CACHE_SIZE = env('BENCH_STORAGE_CACHE', 10000);
const POINT_QUERIES = env('BENCH_STORAGE_QUERIES', 300);
const OPEN_RUNS = 3;

const TARGET_OPEN_MS = 50;

const PERSON_SCHEMA = [
  {
    'db/ident': ':person/id',
    'db/valueType': ':db.type/long',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/identity',
  },
  ...(
    [
      ['name', 'string'],
      ['last-name', 'string'],
      ['age', 'long'],
      ['salary', 'long'],
    ] as const
  ).map(([a, t]) => ({
    'db/ident': `:person/${a}`,
    'db/valueType': `:db.type/${t}`,
    'db/cardinality': ':db.cardinality/one',
  })),
];

interface Row {
  name: string;
  value: string;
  target: string;
}

type Config = Record<string, unknown>;

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Total size of the files under the given folders (missing ones count 0). */
export async function folderBytes(...dirs: string[]): Promise<number> {
  let total = 0;
  for (const dir of dirs) {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) total += await folderBytes(p);
      else if (e.isFile()) total += (await fs.stat(p).catch(() => ({ size: 0 }))).size;
    }
  }
  return total;
}

/** The durable branch behind a connection (internal: to wait for flushes, count appends). */
export interface BranchInternals {
  store?: {
    append: (...args: never[]) => Promise<boolean>;
    put: (entries: readonly (readonly [string, Uint8Array])[]) => Promise<void>;
  };
  settle?: () => Promise<void>;
  state?: { novelty: { length: number; datoms: number } };
}

export function internals(conn: d.LocalConnection): BranchInternals {
  return (conn as unknown as { branch: BranchInternals }).branch;
}

/** Counts the store appends of a connection (one per group commit). */
export function countAppends(conn: d.LocalConnection): () => number {
  const store = internals(conn).store;
  if (store === undefined) return () => Number.NaN;
  let n = 0;
  const append = store.append.bind(store);
  store.append = (...args) => {
    n++;
    return append(...args);
  };
  return () => n;
}

/** The log records after the last index flush, and their datoms: what a reader replays. */
export function tail(conn: d.LocalConnection): { records: number; datoms: number } {
  const novelty = internals(conn).state?.novelty;
  return { records: novelty?.length ?? 0, datoms: novelty?.datoms ?? 0 };
}

/** Waits for queued transactions and for a background index flush. */
export async function settle(conn: d.LocalConnection): Promise<void> {
  await conn.flush();
  await internals(conn).settle?.();
}

/** Imports BULK_ENTITIES people × 5 attributes, BULK_TX_DATOMS datoms per transaction. */
async function bulkImport(cfg: Config, dir: string): Promise<Row[]> {
  const ps = people(BULK_ENTITIES, 7);
  const perTx = Math.max(1, Math.floor(BULK_TX_DATOMS / 5));
  await d.createDatabase(cfg);
  const conn = (await d.connect(cfg)) as d.LocalConnection;
  try {
    await d.transact(conn, PERSON_SCHEMA);
    const total = ps.length * 5;
    const t0 = performance.now();
    for (let i = 0; i < ps.length; i += perTx) {
      const done = i * 5;
      const width = 30;
      const filled = Math.round((done / total) * width);
      const secs = (performance.now() - t0) / 1000;
      progress(
        `bulk import [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${fmt(done)}/${fmt(total)} datoms, ${fmt(done / (secs || 1))} datoms/s`,
      );
      await d.transact(
        conn,
        ps.slice(i, i + perTx).map((p) => ({
          'person/id': p.id,
          'person/name': p.name,
          'person/last-name': p.lastName,
          'person/age': p.age,
          'person/salary': p.salary,
        })),
      );
    }
    const importMs = performance.now() - t0;
    progress('bulk import: waiting for the running index flush');
    await settle(conn);
    const settledMs = performance.now() - t0;
    const left = tail(conn);
    const logBytes = await folderBytes(join(dir, 'log'));
    progress('');
    return [
      {
        name: `bulk import: ${fmt(total)} datoms, ${fmt(perTx * 5)} per tx`,
        value: `${fmt((total * 1000) / importMs)} datoms/s (${fmt(importMs / 1000, 1)} s)`,
        target: '',
      },
      {
        name: 'bulk import: until the running index flush ended',
        value: `${fmt(settledMs / 1000, 1)} s; log tail after it: ${fmt(left.datoms)} datoms`,
        target: '',
      },
      {
        name: 'bulk import: log size',
        value: `${fmt(logBytes / 2 ** 20, 1)} MiB (${fmt(logBytes / total, 1)} B/datom)`,
        target: '',
      },
    ];
  } finally {
    await d.release(conn, true);
  }
}

/**
 * Flushes every index node of the database, as a writer that has caught up would have:
 * connects with flush-threshold 1, commits a small transaction (which starts the flush),
 * waits for it, and commits another (whose record names the flushed roots).
 */
async function catchUp(cfg: Config, dir: string): Promise<Row[]> {
  const t0 = performance.now();
  const conn = (await d.connect({ ...cfg, 'flush-threshold': 1 })) as d.LocalConnection;
  let blobs = 0;
  try {
    const store = internals(conn).store;
    if (store !== undefined) {
      const put = store.put.bind(store);
      store.put = (entries) => {
        blobs += entries.length;
        return put(entries);
      };
    }
    const replayed = tail(conn);
    const ticker = setInterval(
      () =>
        progress(
          `index flush of the import: ${fmt((performance.now() - t0) / 1000, 1)} s (replayed ${fmt(replayed.datoms)} datoms)`,
        ),
      250,
    );
    try {
      await d.transact(conn, [{ 'person/id': 1, 'person/age': 1 }]);
      await settle(conn);
      await d.transact(conn, [{ 'person/id': 2, 'person/age': 2 }]);
      await settle(conn);
    } finally {
      clearInterval(ticker);
      progress('');
    }
  } finally {
    await d.release(conn, true);
  }
  const ms = performance.now() - t0;
  const bytes = await folderBytes(join(dir, 'log'), join(dir, 'blobs'));
  return [
    {
      name: 'index flush of the whole import (reconnect + flush)',
      value: `${fmt(ms / 1000, 1)} s, ${fmt(blobs)} nodes (${fmt((blobs * 1000) / ms)} nodes/s)`,
      target: '',
    },
    {
      name: 'store size (log + blobs)',
      value: `${fmt(bytes / 2 ** 20, 1)} MiB (${fmt(bytes / (BULK_ENTITIES * 5), 1)} B/datom)`,
      target: '',
    },
  ];
}

interface OpenResult {
  importMs: number;
  connectMs: number;
  firstQueryMs: number;
  openToAnswerMs: number;
  found: boolean;
  rssBaseline: number;
  rssAfterFirst: number;
  rssAfterMany: number;
  queries: number;
  queryMeanMs: number;
  cacheSize: number;
}

/** Opens the database in a fresh node process (bench/open-reader.ts); its JSON answer. */
function openInChild(path: string, cacheSize: number): Promise<OpenResult> {
  return runScript<OpenResult>('open-reader', [
    path,
    String(cacheSize),
    String(POINT_QUERIES),
    String(BULK_ENTITIES),
  ]);
}

async function openRows(path: string, cacheSize: number, when: string): Promise<Row[]> {
  const runs: OpenResult[] = [];
  for (let i = 0; i < OPEN_RUNS; i++) {
    progress(`open ${when} in a fresh process (cache ${cacheSize}): run ${i + 1}/${OPEN_RUNS}`);
    runs.push(await openInChild(path, cacheSize));
  }
  progress('');
  if (runs.some((r) => !r.found)) throw new Error('open-reader did not find the entity');
  const r = [...runs].sort((a, b) => a.openToAnswerMs - b.openToAnswerMs)[
    Math.floor(runs.length / 2)
  ]!;
  const mib = (b: number) => `${fmt(b / 2 ** 20, 1)} MiB`;
  const label = `open ${when}, cache ${cacheSize}`;
  return [
    {
      name: `${label}: connect → point query answer`,
      value: `${fmt(r.openToAnswerMs, 1)} ms (connect ${fmt(r.connectMs, 1)} + query ${fmt(r.firstQueryMs, 1)})`,
      target: `< ${TARGET_OPEN_MS} ms`,
    },
    {
      name: `${label}: rss after the first answer`,
      value: `${mib(r.rssAfterFirst)} (${mib(r.rssBaseline)} before connect)`,
      target: '',
    },
    {
      name: `${label}: rss after ${r.queries} random point queries`,
      value: `${mib(r.rssAfterMany)} (${fmt(r.queryMeanMs, 2)} ms per query)`,
      target: '',
    },
  ];
}

function printTable(rows: Row[]): void {
  const w = Math.max(...rows.map((r) => r.name.length), 10);
  const v = Math.max(...rows.map((r) => r.value.length), 6);
  console.log(`${'benchmark'.padEnd(w)}  ${'result'.padEnd(v)}  target`);
  for (const r of rows) console.log(`${r.name.padEnd(w)}  ${r.value.padEnd(v)}  ${r.target}`);
}

export async function runStorageBenchmarks(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'dh-bench-storage-'));
  const rows: Row[] = [];
  try {
    const bulkDir = join(root, 'bulk');
    const bulkCfg = { store: { backend: ':file', path: bulkDir } };
    rows.push(...(await bulkImport(bulkCfg, bulkDir)));
    rows.push(...(await openRows(bulkDir, CACHE_SIZE, 'after import')));
    rows.push(...(await catchUp(bulkCfg, bulkDir)));
    rows.push(...(await openRows(bulkDir, CACHE_SIZE, 'flushed')));
    if (CACHE_SIZE !== 1000) rows.push(...(await openRows(bulkDir, 1000, 'flushed')));
  } finally {
    progress('');
    rmSync(root, { recursive: true, force: true });
  }
  console.log(
    `\nDurable storage: bulk import, index flush, opening (fsync on; files in ${tmpdir()}; commit throughput: -- durable)`,
  );
  printTable(rows);
  await runHandleBenchmarks();
}
