/** The SQLite backend: the store contract on fresh files, plus its path errors. */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteBackend } from '../../src/storage/sqlite.js';
import type { StoreOptions } from '../../src/storage/store.js';
import { storeContract } from './contract.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datahike-sqlite-'));
let count = 0;

function config(file = path.join(dir, `nested${++count}`, 'store.db')): StoreOptions {
  return { backend: 'sqlite', id: `test-${count}`, path: file };
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

storeContract('sqlite', async () => ({ backend: sqliteBackend, config: config() }));

describe('sqlite store', () => {
  it('needs a path', async () => {
    await expect(sqliteBackend.create({ backend: 'sqlite', id: 'x' })).rejects.toMatchObject({
      code: 'config/invalid',
    });
  });

  it('names the path it cannot write to', async () => {
    const file = '/proc/nope/x.db';
    const err = await sqliteBackend.create(config(file)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'store/unavailable' });
    expect((err as Error).message).toContain(file);
    expect(await sqliteBackend.exists(config(file))).toBe(false);
  });

  it('uses WAL files that destroy removes', async () => {
    const cfg = config();
    const store = await sqliteBackend.create(cfg);
    await store.put([['k', new Uint8Array([1])]]);
    const file = cfg.path as string;
    expect(fs.existsSync(`${file}-wal`)).toBe(true);
    await store.destroy();
    for (const suffix of ['', '-wal', '-shm']) expect(fs.existsSync(file + suffix)).toBe(false);
  });

  it('fails with store/full when the file can grow no more, keeping nothing of the failed append', async () => {
    const cfg = config();
    const store = await sqliteBackend.create(cfg);
    try {
      // SQLite's own limit on the file's pages stands in for a full disk: SQLITE_FULL.
      (store as unknown as { db: { pragma(s: string): unknown } }).db.pragma('max_page_count = 12');
      const record = new Uint8Array(1500).fill(7);
      let seq = 0;
      let err: unknown;
      while (err === undefined && seq < 1000)
        await store.append('db', seq, [record, record]).then(
          () => {
            seq += 2;
          },
          (e) => {
            err = e;
          },
        );
      expect(err).toMatchObject({ code: 'store/full' });
      expect((await store.lastRecord('db'))?.seq).toBe(seq);
      expect((await store.readLog('db', 1)).length).toBe(seq);
    } finally {
      await store.destroy();
    }
  });

  it('leaves a file that holds no store alone', async () => {
    const cfg = config(path.join(dir, 'other.txt'));
    fs.writeFileSync(cfg.path as string, '');
    expect(await sqliteBackend.exists(cfg)).toBe(false);
    await sqliteBackend.destroy(cfg);
    expect(fs.existsSync(cfg.path as string)).toBe(true);
  });
});
