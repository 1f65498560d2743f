/**
 * Damage in closed stores is detected, never papered over: a byte flipped in any log
 * record or blob, on every backend whose bytes a test can reach (file, SQLite,
 * PostgreSQL, S3), is `store/corrupt` when it is read; only a torn append at the end of a
 * file store segment (an append cut short) is dropped.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeCommit } from '../../src/connection/records.js';
import * as d from '../../src/index.js';
import { fileBackend } from '../../src/storage/file.js';
import { frame, HEAD, TAIL } from '../../src/storage/file-log.js';
import { postgresBackend } from '../../src/storage/postgres.js';
import { s3Backend } from '../../src/storage/s3.js';
import { sqliteBackend } from '../../src/storage/sqlite.js';
import type { Backend, Store, StoreOptions } from '../../src/storage/store.js';
import { startS3Server } from './s3-server.js';
import { PG, pgAvailable } from './servers.js';

const root = mkdtempSync(join(tmpdir(), 'dh-damage-'));
const s3 = await startS3Server();
const withPg = await pgAvailable();
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await s3.close();
});
let n = 0;

const bytes = (s: string) => new TextEncoder().encode(s);

/** A seeded generator, so that a failing position can be found again. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A copy of `buf` with one bit of byte `at` flipped. */
function flipped(buf: Uint8Array, at: number): Buffer {
  const out = Buffer.from(buf);
  out[at]! ^= 1 << (at % 8);
  return out;
}

// ---- the file store's log segments, byte by byte ----

describe('damage in a file store log', () => {
  const config = (): StoreOptions => ({
    backend: 'file',
    id: `s${++n}`,
    path: join(root, `log-${n}`),
  });
  const segmentOf = (c: StoreOptions) => {
    const dir = join(c.path as string, 'log', 'db');
    return join(dir, readdirSync(dir).find((f) => f.endsWith('.seg'))!);
  };

  /** A closed store whose log holds 16 records in appends of 1–3, of varied sizes. */
  async function fixture(): Promise<{
    c: StoreOptions;
    records: { start: number; len: number }[];
  }> {
    const c = config();
    const store = await fileBackend.create(c);
    const random = rng(42);
    let seq = 0;
    while (seq < 16) {
      const k = Math.min(16 - seq, 1 + Math.floor(random() * 3));
      const recs = Array.from({ length: k }, (_, i) =>
        bytes(`r${seq + i + 1} `.padEnd(8 + Math.floor(random() * 200), 'x')),
      );
      expect(await store.append('db', seq, recs)).toBe(true);
      seq += k;
    }
    await store.close();
    const buf = readFileSync(segmentOf(c));
    const records: { start: number; len: number }[] = [];
    for (let at = 0; at < buf.length; ) {
      const len = HEAD + buf.readUInt32BE(at + 12) + TAIL;
      records.push({ start: at, len });
      at += len;
    }
    expect(records.length).toBe(16);
    return { c, records };
  }

  async function readAll(c: StoreOptions) {
    const store = await fileBackend.open(c);
    try {
      const all = await store.readLog('db', 1).catch((e) => e);
      const last = await store.lastRecord('db').catch((e) => e);
      return { all, last };
    } finally {
      await store.close();
    }
  }

  it('reports a flipped bit in any header, trailer or payload as store/corrupt at its record', async () => {
    const { c, records } = await fixture();
    const seg = segmentOf(c);
    const good = readFileSync(seg);
    const intact = await readAll(c);
    expect(intact.all.length).toBe(16);
    let checked = 0;
    for (const { start, len } of records) {
      const payload = len - HEAD - TAIL;
      const positions = [
        ...Array.from({ length: HEAD }, (_, i) => start + i),
        start + HEAD,
        start + HEAD + Math.floor(payload / 2),
        start + HEAD + payload - 1,
        ...Array.from({ length: TAIL }, (_, i) => start + len - TAIL + i),
      ];
      for (const at of positions) {
        writeFileSync(seg, flipped(good, at));
        const { all, last } = await readAll(c);
        const where = `bit flipped at byte ${at} (record at ${start})`;
        expect(all, where).toMatchObject({
          code: 'store/corrupt',
          data: { segment: seg, offset: start },
        });
        expect(all.message, where).toContain(`byte ${start} of ${seg}`);
        // The head is the true one, or damage is reported: never an older record.
        if (!(last instanceof Error)) expect(last, where).toEqual(intact.last);
        else expect(last, where).toMatchObject({ code: 'store/corrupt' });
        checked++;
      }
    }
    writeFileSync(seg, good);
    expect((await readAll(c)).all.length).toBe(16);
    expect(checked).toBe(16 * (HEAD + TAIL + 3));
  });

  it('drops a torn append at the end, however short it was cut, and nothing else', async () => {
    const { c } = await fixture();
    const seg = segmentOf(c);
    const good = readFileSync(seg);
    const intact = await readAll(c);
    const append = frame([bytes('seventeen'), bytes('eighteen, the last of its append')], 17);
    for (let cut = 1; cut < append.length; cut++) {
      writeFileSync(seg, Buffer.concat([good, append.subarray(0, cut)]));
      const seen = await readAll(c);
      expect(seen, `an append cut after ${cut} of ${append.length} bytes`).toEqual(intact);
    }
    // Whole, it is there.
    writeFileSync(seg, Buffer.concat([good, append]));
    expect((await readAll(c)).all.length).toBe(18);
  });
});

