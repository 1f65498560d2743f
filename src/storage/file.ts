/**
 * The file backend: a store is a folder.
 *
 * - `STORE` marks the folder as a store.
 * - `blobs/<key>`: one file per blob, written as a temporary file, fsync'd, renamed into
 *   place, and the folder fsync'd, so a blob is either whole or absent. A failed write
 *   removes its temporary file; one a crash left is listed by `keys` once it is an hour
 *   old, so garbage collection removes it.
 * - `log/<branch>/<first seq>.seg`: the branch log in segments of a few megabytes
 *   (records framed as file-log.ts says). An append is one write of all its records at
 *   the end of the last segment and one fdatasync: ~0.15 ms on a quiet disk, against
 *   ~1 ms for an atomic file write, which is what makes small commits cheap.
 *
 * An append is durable and whole when it resolves, or it fails and the log is as it was:
 * the write goes on until every byte is written (a full disk writes part and then fails),
 * and on any failure the segment is cut back to where the append began before the lock is
 * released. A torn append a crash left at the end is cut off (durably) before the next
 * append is written, so an append never lands on old bytes; damage is never written over.
 *
 * Appends from several handles or processes are serialised by a lock file holding the
 * owner's pid, created whole (hard-linked into place, so it fails when the lock exists);
 * a lock whose owner has died is taken over.
 *
 * Each handle remembers where it last read or wrote each branch log to (`Tail`), so a
 * refresh reads only what was appended since, and the writer's next append needs one
 * fstat of its open segment to know the log still ends where its last append did (that
 * the path still names that segment it checks while the append's fdatasync runs). An
 * append's calls besides the fdatasync run synchronously (file-ops.ts): lock, fstat,
 * write, durable mark, unlock; so it costs one round trip to the thread pool.
 */

import { type FSWatcher, watch as watchFolder } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { DatahikeError } from '../values/index.js';
import {
  type Damage,
  frame,
  frameStarts,
  lastAppend,
  readAt,
  type Scan,
  SEGMENT_BYTES,
  scanSegment,
  scanUpTo,
  TAIL,
} from './file-log.js';
import { fileName, keyOf } from './file-names.js';
import {
  errnoOf,
  type FileHandleOps,
  type FileOps,
  fileStoreError,
  isNotFound,
  nodeFileOps,
} from './file-ops.js';
import type { Backend, LogRecord, Store, StoreOptions } from './store.js';

const LOCK_WAIT_MS = 10_000;
/**
 * Blobs `put` writes at once. Node's file I/O runs on a pool of 4 threads, so more buys
 * little; and a flush of thousands of nodes started all at once queued every log append
 * behind its fsyncs (commits fell from ~16,000 to ~2,900 a second during flushes). `put`
 * also pauses between blobs while an append of this handle is under way.
 */
const PUT_CONCURRENCY = 4;
/** A temporary blob file this old was left by a process that died writing it. */
const STALE_TMP_MS = 60 * 60 * 1000;
/** A scan of the log at most this long keeps its records for the readLog that follows. */
const RECENT_BYTES = 256 * 1024;

