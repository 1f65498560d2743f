/**
 * The file store's log segments as bytes: how records are framed, and what a scan of a
 * segment finds in them: the complete appends, a torn one at the end (dropped), or
 * damage (reported).
 *
 * A record is `header (magic, flags, seq, length) · payload · trailer (length, CRC-32,
 * magic)`; the CRC covers header and payload. The last record of an append carries the
 * flag END, so readers take records only up to the last END: an append cut short by a
 * crash or a full disk is invisible as a whole. The trailer lets a reader find the head
 * by reading backwards from the end of a segment.
 *
 * Torn or damaged: an append is written in one go at the end of the segment, and a failed
 * one is cut off again, so what follows the last complete append can only be part of one
 * append that never completed (a prefix of it, or, after a power loss on a file system
 * that does not order data before size, a prefix with zero-filled holes). Anything else
 * is damage: a record written whole (its length and trailer in the file) that fails its
 * checksum, a record with a wrong seq, or an unreadable record followed by whole records
 * up to the end of the segment. Damage is never dropped: it is `store/corrupt`.
 */

import { crc32 } from 'node:zlib';
import type { LogRecord } from './store.js';

export const SEGMENT_BYTES = 4 * 1024 * 1024;
export const HEAD = 16;
export const TAIL = 12;
const MAGIC = 0x44484c52; // 'DHLR'
const END = 1;

