/**
 * Databases on the file store, end to end: what is committed survives reconnecting,
 * through the log alone and after index flushes, read lazily through a small cache.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { PERSON_SCHEMA } from '../core/helpers.js';
import { startS3Server } from './s3-server.js';
import { PG, pgAvailable } from './servers.js';

const root = mkdtempSync(join(tmpdir(), 'dh-durable-'));
let n = 0;

function fileConfig(extra: Record<string, unknown> = {}) {
  return { store: { backend: ':file', path: join(root, `db-${++n}`) }, ...extra };
}

async function reopen(
  cfg: Record<string, unknown>,
  conn: d.LocalConnection,
): Promise<d.LocalConnection> {
  await d.release(conn, true);
  return (await d.connect(cfg)) as d.LocalConnection;
}

const names = (db: d.DbView) =>
  d.q('[:find [?n ...] :where [_ :person/name ?n]]', db) as Promise<string[]>;

const withPg = await pgAvailable();
const s3 = await startS3Server();
afterAll(() => s3.close());

/** A fresh store config per backend. */
const BACKENDS: [string, () => Record<string, unknown>, boolean][] = [
  ['file', () => ({ backend: ':file', path: join(root, `db-${++n}`) }), true],
  ['sqlite', () => ({ backend: ':sqlite', path: join(root, `db-${++n}.sqlite`) }), true],
  ['postgresql', () => ({ backend: ':pg', ...PG, table: `dh_db_${process.pid}_${++n}` }), withPg],
  [
    's3',
    () => ({
      backend: ':s3',
      id: `db-${++n}`,
      bucket: 'datahike-test',
      endpoint: s3.endpoint,
      'access-key': 'test',
      secret: 'test',
    }),
    true,
  ],
];

describe.each(BACKENDS)('a database on the %s store', (_, store, enabled) => {
  it.runIf(enabled)(
    'keeps transactions, flushed or not, and history across connections',
    async () => {
      const cfg = { store: store(), 'flush-threshold': 100, 'store-cache-size': 16 };
      await d.createDatabase(cfg);
      let conn = await d.connect(cfg);
      try {
        await d.transact(conn, PERSON_SCHEMA);
        const first = await d.transact(conn, [
          { 'db/id': -1, 'person/name': 'Ada', 'person/age': 36 },
        ]);
        const ada = first.tempids['-1'] as number;
        for (let i = 0; i < 12; i++)
          await d.transact(
            conn,
            Array.from({ length: 10 }, (_, j) => ({
              'person/name': `p${i * 10 + j}`,
              'person/age': j,
            })),
          );
        await d.transact(conn, [[':db/add', ada, ':person/age', 37]]);
        conn = await reopen(cfg, conn);
        const db = await d.db(conn);
        expect((await names(db)).length).toBe(121);
        expect(await d.pull(db, '[:person/age]', ada)).toEqual({ 'person/age': 37 });
        const then = await d.asOf(db, first['db-after'].maxTx);
        expect(await d.pull(then, '[:person/age]', ada)).toEqual({ 'person/age': 36 });
        expect(await d.parentCommitIds(db)).toHaveLength(1);
      } finally {
        await d.release(conn, true);
        await d.deleteDatabase(cfg);
      }
      expect(await d.databaseExists(cfg)).toBe(false);
    },
  );
});

