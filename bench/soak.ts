/**
 * A mixed load on a server in its own process: writers transacting one entity at a time and
 * readers querying database handles of various ages (current, and 1 to 1,000 commits old),
 * all through remote connections, sampled every window: the server's resident memory, and
 * the writes and reads done. Used by the soak test (short, asserting trends) and by
 * `npm run bench -- soak` (ten minutes by default, BENCH_SOAK_SECONDS).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as d from '../src/index.js';
import { progress } from './harness.js';
import { type BenchServer, startServer } from './server.js';

export interface SoakOptions {
  readonly seconds: number;
  readonly windowSeconds: number;
  readonly writers: number;
  readonly readers: number;
  /** Extra config for the database (e.g. `commit-cache-mb`). */
  readonly config?: Record<string, unknown>;
  readonly onWindow?: (w: SoakWindow) => void;
}

export interface SoakWindow {
  /** Seconds since the start, at the end of the window. */
  readonly at: number;
  /** The server's resident memory at the end of the window (bytes; NaN where unknown). */
  readonly rss: number;
  readonly writes: number;
  readonly reads: number;
  /** Commits in the database at the end of the window. */
  readonly commits: number;
  /** Mean time of a read on a current handle, and on an older one (ms). */
  readonly currentReadMs: number;
  readonly oldReadMs: number;
  /** The server's own figures (`/metrics`): heap in use, and the kept commits' estimate. */
  readonly heapUsed: number;
  readonly commitCacheBytes: number;
}

/** A gauge of the server's `/metrics`; NaN when it is not there. */
async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

const SCHEMA = [
  {
    'db/ident': ':item/id',
    'db/valueType': ':db.type/long',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/identity',
  },
  {
    'db/ident': ':item/value',
    'db/valueType': ':db.type/long',
    'db/cardinality': ':db.cardinality/one',
  },
];

const VALUE_OF = '[:find ?v . :in $ ?id :where [?e :item/id ?id] [?e :item/value ?v]]';

/** How old the handles readers query are, in commits (0: a fresh `db`). */
const AGES = [0, 1, 1, 2, 5, 10, 30, 100, 300, 1000];
const RING = 1024;

/**
 * Runs the load against `server` (a database `id` in its data folder) and returns the
 * windows. Every read is checked: a handle shows the entity its own commit wrote, with
 * its value. Throws the first failure of a writer or reader.
 */