// ---- databases on every backend: blobs and log records ----

interface Setup {
  readonly name: string;
  readonly enabled: boolean;
  /** A database config and the store options of the same store. */
  make(): { cfg: Record<string, unknown>; options: StoreOptions; backend: Backend };
  /** Flips a bit of a log record's stored bytes, or of a blob's; returns the undo. */
  flipRecord(options: StoreOptions, seq: number, at: number): Promise<() => Promise<void>>;
  flipBlob(options: StoreOptions, key: string, at: number): Promise<() => Promise<void>>;
  /** The size of a log record's bytes. */
  recordSize(options: StoreOptions, seq: number): Promise<number>;
  /** Bytes of the backend's own framing before a record (negative offsets) to flip too. */
  readonly framing?: readonly number[];
}

const s3Client = new S3Client({
  region: 'us-east-1',
  endpoint: s3.endpoint,
  forcePathStyle: true,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

async function s3Get(key: string): Promise<Buffer> {
  const out = await s3Client.send(new GetObjectCommand({ Bucket: 'datahike-test', Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

async function s3Flip(key: string, at: number): Promise<() => Promise<void>> {
  const good = await s3Get(key);
  const put = (body: Buffer) =>
    s3Client.send(new PutObjectCommand({ Bucket: 'datahike-test', Key: key, Body: body }));
  await put(flipped(good, at));
  return async () => {
    await put(good);
  };
}

const seqName = (seq: number) => String(seq).padStart(12, '0');

/** A SQLite or PostgreSQL row flipped and put back. */
async function rowFlip(
  read: () => Promise<Buffer>,
  write: (b: Buffer) => Promise<void>,
  at: number,
): Promise<() => Promise<void>> {
  const good = await read();
  await write(flipped(good, at));
  return () => write(good);
}

function sqlite(file: string) {
  return async <T>(fn: (db: Database.Database) => T): Promise<T> => {
    const db = new Database(file);
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
}

async function pgQuery<T extends pg.QueryResultRow>(text: string, values: unknown[]) {
  const client = new pg.Client({ ...PG, database: PG.dbname });
  await client.connect();
  try {
    return await client.query<T>(text, values);
  } finally {
    await client.end();
  }
}

const SETUPS: Setup[] = [
  {
    name: 'file',
    enabled: true,
    make() {
      const path = join(root, `db-${++n}`);
      return {
        cfg: { store: { backend: ':file', path } },
        options: { backend: 'file', id: `db-${n}`, path },
        backend: fileBackend,
      };
    },
    async flipRecord(o, seq, at) {
      // The record's bytes: found in the segment as the store frames them.
      const dir = join(o.path as string, 'log', 'db');
      const seg = join(dir, readdirSync(dir).find((f) => f.endsWith('.seg'))!);
      const good = readFileSync(seg);
      let pos = 0;
      for (let s = 1; s < seq; s++) pos += HEAD + good.readUInt32BE(pos + 12) + TAIL;
      writeFileSync(seg, flipped(good, pos + HEAD + at));
      return async () => writeFileSync(seg, good);
    },
    async flipBlob(o, key, at) {
      const file = join(o.path as string, 'blobs', key);
      const good = readFileSync(file);
      writeFileSync(file, flipped(good, at));
      return async () => writeFileSync(file, good);
    },
    async recordSize(o, seq) {
      const store = await fileBackend.open(o);
      try {
        return (await store.readLog('db', seq, seq))[0]!.bytes.length;
      } finally {
        await store.close();
      }
    },
  },
  {
    name: 'sqlite',
    enabled: true,
    make() {
      const path = join(root, `db-${++n}.sqlite`);
      return {
        cfg: { store: { backend: ':sqlite', path } },
        options: { backend: 'sqlite', id: `db-${n}`, path },
        backend: sqliteBackend,
      };
    },
    flipRecord(o, seq, at) {
      const run = sqlite(o.path as string);
      return rowFlip(
        () =>
          run(
            (db) =>
              db
                .prepare("SELECT val FROM log WHERE branch = 'db' AND seq = ?")
                .pluck()
                .get(seq) as Buffer,
          ),
        (b) =>
          run(
            (db) =>
              void db.prepare("UPDATE log SET val = ? WHERE branch = 'db' AND seq = ?").run(b, seq),
          ),
        at,
      );
    },
    flipBlob(o, key, at) {
      const run = sqlite(o.path as string);
      return rowFlip(
        () =>
          run((db) => db.prepare('SELECT val FROM blobs WHERE key = ?').pluck().get(key) as Buffer),
        (b) => run((db) => void db.prepare('UPDATE blobs SET val = ? WHERE key = ?').run(b, key)),
        at,
      );
    },
    async recordSize(o, seq) {
      return sqlite(o.path as string)(
        (db) =>
          (
            db
              .prepare("SELECT val FROM log WHERE branch = 'db' AND seq = ?")
              .pluck()
              .get(seq) as Buffer
          ).length,
      );
    },
  },
  {
    name: 'postgresql',
    enabled: withPg,
    make() {
      const table = `dh_damage_${process.pid}_${++n}`;
      return {
        cfg: { store: { backend: ':pg', ...PG, table } },
        options: { backend: 'postgresql', id: table, ...PG, table },
        backend: postgresBackend,
      };
    },
    flipRecord(o, seq, at) {
      const log = `"${o.table}_log"`;
      return rowFlip(
        async () =>
          (
            await pgQuery<{ val: Buffer }>(
              `SELECT val FROM ${log} WHERE branch = 'db' AND seq = $1`,
              [seq],
            )
          ).rows[0]!.val,
        async (b) => {
          await pgQuery(`UPDATE ${log} SET val = $1 WHERE branch = 'db' AND seq = $2`, [b, seq]);
        },
        at,
      );
    },
    flipBlob(o, key, at) {
      const blobs = `"${o.table}"`;
      return rowFlip(
        async () =>
          (await pgQuery<{ val: Buffer }>(`SELECT val FROM ${blobs} WHERE key = $1`, [key]))
            .rows[0]!.val,
        async (b) => {
          await pgQuery(`UPDATE ${blobs} SET val = $1 WHERE key = $2`, [b, key]);
        },
        at,
      );
    },
    async recordSize(o, seq) {
      return (
        await pgQuery<{ val: Buffer }>(
          `SELECT val FROM "${o.table}_log" WHERE branch = 'db' AND seq = $1`,
          [seq],
        )
      ).rows[0]!.val.length;
    },
  },
  {
    name: 's3',
    enabled: true,
    // The object's magic and record count, and the record's length.
    framing: [-12, -9, -5, -1],
    make() {
      const id = `damage-${++n}`;
      const store = {
        bucket: 'datahike-test',
        endpoint: s3.endpoint,
        'access-key': 'test',
        secret: 'test',
      };
      return {
        cfg: { store: { backend: ':s3', id, ...store } },
        options: { backend: 's3', id, ...store },
        backend: s3Backend,
      };
    },
    // One object per append: the record's bytes sit after the object's header (magic and
    // count) and the length of each record before it.
    async flipRecord(o, seq, at) {
      const key = `${o.id}/log/db/${seqName(seq)}`;
      return s3Flip(key, 8 + 4 + at);
    },
    flipBlob(o, key, at) {
      return s3Flip(`${o.id}/blobs/${key}`, at);
    },
    async recordSize(o, seq) {
      return (await s3Get(`${o.id}/log/db/${seqName(seq)}`)).length - 12;
    },
  },
];

/** Reads a database whole: its indices, current and history, and every log record. */
async function readEverything(setup: ReturnType<Setup['make']>): Promise<void> {
  const conn = await d.connect(setup.cfg);
  try {
    const db = await d.db(conn);
    const history = await d.history(db);
    for (const index of [':eavt', ':aevt', ':avet'] as const) {
      await d.datoms(db, index);
      await d.datoms(history, index);
    }
  } finally {
    await d.release(conn);
  }
  const store: Store = await setup.backend.open(setup.options);
  try {
    for (const r of await store.readLog('db', 1)) decodeCommit(r, 'db');
  } finally {
    await store.close();
  }
}

/** Reading everything fails with store/corrupt while a flip is in place. */
async function corruptWhile(
  s: ReturnType<Setup['make']>,
  flip: Promise<() => Promise<void>>,
  what: string,
): Promise<void> {
  const undo = await flip;
  try {
    await expect(readEverything(s), what).rejects.toMatchObject({ code: 'store/corrupt' });
  } finally {
    await undo();
  }
}

const SCHEMA = [
  {
    'db/ident': ':name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/identity',
  },
  { 'db/ident': ':n', 'db/valueType': ':db.type/long', 'db/cardinality': ':db.cardinality/one' },
];

describe.each(SETUPS)('damage in a closed $name store', (setup) => {
  it.runIf(setup.enabled)(
    'reports a flipped bit in a log record or an index node as store/corrupt',
    async () => {
      const s = setup.make();
      // One append per transaction (awaited one by one): seq k+1 holds the k-th commit.
      await d.createDatabase({ ...s.cfg, 'flush-threshold': 1_000_000 });
      const conn = await d.connect({ ...s.cfg, 'flush-threshold': 1_000_000 });
      await d.transact(conn, SCHEMA);
      for (let i = 0; i < 8; i++)
        await d.transact(
          conn,
          Array.from({ length: 20 }, (_, j) => ({ name: `p${i}-${j}`, n: i * 20 + j })),
        );
      // Closing the writer flushes the indices and appends a checkpoint naming them.
      await d.release(conn);
      await readEverything(s);
      const store = await s.backend.open(s.options);
      const blobKeys = (await store.keys()).sort();
      const records = (await store.readLog('db', 1)).length;
      await store.close();
      expect(records).toBe(11);
      expect(blobKeys.length).toBeGreaterThan(3);
      const random = rng(7);
      const pick = (size: number) => [
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8 + Math.floor(random() * (size - 8)),
        size - 1,
      ];
      for (const seq of [1, 6, 11]) {
        const size = await setup.recordSize(s.options, seq);
        for (const at of [...(setup.framing ?? []), ...pick(size)]) {
          await corruptWhile(s, setup.flipRecord(s.options, seq, at), `record ${seq}, byte ${at}`);
        }
      }
      for (const key of [
        blobKeys[0]!,
        blobKeys[Math.floor(blobKeys.length / 2)]!,
        blobKeys.at(-1)!,
      ]) {
        const reader = await s.backend.open(s.options);
        const size = (await reader.get(key))!.length;
        await reader.close();
        for (const at of pick(size)) {
          await corruptWhile(s, setup.flipBlob(s.options, key, at), `blob ${key}, byte ${at}`);
        }
      }
      await readEverything(s);
      await d.deleteDatabase(s.cfg);
    },
    120_000,
  );
});

describe('damage under SQLite', () => {
  it('reports a flipped bit in a record inside the file, and a damaged page, as store/corrupt', async () => {
    const s = SETUPS[1]!.make();
    await d.createDatabase(s.cfg);
    const conn = await d.connect(s.cfg);
    await d.transact(conn, SCHEMA);
    await d.transact(conn, [{ name: 'x'.repeat(300), n: 1 }]);
    await d.release(conn);
    const file = s.options.path as string;
    const val = await sqlite(file)(
      (db) =>
        db.prepare("SELECT val FROM log WHERE branch = 'db' AND seq = 3").pluck().get() as Buffer,
    );
    const good = readFileSync(file);
    const at = good.indexOf(val);
    expect(at).toBeGreaterThan(0);
    // SQLite keeps no checksum of its pages: the record's own catches the flip.
    writeFileSync(file, flipped(good, at + Math.floor(val.length / 2)));
    await expect(readEverything(s)).rejects.toMatchObject({ code: 'store/corrupt' });
    // A b-tree page whose type byte is damaged: SQLite's own check.
    const pageSize = good.readUInt16BE(16);
    const damaged = Buffer.from(good);
    for (let p = 1; p * pageSize < good.length; p++) damaged[p * pageSize] = 0x77;
    writeFileSync(file, damaged);
    await expect(readEverything(s)).rejects.toMatchObject({ code: 'store/corrupt' });
    writeFileSync(file, good);
    await readEverything(s);
  });
});
