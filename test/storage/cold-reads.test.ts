/**
 * Cold reads of a flushed database fetch what they miss in batches: a query needs about
 * one store round trip per clause and tree level (all per-row lookups of a clause share
 * them), a pull one per level, a transaction a few; a reader catching up on a newer flush
 * fetches only the nodes the flush wrote. Counted with `CountingStore`; never timed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/connection.js';
import type { Db } from '../../src/db/index.js';
import { collectAddresses, withLoadedNodes } from '../../src/index/btree-api.js';
import * as d from '../../src/index.js';
import { CountingStore } from './counting-store.js';
import { connectOn, createOn } from './sim/connect.js';
import { LogStore, LogStoreData } from './sim/log-store.js';

const ENTITIES = 20_000;
const QUERY = '[:find ?n :where [?e :age 42] [?e :name ?n]]';

let data: LogStoreData;

/** A new connection (an empty node cache) through a counting store over `data`. */
async function reader(): Promise<{ store: CountingStore; conn: Connection; db: Db }> {
  const store = new CountingStore(new LogStore(data));
  const conn = await connectOn(store, { cacheSize: 100_000 });
  const db = (await d.db(conn)) as Db;
  store.reset();
  return { store, conn, db };
}

/** Levels of the deepest current index (root to leaves). */
async function depthOf(db: Db): Promise<number> {
  const { eavt, aevt, avet } = db.indices;
  const cache = eavt.store as Parameters<typeof withLoadedNodes>[0];
  return withLoadedNodes(
    cache,
    () => Math.max(eavt.root.level, aevt.root.level, avet.root.level) + 1,
  );
}

/** Every node address the current and temporal trees of `db` reach. */
async function addressesOf(db: Db): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const t of [db.indices, db.temporal]) {
    if (t === null) continue;
    for (const tree of [t.eavt, t.aevt, t.avet]) await collectAddresses(tree, seen);
  }
  return seen;
}

beforeAll(async () => {
  data = new LogStoreData();
  const store = new LogStore(data);
  await createOn(store);
  const writer = await connectOn(store);
  for (let i = 0; i < ENTITIES; i += 5000)
    await d.transact(
      writer,
      Array.from({ length: 5000 }, (_, j) => ({ name: `person ${i + j}`, age: (i + j) % 100 })),
    );
  // Releasing flushes the indices and checkpoints: readers open the roots, nothing to replay.
  await d.release(writer);
}, 120_000);

afterAll(() => data.blobs.clear());

describe('a cold reader of a flushed database', () => {
  it('answers a two-clause query in one round trip per clause and tree level', async () => {
    const { store, conn, db } = await reader();
    const names = (await d.q(QUERY, db)) as string[][];
    const cold = store.counts;
    const read = store.log.map((l) => l.key);
    expect(names.length).toBe(ENTITIES / 100);
    expect(names.map((r) => r[0]).sort()).toContain('person 42');
    const depth = await depthOf(db);
    expect(depth).toBeGreaterThanOrEqual(3);
    // Two clauses; the planner's counts ride along with the first clause's levels.
    expect(cold.roundTrips).toBeLessThanOrEqual(2 * depth);
    // The 200 per-row lookups of the second clause went in batches, not one by one.
    expect(cold.largest).toBeGreaterThanOrEqual(50);
    // Nothing was fetched twice.
    expect(new Set(read).size).toBe(cold.keys);
    store.reset();
    expect(await d.q(QUERY, db)).toEqual(names);
    expect(store.counts.roundTrips).toBe(0);
    await d.release(conn);
  });

  it('runs again from the clause that missed, not from the start', async () => {
    const { store, conn, db } = await reader();
    let calls = 0;
    const seen = (_e: unknown) => {
      calls++;
      return true;
    };
    const names = await d.q(
      '[:find ?n :in $ ?seen :where [?e :age 42] [(?seen ?e)] [?e :name ?n]]',
      db,
      seen,
    );
    expect((names as unknown[]).length).toBe(ENTITIES / 100);
    const trips = store.counts.roundTrips;
    // The last clause's lookups took rounds of their own...
    expect(trips).toBeGreaterThan(3);
    expect(trips).toBeLessThanOrEqual(2 * (await depthOf(db)));
    // ...but the predicate before it ran once on the complete rows (and only on partial
    // ones in runs that missed nodes before it), not again in each of those rounds.
    expect(calls).toBeGreaterThanOrEqual(ENTITIES / 100);
    expect(calls).toBeLessThan(2 * (ENTITIES / 100));
    await d.release(conn);
  });

  it('pulls many entities in one round trip per tree level', async () => {
    const warm = await reader();
    const ids = (await d.q('[:find [?e ...] :where [?e :age 7]]', warm.db)) as number[];
    const expected = await d.pullMany(warm.db, '[:name :age]', ids);
    await d.release(warm.conn);
    const { store, conn, db } = await reader();
    expect(await d.pullMany(db, '[:name :age]', ids)).toEqual(expected);
    expect(store.counts.roundTrips).toBeLessThanOrEqual(await depthOf(db));
    await d.release(conn);
  });

  it('transacts changes to many cold entities in a few round trips', async () => {
    const { store, conn, db } = await reader();
    const ids = Array.from({ length: 100 }, (_, i) => 1 + i * 97);
    const before = await d.pullMany(db, '[:db/id :name]', ids);
    store.reset();
    const depth = await depthOf(db);
    const report = await d.transact(
      conn,
      ids.map((e) => ({ 'db/id': e, age: 1000 })),
    );
    // The entities' current values (EAVT), then the paths the changes take in the trees.
    expect(store.counts.roundTrips).toBeLessThanOrEqual(2 * depth);
    expect(Object.keys(report)).toContain('tx-data');
    const after = await d.q('[:find (count ?e) . :where [?e :age 1000]]', await d.db(conn));
    expect(after).toBe(100);
    expect(before.every((p) => p !== null)).toBe(true);
    await d.release(conn);
  });

  it('catching up on a newer flush, fetches only the nodes that flush wrote', async () => {
    const { store, conn, db } = await reader();
    const first = (await d.q(QUERY, db)) as string[][];
    // The old trees' nodes, walked through a connection of its own (not counted).
    const plain = await connectOn(new LogStore(data));
    const old = await addressesOf((await d.db(plain)) as Db);
    await d.release(plain);
    // Another writer adds entities and flushes.
    const writer = await connectOn(new LogStore(data));
    await d.transact(
      writer,
      Array.from({ length: 300 }, (_, j) => ({ name: `newcomer ${j}`, age: 42 })),
    );
    await d.release(writer);
    const fetched = store.log.length;
    const caught = (await d.db(conn)) as Db;
    const again = (await d.q(QUERY, caught)) as string[][];
    expect(again.length).toBe(first.length + 300);
    const keys = store.log.slice(fetched).map((l) => l.key);
    expect(keys.length).toBeGreaterThan(0);
    // Every node read since is one the old trees did not have.
    const fresh = keys.filter((k) => !old.has(k));
    expect(fresh).toEqual(keys);
    // No node is read twice in the reader's life.
    expect(new Set(store.log.map((l) => l.key)).size).toBe(store.log.length);
    await d.release(conn);
  });
});
