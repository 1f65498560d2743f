/**
 * The file backend: a store is a folder.
 *
 * - `STORE` marks the folder as a store.
 * - `blobs/<key>`: one file per blob, written as a temporary file, fsync'd, renamed into
 *   place, and the folder fsync'd, so a blob is either whole or absent.
 * - `log/<branch>/<first seq>.seg`: the branch log in segments of a few megabytes. An
 *   append is one write of all its records and one fdatasync: ~0.15 ms on this machine,
 *   against ~1 ms for an atomic file write, which is what makes small commits cheap.
 *
 * A record on disk is `header (magic, flags, seq, length) · payload · trailer (length,
 * CRC-32, magic)`. The CRC covers header and payload. The last record of an append carries
 * the flag END; readers take records only up to the last END, so an append torn by a
 * crash is invisible as a whole, and the next append writes over it. The trailer lets a
 * reader find the head by reading backwards from the end of the last segment.
 *
 * Appends from several handles or processes are serialised by a lock file holding the
 * owner's pid, created whole (hard-linked into place, so it fails when the lock exists);
 * a lock whose owner has died is taken over.
 */

import {
  constants,
  type Dirent,
  type FSWatcher,
  promises as fs,
  watch as watchFolder,
} from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { DatahikeError } from '../values/index.js';
import type { Backend, LogRecord, Store, StoreOptions } from './store.js';

const SEGMENT_BYTES = 4 * 1024 * 1024;
const HEAD = 16;
const TAIL = 12;
const MAGIC = 0x44484c52; // 'DHLR'
const END = 1;
const LOCK_WAIT_MS = 10_000;
/**
 * Blobs `put` writes at once. Node's file I/O runs on a pool of 4 threads, so more buys
 * little; and a flush of thousands of nodes started all at once queued every log append
 * behind its fsyncs (commits fell from ~16,000 to ~2,900 a second during flushes). `put`
 * also pauses between blobs while an append of this handle is under way.
 */
const PUT_CONCURRENCY = 4;

function storeError(code: string, message: string, path: string, cause?: unknown): DatahikeError {
  const why = cause instanceof Error ? ` (${cause.message})` : '';
  return new DatahikeError(code, `${message}${why}`, { backend: ':file', path });
}

