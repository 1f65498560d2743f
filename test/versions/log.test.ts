/**
 * The log: `txRange` gives the transactions of a branch between two points (tx ids or
 * dates, start inclusive, end exclusive) in order with their datoms, on memory and file
 * stores, embedded and through a server; `reports` starts at a past transaction and goes
 * on live, hearing every transaction once and in order while writers keep committing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import type { Server } from '../../src/server/app.js';
import { startServer } from '../server/in-process.js';

let n = 0;
const stores = {
  memory: () => ({ store: { backend: ':memory', id: `log-${process.pid}-${++n}` } }),
  file: () => ({
    store: { backend: ':file', path: mkdtempSync(join(tmpdir(), 'dh-log-')) },
    // Flushes happen during the test: the log outlives them.
    'flush-threshold': 7,
  }),
};

const schemaless = { 'schema-flexibility': ':read' };

/** Commits `count` transactions of one entity each; their tx ids. */
async function commit(conn: d.Connection, count: number, from = 0): Promise<number[]> {
  const txs: number[] = [];
  for (let i = from; i < from + count; i++)
    txs.push((await d.transact(conn, [{ n: i }])).tempids['db/current-tx']!);
  return txs;
}

/** The tx ids of the first `count` reports an iterator gives. */
async function collect(
  it: AsyncIterableIterator<d.TransactionReport>,
  count: number,
): Promise<number[]> {
  const seen: number[] = [];
  for await (const r of it) {
    seen.push(r['db-after'].maxTx!);
    if (seen.length >= count) break;
  }
  return seen;
}

describe.each(Object.keys(stores) as (keyof typeof stores)[])('the log of a %s store', (kind) => {
  async function fresh(): Promise<d.Connection> {
    const cfg = await d.createDatabase({ ...stores[kind](), ...schemaless });
    return d.connect(cfg);
  }

  it('gives every transaction in tx order, each with its datoms and commit', async () => {
    const conn = await fresh();
    const txs = await commit(conn, 20);
    const log = await d.txRange(conn);
    expect(log.map((e) => e.t)).toEqual(txs);
    const fifth = log[4]!;
    expect(fifth.data.every((x) => x.tx === txs[4])).toBe(true);
    expect(fifth.data.find((x) => x.a === ':n')?.v).toBe(4);
    const db = await d.commitAsDb(conn, fifth['commit-id']);
    expect(db.maxTx).toBe(txs[4]);
    expect(fifth.parents).toEqual([
      String(await d.commitId(await d.commitAsDb(conn, log[3]!['commit-id']))),
    ]);
    await d.release(conn);
  });

  it('reads from start (inclusive) to end (exclusive), either open', async () => {
    const conn = await fresh();
    const txs = await commit(conn, 12);
    const ts = async (...range: unknown[]) =>
      (await (d.txRange as (...a: unknown[]) => Promise<d.LogEntry[]>)(conn, ...range)).map(
        (e) => e.t,
      );
    expect(await ts({ start: txs[3], end: txs[6] })).toEqual(txs.slice(3, 6));
    expect(await ts(txs[3], txs[6])).toEqual(txs.slice(3, 6));
    expect(await ts({ start: txs[9] })).toEqual(txs.slice(9));
    expect(await ts({ end: txs[2] })).toEqual(txs.slice(0, 2));
    expect(await ts({ start: null, end: null })).toEqual(txs);
    expect(await ts({ start: txs[5], end: txs[5] })).toEqual([]);
    expect(await ts({ start: txs[11]! + 100 })).toEqual([]);
    await d.release(conn);
  });

  it('takes dates: the first transaction at or after each', async () => {
    const conn = await fresh();
    const early = await commit(conn, 3);
    await new Promise((r) => setTimeout(r, 20));
    const mid = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const late = await commit(conn, 3, 3);
    const ts = (await d.txRange(conn, { start: mid })).map((e) => e.t);
    expect(ts).toEqual(late);
    expect((await d.txRange(conn, { end: mid })).map((e) => e.t)).toEqual(early);
    await d.release(conn);
  });

  it('streams reports from a past transaction on, then live, none missed or repeated', async () => {
    const conn = await fresh();
    const txs = await commit(conn, 10);
    const stream = await d.reports(conn, { from: txs[4]! });
    // Writers go on while the stream catches up: 6 past and 45 new transactions.
    const seen = collect(stream, 6 + 45);
    const writes = Promise.all([
      commit(conn, 15, 100),
      commit(conn, 15, 200),
      commit(conn, 15, 300),
    ]);
    const later = (await writes).flat().sort((a, b) => a - b);
    expect(await seen).toEqual([...txs.slice(4), ...later]);
    await d.release(conn);
  });

  it('gives past reports their databases before and after and their datoms', async () => {
    const conn = await fresh();
    const txs = await commit(conn, 4);
    const stream = await d.reports(conn, { from: txs[1]! });
    const { value } = await stream.next();
    const r = value as d.TransactionReport;
    expect(r['db-before'].maxTx).toBe(txs[0]);
    expect(r['db-after'].maxTx).toBe(txs[1]);
    expect(r['tx-data'].find((x) => x.a === ':n')?.v).toBe(1);
    expect(await d.q('[:find ?v . :where [_ :n ?v]]', r['db-before'])).toBe(0);
    await stream.return!();
    await d.release(conn);
  });

  it('without from, starts after the current commit', async () => {
    const conn = await fresh();
    await commit(conn, 3);
    const stream = await d.reports(conn);
    const txs = await commit(conn, 3, 10);
    expect(await collect(stream, 3)).toEqual(txs);
    await d.release(conn);
  });
});

describe('the log through a server', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    ({ server, url } = await startServer());
  });
  afterAll(() => server.close());

  const remote = (id: string) => ({
    store: { backend: ':memory', id },
    ...schemaless,
    'remote-peer': { backend: ':datahike-server', url },
  });

  it('gives txRange and reports to a remote peer', async () => {
    await d.createDatabase(remote('remote-log'));
    const conn = await d.connect(remote('remote-log'));
    const txs = await commit(conn, 6);
    expect((await d.txRange(conn, { start: txs[2], end: txs[5] })).map((e) => e.t)).toEqual(
      txs.slice(2, 5),
    );
    const stream = await d.reports(conn, { from: txs[3]! });
    const later = await commit(conn, 3, 10);
    expect(await collect(stream, 6)).toEqual([...txs.slice(3), ...later]);
    await d.release(conn);
  });

  it('gives indexPull to a remote peer', async () => {
    const cfg = { ...remote('remote-index-pull'), 'schema-flexibility': ':write' };
    await d.createDatabase(cfg);
    const conn = await d.connect(cfg);
    await d.transact(conn, [
      {
        'db/ident': ':k',
        'db/valueType': ':db.type/long',
        'db/cardinality': ':db.cardinality/one',
        'db/index': true,
      },
    ]);
    await d.transact(conn, [{ ':k': 3 }, { ':k': 1 }, { ':k': 2 }]);
    const db = await d.db(conn);
    const pulled = await d.indexPull(db, { index: ':avet', selector: '[:k]', start: [':k', 2] });
    expect(pulled).toEqual([{ k: 2 }, { k: 3 }]);
    await d.release(conn);
  });
});
