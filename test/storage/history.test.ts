/**
 * The databases of past commits on a durable store: any commit by id gives the database
 * committed then, from the connection's memory when it keeps it, else replayed from the
 * nearest database it keeps or the commit's base; the memory kept stays within
 * `commit-cache-mb`; a fresh connection finds a commit by the max-tx a handle carries
 * without reading the whole log.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { CommitHistory } from '../../src/connection/commit-history.js';
import * as d from '../../src/index.js';
import type { Store } from '../../src/storage/store.js';

const root = mkdtempSync(join(tmpdir(), 'dh-history-'));
let n = 0;

function fileConfig(extra: Record<string, unknown> = {}) {
  return { store: { backend: ':file', path: join(root, `db-${++n}`) }, ...extra };
}

const SCHEMA = [
  {
    'db/ident': ':k',
    'db/valueType': ':db.type/long',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/identity',
  },
  { 'db/ident': ':v', 'db/valueType': ':db.type/long', 'db/cardinality': ':db.cardinality/one' },
  {
    'db/ident': ':tag',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/many',
  },
];

interface Internals {
  store: Store;
  history: CommitHistory;
  commitDb(id: string, maxTx?: number): Promise<d.Db | null>;
  settle(): Promise<void>;
}

const internals = (conn: d.LocalConnection) => conn.branch as unknown as Internals;

/** Counts the records the branch's store hands out from its log. */
function countReads(conn: d.LocalConnection): { records: number; calls: number } {
  const store = internals(conn).store;
  const counts = { records: 0, calls: 0 };
  const readLog = store.readLog.bind(store);
  store.readLog = async (...args) => {
    const out = await readLog(...args);
    counts.calls++;
    counts.records += out.length;
    return out;
  };
  return counts;
}

/** What a database holds, current and past, as plain rows. */
async function contents(db: d.DbView): Promise<unknown> {
  const rows = (xs: Awaited<ReturnType<typeof d.datoms>>) =>
    xs.map((x) => [x.e, x.a, x.v, x.tx, x.added]);
  return {
    current: rows(await d.datoms(db, ':eavt')),
    history: rows(await d.datoms(await d.history(db), ':eavt')),
  };
}

interface Commit {
  id: string;
  maxTx: number;
  contents: unknown;
}

/** Transactions of every kind (adds, changes, retractions, many values, a schema change). */
async function workload(
  conn: d.LocalConnection,
  count: number,
  record: boolean,
): Promise<Commit[]> {
  const commits: Commit[] = [];
  const present = new Set<number>();
  for (let i = 0; i < count; i++) {
    const k = i % 17;
    let tx: unknown[];
    if (i === count >> 1)
      tx = [
        {
          'db/ident': ':extra',
          'db/valueType': ':db.type/long',
          'db/cardinality': ':db.cardinality/one',
        },
      ];
    else if (i % 5 === 4 && present.size > 0) {
      const gone = [...present][i % present.size]!;
      present.delete(gone);
      tx = [[':db/retractEntity', [':k', gone]]];
    } else {
      present.add(k);
      tx = [{ k, v: i, tag: [`t${i % 3}`, `u${i % 4}`] }];
    }
    const report = await d.transact(conn, tx);
    const after = report['db-after'];
    if (record)
      commits.push({
        id: String((await d.commitId(after))!),
        maxTx: after.maxTx,
        contents: await contents(after),
      });
  }
  return commits;
}

it.each([0, 64])(
  'gives every commit its database, kept, replayed, or found anew (commit-cache-mb %i)',
  async (mb) => {
    // Frequent flushes: commits on many bases. With no cache, every older commit is replayed.
    const cfg = fileConfig({ 'flush-threshold': 40, 'commit-cache-mb': mb });
    await d.createDatabase(cfg);
    let conn = await d.connect(cfg);
    await d.transact(conn, SCHEMA);
    const commits = await workload(conn, 160, true);
    const check = async (c: Commit, maxTx?: number) => {
      const db = await internals(conn).commitDb(c.id, maxTx);
      expect(db).not.toBeNull();
      expect(await contents(db!)).toEqual(c.contents);
    };
    for (const c of [...commits].reverse()) await check(c);
    await internals(conn).settle();
    await d.release(conn, true);
    conn = await d.connect(cfg);
    for (let i = 0; i < commits.length; i += 7) await check(commits[i]!, commits[i]!.maxTx);
    await d.release(conn, true);
    conn = await d.connect(cfg);
    for (let i = 3; i < commits.length; i += 11) await check(commits[i]!);
    expect(await internals(conn).commitDb('00000000-0000-0000-0000-000000000000')).toBeNull();
    await d.release(conn, true);
  },
);

it('answers a recent commit from memory and stays within commit-cache-mb', async () => {
  const cfg = fileConfig({ 'commit-cache-mb': 1 });
  await d.createDatabase(cfg);
  const conn = await d.connect(cfg);
  try {
    await d.transact(conn, SCHEMA);
    await workload(conn, 800, false);
    const { history } = internals(conn);
    expect(history.bytes).toBeLessThanOrEqual(2 ** 20);
    expect(history.size).toBeGreaterThan(10);
    expect(history.size).toBeLessThan(800);
    const before = await d.db(conn);
    await d.transact(conn, [{ k: 1, v: -1 }]);
    const reads = countReads(conn);
    const id = String(await d.commitId(before));
    expect(await internals(conn).commitDb(id)).toBe(before);
    expect(reads.calls).toBe(0);
  } finally {
    await d.release(conn, true);
  }
});

it('finds a commit by its max-tx without reading the whole log', async () => {
  const cfg = fileConfig({ 'flush-threshold': 200 });
  await d.createDatabase(cfg);
  let conn = await d.connect(cfg);
  await d.transact(conn, SCHEMA);
  await workload(conn, 600, false);
  const old = await d.db(conn);
  const oldContents = await contents(old);
  await workload(conn, 5, false);
  await d.release(conn, true);
  conn = await d.connect(cfg);
  try {
    const reads = countReads(conn);
    const id = String(await d.commitId(old));
    const db = await internals(conn).commitDb(id, old.maxTx);
    expect(await contents(db!)).toEqual(oldContents);
    // The records around its position and those since its base: not the 600 before.
    expect(reads.records).toBeLessThan(300);
    // Without the hint, the whole log is read.
    const first = await d.branchAsDb(conn, ':db');
    const again = await internals(conn).commitDb(String(await d.commitId(first)));
    expect(await contents(again!)).toEqual(await contents(first));
  } finally {
    await d.release(conn, true);
  }
});

it('forgets the databases of the commits garbage collection removed', async () => {
  const cfg = fileConfig({ 'flush-threshold': 1 });
  await d.createDatabase(cfg);
  const conn = await d.connect(cfg);
  try {
    await d.transact(conn, SCHEMA);
    const early = (await d.transact(conn, [{ k: 1, v: 1 }]))['db-after'];
    await internals(conn).settle();
    await d.transact(conn, [{ k: 2, v: 2 }]);
    await internals(conn).settle();
    await d.transact(conn, [{ k: 3, v: 3 }]);
    const id = String(await d.commitId(early));
    expect(await internals(conn).commitDb(id)).not.toBeNull();
    await d.gcStorage(conn, undefined, { graceMs: 0 });
    // Only the head was kept: the databases before it may stand on deleted nodes.
    expect(internals(conn).history.db(id)).toBeUndefined();
    expect(internals(conn).history.size).toBe(1);
  } finally {
    await d.release(conn, true);
  }
});