/** Blob keys and branch names as file names: anything but letters, digits, `-_.` escaped. */
function fileName(key: string): string {
  return key.replace(
    /[^A-Za-z0-9_.-]/g,
    (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

function keyOf(name: string): string {
  return decodeURIComponent(name);
}

async function fsyncDir(path: string): Promise<void> {
  const h = await fs.open(path, constants.O_RDONLY);
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

interface Scanned {
  records: LogRecord[];
  /** The byte offset just past the last complete append. */
  end: number;
}

/** The complete appends of a segment (records up to the last END flag). */
function scanSegment(buf: Buffer): Scanned {
  const records: LogRecord[] = [];
  let pending: LogRecord[] = [];
  let at = 0;
  let end = 0;
  while (at + HEAD + TAIL <= buf.length) {
    if (buf.readUInt32BE(at) !== MAGIC) break;
    const flags = buf.readUInt32BE(at + 4);
    const seq = buf.readUInt32BE(at + 8);
    const len = buf.readUInt32BE(at + 12);
    const stop = at + HEAD + len + TAIL;
    if (stop > buf.length) break;
    const crc = buf.readUInt32BE(at + HEAD + len + 4);
    if (
      buf.readUInt32BE(at + HEAD + len) !== len ||
      crc32(buf.subarray(at, at + HEAD + len)) !== crc
    )
      break;
    pending.push({ seq, bytes: buf.subarray(at + HEAD, at + HEAD + len) });
    at = stop;
    if (flags & END) {
      for (const r of pending) records.push(r);
      pending = [];
      end = at;
    }
  }
  return { records, end };
}

/**
 * Whether the records before offset `at` that belong to the same append as the record
 * `seq` starting there are whole, back to the last record of the previous append (or the
 * start of the segment). Under a power loss the pages of an append reach the disk in any
 * order, so the last record of a group commit can be whole while one before it is not;
 * the scan stops at the torn one, and the whole append is not committed.
 */
async function wholeBefore(h: FileHandle, at: number, seq: number): Promise<boolean> {
  const head = Buffer.alloc(HEAD);
  const tail = Buffer.alloc(TAIL);
  for (; at > 0; seq--) {
    if (at < HEAD + TAIL) return false;
    await h.read(tail, 0, TAIL, at - TAIL);
    if (tail.readUInt32BE(8) !== MAGIC) return false;
    const len = tail.readUInt32BE(0);
    const start = at - TAIL - len - HEAD;
    if (start < 0) return false;
    await h.read(head, 0, HEAD, start);
    if (
      head.readUInt32BE(0) !== MAGIC ||
      head.readUInt32BE(8) !== seq - 1 ||
      head.readUInt32BE(12) !== len
    )
      return false;
    // The previous append: made durable before this one was written.
    if (head.readUInt32BE(4) & END) return true;
    const rec = Buffer.alloc(HEAD + len + TAIL);
    await h.read(rec, 0, rec.length, start);
    if (crc32(rec.subarray(0, HEAD + len)) !== tail.readUInt32BE(4)) return false;
    at = start;
  }
  return true;
}

/**
 * The last record of a segment read from its end (a few small reads), when the file ends
 * with a complete append; null when it does not (empty, or torn), and the caller scans.
 */
async function lastBySeekingBack(path: string): Promise<LogRecord | null> {
  let h: FileHandle;
  try {
    h = await fs.open(path, 'r');
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  try {
    const size = (await h.stat()).size;
    if (size < HEAD + TAIL) return null;
    const tail = Buffer.alloc(TAIL);
    await h.read(tail, 0, TAIL, size - TAIL);
    if (tail.readUInt32BE(8) !== MAGIC) return null;
    const len = tail.readUInt32BE(0);
    const start = size - TAIL - len - HEAD;
    if (start < 0) return null;
    const buf = Buffer.alloc(HEAD + len + TAIL);
    await h.read(buf, 0, buf.length, start);
    const { records, end } = scanSegment(buf);
    if (end !== buf.length || records.length !== 1) return null;
    return (await wholeBefore(h, start, records[0]!.seq)) ? records[0]! : null;
  } finally {
    await h.close();
  }
}

function frame(records: readonly Uint8Array[], firstSeq: number): Buffer {
  const size = records.reduce((n, r) => n + HEAD + r.length + TAIL, 0);
  const out = Buffer.alloc(size);
  let at = 0;
  records.forEach((r, i) => {
    out.writeUInt32BE(MAGIC, at);
    out.writeUInt32BE(i === records.length - 1 ? END : 0, at + 4);
    out.writeUInt32BE(firstSeq + i, at + 8);
    out.writeUInt32BE(r.length, at + 12);
    out.set(r, at + HEAD);
    out.writeUInt32BE(r.length, at + HEAD + r.length);
    out.writeUInt32BE(crc32(out.subarray(at, at + HEAD + r.length)), at + HEAD + r.length + 4);
    out.writeUInt32BE(MAGIC, at + HEAD + r.length + 8);
    at += HEAD + r.length + TAIL;
  });
  return out;
}

class FileStore implements Store {
  readonly label: string;
  private readonly blobDir: string;
  private readonly logDir: string;
  private closed = false;
  private readonly watchers = new Set<FSWatcher>();
  /** Where this handle's last append ended. */
  private tail: { branch: string; first: number; end: number; seq: number } | null = null;
  /** Branch log folders known to exist. */
  private readonly branchDirs = new Set<string>();
  /** Appends under way, and what wakes the blob writers `put` paused for them. */
  private appending = 0;
  private appendsDone: () => void = () => undefined;
  private noAppends: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {
    this.label = `file store ${path}`;
    this.blobDir = join(path, 'blobs');
    this.logDir = join(path, 'log');
  }

  private check(): void {
    if (this.closed)
      throw new DatahikeError('store/closed', `The ${this.label} has been closed.`, {
        path: this.path,
      });
  }

  private fail(err: unknown, what: string): never {
    if (err instanceof DatahikeError) throw err;
    throw storeError('store/unavailable', `Cannot ${what} in ${this.label}`, this.path, err);
  }

  async get(key: string): Promise<Uint8Array | null> {
    this.check();
    try {
      return await fs.readFile(join(this.blobDir, fileName(key)));
    } catch (err) {
      if (isNotFound(err)) return null;
      return this.fail(err, `read blob ${key}`);
    }
  }

  getMany(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    return Promise.all(keys.map((k) => this.get(k)));
  }

  async put(entries: readonly (readonly [string, Uint8Array])[]): Promise<void> {
    this.check();
    if (entries.length === 0) return;
    try {
      let next = 0;
      const writer = async () => {
        while (next < entries.length) {
          // Log appends go first: a commit waits on them, a flush runs in the background.
          while (this.appending > 0) await this.noAppends;
          if (next >= entries.length) break;
          const [key, bytes] = entries[next++]!;
          const target = join(this.blobDir, fileName(key));
          const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
          const h = await fs.open(tmp, 'w');
          try {
            await h.writeFile(bytes);
            await h.sync();
          } finally {
            await h.close();
          }
          await fs.rename(tmp, target);
        }
      };
      await Promise.all(Array.from({ length: Math.min(PUT_CONCURRENCY, entries.length) }, writer));
      await fsyncDir(this.blobDir);
    } catch (err) {
      this.fail(err, 'write blobs');
    }
  }

  async has(key: string): Promise<boolean> {
    this.check();
    try {
      await fs.access(join(this.blobDir, fileName(key)));
      return true;
    } catch {
      return false;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    this.check();
    await Promise.all(
      keys.map((k) =>
        fs
          .rm(join(this.blobDir, fileName(k)), { force: true })
          .catch((e) => this.fail(e, 'delete')),
      ),
    );
  }

  async keys(): Promise<string[]> {
    this.check();
    const names = await fs.readdir(this.blobDir);
    return names.filter((n) => !n.endsWith('.tmp')).map(keyOf);
  }

  // ---- logs ----

  private branchDir(branch: string): string {
    return join(this.logDir, fileName(branch));
  }

  /** Segment first-seqs of a branch, ascending. */
  private async segments(branch: string): Promise<number[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.branchDir(branch));
    } catch (err) {
      if (isNotFound(err)) return [];
      return this.fail(err, `list the ${branch} log`);
    }
    return names
      .filter((n) => n.endsWith('.seg'))
      .map((n) => Number(n.slice(0, -4)))
      .sort((a, b) => a - b);
  }

  private segmentPath(branch: string, first: number): string {
    return join(this.branchDir(branch), `${String(first).padStart(12, '0')}.seg`);
  }

  private async readSegment(branch: string, first: number): Promise<Scanned> {
    try {
      return scanSegment(await fs.readFile(this.segmentPath(branch, first)));
    } catch (err) {
      if (isNotFound(err)) return { records: [], end: 0 };
      return this.fail(err, `read the ${branch} log`);
    }
  }

  /**
   * Where the last complete append of a segment ends, and its last seq: from what this
   * handle last wrote when the file still ends there (the usual case for the writer),
   * else by scanning the segment.
   */
  private async tailOf(branch: string, first: number): Promise<{ end: number; seq: number }> {
    const t = this.tail;
    const path = this.segmentPath(branch, first);
    if (t !== null && t.branch === branch && t.first === first) {
      const size = (await fs.stat(path)).size;
      if (size === t.end) return t;
    }
    const { records, end } = await this.readSegment(branch, first);
    return { end, seq: records[records.length - 1]?.seq ?? first - 1 };
  }

  async lastRecord(branch: string): Promise<LogRecord | null> {
    this.check();
    const segs = await this.segments(branch);
    for (let i = segs.length - 1; i >= 0; i--) {
      const path = this.segmentPath(branch, segs[i]!);
      const quick = await lastBySeekingBack(path);
      if (quick !== null) return quick;
      const { records } = await this.readSegment(branch, segs[i]!);
      if (records.length > 0) return records[records.length - 1]!;
    }
    return null;
  }

  async readLog(branch: string, from: number, to = Number.POSITIVE_INFINITY): Promise<LogRecord[]> {
    this.check();
    const segs = await this.segments(branch);
    const out: LogRecord[] = [];
    for (let i = 0; i < segs.length; i++) {
      const next = segs[i + 1];
      if (next !== undefined && next <= from) continue;
      if (segs[i]! > to) break;
      for (const r of (await this.readSegment(branch, segs[i]!)).records)
        if (r.seq >= from && r.seq <= to) out.push(r);
    }
    return out;
  }

  async append(branch: string, afterSeq: number, records: readonly Uint8Array[]): Promise<boolean> {
    this.check();
    if (records.length === 0) return true;
    const dir = this.branchDir(branch);
    if (this.appending++ === 0)
      this.noAppends = new Promise((resolve) => {
        this.appendsDone = resolve;
      });
    try {
      const release = await this.lockBranch(dir);
      try {
        return await this.appendLocked(branch, dir, afterSeq, records);
      } finally {
        await release();
      }
    } catch (err) {
      return this.fail(err, `append to the ${branch} log`);
    } finally {
      if (--this.appending === 0) this.appendsDone();
    }
  }

  /** Takes the append lock of a branch, creating its folder the first time. */
  private async lockBranch(dir: string): Promise<() => Promise<void>> {
    const path = join(dir, 'append.lock');
    if (this.branchDirs.has(dir)) {
      try {
        return await lock(path, this.label);
      } catch (err) {
        // The folder went away (the store was destroyed): as the first time.
        if (!isNotFound(err)) throw err;
        this.branchDirs.delete(dir);
      }
    }
    await fs.mkdir(dir, { recursive: true });
    this.branchDirs.add(dir);
    return lock(path, this.label);
  }

  private async appendLocked(
    branch: string,
    dir: string,
    afterSeq: number,
    records: readonly Uint8Array[],
  ): Promise<boolean> {
    let first: number | undefined;
    let last = 0;
    let offset = 0;
    // When this handle made the last append, and its segment still ends where that append
    // ended, the log ends there: every append to a segment makes it longer (a torn one
    // too, and it is only ever cut back to the end of a complete append), and a newer
    // segment is started only once a segment holds SEGMENT_BYTES. No need to list the
    // segments or cut off a torn append then.
    let exact = false;
    const t = this.tail;
    if (t !== null && t.branch === branch && t.end < SEGMENT_BYTES) {
      const size = await fs.stat(this.segmentPath(branch, t.first)).then(
        (st) => st.size,
        (err) => {
          if (isNotFound(err)) return -1;
          throw err;
        },
      );
      if (size === t.end) {
        first = t.first;
        last = t.seq;
        offset = t.end;
        exact = true;
      }
    }
    if (!exact) {
      const segs = await this.segments(branch);
      first = segs[segs.length - 1];
      if (first !== undefined) {
        const end = await this.tailOf(branch, first);
        last = end.seq;
        offset = end.end;
      }
    }
    if (last !== afterSeq) return false;
    let fresh = false;
    if (first === undefined || offset >= SEGMENT_BYTES) {
      first = afterSeq + 1;
      offset = 0;
      fresh = true;
      exact = false;
    }
    const path = this.segmentPath(branch, first);
    const buf = frame(records, afterSeq + 1);
    const h = await fs.open(path, fresh ? 'w' : 'r+');
    try {
      // Writing at the end of the last complete append covers a torn one.
      await h.write(buf, 0, buf.length, offset);
      if (!exact) await h.truncate(offset + buf.length);
      await h.datasync();
    } finally {
      await h.close();
    }
    if (fresh) await fsyncDir(dir);
    this.tail = { branch, first, end: offset + buf.length, seq: afterSeq + records.length };
    return true;
  }

  async truncateLog(branch: string, beforeSeq: number): Promise<void> {
    this.check();
    const segs = await this.segments(branch);
    // A segment can go when the next one starts at or before beforeSeq.
    for (let i = 0; i + 1 < segs.length && segs[i + 1]! <= beforeSeq; i++)
      await fs.rm(this.segmentPath(branch, segs[i]!), { force: true });
  }

  async branches(): Promise<string[]> {
    this.check();
    let entries: Dirent[];
    try {
      entries = await fs.readdir(this.logDir, { withFileTypes: true });
    } catch (err) {
      if (isNotFound(err)) return [];
      return this.fail(err, 'list branches');
    }
    const out: string[] = [];
    for (const e of entries)
      if (e.isDirectory() && (await this.segments(keyOf(e.name))).length > 0)
        out.push(keyOf(e.name));
    return out;
  }

  watch(branch: string, onChange: () => void): () => void {
    const dir = this.branchDir(branch);
    let watcher: FSWatcher | undefined;
    try {
      watcher = watchFolder(dir, { persistent: false }, () => onChange());
      watcher.on('error', () => undefined);
    } catch {
      // No log folder yet (or no inotify): poll instead.
      const timer = setInterval(onChange, 1000);
      timer.unref();
      return () => clearInterval(timer);
    }
    this.watchers.add(watcher);
    return () => {
      watcher.close();
      this.watchers.delete(watcher);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.watchers) w.close();
    this.watchers.clear();
  }

  async destroy(): Promise<void> {
    await this.close();
    await fs.rm(this.path, { recursive: true, force: true });
  }
}

/**
 * Creates the lock file holding `me`, atomically with its content: written under a name
 * of its own, then hard-linked into place (the link fails when the lock exists). Created
 * empty with O_EXCL and written after, a lock would be left empty, its owner unknown and
 * never taken over, by a process killed in between. Falls back to O_EXCL where the file
 * system has no hard links. False when the lock is taken.
 */
/**
 * This process's owner file for a lock: written once, then hard-linked into place for each
 * append (one link and one unlink per append, instead of writing a file each time).
 */
const owners = new Map<string, Promise<string>>();

function ownerFile(path: string, me: string): Promise<string> {
  let p = owners.get(path);
  if (p === undefined) {
    const file = `${path}.${process.pid}.owner`;
    p = fs.writeFile(file, me).then(() => file);
    owners.set(path, p);
    p.catch(() => owners.delete(path));
  }
  return p;
}

async function createLock(path: string, me: string): Promise<boolean> {
  for (let fresh = false; ; fresh = true) {
    try {
      await fs.link(await ownerFile(path, me), path);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      // The owner file went with its folder (a destroyed store): write it again, once.
      if (code === 'ENOENT' && !fresh && owners.has(path)) {
        owners.delete(path);
        continue;
      }
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err;
      break;
    }
  }
  try {
    const h = await fs.open(path, 'wx');
    await h.writeFile(me);
    await h.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Takes a lock file; returns its release. Steals it from a dead local owner. */
async function lock(path: string, label: string): Promise<() => Promise<void>> {
  const me = `${hostname()} ${process.pid}`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    if (await createLock(path, me)) return () => fs.unlink(path).catch(() => undefined);
    const owner = await fs.readFile(path, 'utf8').catch(() => '');
    const [host, pid] = owner.split(' ');
    if (host === hostname() && pid !== undefined && !alive(Number(pid))) {
      await fs.rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new DatahikeError(
        'store/locked',
        `The ${label} has been locked by ${owner || 'another process'} for ${LOCK_WAIT_MS / 1000} s: if no writer runs, remove ${path}.`,
        { path, owner },
      );
    await new Promise((r) => setTimeout(r, Math.min(1 + attempt, 20)));
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pathOf(config: StoreOptions): string {
  const p = config.path;
  if (typeof p !== 'string' || p.length === 0)
    throw new DatahikeError(
      'config/invalid',
      'The :file store needs a :path, the folder that holds the database: {:backend :file :path "./data/mydb"}.',
      { store: config },
    );
  return resolve(p);
}

async function isStore(path: string): Promise<boolean> {
  try {
    await fs.access(join(path, 'STORE'));
    return true;
  } catch {
    return false;
  }
}

export const fileBackend: Backend = {
  exists(config) {
    return isStore(pathOf(config));
  },

  async create(config) {
    const path = pathOf(config);
    if (await isStore(path))
      throw new DatahikeError(
        'store/exists',
        `A database already exists at ${path}: connect to it, or delete it first.`,
        { backend: ':file', path },
      );
    try {
      await fs.mkdir(join(path, 'blobs'), { recursive: true });
      await fs.mkdir(join(path, 'log'), { recursive: true });
      const marker = join(path, 'STORE.tmp');
      await fs.writeFile(marker, JSON.stringify({ format: 1, id: config.id }));
      await fs.rename(marker, join(path, 'STORE'));
      await fsyncDir(path);
      await fsyncDir(dirname(path));
    } catch (err) {
      throw storeError('store/unavailable', `Cannot create a file store at ${path}`, path, err);
    }
    return new FileStore(path);
  },

  async open(config) {
    const path = pathOf(config);
    if (!(await isStore(path)))
      throw new DatahikeError(
        'store/not-found',
        `No database at ${path}: create it with createDatabase first.`,
        { backend: ':file', path },
      );
    return new FileStore(path);
  },

  async destroy(config) {
    const path = pathOf(config);
    if (await isStore(path)) await fs.rm(path, { recursive: true, force: true });
  },
};