export async function soak(server: BenchServer, id: string, opts: SoakOptions) {
  const cfg = {
    store: { backend: ':file', id },
    'remote-peer': { backend: ':datahike-server', url: server.url },
    ...opts.config,
  };
  await d.createDatabase(cfg);
  const conn = await d.connect(cfg);
  await d.transact(conn, SCHEMA);
  /** Recent commits: the database after each, and the entity it wrote. */
  const ring: { db: unknown; item: number }[] = [];
  let next = 1;
  let writes = 0;
  let reads = 0;
  let commits = 2;
  /** Reads on current handles (0) and older ones (1): count and milliseconds. */
  const timing = [
    { n: 0, ms: 0 },
    { n: 0, ms: 0 },
  ];
  let failure: unknown;
  const end = performance.now() + opts.seconds * 1000;
  const running = () => failure === undefined && performance.now() < end;
  const writer = async () => {
    while (running()) {
      const item = next++;
      const report = await d.transact(conn, [{ 'item/id': item, 'item/value': item * 7 }]);
      ring.push({ db: report['db-after'], item });
      if (ring.length > RING) ring.shift();
      writes++;
      commits++;
    }
  };
  let pick = 0;
  const reader = async () => {
    while (running()) {
      const age = AGES[pick++ % AGES.length]!;
      let target: { db: unknown; item: number } | undefined;
      if (age === 0) {
        const db = (await d.db(conn)) as unknown as { maxTx: number };
        // The newest commit wrote one of the entities the ring knows, or one still in flight.
        for (let i = ring.length - 1; i >= 0 && target === undefined; i--)
          if ((ring[i]!.db as { maxTx: number }).maxTx === db.maxTx)
            target = { db, item: ring[i]!.item };
      } else target = ring[ring.length - 1 - Math.min(age, RING - 1)];
      if (target === undefined) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      const t = performance.now();
      const v = await d.q(VALUE_OF, target.db, target.item);
      const slot = timing[age === 0 ? 0 : 1]!;
      slot.n++;
      slot.ms += performance.now() - t;
      if (v !== target.item * 7)
        throw new Error(`item ${target.item} read ${String(v)} on a handle ${age} commits old`);
      reads++;
    }
  };
  const windows: SoakWindow[] = [];
  const t0 = performance.now();
  const sampler = setInterval(() => {
    const at = Math.round((performance.now() - t0) / 1000);
    const mean = (i: number) => timing[i]!.ms / timing[i]!.n;
    const counts = { writes, reads, commits, currentReadMs: mean(0), oldReadMs: mean(1) };
    writes = 0;
    reads = 0;
    for (const t of timing) {
      t.n = 0;
      t.ms = 0;
    }
    const rss = server.rss();
    void Promise.all([
      gauge(server.url, 'nodejs_heap_used_bytes'),
      gauge(server.url, 'datahike_commit_cache_bytes'),
    ]).then(
      ([heapUsed, commitCacheBytes]) => {
        const w = { at, rss, ...counts, heapUsed: heapUsed!, commitCacheBytes: commitCacheBytes! };
        windows.push(w);
        opts.onWindow?.(w);
      },
      (err) => {
        failure ??= err;
      },
    );
  }, opts.windowSeconds * 1000);
  const guard = (p: Promise<void>) =>
    p.catch((err) => {
      failure ??= err;
    });
  try {
    await Promise.all([
      ...Array.from({ length: opts.writers }, () => guard(writer())),
      ...Array.from({ length: opts.readers }, () => guard(reader())),
    ]);
  } finally {
    clearInterval(sampler);
    await d.release(conn);
  }
  if (failure !== undefined) throw failure;
  return windows;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mib = (b: number) => `${fmt(b / 2 ** 20)} MiB`;

export async function runSoakBenchmark(): Promise<void> {
  const seconds = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
  const windowSeconds = Number(process.env.BENCH_SOAK_WINDOW ?? 10);
  const writers = Number(process.env.BENCH_SOAK_WRITERS ?? 8);
  const readers = Number(process.env.BENCH_SOAK_READERS ?? 8);
  const dir = mkdtempSync(join(tmpdir(), 'dh-bench-soak-'));
  const server = await startServer(dir);
  let windows: SoakWindow[];
  try {
    const before = server.rss();
    windows = await soak(server, 'soak', {
      seconds,
      windowSeconds,
      writers,
      readers,
      onWindow: (w) =>
        progress(
          `soak ${w.at}/${seconds} s: rss ${mib(w.rss)}, ${fmt(w.writes)} writes, ${fmt(w.reads)} reads per ${windowSeconds} s`,
        ),
    });
    progress('');
    console.log(
      `\nSoak: ${writers} writers + ${readers} readers (handles 0–1,000 commits old) through one server (own process, file store, fsync on), ${seconds} s; server rss before: ${mib(before)}`,
    );
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `${'s'.padStart(5)}  ${'rss'.padStart(9)}  ${'heap used'.padStart(9)}  ${'kept dbs'.padStart(8)}  ${`writes/${windowSeconds}s`.padStart(11)}  ${`reads/${windowSeconds}s`.padStart(10)}  ${'commits'.padStart(8)}`,
  );
  const every = Math.max(1, Math.round(60 / windowSeconds));
  windows.forEach((w, i) => {
    if (i % every === every - 1 || i === 0 || i === windows.length - 1)
      console.log(
        `${String(w.at).padStart(5)}  ${mib(w.rss).padStart(9)}  ${mib(w.heapUsed).padStart(9)}  ${mib(w.commitCacheBytes).padStart(8)}  ${fmt(w.writes).padStart(11)}  ${fmt(w.reads).padStart(10)}  ${fmt(w.commits).padStart(8)}`,
      );
  });
  const rss = windows.map((w) => w.rss);
  const writes = windows.map((w) => w.writes);
  console.log(
    `rss: first window ${mib(rss[0]!)}, max ${mib(Math.max(...rss))}, last ${mib(rss.at(-1)!)}; writes per window: first ${fmt(writes[0]!)}, min ${fmt(Math.min(...writes))}, last ${fmt(writes.at(-1)!)}`,
  );
}
