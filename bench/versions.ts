/**
 * `npm run bench -- versions`: on a file database of about 1M datoms (500k entities of two
 * attributes, in transactions of 10k entities, flushed; built as coldreads.ts builds it),
 * through a store that counts blob reads:
 * - `diff` of two commits one datom apart, on a new connection (cold) and again (warm),
 *   against the naive answer (every datom of both read, set differences);
 * - `txRange` over the whole log (datoms per second), against a full EAVT scan of the
 *   current database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DbView } from '../src/db/index.js';
import * as d from '../src/index.js';
import { fileBackend } from '../src/storage/file.js';
import { CountingStore } from '../test/storage/counting-store.js';
import { connectOn } from '../test/storage/sim/connect.js';
import { build } from './coldreads.js';

const ENTITIES = Number(process.env.BENCH_VERSIONS_ENTITIES ?? 500_000);

/** The database, flushed (as coldreads builds it); its last commit. */
async function built(path: string): Promise<d.Uuid> {
  await build(path, ENTITIES);
  const conn = await d.connect({ store: { backend: ':file', path } });
  const last = (await d.commitId(await d.db(conn)))!;
  await d.release(conn);
  return last;
}

/** One more transaction of one datom by a writer that then flushes; its commit. */
async function oneMore(path: string): Promise<d.Uuid> {
  const conn = await d.connect({ store: { backend: ':file', path } });
  const r = await d.transact(conn, [{ name: 'one more' }]);
  await d.release(conn);
  return (await d.commitId(r['db-after']))!;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function open(path: string) {
  const store = new CountingStore(await fileBackend.open({ backend: 'file', id: path, path }));
  const conn = await connectOn(store, { cacheSize: 100_000 });
  return { store, conn };
}

const key = (x: d.DatomObject) => `${x.e} ${x.a} ${String(x.v)} ${x.tx}`;

async function naiveDiff(a: DbView, b: DbView): Promise<number> {
  const as = new Set((await d.datoms(a, ':eavt')).map(key));
  const bs = new Set((await d.datoms(b, ':eavt')).map(key));
  let n = 0;
  for (const k of bs) if (!as.has(k)) n++;
  for (const k of as) if (!bs.has(k)) n++;
  return n;
}

export async function runVersionBenchmarks(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'dh-versions-'));
  const path = join(root, 'db');
  try {
    const before = await built(path);
    const lines: string[] = [];

    // diff, cold and warm, against the naive set differences: a reader at one commit
    // catches up with the next, one datom later.
    {
      const { store, conn } = await open(path);
      const a = await d.db(conn);
      const after = await oneMore(path);
      const b = await d.db(conn);
      if (String(await d.commitId(b)) !== String(after))
        throw new Error('the reader did not catch up');
      store.reset();
      const t0 = performance.now();
      const diff = await d.diff(a, b);
      const coldMs = performance.now() - t0;
      const cold = store.counts;
      const t1 = performance.now();
      await d.diff(a, b);
      const warmMs = performance.now() - t1;
      const changed = diff.asserted.length + diff.retracted.length;
      const datoms = (await d.metrics(b)).count as number | undefined;
      await d.release(conn);

      const fresh = await open(path);
      const na = await d.commitAsDb(fresh.conn, before);
      const nb = await d.db(fresh.conn);
      fresh.store.reset();
      const t2 = performance.now();
      const naive = await naiveDiff(na, nb);
      const naiveMs = performance.now() - t2;
      const naiveReads = fresh.store.counts;
      await d.release(fresh.conn);
      if (naive !== changed)
        throw new Error(`diff found ${changed} datoms, the naive way ${naive}`);
      lines.push(
        `diff of two commits one transaction apart (${changed} datoms) on ${fmt(datoms ?? 0)} datoms:`,
        `  cold  ${fmt(coldMs, 1)} ms, ${cold.roundTrips} store reads (${cold.keys} nodes)`,
        `  warm  ${fmt(warmMs, 2)} ms`,
        `  naive ${fmt(naiveMs, 0)} ms, ${naiveReads.roundTrips} store reads (${naiveReads.keys} nodes): diff cold is ${fmt(naiveMs / coldMs, 0)}× faster and reads ${fmt(naiveReads.keys / Math.max(cold.keys, 1), 0)}× fewer nodes`,
      );
    }

    // txRange over the whole log, against a full EAVT scan.
    {
      const { conn } = await open(path);
      const t0 = performance.now();
      const log = await d.txRange(conn);
      const logMs = performance.now() - t0;
      let logged = 0;
      for (const e of log) logged += e.data.length;
      const db = await d.db(conn);
      const t1 = performance.now();
      const all = await d.datoms(db, ':eavt');
      const scanMs = performance.now() - t1;
      await d.release(conn);
      lines.push(
        `txRange over the whole log: ${fmt(log.length)} transactions, ${fmt(logged)} datoms in ${fmt(logMs)} ms = ${fmt(logged / (logMs / 1000))} datoms/s`,
        `  full EAVT scan (cold): ${fmt(all.length)} datoms in ${fmt(scanMs)} ms = ${fmt(all.length / (scanMs / 1000))} datoms/s (txRange ${fmt(logged / logMs / (all.length / scanMs), 2)}× its rate)`,
      );
    }
    console.log(`\nVersions (file store, ${fmt(ENTITIES)} entities)`);
    for (const l of lines) console.log(l);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