describe('the file store', () => {
  it('keeps committed transactions across connections', async () => {
    const cfg = fileConfig();
    await d.createDatabase(cfg);
    expect(await d.databaseExists(cfg)).toBe(true);
    let conn = await d.connect(cfg);
    await d.transact(conn, PERSON_SCHEMA);
    await d.transact(conn, [{ 'person/name': 'Ada', 'person/age': 36 }]);
    const report = await d.transact(conn, [{ 'person/name': 'Grace', 'person/age': 45 }]);
    conn = await reopen(cfg, conn);
    const db = await d.db(conn);
    expect((await names(db)).sort()).toEqual(['Ada', 'Grace']);
    expect(db.maxTx).toBe(report['db-after'].maxTx);
    expect(await d.commitId(db)).toEqual(await d.commitId(report['db-after']));
    await d.release(conn);
    await d.deleteDatabase(cfg);
    expect(await d.databaseExists(cfg)).toBe(false);
  });

  it('finishes a creation that was cut short', async () => {
    const cfg = fileConfig();
    const { fileBackend } = await import('../../src/storage/file.js');
    // The store exists, but the crash came before the database's first record.
    await (
      await fileBackend.create({ backend: 'file', id: cfg.store.path, path: cfg.store.path })
    ).close();
    await expect(d.connect(cfg)).rejects.toMatchObject({ code: 'database/not-found' });
    await d.createDatabase(cfg);
    const conn = await d.connect(cfg);
    await d.transact(conn, PERSON_SCHEMA);
    await d.release(conn);
    await d.deleteDatabase(cfg);
  });

  it('leaves the store flushed when the writer closes', async () => {
    const cfg = fileConfig();
    await d.createDatabase(cfg);
    let conn = await d.connect(cfg);
    await d.transact(conn, PERSON_SCHEMA);
    await d.transact(conn, [{ 'person/name': 'Ada' }]);
    const before = await d.commitId(await d.db(conn));
    await d.release(conn);
    expect(readdirSync(join(cfg.store.path, 'blobs')).some((b) => b.startsWith('roots-'))).toBe(
      true,
    );
    conn = await d.connect(cfg);
    const db = await d.db(conn);
    expect(await names(db)).toEqual(['Ada']);
    // The checkpoint is not a commit: the head is still the last transaction.
    expect(await d.commitId(db)).toEqual(before);
    await d.transact(conn, [{ 'person/name': 'Grace' }]);
    expect(await d.parentCommitIds(await d.db(conn))).toEqual([before]);
    await d.release(conn);
  });

  it('refuses to create twice and to connect to nothing', async () => {
    const cfg = fileConfig();
    await expect(d.connect(cfg)).rejects.toMatchObject({ code: 'database/not-found' });
    await d.createDatabase(cfg);
    await expect(d.createDatabase(cfg)).rejects.toMatchObject({ code: 'store/exists' });
    await d.deleteDatabase(cfg);
  });

  it('flushes index nodes and reads them back lazily through a small cache', async () => {
    const cfg = fileConfig({ 'flush-threshold': 200, 'store-cache-size': 8 });
    await d.createDatabase(cfg);
    let conn = await d.connect(cfg);
    await d.transact(conn, PERSON_SCHEMA);
    for (let i = 0; i < 40; i++)
      await d.transact(
        conn,
        Array.from({ length: 25 }, (_, j) => ({
          'person/name': `p${i * 25 + j}`,
          'person/age': (i * 25 + j) % 90,
        })),
      );
    await conn.flush();
    await (conn.branch as unknown as { settle(): Promise<void> }).settle();
    const blobs = readdirSync(join(cfg.store.path, 'blobs'));
    expect(blobs.some((b) => b.startsWith('roots-'))).toBe(true);
    expect(blobs.length).toBeGreaterThan(10);
    await d.transact(conn, [{ 'person/name': 'after-flush', 'person/age': 1 }]);
    conn = await reopen(cfg, conn);
    const db = await d.db(conn);
    expect((await names(db)).length).toBe(1001);
    expect(await d.q('[:find ?a . :where [?e :person/name "p777"] [?e :person/age ?a]]', db)).toBe(
      777 % 90,
    );
    expect(
      await d.q('[:find ?a . :where [?e :person/name "after-flush"] [?e :person/age ?a]]', db),
    ).toBe(1);
    expect((await d.datoms(db, ':aevt', ':person/name')).length).toBe(1001);
    await d.release(conn);
  });

  it('keeps history and schema changes across a reconnect', async () => {
    const cfg = fileConfig({ 'flush-threshold': 5 });
    await d.createDatabase(cfg);
    let conn = await d.connect(cfg);
    await d.transact(conn, PERSON_SCHEMA);
    const r1 = await d.transact(conn, [{ 'db/id': -1, 'person/name': 'Ada', 'person/age': 36 }]);
    const ada = r1.tempids['-1'] as number;
    await d.transact(conn, [[':db/add', ada, ':person/age', 37]]);
    await d.transact(conn, [
      {
        'db/ident': ':person/nick',
        'db/valueType': ':db.type/string',
        'db/cardinality': ':db.cardinality/one',
      },
    ]);
    await d.transact(conn, [[':db/add', ada, ':person/nick', 'countess']]);
    conn = await reopen(cfg, conn);
    const db = await d.db(conn);
    expect(await d.pull(db, '[:person/age :person/nick]', ada)).toEqual({
      'person/age': 37,
      'person/nick': 'countess',
    });
    const then = await d.asOf(db, r1['db-after'].maxTx);
    expect(await d.pull(then, '[:person/age]', ada)).toEqual({ 'person/age': 36 });
    const ages = await d.q(
      '[:find ?a ?added :in $ ?e :where [?e :person/age ?a _ ?added]]',
      await d.history(db),
      ada,
    );
    expect(ages).toEqual(
      expect.arrayContaining([
        [36, true],
        [36, false],
        [37, true],
      ]),
    );
    await d.release(conn);
  });

  it('reports a corrupt blob with its key', async () => {
    const cfg = fileConfig({ 'flush-threshold': 1 });
    await d.createDatabase(cfg);
    const conn = await d.connect(cfg);
    await d.transact(conn, PERSON_SCHEMA);
    await d.transact(conn, [{ 'person/name': 'Ada' }]);
    await (conn.branch as unknown as { settle(): Promise<void> }).settle();
    // The next commit names the flushed roots as its base.
    await d.transact(conn, [{ 'person/name': 'Grace' }]);
    await d.release(conn, true);
    const dir = join(cfg.store.path, 'blobs');
    const roots = readdirSync(dir).filter((b) => b.startsWith('roots-'));
    expect(roots.length).toBeGreaterThan(0);
    for (const r of roots) writeFileSync(join(dir, r), 'garbage');
    const err = await d.connect(cfg).catch((e) => e);
    expect(err).toMatchObject({ code: 'store/corrupt' });
    expect(String(err.message)).toContain('roots-');
  });

  it('reads any commit by id, and garbage collects what no kept commit reaches', async () => {
    const cfg = fileConfig({ 'flush-threshold': 20 });
    await d.createDatabase(cfg);
    const conn = await d.connect(cfg);
    try {
      await d.transact(conn, PERSON_SCHEMA);
      const early = await d.transact(conn, [{ 'person/name': 'Ada' }]);
      const earlyId = await d.commitId(early['db-after']);
      for (let i = 0; i < 30; i++) await d.transact(conn, [{ 'person/name': `p${i}` }]);
      const old = await d.commitAsDb(conn, earlyId!);
      expect(await names(old)).toEqual(['Ada']);
      await expect(
        d.commitAsDb(conn, '00000000-0000-0000-0000-000000000000'),
      ).rejects.toMatchObject({ code: 'commit/not-found' });
      expect(await names(await d.branchAsDb(conn, ':db'))).toHaveLength(31);
      const blobs = () => readdirSync(join(cfg.store.path, 'blobs')).length;
      const before = blobs();
      // The first collection only marks; with no grace period the next one deletes.
      const marked = await d.gcStorage(conn, undefined, { graceMs: 60_000 });
      expect(marked.removed).toBe(0);
      expect(blobs()).toBe(before);
      const swept = await d.gcStorage(conn, undefined, { graceMs: 0 });
      expect(swept.removed as number).toBeGreaterThan(0);
      expect(blobs()).toBeLessThan(before);
      await d.transact(conn, [{ 'person/name': 'after-gc' }]);
    } finally {
      await d.release(conn, true);
    }
    const again = await d.connect(cfg);
    expect((await names(await d.db(again))).length).toBe(32);
    await d.release(again);
  });
});
