/**
 * The PostgreSQL backend: the store contract on fresh tables in database `test` at
 * 127.0.0.1:5432, plus connection errors, table names and LISTEN/NOTIFY watching. Without a
 * server the suite is skipped with a warning, unless DATAHIKE_REQUIRE_PG=1.
 */

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresBackend } from '../../src/storage/postgres.js';
import type { StoreOptions } from '../../src/storage/store.js';
import { storeContract } from './contract.js';

const server = { host: '127.0.0.1', port: 5432, dbname: 'test', user: 'postgres' };

async function reachable(): Promise<boolean> {
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    database: server.dbname,
    user: server.user,
    connectionTimeoutMillis: 5000,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const available = await reachable();
const skip = !available && process.env.DATAHIKE_REQUIRE_PG !== '1';
if (skip)
  console.warn(
    'PostgreSQL not reachable at 127.0.0.1:5432: SKIPPING the PostgreSQL store tests; ' +
      'set DATAHIKE_REQUIRE_PG=1 to make this a failure',
  );

function config(extra: Record<string, unknown> = {}): StoreOptions {
  const table = `dh_test_${randomBytes(6).toString('hex')}`;
  return { backend: 'jdbc', id: table, dbtype: 'postgresql', ...server, table, ...extra };
}

describe('PostgreSQL server', () => {
  it('is reachable at 127.0.0.1:5432 (required when DATAHIKE_REQUIRE_PG=1)', () => {
    if (!skip) expect(available).toBe(true);
  });
});

storeContract('postgresql', async () => ({ backend: postgresBackend, config: config() }), { skip });

describe.skipIf(skip)('postgresql store', () => {
  it('reports a server it cannot reach as store/unavailable, quickly', async () => {
    const started = Date.now();
    const err = await postgresBackend.open(config({ port: 1 })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'store/unavailable' });
    expect((err as Error).message).toContain('127.0.0.1:1/test');
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it('reports a missing database as store/unavailable', async () => {
    const err = await postgresBackend
      .exists(config({ dbname: 'datahike_no_such_db' }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'store/unavailable' });
    expect((err as Error).message).toContain('createdb');
  });

  it('rejects an invalid table name', async () => {
    for (const table of ['bad-name', 'x; DROP TABLE y', '1abc', 'a'.repeat(60)])
      await expect(postgresBackend.exists(config({ table }))).rejects.toMatchObject({
        code: 'config/invalid',
      });
  });

  it('accepts database for dbname and needs one of them', async () => {
    const { dbname, ...rest } = config();
    expect(await postgresBackend.exists({ ...rest, database: dbname })).toBe(false);
    await expect(postgresBackend.exists(rest)).rejects.toMatchObject({ code: 'config/invalid' });
  });

  it('calls a watcher when another handle appends', async () => {
    const cfg = config();
    const store = await postgresBackend.create(cfg);
    const other = await postgresBackend.open(cfg);
    try {
      let calls = 0;
      let wake: () => void = () => {};
      const called = () => new Promise<void>((resolve) => (wake = resolve));
      let next = called();
      const stop = store.watch!('db', () => {
        calls++;
        wake();
      });
      // The first call says the LISTEN is in place.
      await next;
      next = called();
      await other.append('other-branch', 0, [new Uint8Array([0])]);
      await other.append('db', 0, [new Uint8Array([1])]);
      await next;
      expect(calls).toBe(2);
      stop();
      await other.append('db', 1, [new Uint8Array([2])]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(calls).toBe(2);
    } finally {
      await other.close();
      await store.destroy();
    }
  });

  it('is removed by the backend even when not open', async () => {
    const cfg = config();
    const store = await postgresBackend.create(cfg);
    await store.append('db', 0, [new Uint8Array([1])]);
    await store.close();
    await postgresBackend.destroy(cfg);
    expect(await postgresBackend.exists(cfg)).toBe(false);
    await expect(postgresBackend.open(cfg)).rejects.toMatchObject({ code: 'store/not-found' });
  });
});
