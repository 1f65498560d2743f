/**
 * Hundreds of databases on one PostgreSQL server: every store on it shares one pool and one
 * LISTEN connection, so the backends this process holds stay few however many databases it
 * opens. Backends are told apart by their application name (PGAPPNAME, set for this file).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { postgresBackend } from '../../src/storage/postgres.js';
import { nodeArgs } from '../support/scripts.js';
import { PG, pgAvailable } from './servers.js';

const available = await pgAvailable();
const APP = `dh-tenants-${randomBytes(4).toString('hex')}`;
process.env.PGAPPNAME = APP;

/** The backends that connections of this process hold on the server. */
async function backends(): Promise<number> {
  const client = new pg.Client({ ...PG, database: PG.dbname, application_name: 'dh-counter' });
  await client.connect();
  try {
    const r = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
      [APP],
    );
    return r.rows[0]!.n;
  } finally {
    await client.end();
  }
}

/** Runs `fn` on every item, at most `width` at a time. */
async function each<T>(items: readonly T[], width: number, fn: (x: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function run(script: string, ...args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs(script), ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, PGAPPNAME: `${APP}-writer` },
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

describe.skipIf(!available)('many databases on one PostgreSQL server', () => {
  it('open 200 databases, each written and listened to, within a pool and one LISTEN connection', async () => {
    const prefix = `dh_tenant_${randomBytes(4).toString('hex')}`;
    const configs = Array.from({ length: 200 }, (_, i) => ({
      store: { backend: ':jdbc', dbtype: 'postgresql', ...PG, table: `${prefix}_${i}` },
      'schema-flexibility': ':read',
    }));
    const conns: d.LocalConnection[] = [];
    const heard = new Map<number, string[]>();
    try {
      await each([...configs.keys()], 20, async (i) => {
        await d.createDatabase(configs[i]!);
        const conn = await d.connect(configs[i]!);
        conns.push(conn);
        heard.set(i, []);
        await d.listen(conn, (r) => {
          for (const x of r['tx-data']) if (x.a === ':person/name') heard.get(i)!.push(String(x.v));
        });
        await d.transact(conn, [{ 'person/name': `own-${i}` }]);
      });
      // A pool of ten connections at most, and the one that LISTENs on all 200 channels.
      const held = await backends();
      expect(held).toBeGreaterThan(0);
      expect(held).toBeLessThanOrEqual(11);

      // Commits another process makes reach each database's own listeners, and only those.
      const [a, b] = [7, 150];
      const script = join(import.meta.dirname, 'scripts', 'transact.ts');
      const codes = await Promise.all(
        [a, b].map((i) => run(script, JSON.stringify(configs[i]), '2')),
      );
      expect(codes).toEqual([0, 0]);
      for (const i of [a, b])
        await expect
          .poll(() => heard.get(i)!.filter((n) => n.startsWith('remote')).length, {
            timeout: 10_000,
          })
          .toBe(2);
      expect([...heard].filter(([i, names]) => i !== a && i !== b && names.length !== 1)).toEqual(
        [],
      );
      expect(await backends()).toBeLessThanOrEqual(11);
    } finally {
      await each(conns, 20, (conn) => d.release(conn));
      await each(configs, 20, (cfg) => d.deleteDatabase(cfg));
    }
    // The last store to close ends the pool and the LISTEN connection.
    await expect.poll(backends, { timeout: 10_000 }).toBe(0);
  }, 120_000);

  it('stores on one server share the LISTEN connection, each watcher hearing its own table', async () => {
    const options = (table: string) => ({
      backend: 'jdbc',
      id: table,
      dbtype: 'postgresql',
      ...PG,
      table,
    });
    const tables = [0, 1, 2].map((i) => `dh_share_${randomBytes(4).toString('hex')}_${i}`);
    const stores = await Promise.all(tables.map((t) => postgresBackend.create(options(t))));
    const writers = await Promise.all(tables.map((t) => postgresBackend.open(options(t))));
    try {
      const calls = tables.map(() => 0);
      const ready = stores.map(
        (store, i) =>
          new Promise<void>((resolve) =>
            store.watch!('db', () => {
              calls[i]!++;
              resolve();
            }),
          ),
      );
      // Each watcher is called once its LISTEN is in effect.
      await Promise.all(ready);
      const before = [...calls];
      await writers[1]!.append('db', 0, [new Uint8Array([1])]);
      await expect.poll(() => calls[1]).toBe(before[1]! + 1);
      await writers[1]!.append('db', 1, [new Uint8Array([2])]);
      await expect.poll(() => calls[1]).toBe(before[1]! + 2);
      expect([calls[0], calls[2]]).toEqual([before[0], before[2]]);
      expect(await backends()).toBeLessThanOrEqual(11);
    } finally {
      for (const w of writers) await w.close();
      for (const s of stores) await s.destroy();
    }
    await expect.poll(backends, { timeout: 10_000 }).toBe(0);
  });
});
