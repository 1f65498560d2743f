/**
 * A server process whose PostgreSQL connections go through a TCP proxy that cuts them,
 * stalls them (dropping what was held, or delivering it late, after the server gave up),
 * and refuses them (PostgreSQL down), while clients keep transacting and reading through
 * the server. Checked: every acknowledged transaction is in the store once; none reported
 * failed is there unless it was reported `store/commit-unknown`; the single writer never
 * answers writer/conflict; `/db` keeps answering while PostgreSQL is unreachable, marked
 * stale, and never older than an acknowledgement already sent.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { type ServerProcess, startServerProcess } from '../client/server-process.js';
import { PG, pgAvailable } from '../storage/servers.js';
import { type TcpProxy, tcpProxy } from './tcp-proxy.js';

const available = await pgAvailable();
const TASKS = 6;

let proxy: TcpProxy;
let server: ServerProcess;

beforeAll(async () => {
  if (!available) return;
  proxy = await tcpProxy(PG.port, PG.host);
  // The server may use the PostgreSQL database behind the proxy (its config names it).
  server = await startServerProcess({
    DATAHIKE_DEV_MODE: 'true',
    DATAHIKE_STORES: `{:jdbc {:profiles {:test {:host "${PG.host}" :port ${proxy.port} :dbname "${PG.dbname}" :user "${PG.user}"}}}}`,
  });
  server.child.stderr!.on('data', (b) => process.stderr.write(`[server] ${b}`));
}, 30_000);

afterAll(async () => {
  await server?.stop();
  await proxy?.close();
});

interface Outcome {
  readonly key: string;
  readonly result: 'ok' | 'unknown' | 'failed';
  readonly code?: string;
  readonly tx?: number;
}

let debug = () => '';

/** Waits until `pred` holds, looking again after each event-loop turn. */
async function until(pred: () => boolean, what: string, limitMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > limitMs) throw new Error(`gave up waiting for ${what} (${debug()})`);
    await new Promise((r) => setImmediate(r));
  }
}

it.runIf(available)(
  'loses no acknowledged transaction and reports none wrongly through cuts, stalls and an outage',
  async () => {
    const table = `dh_outage_${randomBytes(6).toString('hex')}`;
    const store = {
      backend: ':jdbc',
      dbtype: 'postgresql',
      ...PG,
      port: proxy.port,
      table,
      'query-timeout-ms': 1000,
    };
    const remote = {
      store,
      'schema-flexibility': ':read',
      'remote-peer': { backend: ':datahike-server', url: server.url },
    };
    await d.createDatabase(remote);
    const conn = await d.connect(remote);
    const outcomes: Outcome[] = [];
    const errors = new Map<string, number>();
    let acked = 0;
    let ackedTx = 0;
    let stop = false;
    const backwards: string[] = [];
    debug = () =>
      JSON.stringify({
        acked,
        outcomes: outcomes.length,
        errors: [...errors],
        last: outcomes.slice(-3),
      });

    const task = async (t: number) => {
      for (let i = 0; !stop; i++) {
        const key = `c${t}-${i}`;
        try {
          const report = await d.transact(conn, {
            'tx-data': [{ key }],
            'tx-meta': { 'request/key': key },
          });
          const tx = report['db-after'].maxTx as number;
          outcomes.push({ key, result: 'ok', tx });
          acked++;
          ackedTx = Math.max(ackedTx, tx);
          // The server's /db, asked after its answer, holds it.
          const db = await d.db(conn);
          if ((db.maxTx as number) < tx)
            backwards.push(`${key}: /db at ${db.maxTx} after ack ${tx}`);
        } catch (err) {
          const code = (err as { code?: string }).code ?? String(err);
          errors.set(code, (errors.get(code) ?? 0) + 1);
          if (code === 'store/commit-unknown') {
            expect((err as Error).message).toMatch(/may have committed/);
            outcomes.push({ key, result: 'unknown', code });
          } else outcomes.push({ key, result: 'failed', code });
          // Not a tight loop while PostgreSQL is away.
          await new Promise((r) => setImmediate(r));
        }
      }
    };

    const rawDb = () =>
      fetch(`${server.url}/db`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          [
            '!datahike/Connection',
            [`${PG.host}:${proxy.port}/${PG.dbname}/${table}`, ['!kw', 'db']],
          ],
        ]),
      });

    const tasks = Array.from({ length: TASKS }, (_, t) => task(t));
    const staleAnswers: string[] = [];
    try {
      for (let round = 0; round < 3; round++) {
        // Cut every connection under load.
        await until(() => acked >= 20 + round * 60, 'commits before the cut');
        proxy.cut();
        // Stall: requests held, the server's statements time out; then drop what was held.
        await until(() => acked >= 40 + round * 60, 'commits before the stall');
        const failuresBefore = outcomes.length - acked;
        proxy.stall();
        await until(
          () => outcomes.length - acked > failuresBefore,
          'a commit failing in the stall',
        );
        proxy.heal({ deliver: round % 2 === 1 });
        // PostgreSQL away: /db answers from memory, marked stale; commits fail.
        await until(() => acked >= 60 + round * 60, 'commits before the outage');
        proxy.down();
        const before = ackedTx;
        for (;;) {
          const res = await rawDb();
          expect(res.status).toBe(200);
          const [, handle] = (await res.json()) as [string, { 'max-tx': number }];
          expect(handle['max-tx']).toBeGreaterThanOrEqual(before);
          const stale = res.headers.get('datahike-stale-since');
          if (stale !== null) {
            staleAnswers.push(stale);
            break;
          }
        }
        proxy.heal();
      }
      await until(() => acked >= 200, 'commits after the last outage');
    } finally {
      stop = true;
      await Promise.all(tasks);
    }

    // What the store holds, read straight from PostgreSQL.
    const direct = { store: { ...store, port: PG.port }, 'schema-flexibility': ':read' };
    const reader = await d.connect(direct);
    const rows = (await d.q('[:find ?e ?k ?tx :where [?e :key ?k ?tx]]', await d.db(reader))) as [
      number,
      string,
      number,
    ][];
    await d.release(reader);
    const present = new Map<string, number[]>();
    for (const [, k, tx] of rows) present.set(k, [...(present.get(k) ?? []), tx]);
    for (const o of outcomes) {
      const txs = present.get(o.key) ?? [];
      if (o.result === 'ok') expect(txs, `acknowledged ${o.key}`).toEqual([o.tx]);
      if (o.result === 'failed') expect(txs, `${o.key} reported ${o.code}`).toEqual([]);
      if (o.result === 'unknown') expect(txs.length, `${o.key} of unknown outcome`).toBeLessThan(2);
    }
    expect(errors.get('writer/conflict') ?? 0).toBe(0);
    expect(backwards).toEqual([]);
    expect(staleAnswers.length).toBe(3);
    console.log('outage test:', { acked, errors: Object.fromEntries(errors) });
    await d.deleteDatabase(remote);
  },
  180_000,
);
