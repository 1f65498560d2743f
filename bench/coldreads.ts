/**
 * `npm run bench -- coldreads`: reads of a flushed file database by a reader whose node
 * cache is empty, through a store that counts blob reads (round trips and keys) and can
 * add a latency to each, as S3 or PostgreSQL would. For 20k and 200k entities: the query
 * `[:find ?n :where [?e :age 42] [?e :name ?n]]`, a pull of the entities it finds, and a
 * transaction changing 100 of them, each cold (a new connection) and warm (again on it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from '../src/connection/connection.js';
import type { DbView } from '../src/db/index.js';
import * as d from '../src/index.js';
import { fileBackend } from '../src/storage/file.js';
import { CountingStore, type ReadCounts } from '../test/storage/counting-store.js';
import { connectOn } from '../test/storage/sim/connect.js';
import { progress } from './harness.js';

const SIZES = (process.env.BENCH_COLDREADS_ENTITIES ?? '20000,200000').split(',').map(Number);
const LATENCY_MS = Number(process.env.BENCH_COLDREADS_LATENCY_MS ?? 10);
const RUNS = Number(process.env.BENCH_COLDREADS_RUNS ?? 3);
const QUERY = '[:find ?n :where [?e :age 42] [?e :name ?n]]';
const IDS = '[:find [?e ...] :where [?e :age 42]]';

interface Measure {
  counts: ReadCounts;
  ms: number;
}

/** A flushed file database of `entities` people with a name and an age (versions.ts too). */
export async function build(path: string, entities: number): Promise<void> {
  const cfg = { store: { backend: ':file', path } };
  await d.createDatabase(cfg);
  const conn = await d.connect(cfg);
  await d.transact(conn, [
    {
      'db/ident': ':name',
      'db/valueType': ':db.type/string',
      'db/cardinality': ':db.cardinality/one',
    },
    {
      'db/ident': ':age',
      'db/valueType': ':db.type/long',
      'db/cardinality': ':db.cardinality/one',
    },
  ]);
  for (let i = 0; i < entities; i += 10_000) {
    progress(`coldreads: building ${entities} entities (${i})`);
    const n = Math.min(10_000, entities - i);
    await d.transact(
      conn,
      Array.from({ length: n }, (_, j) => ({ name: `person ${i + j}`, age: (i + j) % 100 })),
    );
  }
  // Releasing the writer flushes the indices and checkpoints: readers start from roots.
  await d.release(conn);
}

/** Runs `fn` on a new connection (an empty cache): its cold reads, then its warm time. */
async function coldAndWarm(
  path: string,
  latencyMs: number,
  fn: (db: DbView, conn: Connection) => Promise<unknown>,
): Promise<{ cold: Measure; warmMs: number }> {
  const store = new CountingStore(await fileBackend.open({ backend: 'file', id: path, path }), {
    latencyMs,
  });
  const conn = await connectOn(store, { cacheSize: 100_000 });
  try {
    const db = (await d.db(conn)) as DbView;
    store.reset();
    const t0 = performance.now();
    await fn(db, conn);
    const cold = { counts: store.counts, ms: performance.now() - t0 };
    store.reset();
    const t1 = performance.now();
    await fn(db, conn);
    const warmMs = performance.now() - t1;
    if (store.counts.roundTrips !== 0) throw new Error('a warm run read the store');
    return { cold, warmMs };
  } finally {
    await d.release(conn);
  }
}

/** The median run of `coldAndWarm` by cold time. */
async function median(
  label: string,
  path: string,
  latencyMs: number,
  fn: (db: DbView, conn: Connection) => Promise<unknown>,
) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    progress(`coldreads: ${label}, latency ${latencyMs} ms, run ${i + 1}/${RUNS}`);
    runs.push(await coldAndWarm(path, latencyMs, fn));
  }
  runs.sort((a, b) => a.cold.ms - b.cold.ms);
  return runs[runs.length >> 1]!;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export async function runColdReadBenchmarks(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'dh-coldreads-'));
  const lines: string[] = [];
  try {
    for (const entities of SIZES) {
      const path = join(root, `db-${entities}`);
      await build(path, entities);
      const ids = await (async () => {
        const conn = await d.connect({ store: { backend: ':file', path } });
        const found = (await d.q(IDS, await d.db(conn))) as number[];
        await d.release(conn);
        return found;
      })();
      const cases: [string, (db: DbView, conn: Connection) => Promise<unknown>][] = [
        ['query', (db) => d.q(QUERY, db)],
        [`pull ${ids.length}`, (db) => d.pullMany(db, '[:name :age]', ids)],
      ];
      for (const [name, fn] of cases)
        for (const latency of [0, LATENCY_MS]) {
          const r = await median(`${entities} ${name}`, path, latency, fn);
          const c = r.cold.counts;
          lines.push(
            `${fmt(entities).padStart(7)}  ${name.padEnd(10)}  ${`${latency} ms`.padStart(7)}  ${fmt(c.roundTrips).padStart(11)}  ${fmt(c.keys).padStart(7)}  ${fmt(r.cold.ms, 1).padStart(10)}  ${fmt(r.warmMs, 1).padStart(9)}`,
          );
        }
      // A transaction changing 100 entities, on a new connection (the writer reads each
      // entity's current :age and the paths it changes). It commits, so it runs last, and
      // each latency changes other entities.
      for (const [i, latency] of [0, LATENCY_MS].entries()) {
        const some = ids.slice(i * 100, i * 100 + 100);
        const r = await coldAndWarm(path, latency, (_db, conn) =>
          d.transact(
            conn,
            some.map((e) => ({ 'db/id': e, age: 1000 })),
          ),
        );
        const c = r.cold.counts;
        lines.push(
          `${fmt(entities).padStart(7)}  ${'tx 100'.padEnd(10)}  ${`${latency} ms`.padStart(7)}  ${fmt(c.roundTrips).padStart(11)}  ${fmt(c.keys).padStart(7)}  ${fmt(r.cold.ms, 1).padStart(10)}  ${fmt(r.warmMs, 1).padStart(9)}`,
        );
      }
      rmSync(path, { recursive: true, force: true });
    }
  } finally {
    progress('');
    rmSync(root, { recursive: true, force: true });
  }
  console.log(
    `\nCold reads (flushed file database, new connection, store reads counted; latency added per round trip; median of ${RUNS})`,
  );
  console.log(
    `${'entities'.padStart(7)}  ${'read'.padEnd(10)}  ${'latency'.padStart(7)}  ${'round trips'.padStart(11)}  ${'keys'.padStart(7)}  ${'cold ms'.padStart(10)}  ${'warm ms'.padStart(9)}`,
  );
  for (const l of lines) console.log(l);
  console.log(`query: ${QUERY}; pull: [:name :age] of the entities with :age 42`);
}
