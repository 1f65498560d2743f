/**
 * The file store under injected file system faults (faulty-fs.ts): short writes, a full
 * disk, I/O errors, failing fsyncs, failing cut-offs. An append is whole and durable when
 * it resolves, or it fails and the log is exactly as it was; failed blob writes leave no
 * temporary files; a refresh reads only what was appended since.
 */
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { createFileBackend, fileBackend } from '../../src/storage/file.js';
import { frame, HEAD, SEGMENT_BYTES, TAIL } from '../../src/storage/file-log.js';
import type { Store } from '../../src/storage/store.js';
import { FaultyFs } from './faulty-fs.js';

const root = mkdtempSync(join(tmpdir(), 'dh-file-faults-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const record = (seq: number, size = 40) => bytes(`record ${seq} `.padEnd(size, String(seq % 10)));

async function setup(): Promise<{ fs: FaultyFs; store: Store; path: string; config: any }> {
  const fs = new FaultyFs();
  const path = join(root, `store-${++n}`);
  const config = { backend: 'file', id: `f${n}`, path };
  const store = await createFileBackend(fs.ops).create(config);
  return { fs, store, path, config };
}

const logDir = (path: string, branch = 'db') => join(path, 'log', branch);
const segments = (path: string) =>
  readdirSync(logDir(path))
    .filter((f) => f.endsWith('.seg'))
    .sort();
/** The bytes of every segment of the db log, in order. */
const logBytes = (path: string) =>
  Buffer.concat(segments(path).map((f) => readFileSync(join(logDir(path), f))));

/** What a fresh handle, with no fault, reads of the db log. */
async function freshRead(config: any): Promise<{ last: number | null; all: [number, string][] }> {
  const store = await fileBackend.open(config);
  try {
    return {
      last: (await store.lastRecord('db'))?.seq ?? null,
      all: (await store.readLog('db', 1)).map((r) => [r.seq, text(r.bytes)]),
    };
  } finally {
    await store.close();
  }
}

/** Appends records 1..count in appends of 1–3 records. */
async function fill(store: Store, count: number, size = 40): Promise<void> {
  let seq = 0;
  while (seq < count) {
    const k = Math.min(count - seq, 1 + (seq % 3));
    const recs = Array.from({ length: k }, (_, i) => record(seq + 1 + i, size));
    expect(await store.append('db', seq, recs)).toBe(true);
    seq += k;
  }
}

const frameSize = (recs: readonly Uint8Array[]) =>
  recs.reduce((s, r) => s + HEAD + r.length + TAIL, 0);

describe('file store appends under faults', () => {
  it('writes an append whole through writes that return short counts', async () => {
    const { fs, store, config } = await setup();
    fs.shortWrites = 7;
    await fill(store, 12, 100);
    const seen = await freshRead(config);
    expect(seen.last).toBe(12);
    expect(seen.all.map(([s]) => s)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(seen.all.every(([s, t]) => t === text(record(s, 100)))).toBe(true);
    await store.close();
  });

  it('fails with store/full on a full disk, leaving the log exactly as it was, and appends once there is room', async () => {
    const { fs, store, path, config } = await setup();
    await fill(store, 5);
    const before = logBytes(path);
    const expected = await freshRead(config);
    for (const [space, recs] of [
      [0, [record(6)]],
      [30, [record(6)]],
      // Room for the first record of a group, not for the second.
      [HEAD + 40 + TAIL + 10, [record(6), record(7)]],
    ] as const) {
      fs.space = space;
      const err = await store.append('db', 5, recs).catch((e) => e);
      expect(err).toMatchObject({ code: 'store/full', data: { errno: 'ENOSPC' } });
      expect(err.message).toMatch(/full.*nothing of it was kept/s);
      expect(logBytes(path).equals(before), `space ${space}: the log is as it was`).toBe(true);
      expect(await freshRead(config)).toEqual(expected);
      expect((await store.lastRecord('db'))?.seq).toBe(5);
    }
    fs.heal();
    expect(await store.append('db', 5, [record(6), record(7)])).toBe(true);
    expect(await store.append('db', 7, [record(8)])).toBe(true);
    const after = logBytes(path);
    // Nothing padded, nothing left between: the log is the appends, end to end.
    expect(after.subarray(0, before.length).equals(before)).toBe(true);
    expect(after.length).toBe(
      before.length + frameSize([record(6), record(7)]) + frameSize([record(8)]),
    );
    expect((await freshRead(config)).all.map(([s]) => s)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await store.close();
  });

  it('fails with store/io on an I/O error while writing, the log as it was', async () => {
    const { fs, store, path, config } = await setup();
    await fill(store, 4);
    const before = logBytes(path);
    fs.fail({ op: 'write', code: 'EIO', path: /\.seg$/ });
    await expect(store.append('db', 4, [record(5)])).rejects.toMatchObject({ code: 'store/io' });
    expect(logBytes(path).equals(before)).toBe(true);
    expect(await store.append('db', 4, [record(5)])).toBe(true);
    expect((await freshRead(config)).last).toBe(5);
    await store.close();
  });

  it('cuts an append off again when its fsync fails (store/io), and the next goes where it was', async () => {
    const { fs, store, path, config } = await setup();
    await fill(store, 4);
    const before = logBytes(path);
    fs.fail({ op: 'datasync', code: 'EIO', path: /\.seg$/ });
    await expect(store.append('db', 4, [record(5)])).rejects.toMatchObject({ code: 'store/io' });
    expect(logBytes(path).equals(before)).toBe(true);
    expect((await freshRead(config)).last).toBe(4);
    expect(await store.append('db', 4, [record(5)])).toBe(true);
    expect(logBytes(path).length).toBe(before.length + frameSize([record(5)]));
    await store.close();
  });

  it('says store/commit-unknown when an append was written whole but neither made durable nor cut off', async () => {
    const { fs, store, config } = await setup();
    await fill(store, 4);
    fs.fail({ op: 'datasync', code: 'EIO', path: /\.seg$/ });
    fs.fail({ op: 'truncate', code: 'EIO', path: /\.seg$/ });
    await expect(store.append('db', 4, [record(5)])).rejects.toMatchObject({
      code: 'store/commit-unknown',
    });
    // Here it stands: the log shows it, and the next append goes after it.
    expect((await freshRead(config)).last).toBe(5);
    expect(await store.append('db', 4, [record(5)])).toBe(false);
    expect(await store.append('db', 5, [record(6)])).toBe(true);
    expect((await freshRead(config)).all.map(([s]) => s)).toEqual([1, 2, 3, 4, 5, 6]);
    await store.close();
  });

  it('leaves a part of an append it cannot cut off as a torn one, which readers ignore and the next append cuts off', async () => {
    const { fs, store, path, config } = await setup();
    await fill(store, 4);
    const before = logBytes(path);
    const expected = await freshRead(config);
    fs.space = 20;
    fs.fail({ op: 'truncate', code: 'EIO', path: /\.seg$/ });
    await expect(store.append('db', 4, [record(5), record(6)])).rejects.toMatchObject({
      code: 'store/full',
    });
    expect(logBytes(path).length).toBe(before.length + 20);
    expect(await freshRead(config)).toEqual(expected);
    expect((await store.lastRecord('db'))?.seq).toBe(4);
    fs.heal();
    expect(await store.append('db', 4, [record(5)])).toBe(true);
    expect(logBytes(path).equals(Buffer.concat([before, frame([record(5)], 5)]))).toBe(true);
    await store.close();
  });

  it('cuts off a torn append a crash left, durably, before writing the next one after it', async () => {
    const { store, path, config } = await setup();
    await fill(store, 4);
    await store.close();
    const before = logBytes(path);
    const seg = join(logDir(path), segments(path).at(-1)!);
    appendFileSync(seg, frame([record(5, 500)], 5).subarray(0, 300));
    const again = await fileBackend.open(config);
    expect((await again.lastRecord('db'))?.seq).toBe(4);
    expect(await again.append('db', 4, [record(5)])).toBe(true);
    expect(logBytes(path).equals(Buffer.concat([before, frame([record(5)], 5)]))).toBe(true);
    await again.close();
  });

  it('refuses to append after a damaged record (store/corrupt), writing nothing', async () => {
    const { store, path, config } = await setup();
    await fill(store, 4);
    await store.close();
    const seg = join(logDir(path), segments(path).at(-1)!);
    const bad = frame([record(5)], 5);
    bad[HEAD + 3]! ^= 0x20;
    appendFileSync(seg, bad);
    const before = logBytes(path);
    const again = await fileBackend.open(config);
    const err = await again.append('db', 4, [record(5)]).catch((e) => e);
    expect(err).toMatchObject({
      code: 'store/corrupt',
      data: { segment: seg, offset: before.length - bad.length },
    });
    await expect(again.append('db', 5, [record(6)])).rejects.toMatchObject({
      code: 'store/corrupt',
    });
    expect(logBytes(path).equals(before)).toBe(true);
    await again.close();
  });

  it('starts a new segment durably, and a failed first append leaves it empty and usable', async () => {
    const { fs, store, path, config } = await setup();
    expect(await store.append('db', 0, [new Uint8Array(SEGMENT_BYTES)])).toBe(true);
    // The folder fsync that makes the new segment's name durable fails: nothing kept.
    fs.fail({ op: 'sync', code: 'EIO', path: /log\/db$/ });
    await expect(store.append('db', 1, [record(2)])).rejects.toMatchObject({ code: 'store/io' });
    expect((await freshRead(config)).last).toBe(1);
    fs.space = 10;
    await expect(store.append('db', 1, [record(2)])).rejects.toMatchObject({ code: 'store/full' });
    expect(segments(path).length).toBe(2);
    expect((await freshRead(config)).last).toBe(1);
    fs.heal();
    expect(await store.append('db', 1, [record(2)])).toBe(true);
    expect(await store.append('db', 2, [record(3)])).toBe(true);
    const seen = await freshRead(config);
    expect(seen.all.map(([s]) => s)).toEqual([1, 2, 3]);
    expect(
      readFileSync(join(logDir(path), segments(path)[1]!)).equals(
        Buffer.concat([frame([record(2)], 2), frame([record(3)], 3)]),
      ),
    ).toBe(true);
    await store.close();
  });

  it('fails with store/full when the lock cannot be written, and appends once there is room', async () => {
    const { fs, store, config } = await setup();
    fs.space = 0;
    await expect(store.append('db', 0, [record(1)])).rejects.toMatchObject({ code: 'store/full' });
    fs.heal();
    expect(await store.append('db', 0, [record(1)])).toBe(true);
    expect((await freshRead(config)).last).toBe(1);
    await store.close();
  });
});

describe('file store blobs under faults', () => {
  const tmpFiles = (path: string) =>
    readdirSync(join(path, 'blobs')).filter((f) => f.endsWith('.tmp'));

  it('leaves no temporary file and no half blob when writes fail', async () => {
    const { fs, store, path } = await setup();
    const blobs = Array.from(
      { length: 20 },
      (_, i) => [`b${i}`, new Uint8Array(1000).fill(i)] as const,
    );
    const check = async () => {
      expect(tmpFiles(path)).toEqual([]);
      for (const [k, v] of blobs) {
        const got = await store.get(k);
        if (got !== null) expect(Buffer.from(got).equals(Buffer.from(v)), k).toBe(true);
      }
    };
    fs.space = 5500;
    await expect(store.put(blobs)).rejects.toMatchObject({ code: 'store/full' });
    await check();
    fs.heal();
    fs.fail({ op: 'sync', code: 'EIO', path: /\.tmp$/ });
    await expect(store.put(blobs)).rejects.toMatchObject({ code: 'store/io' });
    await check();
    fs.fail({ op: 'rename', code: 'EIO' });
    await expect(store.put(blobs)).rejects.toMatchObject({ code: 'store/io' });
    await check();
    fs.fail({ op: 'open', code: 'ENOSPC', path: /\.tmp$/ });
    await expect(store.put(blobs)).rejects.toMatchObject({ code: 'store/full' });
    await check();
    await store.put(blobs);
    await check();
    expect((await store.keys()).length).toBe(20);
    await store.close();
  });
});

describe('file store refreshes', () => {
  it('read only what was appended since the last read', async () => {
    const { store: writer, config } = await setup();
    await fill(writer, 200, 1000);
    const fs = new FaultyFs();
    const reader = await createFileBackend(fs.ops).open(config);
    expect((await reader.readLog('db', 1)).length).toBe(200);
    expect(fs.readOf(/\.seg$/)).toBeGreaterThan(200_000);
    for (let seq = 200; seq < 230; seq += 2) {
      expect(await writer.append('db', seq, [record(seq + 1, 1000), record(seq + 2, 1000)])).toBe(
        true,
      );
      fs.bytesRead.clear();
      // As a connection refreshes: the head, then the records after its state.
      const last = (await reader.lastRecord('db'))!;
      expect(last.seq).toBe(seq + 2);
      const recs = await reader.readLog('db', seq + 1, last.seq);
      expect(recs.map((r) => [r.seq, text(r.bytes)])).toEqual([
        [seq + 1, text(record(seq + 1, 1000))],
        [seq + 2, text(record(seq + 2, 1000))],
      ]);
      // The two records, and the trailer before them, read again to see that the file only grew.
      expect(fs.readOf(/\.seg$/), 'bytes read for two new records').toBeLessThanOrEqual(
        2 * 1028 + TAIL,
      );
      fs.bytesRead.clear();
      expect(await reader.lastRecord('db')).toMatchObject({ seq: seq + 2 });
      expect(fs.readOf(/\.seg$/), 'nothing new: nothing read').toBe(0);
    }
    await reader.close();
    await writer.close();
  });

  it('read only the new records after opening from the head, and across a new segment', async () => {
    const { store: writer, config } = await setup();
    await fill(writer, 50, 1000);
    const fs = new FaultyFs();
    const reader = await createFileBackend(fs.ops).open(config);
    expect((await reader.lastRecord('db'))?.seq).toBe(50);
    expect(await writer.append('db', 50, [record(51, 1000)])).toBe(true);
    fs.bytesRead.clear();
    expect((await reader.lastRecord('db'))?.seq).toBe(51);
    expect((await reader.readLog('db', 51, 51)).map((r) => r.seq)).toEqual([51]);
    expect(fs.readOf(/\.seg$/)).toBeLessThanOrEqual(1028 + TAIL);
    // A record that fills the segment, then one in a new segment.
    expect(await writer.append('db', 51, [new Uint8Array(SEGMENT_BYTES)])).toBe(true);
    expect(await writer.append('db', 52, [record(53)])).toBe(true);
    expect((await reader.lastRecord('db'))?.seq).toBe(53);
    expect((await reader.readLog('db', 51, 53)).map((r) => r.seq)).toEqual([51, 52, 53]);
    expect(await writer.append('db', 53, [record(54)])).toBe(true);
    fs.bytesRead.clear();
    expect((await reader.readLog('db', 54)).map((r) => text(r.bytes))).toEqual([text(record(54))]);
    expect(fs.readOf(/\.seg$/)).toBeLessThanOrEqual(100);
    await reader.close();
    await writer.close();
  });

  it("let a writer append after another handle's appends reading only those", async () => {
    const { store: a, config } = await setup();
    const fs = new FaultyFs();
    await fill(a, 100, 1000);
    const b = await createFileBackend(fs.ops).open(config);
    expect(await b.append('db', 100, [record(101)])).toBe(true);
    expect(await a.append('db', 101, [record(102)])).toBe(true);
    fs.bytesRead.clear();
    expect(await b.append('db', 101, [record(102)])).toBe(false);
    expect(await b.append('db', 102, [record(103)])).toBe(true);
    expect(fs.readOf(/\.seg$/)).toBeLessThan(200);
    expect((await freshRead(config)).all.map(([s]) => s).slice(-3)).toEqual([101, 102, 103]);
    await a.close();
    await b.close();
  });
});

describe('a database on a full disk', () => {
  it('fails transactions with store/full, answers reads, and commits again once there is room', async () => {
    const path = join(root, `db-${++n}`);
    const cfg = { store: { backend: ':file', path }, 'flush-threshold': 30 };
    await d.createDatabase(cfg);
    const conn = await d.connect(cfg);
    const fs = new FaultyFs();
    try {
      // This connection's branch writes through the faulty layer.
      const branch = conn.branch as unknown as { store: Store };
      branch.store = await createFileBackend(fs.ops).open({ backend: 'file', id: 'x', path });
      await d.transact(conn, [
        {
          'db/ident': ':k',
          'db/valueType': ':db.type/long',
          'db/cardinality': ':db.cardinality/one',
          'db/unique': ':db.unique/identity',
        },
      ]);
      const acked = new Map<number, number>();
      let k = 0;
      const tx = async () => {
        const n = ++k;
        const report = await d.transact(conn, [{ k: n }]);
        acked.set(n, (report['db-after'] as d.Db).maxTx);
      };
      for (let i = 0; i < 20; i++) await tx();
      for (const space of [0, 100, 2000, 0]) {
        fs.space = space;
        for (let i = 0; i < 15; i++) {
          const err = await tx().catch((e) => e);
          if (err !== undefined) expect(err).toMatchObject({ code: 'store/full' });
        }
        expect(await d.q('[:find (count ?e) . :where [?e :k _]]', await d.db(conn))).toBe(
          acked.size,
        );
      }
      expect(readdirSync(join(path, 'blobs')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      fs.heal();
      for (let i = 0; i < 40; i++) await tx();
      await Promise.all(Array.from({ length: 10 }, tx));
      const txs = [...acked.values()];
      expect(new Set(txs).size, 'no tx id twice').toBe(txs.length);
      const fresh = await d.connect({ store: { backend: ':file', path, id: 'other' } });
      try {
        const rows = (await d.q('[:find ?k ?tx :where [?e :k ?k ?tx]]', await d.db(fresh))) as [
          number,
          number,
        ][];
        expect(new Map(rows)).toEqual(acked);
      } finally {
        await d.release(fresh);
      }
    } finally {
      await d.release(conn);
    }
  });
});

describe('temporary blob files a crash left', () => {
  it('are garbage for the collector once an hour old, and fresh ones are left alone', async () => {
    const path = join(root, `db-${++n}`);
    const cfg = { store: { backend: ':file', path } };
    await d.createDatabase(cfg);
    const conn = await d.connect(cfg);
    try {
      const stale = join(path, 'blobs', 'node-1.4242.abc.tmp');
      const fresh = join(path, 'blobs', 'node-2.4242.def.tmp');
      writeFileSync(stale, 'half a blob');
      writeFileSync(fresh, 'half a blob');
      const hoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
      utimesSync(stale, hoursAgo, hoursAgo);
      await d.gcStorage(conn, null, { graceMs: 0 });
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(fresh)).toBe(true);
    } finally {
      await d.release(conn);
    }
  });
});

describe('readers and the durable mark', () => {
  it('do not see an append before its fsync, nor after its fsync failed and it was cut off', async () => {
    const { fs, store: writer, config } = await setup();
    await fill(writer, 5);
    const reader = await fileBackend.open(config);
    expect((await reader.lastRecord('db'))?.seq).toBe(5);
    // The append is in the file, its fsync not done.
    const held = fs.pause('datasync', /\.seg$/);
    const failing = writer.append('db', 5, [record(6)]).catch((e) => e);
    await held.reached;
    expect(logBytes(config.path).length).toBe(5 * frameSize([record(1)]) + frameSize([record(6)]));
    expect((await reader.lastRecord('db'))?.seq).toBe(5);
    expect((await reader.readLog('db', 1)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    const other = await fileBackend.open(config);
    expect((await other.lastRecord('db'))?.seq).toBe(5);
    expect((await other.readLog('db', 4)).map((r) => r.seq)).toEqual([4, 5]);
    await other.close();
    // The fsync fails: the append is cut off, and no reader ever showed it.
    fs.fail({ op: 'datasync', code: 'EIO', path: /\.seg$/ });
    held.resume();
    expect(await failing).toMatchObject({ code: 'store/io' });
    expect((await reader.lastRecord('db'))?.seq).toBe(5);
    // Another record takes its place; readers see that one.
    expect(await writer.append('db', 5, [bytes('sixth, again')])).toBe(true);
    expect(text((await reader.lastRecord('db'))!.bytes)).toBe('sixth, again');
    expect((await reader.readLog('db', 5)).map((r) => text(r.bytes))).toEqual([
      text(record(5)),
      'sixth, again',
    ]);
    await reader.close();
    await writer.close();
  });

  it('see an append once its fsync is done, and one a writer left without marking it', async () => {
    const { fs, store: writer, config } = await setup();
    await fill(writer, 3);
    const reader = await fileBackend.open(config);
    expect((await reader.lastRecord('db'))?.seq).toBe(3);
    const held = fs.pause('datasync', /\.seg$/);
    const appending = writer.append('db', 3, [record(4)]);
    await held.reached;
    expect((await reader.lastRecord('db'))?.seq).toBe(3);
    held.resume();
    expect(await appending).toBe(true);
    expect((await reader.lastRecord('db'))?.seq).toBe(4);
    await writer.close();
    // A writer that died between its write and its mark (no lock left): the append stands.
    const seg = join(logDir(config.path), segments(config.path)[0]!);
    appendFileSync(seg, frame([record(5), record(6)], 5));
    expect((await reader.lastRecord('db'))?.seq).toBe(6);
    const fresh = await freshRead(config);
    expect(fresh.last).toBe(6);
    expect(fresh.all.map(([s]) => s)).toEqual([1, 2, 3, 4, 5, 6]);
    // The next writer appends after it and marks it all.
    const next = await fileBackend.open(config);
    expect(await next.append('db', 6, [record(7)])).toBe(true);
    await next.close();
    expect((await freshRead(config)).last).toBe(7);
    await reader.close();
  });

  it('read a log without a mark (written before marks) as before', async () => {
    const { store: writer, config } = await setup();
    await fill(writer, 4);
    await writer.close();
    rmSync(join(logDir(config.path), 'synced'));
    expect(await freshRead(config)).toMatchObject({ last: 4 });
    const next = await fileBackend.open(config);
    expect(await next.append('db', 4, [record(5)])).toBe(true);
    await next.close();
    expect(existsSync(join(logDir(config.path), 'synced'))).toBe(true);
    expect((await freshRead(config)).all.map(([s]) => s)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("a reader's tail of the log", () => {
  it('notices a segment cut back and written anew, or replaced, instead of trusting what it read', async () => {
    const { store: writer, config } = await setup();
    await fill(writer, 10);
    await writer.close();
    const reader = await fileBackend.open(config);
    expect((await reader.readLog('db', 1)).length).toBe(10);
    expect(text((await reader.lastRecord('db'))!.bytes)).toBe(text(record(10)));
    const seg = join(logDir(config.path), segments(config.path)[0]!);
    // Another history, of records as long, written over the same file (same inode).
    const other = (s: number) => bytes(`other ${s} `.padEnd(40, 'o'));
    const history = (count: number) =>
      Buffer.concat(Array.from({ length: count }, (_, i) => frame([other(i + 1)], i + 1)));
    writeFileSync(seg, history(12));
    expect(text((await reader.lastRecord('db'))!.bytes)).toBe(text(other(12)));
    expect((await reader.readLog('db', 9, 12)).map((r) => text(r.bytes))).toEqual(
      [9, 10, 11, 12].map((s) => text(other(s))),
    );
    // As long as before: found by its mtime and trailer.
    writeFileSync(
      seg,
      Buffer.concat(Array.from({ length: 12 }, (_, i) => frame([record(i + 1)], i + 1))),
    );
    const later = new Date(Date.now() + 5000);
    utimesSync(seg, later, later);
    expect(text((await reader.lastRecord('db'))!.bytes)).toBe(text(record(12)));
    await reader.close();
  });
});
