/**
 * Branches and merges (Datahike's versioning test, in our words): a branch starts at a
 * branch head or a commit without a commit of its own, takes its own transactions through
 * its own connection, is merged back by a commit with two parents, forced onto a database
 * value, walked back through its history and deleted; on memory and file stores, and
 * through a server. Garbage collection keeps what any branch reaches.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import type { Server } from '../../src/server/app.js';
import { startServer } from '../server/in-process.js';

const schema = [
  { 'db/ident': ':age', 'db/valueType': ':db.type/long', 'db/cardinality': ':db.cardinality/one' },
];

let n = 0;
const stores: Record<string, () => Record<string, unknown>> = {
  memory: () => ({ store: { backend: ':memory', id: `branches-${process.pid}-${++n}` } }),
  file: () => ({
    store: { backend: ':file', path: mkdtempSync(join(tmpdir(), 'dh-branches-')) },
    'flush-threshold': 5,
  }),
};

const ages = async (db: d.Database) =>
  ((await d.q('[:find [?a ...] :where [_ :age ?a]]', db)) as number[]).sort((a, b) => a - b);

describe.each(Object.keys(stores))('branches of a %s store', (kind) => {
  async function fresh(): Promise<{ cfg: Record<string, unknown>; conn: d.Connection }> {
    const cfg = { ...stores[kind]!(), 'keep-history?': true };
    await d.createDatabase(cfg);
    const conn = await d.connect(cfg);
    await d.transact(conn, schema);
    return { cfg, conn };
  }

  it('branches, merges with two parents, forces, walks history and deletes', async () => {
    const { cfg, conn } = await fresh();
    const head = await d.commitId(await d.db(conn));
    await d.branch(conn, ':db', ':foo');
    expect(await d.branches(conn)).toEqual([':db', ':foo']);
    // No commit was made: the new branch's head is the commit it started at.
    expect(await d.commitId(await d.branchAsDb(conn, ':foo'))).toEqual(head);

    const foo = await d.connect({ ...cfg, branch: ':foo' });
    await d.transact(foo, [{ age: 42 }]);
    expect(await ages(await d.db(foo))).toEqual([42]);
    expect(await ages(await d.db(conn))).toEqual([]);
    const fooHead = await d.commitId(await d.db(foo));
    await d.release(foo);

    const merge = await d.mergeDb(conn, [':foo'], [{ age: 42 }]);
    const merged = merge['db-after'];
    expect(await ages(merged)).toEqual([42]);
    const parents = (await d.parentCommitIds(merged)).map(String);
    expect(parents).toEqual([String(head), String(fooHead)]);
    // merge, schema, foo's commit, creation.
    expect(await d.branchHistory(conn)).toHaveLength(4);

    await d.forceBranch(await d.db(conn), ':foo2', [':foo']);
    const foo2 = await d.branchAsDb(conn, ':foo2');
    expect(await ages(foo2)).toEqual([42]);
    expect((await d.parentCommitIds(foo2)).map(String)).toEqual([String(fooHead)]);
    const foo2Conn = await d.connect({ ...cfg, branch: ':foo2' });
    // foo2's commit, foo's commit, schema, creation.
    expect(await d.branchHistory(foo2Conn)).toHaveLength(4);
    await d.transact(foo2Conn, [{ age: 7 }]);
    expect(await ages(await d.db(foo2Conn))).toEqual([7, 42]);
    await d.release(foo2Conn);

    // The same commit, however it is reached.
    const now = await d.db(conn);
    expect(await d.commitId(await d.commitAsDb(conn, (await d.commitId(now))!))).toEqual(
      await d.commitId(now),
    );
    expect(await d.commitId(await d.branchAsDb(conn, ':db'))).toEqual(await d.commitId(now));

    await d.deleteBranch(conn, ':foo');
    expect(await d.branches(conn)).toEqual([':db', ':foo2']);
    await expect(d.connect({ ...cfg, branch: ':foo' })).rejects.toMatchObject({
      code: 'database/not-found',
    });
    await expect(d.deleteBranch(conn, ':db')).rejects.toMatchObject({ code: 'branch/protected' });
    await expect(d.deleteBranch(conn, ':nope')).rejects.toMatchObject({ code: 'branch/not-found' });
    await expect(d.branch(conn, ':db', ':foo2')).rejects.toMatchObject({ code: 'branch/exists' });
    // A deleted name can be used again.
    await d.branch(conn, ':foo2', ':foo');
    expect(await ages(await d.branchAsDb(conn, ':foo'))).toEqual([7, 42]);
    await d.release(conn);
  });

  it('branches from a commit id in the past', async () => {
    const { cfg, conn } = await fresh();
    const first = await d.transact(conn, [{ age: 1 }]);
    await d.transact(conn, [{ age: 2 }]);
    await d.branch(conn, (await d.commitId(first['db-after']))!, ':past');
    const past = await d.connect({ ...cfg, branch: ':past' });
    expect(await ages(await d.db(past))).toEqual([1]);
    await d.transact(past, [{ age: 3 }]);
    expect(await ages(await d.db(past))).toEqual([1, 3]);
    expect(await ages(await d.db(conn))).toEqual([1, 2]);
    await d.release(past);
    await expect(
      d.branch(conn, '00000000-0000-4000-8000-000000000000', ':x'),
    ).rejects.toMatchObject({
      code: 'commit/not-found',
    });
    await d.release(conn);
  });
});

describe('garbage collection with branches', () => {
  it('keeps what a branch reaches and lets go of a deleted one', async () => {
    const cfg = { ...stores.file!(), 'keep-history?': true };
    await d.createDatabase(cfg);
    const conn = await d.connect(cfg);
    await d.transact(conn, schema);
    await d.branch(conn, ':db', ':side');
    const side = await d.connect({ ...cfg, branch: ':side' });
    for (let i = 0; i < 12; i++) await d.transact(side, [{ age: 100 + i }]);
    await d.release(side);
    for (let i = 0; i < 12; i++) await d.transact(conn, [{ age: i }]);
    await d.gcStorage(conn, new Date(), { graceMs: 0 });
    const again = await d.connect({ ...cfg, branch: ':side' });
    expect(await ages(await d.db(again))).toHaveLength(12);
    await d.release(again);
    await d.deleteBranch(conn, ':side');
    const before = (await d.gcStorage(conn, null, { graceMs: 0 })) as { kept: number };
    expect(await ages(await d.db(conn))).toHaveLength(12);
    expect(before.kept).toBeGreaterThan(0);
    await d.release(conn);
  });
});

describe('branches through a server', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    ({ server, url } = await startServer());
  });
  afterAll(() => server.close());

  it('branch, merge, force, history and delete from a remote peer', async () => {
    const cfg = {
      store: { backend: ':memory', id: 'remote-branches' },
      'remote-peer': { backend: ':datahike-server', url },
    };
    await d.createDatabase(cfg);
    const conn = await d.connect(cfg);
    await d.transact(conn, schema);
    await d.branch(conn, ':db', ':foo');
    expect(await d.branches(conn)).toEqual([':db', ':foo']);
    const foo = await d.connect({ ...cfg, branch: ':foo' });
    await d.transact(foo, [{ age: 42 }]);
    const merge = await d.mergeDb(conn, [':foo'], [{ age: 42 }]);
    expect(await d.parentCommitIds(merge['db-after'])).toHaveLength(2);
    expect(await d.branchHistory(conn)).toHaveLength(4);
    await d.forceBranch(await d.db(conn), ':foo2', [':foo']);
    expect(await ages(await d.branchAsDb(conn, ':foo2'))).toEqual([42]);
    await d.deleteBranch(conn, ':foo');
    expect(await d.branches(conn)).toEqual([':db', ':foo2']);
    await d.release(conn);
  });
});
