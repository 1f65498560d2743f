/**
 * The S3 backend against the in-memory S3 test server (s3-server.ts): the store contract,
 * one prefix per store in one bucket, plus what is S3's own.
 */

import { createServer } from 'node:net';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Backend } from '../../src/storage/s3.js';
import type { StoreOptions } from '../../src/storage/store.js';
import { storeContract } from './contract.js';
import { type S3TestServer, startS3Server } from './s3-server.js';

let server: S3TestServer;
let n = 0;

beforeAll(async () => {
  server = await startS3Server();
});

afterAll(async () => {
  await server?.close();
});

const config = (extra: Record<string, unknown> = {}): StoreOptions => ({
  backend: 's3',
  id: `t${++n}`,
  bucket: 'datahike-test',
  endpoint: server.endpoint,
  'access-key': 'test',
  secret: 'test',
  ...extra,
});

storeContract('S3', async () => ({ backend: s3Backend, config: config() }));

/** A port on which nothing listens: one the system handed out and took back. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('S3 store', () => {
  it('keeps stores under different prefixes apart', async () => {
    const a = await s3Backend.create(config({ prefix: 'shared/a' }));
    const b = await s3Backend.create(config({ prefix: 'shared/b' }));
    try {
      await a.put([['k', new Uint8Array([1])]]);
      await a.append('db', 0, [new Uint8Array([2])]);
      expect(await b.keys()).toEqual([]);
      expect(await b.lastRecord('db')).toBeNull();
    } finally {
      await a.destroy();
      await b.destroy();
    }
  });

  it('finds the head past a stale hint and reads from inside a many-record append', async () => {
    const cfg = config();
    const store = await s3Backend.create(cfg);
    const other = await s3Backend.open(cfg);
    try {
      const rec = (s: string) => new TextEncoder().encode(s);
      expect(await store.append('db', 0, [rec('1'), rec('2'), rec('3')])).toBe(true);
      expect(await other.append('db', 3, [rec('4')])).toBe(true);
      expect(await store.append('db', 4, [rec('5'), rec('6')])).toBe(true);
      // Appends must begin right after the head, never inside an append.
      expect(await store.append('db', 2, [rec('x')])).toBe(false);
      expect(await store.append('db', 5, [rec('x')])).toBe(false);
      expect((await other.lastRecord('db'))?.seq).toBe(6);
      expect((await other.readLog('db', 2, 5)).map((r) => r.seq)).toEqual([2, 3, 4, 5]);
      await store.truncateLog('db', 5);
      expect((await other.readLog('db', 1)).map((r) => r.seq)).toEqual([5, 6]);
      // A writer that saw seq 3 as the head before the truncation, and only now writes
      // seq 4, must still lose: the dropped append's key stays taken.
      const s3 = new S3Client({
        region: 'us-east-1',
        endpoint: server.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      const stale = new PutObjectCommand({
        Bucket: 'datahike-test',
        Key: `${cfg.id}/log/db/000000000004`,
        Body: rec('stale'),
        IfNoneMatch: '*',
      });
      await expect(s3.send(stale)).rejects.toMatchObject({ name: 'PreconditionFailed' });
      s3.destroy();
      expect(await other.append('db', 6, [rec('7')])).toBe(true);
      expect((await store.readLog('db', 6)).map((r) => r.seq)).toEqual([6, 7]);
    } finally {
      await other.close();
      await store.destroy();
    }
  });

  it('reports an unreachable endpoint as store/unavailable, quickly', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const cfg = config({ endpoint, 'max-attempts': 1, 'connection-timeout': 500 });
    const started = Date.now();
    const err = await s3Backend.exists(cfg).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'store/unavailable' });
    expect((err as Error).message).toContain(endpoint);
    expect((err as Error).message).toContain('datahike-test');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a config without a bucket', async () => {
    await expect(s3Backend.exists(config({ bucket: undefined }))).rejects.toMatchObject({
      code: 'config/invalid',
    });
  });
});