async function fsyncDir(ops: FileOps, path: string): Promise<void> {
  const h = await ops.open(path, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * What a handle knows of the end of a branch log: its newest segment, read or written up
 * to `end` (the end of a complete append, whose last record is `seq`), and where the
 * records from `from` on begin in it. What lies before `end` never changes: only torn or
 * failed appends after a complete one are ever cut off.
 */
class Tail {
  constructor(
    readonly first: number,
    readonly ino: number,
    public from: number,
    public starts: number[],
    public end: number,
    public seq: number,
    public last: LogRecord | null,
    /**
     * The bytes of the trailer that ends at `end`: read again with what follows, they show
     * that the file only grew (not cut back and written anew, nor replaced).
     */
    public trailer: Buffer | null,
    /** The records of the last small scan, for the readLog that follows a lastRecord. */
    public recent: LogRecord[] = [],
    /** The file's mtime when its size was last seen to be `end` or more. */
    public mtime = -1,
  ) {}

  /** Where record `seq` begins (`end` for the one after the last); undefined if unknown. */
  offsetOf(seq: number): number | undefined {
    if (seq < this.from || seq > this.seq + 1) return undefined;
    return seq <= this.seq ? this.starts[seq - this.from] : this.end;
  }

  /** Takes what a scan of this segment from record `seq` on found, if it reaches further. */
  take(scan: Scan, seq: number, small: boolean): void {
    if (scan.seq < this.seq) return;
    if (seq <= this.from) {
      this.from = seq;
      this.starts = scan.starts.slice();
    } else {
      this.starts.length = seq - this.from;
      for (const s of scan.starts) this.starts.push(s);
    }
    this.end = scan.end;
    this.seq = scan.seq;
    if (scan.trailer !== null) this.trailer = scan.trailer;
    this.last = scan.records[scan.records.length - 1] ?? this.last;
    this.recent = small ? scan.records : [];
  }
}

/** A whole segment as read: the scan from its start, its inode and size, the bytes. */
interface Read {
  readonly scan: Scan;
  readonly ino: number;
  readonly size: number;
  readonly buf: Buffer;
}

/**
 * The durable mark of a branch log (`log/<branch>/synced`): the seq up to which the writer
 * has fsync'd the log, in two slots of 12 bytes (magic, seq, CRC-32). The writer writes the
 * slot not holding the higher seq, so a torn write leaves the other, lower and true.
 */
const MARK_FILE = 'synced';
const MARK_MAGIC = 0x44485344; // 'DHSD'
const SLOT = 12;

function markSlot(seq: number): Buffer {
  const b = Buffer.alloc(SLOT);
  b.writeUInt32BE(MARK_MAGIC, 0);
  b.writeUInt32BE(seq, 4);
  b.writeUInt32BE(crc32(b.subarray(0, 8)), 8);
  return b;
}

/** The seq in each slot of a mark file, -1 for a slot that is not sound. */
function markSlots(b: Buffer): [number, number] {
  const slot = (at: number) =>
    b.length >= at + SLOT &&
    b.readUInt32BE(at) === MARK_MAGIC &&
    b.readUInt32BE(at + 8) === crc32(b.subarray(at, at + 8))
      ? b.readUInt32BE(at + 4)
      : -1;
  return [slot(0), slot(SLOT)];
}

class FileStore implements Store {
  readonly label: string;
  private readonly blobDir: string;
  private readonly logDir: string;
  private closed = false;
  private readonly watchers = new Set<FSWatcher>();
  private readonly tails = new Map<string, Tail>();
  /** The writer's open handle on the durable mark of each branch, and the seqs of its slots. */
  private readonly marks = new Map<string, { h: FileHandleOps; slots: [number, number] }>();
  /** The writer's open handle on the newest segment of each branch it appended to. */
  private readonly writeHandles = new Map<
    string,
    { first: number; ino: number; h: FileHandleOps }
  >();
  /** Branch log folders known to exist. */
  private readonly branchDirs = new Set<string>();
  /** Appends under way, and what wakes the blob writers `put` paused for them. */
  private appending = 0;
  private appendsDone: () => void = () => undefined;
  private noAppends: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly ops: FileOps,
  ) {
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
    throw fileStoreError(err, this.label, this.path, what);
  }

  async get(key: string): Promise<Uint8Array | null> {
    this.check();
    try {
      return await this.ops.readFile(join(this.blobDir, fileName(key)));
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
    let next = 0;
    let failure: unknown = null;
    const writer = async () => {
      while (next < entries.length && failure === null) {
        // Log appends go first: a commit waits on them, a flush runs in the background.
        while (this.appending > 0) await this.noAppends;
        if (next >= entries.length || failure !== null) break;
        const [key, bytes] = entries[next++]!;
        try {
          await this.putOne(join(this.blobDir, fileName(key)), bytes);
        } catch (err) {
          failure ??= err;
        }
      }
    };
    // Every writer stops before put fails, so no blob is written after it has.
    await Promise.all(Array.from({ length: Math.min(PUT_CONCURRENCY, entries.length) }, writer));
    try {
      if (failure !== null) throw failure;
      await fsyncDir(this.ops, this.blobDir);
    } catch (err) {
      this.fail(err, `write ${entries.length} blobs (none of them half written)`);
    }
  }

  /** One blob: a temporary file written whole and fsync'd, then renamed into place. */
  private async putOne(target: string, bytes: Uint8Array): Promise<void> {
    const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    let h: FileHandleOps | null = null;
    try {
      h = await this.ops.open(tmp, 'w');
      await writeAll(h, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);
      await h.sync();
      const done = h;
      h = null;
      await done.close();
      await this.ops.rename(tmp, target);
    } catch (err) {
      await h?.close().catch(() => undefined);
      await this.ops.rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  async has(key: string): Promise<boolean> {
    this.check();
    try {
      await this.ops.access(join(this.blobDir, fileName(key)));
      return true;
    } catch {
      return false;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    this.check();
    await Promise.all(
      keys.map((k) =>
        this.ops
          .rm(join(this.blobDir, fileName(k)), { force: true })
          .catch((e) => this.fail(e, 'delete blobs')),
      ),
    );
  }

  async keys(): Promise<string[]> {
    this.check();
    try {
      const out: string[] = [];
      for (const name of await this.ops.readdir(this.blobDir)) {
        if (!name.endsWith('.tmp')) out.push(keyOf(name));
        else {
          // A crash's leftover is garbage, for the collector to remove like any other.
          const st = await this.ops.stat(join(this.blobDir, name)).catch(() => null);
          if (st !== null && Date.now() - st.mtimeMs > STALE_TMP_MS) out.push(keyOf(name));
        }
      }
      return out;
    } catch (err) {
      return this.fail(err, 'list the blobs');
    }
  }

  // ---- logs ----

  private branchDir(branch: string): string {
    return join(this.logDir, fileName(branch));
  }

  /** Segment first-seqs of a branch, ascending. */
  private async segments(branch: string): Promise<number[]> {
    let names: string[];
    try {
      names = await this.ops.readdir(this.branchDir(branch));
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    return names
      .filter((n) => n.endsWith('.seg'))
      .map((n) => Number(n.slice(0, -4)))
      .sort((a, b) => a - b);
  }

  private segmentPath(branch: string, first: number): string {
    return join(this.branchDir(branch), `${String(first).padStart(12, '0')}.seg`);
  }

  private corrupt(branch: string, first: number, damage: Damage): DatahikeError {
    const segment = this.segmentPath(branch, first);
    return new DatahikeError(
      'store/corrupt',
      `The ${branch} log of the ${this.label} is damaged at byte ${damage.offset} of ${segment} (${damage.reason}). Restore the store from a backup; or, giving up the commits from there on, cut the segment at that byte (truncate -s ${damage.offset} ${segment}) and remove the segments after it.`,
      {
        backend: ':file',
        path: this.path,
        branch,
        segment,
        offset: damage.offset,
        reason: damage.reason,
      },
    );
  }

  /** A segment from its start; an empty one when it is gone (truncated meanwhile). */
  private async readWhole(branch: string, first: number): Promise<Read> {
    let h: FileHandleOps;
    try {
      h = await this.ops.open(this.segmentPath(branch, first), 'r');
    } catch (err) {
      if (isNotFound(err)) {
        const buf = Buffer.alloc(0);
        return { scan: scanSegment(buf, 0, first), ino: -1, size: 0, buf };
      }
      throw err;
    }
    try {
      const st = await h.stat();
      const buf = await readAt(h, 0, st.size);
      return { scan: scanSegment(buf, 0, first), ino: st.ino, size: buf.length, buf };
    } finally {
      await h.close();
    }
  }

  /**
   * A segment from its start, damage reported. A writer cutting off a failed append and
   * writing the next while this read ran can make the bytes read look damaged, so damage
   * is read again while no append can run (`locked`: the caller holds the lock).
   */
  private async scanWhole(branch: string, first: number, locked: boolean): Promise<Read> {
    const mark = locked ? null : await this.readMark(branch);
    let read = await this.readWhole(branch, first);
    if (read.scan.damage !== null && !locked) {
      const release = await this.lockBranch(this.branchDir(branch)).catch(() => null);
      try {
        read = await this.readWhole(branch, first);
      } finally {
        await release?.();
      }
    }
    if (read.scan.damage !== null) throw this.corrupt(branch, first, read.scan.damage);
    if (mark === null) return read;
    const t = this.tails.get(branch);
    const known =
      t !== undefined &&
      t.first === first &&
      t.ino === read.ino &&
      t.trailer !== null &&
      read.buf.length >= t.end &&
      read.buf.subarray(t.end - TAIL, t.end).equals(t.trailer)
        ? t.seq
        : 0;
    const scan = await this.confirm(branch, first, read.buf, 0, read.scan, Math.max(mark, known));
    return { ...read, scan };
  }

  /**
   * The seq up to which the log is durable, as the writer marked it (read before the log,
   * so that what it covers is final); null for a log without a mark (written before marks
   * were kept, all of it durable), 0 when neither slot is sound.
   */
  private async readMark(branch: string): Promise<number | null> {
    let b: Buffer;
    try {
      b = await this.ops.readFile(join(this.branchDir(branch), MARK_FILE));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    return Math.max(0, ...markSlots(b));
  }

  /**
   * What of a scan a reader takes. Records up to `upTo` (the durable mark, or what this
   * handle already read and found still there) are final. Those past it may be an append
   * whose fsync is under way and can still fail, then be cut off: while a writer holds the
   * lock they are left for a later read. With no writer they stand (its process died, or a
   * crash lost the mark, which is not fsync'd), unless the bytes read again now differ
   * from those read: an append that failed and was cut off before its writer left.
   */
  private async confirm(
    branch: string,
    first: number,
    buf: Buffer,
    base: number,
    scan: Scan,
    upTo: number,
  ): Promise<Scan> {
    if (scan.seq <= upTo) return scan;
    if (await this.appendUnderWay(branch)) return scanUpTo(buf, base, scan, upTo);
    const from = scan.starts[scan.records.findIndex((r) => r.seq > upTo)]!;
    const again = await this.readRange(branch, first, from, scan.end - from);
    return again.equals(buf.subarray(from - base, scan.end - base))
      ? scan
      : scanUpTo(buf, base, scan, upTo);
  }

  /** Whether a live writer holds the append lock of a branch. */
  private async appendUnderWay(branch: string): Promise<boolean> {
    const path = join(this.branchDir(branch), 'append.lock');
    let owner: string;
    try {
      owner = String(await this.ops.readFile(path));
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    // This process's own lock: a handle of it is appending, unless none holds it (a
    // release whose unlink failed left it; the append before it is durable).
    if (owner === lockOwner()) return heldHere.has(path);
    return !isStale(this.ops, path, owner);
  }

  /** Bytes of a segment, as many as are there. */
  private async readRange(branch: string, first: number, at: number, length: number) {
    let h: FileHandleOps;
    try {
      h = await this.ops.open(this.segmentPath(branch, first), 'r');
    } catch (err) {
      if (isNotFound(err)) return Buffer.alloc(0);
      throw err;
    }
    try {
      return await readAt(h, at, length);
    } finally {
      await h.close();
    }
  }

  /** Makes the tail of a branch what a read of its newest segment found. */
  private tailFrom(branch: string, first: number, read: Read): void {
    const { scan } = read;
    if (read.ino < 0) return;
    const last = scan.records[scan.records.length - 1] ?? null;
    const t = this.tails.get(branch);
    if (t !== undefined && t.first === first && t.ino === read.ino) t.take(scan, first, false);
    else if (t === undefined || first >= t.first)
      this.tails.set(
        branch,
        new Tail(
          first,
          read.ino,
          first,
          scan.starts.slice(),
          scan.end,
          scan.seq,
          last,
          scan.trailer,
        ),
      );
  }

  /**
   * Reads the newest segment from record `seq` on, where the tail knows it begins: the
   * scan and the file's size, or null when the tail is of no use (the file is gone or was
   * replaced, or what it read shows damage: the caller reads it all and reports it).
   */
  private async fromTail(
    branch: string,
    t: Tail,
    seq: number,
    locked: boolean,
  ): Promise<{ scan: Scan; size: number } | null> {
    const at = t.offsetOf(seq);
    if (at === undefined) return null;
    const mark = locked ? null : await this.readMark(branch);
    let h: FileHandleOps;
    try {
      h = await this.ops.open(this.segmentPath(branch, t.first), 'r');
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.forget(branch, t);
      return null;
    }
    try {
      const st = await h.stat();
      if (st.ino !== t.ino || st.size < t.end) {
        this.forget(branch, t);
        return null;
      }
      // From the trailer before the end read last (or earlier): what was whole is whole still,
      // unless the file was cut back and written anew, or is another one.
      const check = t.trailer !== null ? t.end - TAIL : at;
      const from = Math.min(at, check);
      const bytes = await readAt(h, from, st.size - from);
      if (
        t.trailer !== null &&
        !bytes.subarray(check - from, check - from + TAIL).equals(t.trailer)
      ) {
        this.forget(branch, t);
        return null;
      }
      const buf = bytes.subarray(at - from);
      let scan = scanSegment(buf, at, seq);
      if (scan.damage !== null) return null;
      if (scan.end < t.end && at < t.end) {
        this.forget(branch, t);
        return null;
      }
      if (mark !== null)
        scan = await this.confirm(branch, t.first, buf, at, scan, Math.max(mark, t.seq));
      t.take(scan, seq, buf.length <= RECENT_BYTES);
      return { scan, size: from + bytes.length };
    } finally {
      await h.close();
    }
  }

  private forget(branch: string, t: Tail): void {
    if (this.tails.get(branch) === t) this.tails.delete(branch);
  }

  /**
   * The tail of a branch brought up to the end of the log (one stat when nothing is new),
   * and the size of its segment (more than the tail's end when a torn append follows);
   * null when the tail is of no use: unknown, the file replaced, damage read (the caller
   * reads it all and reports it), or a newer segment begun (only once a segment holds
   * SEGMENT_BYTES).
   */
  private async caughtUp(
    branch: string,
    locked: boolean,
  ): Promise<{ t: Tail; size: number } | null> {
    const t = this.tails.get(branch);
    if (t === undefined) return null;
    // The writer asks its open handle on the segment (no round trip to the thread pool);
    // that the path still names that file it checks while the append's fdatasync runs.
    const kept = locked ? this.writeHandles.get(branch) : undefined;
    const st =
      kept !== undefined && kept.first === t.first && kept.ino === t.ino
        ? await kept.h.stat().then(({ size, ino }) => ({ size, ino, mtimeMs: t.mtime }))
        : await this.ops.stat(this.segmentPath(branch, t.first)).catch((err) => {
            if (isNotFound(err)) return null;
            throw err;
          });
    if (st === null || st.ino !== t.ino || st.size < t.end) {
      this.forget(branch, t);
      return null;
    }
    let size = st.size;
    if (size > t.end) {
      const read = await this.fromTail(branch, t, t.seq + 1, locked);
      if (read === null) return null;
      size = read.size;
    } else if (!locked && st.mtimeMs !== t.mtime && t.trailer !== null) {
      // Written to, yet no longer: still the bytes read last, or cut back and written anew?
      const trailer = await this.readRange(branch, t.first, t.end - TAIL, TAIL);
      if (!trailer.equals(t.trailer)) {
        this.forget(branch, t);
        return null;
      }
    }
    t.mtime = st.mtimeMs;
    if (t.end >= SEGMENT_BYTES && (await this.segments(branch)).some((f) => f > t.first))
      return null;
    return { t, size };
  }

  async lastRecord(branch: string): Promise<LogRecord | null> {
    this.check();
    try {
      const now = await this.caughtUp(branch, false);
      if (now !== null && now.t.last !== null) return now.t.last;
      return await this.lastRecordScanning(branch);
    } catch (err) {
      return this.fail(err, `read the head of the ${branch} log`);
    }
  }

  /** The head found from the segments: the newest one read backwards, else scanned. */
  private async lastRecordScanning(branch: string): Promise<LogRecord | null> {
    const mark = await this.readMark(branch);
    const segs = await this.segments(branch);
    for (let i = segs.length - 1; i >= 0; i--) {
      const first = segs[i]!;
      const newest = i === segs.length - 1;
      let h: FileHandleOps;
      try {
        h = await this.ops.open(this.segmentPath(branch, first), 'r');
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      try {
        const st = await h.stat();
        const quick = await lastAppend(h, st.size);
        const last = quick?.records[quick.records.length - 1];
        // Past the durable mark, the scan below finds out whether it stands.
        if (
          quick !== null &&
          (quick.starts[0] !== 0 || quick.records[0]!.seq === first) &&
          (mark === null || last!.seq <= mark)
        ) {
          if (newest)
            this.tails.set(
              branch,
              new Tail(
                first,
                st.ino,
                quick.records[0]!.seq,
                quick.starts,
                st.size,
                last!.seq,
                last!,
                quick.trailer,
              ),
            );
          return last!;
        }
      } finally {
        await h.close();
      }
      const read = await this.scanWhole(branch, first, false);
      if (newest) this.tailFrom(branch, first, read);
      const records = read.scan.records;
      if (records.length > 0) return records[records.length - 1]!;
    }
    return null;
  }

  async readLog(branch: string, from: number, to = Number.POSITIVE_INFINITY): Promise<LogRecord[]> {
    this.check();
    if (to < from) return [];
    try {
      const t = this.tails.get(branch);
      if (t !== undefined && t.offsetOf(from) !== undefined) {
        const recent = t.recent;
        if (recent.length > 0 && recent[0]!.seq <= from && to <= recent[recent.length - 1]!.seq)
          return recent.slice(from - recent[0]!.seq, to - recent[0]!.seq + 1);
        const read = await this.fromTail(branch, t, from, false);
        if (read !== null) {
          const out = read.scan.records.filter((r) => r.seq <= to);
          if (to > t.seq && read.scan.end >= SEGMENT_BYTES)
            for (const r of await this.readSegments(branch, t.seq + 1, to, t.first)) out.push(r);
          return out;
        }
      }
      return await this.readSegments(branch, from, to, -1);
    } catch (err) {
      return this.fail(err, `read the ${branch} log`);
    }
  }

  /** Records `from`…`to` read from whole segments, those after segment `after` only. */
  private async readSegments(
    branch: string,
    from: number,
    to: number,
    after: number,
  ): Promise<LogRecord[]> {
    const segs = await this.segments(branch);
    const out: LogRecord[] = [];
    for (let i = 0; i < segs.length; i++) {
      const next = segs[i + 1];
      if (segs[i]! <= after || (next !== undefined && next <= from)) continue;
      if (segs[i]! > to) break;
      const read = await this.scanWhole(branch, segs[i]!, false);
      if (next === undefined) this.tailFrom(branch, segs[i]!, read);
      for (const r of read.scan.records) if (r.seq >= from && r.seq <= to) out.push(r);
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
      return this.fail(
        err,
        `append ${records.length === 1 ? 'a record' : `${records.length} records`} to the ${branch} log (nothing of it was kept: the log is as it was)`,
      );
    } finally {
      if (--this.appending === 0) this.appendsDone();
    }
  }

  /** Takes the append lock of a branch, creating its folder the first time. */
  private async lockBranch(dir: string): Promise<() => Promise<void>> {
    const path = join(dir, 'append.lock');
    if (this.branchDirs.has(dir)) {
      try {
        return await lock(this.ops, path, this.label);
      } catch (err) {
        // The folder went away (the store was destroyed): as the first time.
        if (!isNotFound(err)) throw err;
        this.branchDirs.delete(dir);
      }
    }
    await this.ops.mkdir(dir);
    this.branchDirs.add(dir);
    return lock(this.ops, path, this.label);
  }

  /**
   * Where the log ends, under the lock: the newest segment, the end of its last complete
   * append, that append's last seq, and the file's inode. A torn append after it is cut
   * off; damage is `store/corrupt`, never written over.
   */
  private async logEnd(
    branch: string,
  ): Promise<{ first: number | undefined; offset: number; seq: number; ino: number }> {
    // The usual case for the writer: the segment still ends where this handle's last
    // append (or read) ended.
    const now = await this.caughtUp(branch, true);
    if (now !== null) {
      const { t, size } = now;
      if (size > t.end) await this.cut(branch, t.first, t.end);
      return { first: t.first, offset: t.end, seq: t.seq, ino: t.ino };
    }
    const segs = await this.segments(branch);
    const first = segs[segs.length - 1];
    if (first === undefined) return { first, offset: 0, seq: 0, ino: -1 };
    const read = await this.scanWhole(branch, first, true);
    if (read.size > read.scan.end) await this.cut(branch, first, read.scan.end);
    this.tailFrom(branch, first, read);
    return { first, offset: read.scan.end, seq: read.scan.seq, ino: read.ino };
  }

  /** Cuts a torn append off the end of a segment, durably. */
  private async cut(branch: string, first: number, at: number): Promise<void> {
    const h = await this.ops.open(this.segmentPath(branch, first), 'r+');
    try {
      await h.truncate(at);
      await h.datasync();
    } finally {
      await h.close();
    }
  }

  private async appendLocked(
    branch: string,
    dir: string,
    afterSeq: number,
    records: readonly Uint8Array[],
  ): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.appendAtEnd(branch, dir, afterSeq, records);
      } catch (err) {
        if (err !== REPLACED) throw err;
        // Nothing of it is in the log: appended again to the log as it now is.
        if (attempt > 0)
          throw new DatahikeError(
            'store/unavailable',
            `The newest segment of the ${branch} log of the ${this.label} was replaced during each of two attempts to append to it: nothing of the append was kept.`,
            { backend: ':file', path: this.path, branch },
          );
      }
    }
  }

  private async appendAtEnd(
    branch: string,
    dir: string,
    afterSeq: number,
    records: readonly Uint8Array[],
  ): Promise<boolean> {
    const end = await this.logEnd(branch);
    if (end.seq !== afterSeq) return false;
    let { first, offset, ino } = end;
    const fresh = first === undefined || offset >= SEGMENT_BYTES;
    if (fresh) {
      first = afterSeq + 1;
      offset = 0;
    }
    const buf = frame(records, afterSeq + 1);
    const mark = await this.markHandle(branch, afterSeq);
    ino = await this.writeAppend(branch, dir, first!, fresh ? null : ino, offset, buf);
    const seq = afterSeq + records.length;
    if (mark !== null) await this.markDurable(branch, mark, seq);
    const trailer = Buffer.from(buf.subarray(buf.length - TAIL));
    const last = { seq, bytes: records[records.length - 1]! };
    const starts = frameStarts(records, offset);
    const t = this.tails.get(branch);
    if (!fresh && t !== undefined && t.first === first && t.ino === ino && t.seq === afterSeq) {
      for (const s of starts) t.starts.push(s);
      t.end = offset + buf.length;
      t.seq = seq;
      t.last = last;
      t.trailer = trailer;
      t.recent = [];
    } else
      this.tails.set(
        branch,
        new Tail(first!, ino, afterSeq + 1, starts, offset + buf.length, seq, last, trailer),
      );
    return true;
  }

  /**
   * The writer's handle on the durable mark of a branch, opened the first time with the
   * mark set no higher than `seq`, where the log ends (higher only after the log was cut
   * by hand), and created whole when there is none. Throws when it cannot set the mark:
   * readers would then trust an append before it is durable. Null when the mark is right
   * but cannot be opened: the append goes on, its records visible once the lock is free.
   */
  private async markHandle(
    branch: string,
    seq: number,
  ): Promise<{ h: FileHandleOps; slots: [number, number] } | null> {
    const kept = this.marks.get(branch);
    if (kept !== undefined) return kept;
    const path = join(this.branchDir(branch), MARK_FILE);
    const now = await this.readMark(branch);
    if (now === null || now > seq) {
      const tmp = `${path}.${process.pid}.tmp`;
      try {
        await this.ops.writeFile(tmp, Buffer.concat([markSlot(seq), markSlot(seq)]));
        await this.ops.rename(tmp, path);
      } catch (err) {
        await this.ops.rm(tmp, { force: true }).catch(() => undefined);
        throw err;
      }
    }
    let h: FileHandleOps;
    try {
      h = await this.ops.open(path, 'r+');
    } catch {
      return null;
    }
    try {
      const mark = { h, slots: markSlots(await readAt(h, 0, 2 * SLOT)) };
      this.marks.set(branch, mark);
      return mark;
    } catch {
      await h.close().catch(() => undefined);
      return null;
    }
  }

  /**
   * Marks the log durable up to `seq`, in the slot not holding the higher seq. Best effort:
   * when it fails, readers take the records past the mark once the writer has left the lock.
   */
  private async markDurable(
    branch: string,
    mark: { h: FileHandleOps; slots: [number, number] },
    seq: number,
  ): Promise<void> {
    const slot = mark.slots[0] <= mark.slots[1] ? 0 : 1;
    mark.slots[slot] = -1;
    try {
      await writeAll(mark.h, markSlot(seq), slot * SLOT);
      mark.slots[slot] = seq;
    } catch {
      this.marks.delete(branch);
      await mark.h.close().catch(() => undefined);
    }
  }

  /**
   * Writes an append at `offset` of segment `first` (the file `ino`, or a new one when
   * null) and makes it durable; on failure cuts the segment back to `offset` and throws.
   * The segment's inode. The handle stays open for the next append to the same file.
   */
  private async writeAppend(
    branch: string,
    dir: string,
    first: number,
    ino: number | null,
    offset: number,
    buf: Buffer,
  ): Promise<number> {
    const h = await this.writeHandle(branch, first, ino);
    let written = 0;
    try {
      // A new segment's name is durable before anything is acknowledged in it (an empty
      // one is one whose first append failed).
      if (offset === 0) await fsyncDir(this.ops, dir);
      written = await writeAll(h, buf, offset);
      const [, named] = await Promise.all([
        h.datasync(),
        this.ops.stat(this.segmentPath(branch, first)).catch((err) => {
          if (isNotFound(err)) return null;
          throw err;
        }),
      ]);
      // The segment was removed or replaced under the writer (the store deleted and created
      // again, or restored): what it wrote went to a file the log no longer holds.
      if (named?.ino !== this.writeHandles.get(branch)!.ino) throw REPLACED;
    } catch (err) {
      try {
        await h.truncate(offset);
        await h.datasync();
      } catch (cutErr) {
        this.tails.delete(branch);
        await this.dropWriteHandle(branch);
        // A part of the append is a torn one, which readers ignore and the next append
        // cuts off; the whole of it, written but not known durable, may stand or not.
        if (written === buf.length) throw this.commitUnknown(branch, err, cutErr);
      }
      if (err === REPLACED) {
        this.tails.delete(branch);
        await this.dropWriteHandle(branch);
        await this.dropMark(branch);
      }
      throw err;
    }
    return this.writeHandles.get(branch)!.ino;
  }

  /** The kept handle on a segment if it is of that very file, else one opened (and kept). */
  private async writeHandle(
    branch: string,
    first: number,
    ino: number | null,
  ): Promise<FileHandleOps> {
    const kept = this.writeHandles.get(branch);
    if (kept !== undefined && ino !== null && kept.first === first && kept.ino === ino)
      return kept.h;
    await this.dropWriteHandle(branch);
    const h = await this.ops.open(this.segmentPath(branch, first), ino === null ? 'wx' : 'r+');
    try {
      this.writeHandles.set(branch, { first, ino: ino ?? (await h.stat()).ino, h });
    } catch (err) {
      await h.close().catch(() => undefined);
      throw err;
    }
    return h;
  }

  private async dropMark(branch: string): Promise<void> {
    const mark = this.marks.get(branch);
    if (mark === undefined) return;
    this.marks.delete(branch);
    await mark.h.close().catch(() => undefined);
  }

  private async dropWriteHandle(branch: string): Promise<void> {
    const kept = this.writeHandles.get(branch);
    if (kept === undefined) return;
    this.writeHandles.delete(branch);
    await kept.h.close().catch(() => undefined);
  }

  private commitUnknown(branch: string, err: unknown, cutErr: unknown): DatahikeError {
    const why = (e: unknown) => (e instanceof Error ? e.message : String(e));
    return new DatahikeError(
      'store/commit-unknown',
      `An append to the ${branch} log of the ${this.label} was written but could not be made durable (${why(err)}), nor cut off again (${why(cutErr)}): it may be in the log or not. Read the database (db) to see whether the transaction committed before sending it again.`,
      { backend: ':file', path: this.path, branch, errno: errnoOf(err) ?? null },
      err,
    );
  }

  async truncateLog(branch: string, beforeSeq: number): Promise<void> {
    this.check();
    try {
      const segs = await this.segments(branch);
      // A segment can go when the next one starts at or before beforeSeq.
      for (let i = 0; i + 1 < segs.length && segs[i + 1]! <= beforeSeq; i++)
        await this.ops.rm(this.segmentPath(branch, segs[i]!), { force: true });
    } catch (err) {
      this.fail(err, `truncate the ${branch} log`);
    }
  }

  async branches(): Promise<string[]> {
    this.check();
    try {
      let names: string[];
      try {
        names = await this.ops.subfolders(this.logDir);
      } catch (err) {
        if (isNotFound(err)) return [];
        throw err;
      }
      const out: string[] = [];
      for (const name of names)
        if ((await this.segments(keyOf(name))).length > 0) out.push(keyOf(name));
      return out;
    } catch (err) {
      return this.fail(err, 'list branches');
    }
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
    this.tails.clear();
    for (const branch of [...this.writeHandles.keys()]) await this.dropWriteHandle(branch);
    for (const { h } of this.marks.values()) await h.close().catch(() => undefined);
    this.marks.clear();
    for (const w of this.watchers) w.close();
    this.watchers.clear();
  }

  async destroy(): Promise<void> {
    await this.close();
    await removeStore(this.ops, this.path);
  }
}

/**
 * Thrown inside an append whose segment was removed or replaced while it was written
 * (nothing of it is in the log), and caught by the append, which tries again.
 */
const REPLACED = new Error('the segment was replaced during the append');

/** Writes all of `buf` at `position`, however many writes it takes; its length. */
async function writeAll(h: FileHandleOps, buf: Buffer, position: number): Promise<number> {
  let written = 0;
  while (written < buf.length) {
    const { bytesWritten } = await h.write(buf, written, buf.length - written, position + written);
    if (bytesWritten <= 0)
      throw Object.assign(new Error(`a write at byte ${position + written} made no progress`), {
        code: 'EIO',
      });
    written += bytesWritten;
  }
  return written;
}

/** This machine's name, read once (each read is a system call, and every append asked). */
const HOST = hostname();

/** What a lock file of this process holds. */
const lockOwner = () => `${HOST} ${process.pid}`;

/**
 * This process's owner file for a lock: written once, then hard-linked into place for each
 * append (one link and one unlink per append, instead of writing a file each time).
 */
const owners = new Map<string, Promise<string>>();

function ownerFile(ops: FileOps, path: string, me: string): Promise<string> {
  let p = owners.get(path);
  if (p === undefined) {
    const file = `${path}.${process.pid}.owner`;
    p = ops.writeFile(file, me).then(() => file);
    owners.set(path, p);
    p.catch(() => owners.delete(path));
  }
  return p;
}

/**
 * Creates the lock file holding `me`, atomically with its content: the owner file
 * hard-linked into place (the link fails when the lock exists). Created empty with O_EXCL
 * and written after, a lock would be left empty, its owner unknown and never taken over,
 * by a process killed in between. Falls back to O_EXCL where the file system has no hard
 * links. False when the lock is taken.
 */
async function createLock(ops: FileOps, path: string, me: string): Promise<boolean> {
  for (let fresh = false; ; fresh = true) {
    try {
      await ops.link(await ownerFile(ops, path, me), path);
      return true;
    } catch (err) {
      const code = errnoOf(err);
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
  let h: FileHandleOps;
  try {
    h = await ops.open(path, 'wx');
  } catch (err) {
    if (errnoOf(err) === 'EEXIST') return false;
    throw err;
  }
  try {
    await writeAll(h, Buffer.from(me), 0);
    await h.close();
    return true;
  } catch (err) {
    // Not left empty, with no owner to take it over from.
    await h.close().catch(() => undefined);
    await ops.rm(path, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * The lock files a handle of this process holds now, per file system: a lock naming this
 * process that is not among them was left by a release that failed (its unlink), and is
 * taken over like a dead process's.
 */
const held = new WeakMap<FileOps, Set<string>>();

/**
 * How many handles of this process, on any file system layer, hold a lock at each path: a
 * lock file naming this process that none holds is a leftover of a failed release, and no
 * append is under way behind it.
 */
const heldHere = new Map<string, number>();

/** Takes a lock file; returns its release. Steals it from a dead local owner. */
async function lock(ops: FileOps, path: string, label: string): Promise<() => Promise<void>> {
  const me = lockOwner();
  const deadline = Date.now() + LOCK_WAIT_MS;
  let mine = held.get(ops);
  if (mine === undefined) held.set(ops, (mine = new Set()));
  for (let attempt = 0; ; attempt++) {
    if (await createLock(ops, path, me)) {
      mine.add(path);
      heldHere.set(path, (heldHere.get(path) ?? 0) + 1);
      // Forgotten only once the unlink is done: a lock file still there meanwhile is held.
      return () =>
        ops
          .unlink(path)
          .catch(() => undefined)
          .finally(() => {
            mine.delete(path);
            const n = heldHere.get(path)! - 1;
            if (n > 0) heldHere.set(path, n);
            else heldHere.delete(path);
          });
    }
    const owner = await ops.readFile(path).then(String, () => '');
    if (isStale(ops, path, owner)) {
      await ops.rm(path, { force: true });
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

/**
 * Whether a lock file naming `owner` was left by a process of this machine that is gone (or
 * by this process, in a release that failed).
 */
function isStale(ops: FileOps, path: string, owner: string): boolean {
  const [host, pid] = owner.split(' ');
  if (host !== HOST || pid === undefined) return false;
  return Number(pid) === process.pid ? !(held.get(ops)?.has(path) ?? false) : !alive(Number(pid));
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) === 'EPERM';
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

/** What a file store writes in its folder: the marker last, so that a cut-short removal can be redone. */
const STORE_ENTRIES = ['blobs', 'log', 'STORE.tmp', 'STORE'];

/**
 * Removes what the store wrote, and its folder once that is empty: files someone else put
 * beside a store stay where they are.
 */
async function removeStore(ops: FileOps, path: string): Promise<void> {
  for (const name of STORE_ENTRIES)
    await ops.rm(join(path, name), { recursive: true, force: true });
  try {
    if ((await ops.readdir(path)).length === 0)
      await ops.rm(path, { recursive: true, force: true });
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw err;
  }
}

/**
 * Whether something other than a store, or a store's creation cut short, is at `path`: a
 * file, or a folder with other entries. A database is never created over it.
 */
async function holdsOtherFiles(ops: FileOps, path: string): Promise<boolean> {
  try {
    return (await ops.readdir(path)).some((n) => !STORE_ENTRIES.includes(n));
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT') return false;
    if (code === 'ENOTDIR') return true;
    throw err;
  }
}

async function isStore(ops: FileOps, path: string): Promise<boolean> {
  try {
    await ops.access(join(path, 'STORE'));
    return true;
  } catch {
    return false;
  }
}

/** The file backend over a file system layer (Node's; tests pass one that injects faults). */
export function createFileBackend(ops: FileOps = nodeFileOps): Backend {
  return {
    exists(config) {
      return isStore(ops, pathOf(config));
    },

    async create(config) {
      const path = pathOf(config);
      if (await isStore(ops, path))
        throw new DatahikeError(
          'store/exists',
          `A database already exists at ${path}: connect to it, or delete it first.`,
          { backend: ':file', path },
        );
      try {
        if (await holdsOtherFiles(ops, path))
          throw new DatahikeError(
            'store/not-empty',
            `${path} is a file, or a folder holding files that are not a datahike store: a database is created only in a new or empty folder.`,
            { backend: ':file', path },
          );
        await ops.mkdir(join(path, 'blobs'));
        await ops.mkdir(join(path, 'log'));
        const marker = join(path, 'STORE.tmp');
        await ops.writeFile(marker, JSON.stringify({ format: 1, id: config.id }));
        await ops.rename(marker, join(path, 'STORE'));
        await fsyncDir(ops, path);
        await fsyncDir(ops, dirname(path));
      } catch (err) {
        throw fileStoreError(err, `file store ${path}`, path, 'create the store');
      }
      return new FileStore(path, ops);
    },

    async open(config) {
      const path = pathOf(config);
      if (!(await isStore(ops, path)))
        throw new DatahikeError(
          'store/not-found',
          `No database at ${path}: create it with createDatabase first.`,
          { backend: ':file', path },
        );
      return new FileStore(path, ops);
    },

    async destroy(config) {
      const path = pathOf(config);
      if (await isStore(ops, path)) await removeStore(ops, path);
    },
  };
}

export const fileBackend: Backend = createFileBackend();
