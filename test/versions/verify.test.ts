/**
 * Verifiable history: commit ids are content hashes over the parents' ids and the
 * transaction's datoms, so verifyCommits accepts a branch as it was written and points at
 * the first record whose datoms, or whose place in the chain, were changed behind the
 * database's back. Records with random ids (the creation record, older stores) are read as
 * before and counted as unverifiable.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCommit, encodeCommit } from '../../src/connection/records.js';
import { Datom } from '../../src/index/datom.js';
import * as d from '../../src/index.js';
import type { Server } from '../../src/server/app.js';
import { packDatoms, unpackDatoms } from '../../src/storage/codec.js';
import { fileBackend } from '../../src/storage/file.js';
import type { Store } from '../../src/storage/store.js';
import { keyword } from '../../src/values/index.js';
import { startServer } from '../server/in-process.js';
import { connectOn } from '../storage/sim/connect.js';

const schema = [
  { 'db/ident': ':n', 'db/valueType': ':db.type/long', 'db/cardinality': ':db.cardinality/one' },
];

async function fileDb(): Promise<{ path: string; conn: d.Connection; ids: string[] }> {
  const path = mkdtempSync(join(tmpdir(), 'dh-verify-'));
  const cfg = { store: { backend: ':file', path }, 'initial-tx': schema, 'flush-threshold': 4 };
  await d.createDatabase(cfg);
  const conn = await d.connect(cfg);
  const ids: string[] = [];
  for (let i = 0; i < 6; i++)
    ids.push(String(await d.commitId((await d.transact(conn, [{ n: i }]))['db-after'])));
  return { path, conn, ids };
}

/** The store with record `seq` of the db log read back changed by `change`. */
function tampered(inner: Store, seq: number, change: (datoms: Datom[]) => Datom[]): Store {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'readLog') {
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      }
      return async (branch: string, from: number, to?: number) => {
        const records = await target.readLog(branch, from, to);
        return records.map((r) => {
          if (branch !== 'db' || r.seq !== seq) return r;
          const c = decodeCommit(r, branch);
          const datoms = change(unpackDatoms(c.datoms));
          return { seq: r.seq, bytes: encodeCommit({ ...c, datoms: packDatoms(datoms) }) };
        });
      };
    },
  });
}

describe('verifyCommits', () => {
  it('accepts a history as written: every commit but the creation verified', async () => {
    const { conn, ids } = await fileDb();
    const r = await d.verifyCommits(conn);
    expect(r).toEqual({ 'valid?': true, verified: 7, unverifiable: 1, failures: [] });
    // Content ids are version-8 UUIDs.
    expect(ids.every((id) => id[14] === '8')).toBe(true);
    expect((await d.verifyCommits(conn, { from: ids[3]! })).verified).toBe(3);
    await d.release(conn);
  });

  it('finds the record whose datoms were changed', async () => {
    const { path, conn } = await fileDb();
    await d.release(conn);
    const changeValue = tampered(
      await fileBackend.open({ backend: 'file', id: path, path }),
      5,
      (ds) => ds.map((x) => (x.a === keyword('n') ? new Datom(x.e, x.a, 99, x.t) : x)),
    );
    const reader = await connectOn(changeValue);
    const r = await d.verifyCommits(reader);
    expect(r['valid?']).toBe(false);
    expect(r.failures.map((f) => [f.seq, f.reason])).toEqual([
      [5, 'its content does not give its id'],
    ]);
    await d.release(reader);
  });

  it('verifies merges, forced heads and branches on a memory store', async () => {
    const cfg = await d.createDatabase({
      store: { backend: ':memory', id: `verify-${process.pid}` },
      'initial-tx': schema,
    });
    const conn = await d.connect(cfg);
    await d.transact(conn, [{ n: 1 }]);
    await d.branch(conn, ':db', ':side');
    const side = await d.connect({ ...cfg, branch: ':side' });
    await d.transact(side, [{ n: 2 }]);
    await d.mergeDb(conn, [':side'], [{ n: 2 }]);
    await d.forceBranch(await d.db(conn), ':forced', [':side']);
    const r = await d.verifyCommits(conn);
    expect(r['valid?']).toBe(true);
    expect(r.verified).toBe(3);
    expect((await d.verifyCommits(side))['valid?']).toBe(true);
    expect(String(await d.commitId(await d.branchAsDb(conn, ':forced')))[14]).toBe('8');
    await d.release(side);
    await d.release(conn);
  });
});

describe('verifyCommits through a server', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    ({ server, url } = await startServer());
  });
  afterAll(() => server.close());

  it('answers a remote peer', async () => {
    const cfg = {
      store: { backend: ':memory', id: 'remote-verify' },
      'initial-tx': schema,
      'remote-peer': { backend: ':datahike-server', url },
    };
    await d.createDatabase(cfg);
    const conn = await d.connect(cfg);
    await d.transact(conn, [{ n: 1 }]);
    expect(await d.verifyCommits(conn)).toMatchObject({ 'valid?': true, verified: 2 });
    const first = await d.db(conn);
    await d.transact(conn, [{ n: 2 }]);
    const diff = await d.diff(first, await d.db(conn));
    expect(diff.asserted.filter((x) => x.a === ':n').map((x) => x.v)).toEqual([2]);
    const a = await d.commitId(first);
    expect(String(await d.commonAncestor(conn, a!, (await d.commitId(await d.db(conn)))!))).toBe(
      String(a),
    );
    await d.release(conn);
  });
});
