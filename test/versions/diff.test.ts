/**
 * diff(dbA, dbB): the datoms asserted and retracted between two database values of one
 * store are exactly the set differences of their datoms, whichever commits they are (random
 * transactions, either order), in memory and on a file store read cold by another
 * connection; two commits one datom apart are told apart by opening a few nodes, not the
 * database. commonAncestor finds where two branches parted.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { internalApi } from '../../src/api/index.js';
import { diffTrees } from '../../src/db/diff.js';
import type { Db } from '../../src/db/index.js';
import * as d from '../../src/index.js';

const schema = [
  { 'db/ident': ':n', 'db/valueType': ':db.type/long', 'db/cardinality': ':db.cardinality/one' },
  { 'db/ident': ':tag', 'db/valueType': ':db.type/long', 'db/cardinality': ':db.cardinality/many' },
];

type Op = { e: number; add: boolean; a: ':n' | ':tag'; v: number };

const op = fc.record({
  e: fc.integer({ min: 1, max: 40 }),
  add: fc.boolean(),
  a: fc.constantFrom(':n' as const, ':tag' as const),
  v: fc.integer({ min: 0, max: 5 }),
});

/** Applies each batch as a transaction (retractions of absent facts are left out); the dbs after each. */
async function build(conn: d.Connection, batches: Op[][]): Promise<d.Db[]> {
  const dbs: d.Db[] = [(await d.db(conn)) as d.Db];
  for (const batch of batches) {
    const tx: unknown[] = [];
    for (const o of batch)
      tx.push(
        o.add ? [':db/add', 10_000 + o.e, o.a, o.v] : [':db/retract', 10_000 + o.e, o.a, o.v],
      );
    dbs.push((await d.transact(conn, tx))['db-after'] as d.Db);
  }
  return dbs;
}

const key = (x: d.DatomObject) => `${x.e} ${x.a} ${JSON.stringify(x.v)} ${x.tx}`;

/** The naive answer: set differences of all datoms. */
async function naive(a: d.Db, b: d.Db) {
  const as = new Map((await d.datoms(a, ':eavt')).map((x) => [key(x), x]));
  const bs = new Map((await d.datoms(b, ':eavt')).map((x) => [key(x), x]));
  return {
    asserted: [...bs.keys()].filter((k) => !as.has(k)),
    retracted: [...as.keys()].filter((k) => !bs.has(k)),
  };
}

async function diffKeys(a: d.Db, b: d.Db) {
  const r = await d.diff(a, b);
  return { asserted: r.asserted.map(key), retracted: r.retracted.map(key) };
}

let n = 0;
const stores: Record<string, () => Record<string, unknown>> = {
  memory: () => ({ store: { backend: ':memory', id: `diff-${process.pid}-${++n}` } }),
  file: () => ({
    store: { backend: ':file', path: mkdtempSync(join(tmpdir(), 'dh-diff-')) },
    'flush-threshold': 20,
  }),
};

describe.each(Object.keys(stores))('diff on a %s store', (kind) => {
  it('equals the set differences of the datoms of any two commits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { minLength: 1, maxLength: 8 }), { minLength: 2, maxLength: 12 }),
        fc.nat(),
        fc.nat(),
        async (batches, i, j) => {
          const cfg = { ...stores[kind]!(), 'initial-tx': schema };
          await d.createDatabase(cfg);
          const conn = await d.connect(cfg);
          // Ids above any the schema takes.
          await d.transact(conn, [{ 'db/id': 10_040, n: 0 }]);
          const dbs = await build(conn, batches);
          const a = dbs[i % dbs.length]!;
          const b = dbs[j % dbs.length]!;
          expect(await diffKeys(a, b)).toEqual(await naive(a, b));
          await d.release(conn);
          if (kind === 'file') {
            // A reader that loads nodes cold, with commits replayed from the log.
            const reader = await d.connect(cfg);
            const ra = await d.commitAsDb(reader, (await d.commitId(a))!);
            const rb = await d.commitAsDb(reader, (await d.commitId(b))!);
            expect(await diffKeys(ra, rb)).toEqual(await naive(ra, rb));
            await d.release(reader);
          }
          await d.deleteDatabase(cfg);
        },
      ),
      { numRuns: kind === 'file' ? 8 : 40 },
    );
  });
});

describe('the cost of a diff', () => {
  it('opens a few nodes per tree level for one datom among many', async () => {
    const cfg = await d.createDatabase({ ...stores.memory!(), 'initial-tx': schema });
    const conn = await d.connect(cfg);
    for (let i = 0; i < 20; i++)
      await d.transact(
        conn,
        Array.from({ length: 1000 }, (_, k) => ({ 'db/id': -1 - k, n: i * 1000 + k })),
      );
    const before = (await d.db(conn)) as Db;
    const after = (await d.transact(conn, [{ n: -1 }]))['db-after'] as Db;
    const walk = diffTrees(before.indices.eavt, after.indices.eavt);
    expect(walk.added.length).toBe(2); // the datom and the tx instant
    expect(walk.removed).toEqual([]);
    // 40k+ datoms in leaves of at most 64: a handful of nodes on each side per level.
    expect(walk.opened).toBeLessThan(30);
    await d.release(conn);
  });
});

describe('commonAncestor', () => {
  it('is the commit two branches share last', async () => {
    const cfg = { ...stores.file!(), 'initial-tx': schema };
    await d.createDatabase(cfg);
    const conn = await d.connect(cfg);
    await d.transact(conn, [{ n: 1 }]);
    const fork = await d.commitId(await d.db(conn));
    await d.branch(conn, ':db', ':side');
    await d.transact(conn, [{ n: 2 }]);
    const side = await d.connect({ ...cfg, branch: ':side' });
    await d.transact(side, [{ n: 3 }]);
    const a = await d.commitId(await d.db(conn));
    const b = await d.commitId(await d.db(side));
    expect(String(await d.commonAncestor(conn, a!, b!))).toBe(String(fork));
    expect(String(await d.commonAncestor(conn, a!, fork!))).toBe(String(fork));
    const diff = await d.diff(
      await d.commitAsDb(conn, fork!),
      (await internalApi.db(side)) as d.Db,
    );
    expect(diff.asserted.filter((x) => x.a === ':n').map((x) => x.v)).toEqual([3]);
    await d.release(side);
    await d.release(conn);
  });
});