/** The bytes of an append: the records numbered from `firstSeq`, the last one with END. */
export function frame(records: readonly Uint8Array[], firstSeq: number): Buffer {
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

/** Where each record of an append framed at `offset` begins. */
export function frameStarts(records: readonly Uint8Array[], offset: number): number[] {
  const out: number[] = [];
  for (const r of records) {
    out.push(offset);
    offset += HEAD + r.length + TAIL;
  }
  return out;
}

export interface Damage {
  /** Where the damaged record begins in its segment. */
  readonly offset: number;
  readonly reason: string;
}

/** What a scan of a segment, from a record boundary to the end of the file, found. */
export interface Scan {
  /** The records of complete appends, in order. */
  readonly records: LogRecord[];
  /** Where each of them begins in the segment. */
  readonly starts: number[];
  /** Where the last complete append ends (where the scan began when none did). */
  readonly end: number;
  /** The seq of the last record of a complete append (one before the first seq if none). */
  readonly seq: number;
  /** A damaged record; null when the bytes after `end` (if any) are a torn append. */
  readonly damage: Damage | null;
  /** A copy of the trailer that ends at `end` (null when no complete append was read). */
  readonly trailer: Buffer | null;
}

type Problem = 'short' | 'header' | 'long' | { readonly reason: string };

/**
 * The record at `at`, expected to be `seq`: where it stops when it is whole and sound,
 * else what is wrong with it.
 */
function recordAt(buf: Buffer, at: number, seq: number | null): number | Problem {
  if (buf.length - at < HEAD) return 'short';
  if (buf.readUInt32BE(at) !== MAGIC) return 'header';
  const len = buf.readUInt32BE(at + 12);
  const stop = at + HEAD + len + TAIL;
  if (stop > buf.length) return 'long';
  if (buf.readUInt32BE(stop - TAIL) !== len || buf.readUInt32BE(stop - 4) !== MAGIC)
    return { reason: 'its trailer does not match its header' };
  if (crc32(buf.subarray(at, at + HEAD + len)) !== buf.readUInt32BE(stop - 8))
    return { reason: 'checksum mismatch' };
  const got = buf.readUInt32BE(at + 8);
  if (seq !== null && got !== seq)
    return { reason: `it holds seq ${got} where seq ${seq} belongs` };
  return stop;
}

function isZero(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * Whether the bytes from `at` (where a record is unreadable: no header, or a length past
 * the end) to the end of the buffer are what a torn append leaves. They are not when the
 * trailer at the end frames a record beginning exactly at `at` (its header is damaged),
 * nor when sound records end the buffer after something other than a hole of zeros, or
 * when those records hold an END before the last one (a later append, made durable after
 * this one was).
 */
function tornAt(buf: Buffer, at: number, problem: 'header' | 'long'): Damage | null {
  let pos = buf.length;
  let endsBeforeLast = 0;
  while (pos - at >= HEAD + TAIL && buf.readUInt32BE(pos - 4) === MAGIC) {
    const start = pos - TAIL - buf.readUInt32BE(pos - TAIL) - HEAD;
    if (start < at) break;
    if (start === at)
      return {
        offset: at,
        reason: `its ${problem === 'header' ? 'header' : 'length'} is damaged (its trailer is whole)`,
      };
    if (typeof recordAt(buf, start, null) !== 'number') break;
    if (pos < buf.length && buf.readUInt32BE(start + 4) & END) endsBeforeLast++;
    pos = start;
  }
  if (pos === buf.length) return null;
  if (problem === 'header' && endsBeforeLast === 0 && isZero(buf, at, pos)) return null;
  return {
    offset: at,
    reason:
      problem === 'header'
        ? 'its header is unreadable, yet whole records follow it'
        : 'its length runs past the end of the segment, yet whole records follow it',
  };
}

/**
 * Scans `buf`, the bytes of a segment from offset `base` (where record `seq` begins) to
 * the end of the file.
 */
export function scanSegment(buf: Buffer, base: number, seq: number): Scan {
  const records: LogRecord[] = [];
  const starts: number[] = [];
  let pending = 0;
  let at = 0;
  let end = 0;
  let damage: Damage | null = null;
  let next = seq;
  while (at < buf.length) {
    const found = recordAt(buf, at, next);
    if (typeof found !== 'number') {
      if (typeof found === 'object') damage = { offset: at, reason: found.reason };
      else if (found !== 'short') damage = tornAt(buf, at, found);
      break;
    }
    records.push({ seq: next, bytes: buf.subarray(at + HEAD, found - TAIL) });
    starts.push(base + at);
    pending++;
    const flags = buf.readUInt32BE(at + 4);
    at = found;
    next++;
    if (flags & END) {
      pending = 0;
      end = at;
    }
  }
  if (damage !== null) damage = { offset: base + damage.offset, reason: damage.reason };
  records.length -= pending;
  starts.length -= pending;
  const trailer = end > 0 ? Buffer.from(buf.subarray(end - TAIL, end)) : null;
  return { records, starts, end: base + end, seq: seq + records.length - 1, damage, trailer };
}

/**
 * A scan of `buf` (bytes from offset `base`) cut back to its records up to `seq`, which
 * end an append (a durable mark is only ever set at the end of one).
 */
export function scanUpTo(buf: Buffer, base: number, scan: Scan, seq: number): Scan {
  const keep = scan.records.findIndex((r) => r.seq > seq);
  if (keep < 0) return scan;
  const end = scan.starts[keep]!;
  return {
    records: scan.records.slice(0, keep),
    starts: scan.starts.slice(0, keep),
    end,
    seq: scan.seq - (scan.records.length - keep),
    damage: null,
    trailer: keep > 0 ? Buffer.from(buf.subarray(end - base - TAIL, end - base)) : null,
  };
}

/** Reads `length` bytes at `position`, as many reads as it takes; fewer at the end. */
export async function readAt(
  h: { read(b: Buffer, o: number, l: number, p: number): Promise<{ bytesRead: number }> },
  position: number,
  length: number,
): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await h.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/**
 * The last append of a segment of `size` bytes, read backwards from its end (a few small
 * reads): its records and where they begin, when the file ends with a complete, sound
 * append; null when it does not (empty, torn, damaged), and the caller scans it all.
 * Under a power loss the pages of an append reach the disk in any order, so every record
 * of the append is checked back to the END of the previous one (or the segment's start).
 */
export async function lastAppend(
  h: { read(b: Buffer, o: number, l: number, p: number): Promise<{ bytesRead: number }> },
  size: number,
): Promise<{ records: LogRecord[]; starts: number[]; trailer: Buffer } | null> {
  const records: LogRecord[] = [];
  const starts: number[] = [];
  let at = size;
  let seq: number | null = null;
  let trailer: Buffer | null = null;
  while (at > 0) {
    if (at < HEAD + TAIL) return null;
    const tail = await readAt(h, at - TAIL, TAIL);
    if (tail.length < TAIL || tail.readUInt32BE(8) !== MAGIC) return null;
    trailer ??= tail;
    const start = at - TAIL - tail.readUInt32BE(0) - HEAD;
    if (start < 0) return null;
    if (seq !== null) {
      // The record before: if it ends an append, that append was durable before this one
      // was written, and its header is check enough.
      const head = await readAt(h, start, HEAD);
      if (head.length < HEAD || head.readUInt32BE(0) !== MAGIC) return null;
      if (head.readUInt32BE(8) !== seq - 1 || head.readUInt32BE(12) !== tail.readUInt32BE(0))
        return null;
      if (head.readUInt32BE(4) & END) break;
    }
    const rec = await readAt(h, start, at - start);
    const stop = recordAt(rec, 0, seq === null ? null : seq - 1);
    if (stop !== rec.length) return null;
    if (seq === null && (rec.readUInt32BE(4) & END) === 0) return null;
    seq = rec.readUInt32BE(8);
    records.unshift({ seq, bytes: rec.subarray(HEAD, rec.length - TAIL) });
    starts.unshift(start);
    at = start;
  }
  return records.length === 0 || trailer === null ? null : { records, starts, trailer };
}
