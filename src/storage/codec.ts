/**
 * What blobs and log records hold, as bytes: values through MessagePack (`msgpackr`, with
 * extensions for the value classes JavaScript lacks), in a frame that names its kind and
 * carries a CRC-32, so that a corrupt or truncated blob is reported, never misread.
 *
 * Index nodes are stored compactly: a node's attributes once in a table, its datoms as
 * one flat array `[e, attr#, v, t, …]` (plus `retractedAt` for history records).
 */

import { crc32 } from 'node:zlib';
import { addExtension, Packr } from 'msgpackr';
import { Datom, RetractedDatom } from '../index/datom.js';
import type { NodeData } from '../index/node.js';
import {
  BigDec,
  Char,
  DatahikeError,
  Keyword,
  keyword,
  List,
  Sym,
  sym,
  TaggedValue,
  Uuid,
} from '../values/index.js';

addExtension({
  Class: Keyword,
  type: 1,
  write: (k: Keyword) => k.fqn,
  read: (fqn: string) => keyword(fqn),
});
addExtension({ Class: Sym, type: 2, write: (s: Sym) => s.fqn, read: (fqn: string) => sym(fqn) });
addExtension({ Class: Uuid, type: 3, write: (u: Uuid) => u.str, read: (s: string) => new Uuid(s) });
addExtension({
  Class: BigDec,
  type: 4,
  write: (d: BigDec) => [d.unscaled, d.scale],
  read: ([u, s]: [bigint, number]) => new BigDec(BigInt(u), s),
});
addExtension({
  Class: Char,
  type: 5,
  write: (c: Char) => c.char,
  read: (c: string) => new Char(c),
});
addExtension({
  Class: List,
  type: 6,
  write: (l: List) => [...l],
  read: (items: unknown[]) => {
    const l = new List();
    for (const x of items) l.push(x);
    return l;
  },
});
addExtension({
  Class: TaggedValue,
  type: 7,
  write: (t: TaggedValue) => [t.tag, t.value],
  read: ([tag, value]: [string, unknown]) => new TaggedValue(tag, value),
});

const packr = new Packr({
  useRecords: false,
  mapsAsObjects: false,
  useBigIntExtension: true,
  moreTypes: true,
});

/** What a blob or record is; the first byte after the magic. */
export const Kind = { node: 1, roots: 2, commit: 3 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

const MAGIC0 = 0x44; // 'D'
const MAGIC1 = 0x48; // 'H'
/**
 * The format of frames and of what they hold. 2: the CRC covers the header too, and
 * index nodes are sorted by the value order in which UUIDs compare as signed numbers and
 * vectors shorter first (Clojure's `compare`); format 1 sorted them otherwise, so its trees
 * cannot be searched by this version.
 */
export const FORMAT_VERSION = 2;
const HEADER = 8;
/** The header bytes the CRC covers: magic, version, kind. */
const COVERED = 4;

function checksum(header: Uint8Array, payload: Uint8Array): number {
  return crc32(payload, crc32(header.subarray(0, COVERED)));
}

/** A framed value: magic, version, kind, CRC-32 of those and the payload, payload. */
export function encode(kind: Kind, value: unknown): Uint8Array {
  const payload = packr.pack(value);
  const out = new Uint8Array(HEADER + payload.length);
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = FORMAT_VERSION;
  out[3] = kind;
  out.set(payload, HEADER);
  new DataView(out.buffer, out.byteOffset).setUint32(4, checksum(out, payload));
  return out;
}

function corrupt(where: string, why: string): never {
  throw new DatahikeError(
    'store/corrupt',
    `${where} is corrupt (${why}): the store was damaged or written by something else; restore it from a backup.`,
    { key: where, reason: why },
  );
}

/** Whether the frame is sound with its version byte read as this format's. */
function soundAsCurrent(bytes: Uint8Array, payload: Uint8Array, sum: number): boolean {
  const header = bytes.slice(0, COVERED);
  header[2] = FORMAT_VERSION;
  return checksum(header, payload) === sum;
}

/** The value of a frame; `where` names the blob or record in the error if it is damaged. */
export function decode(bytes: Uint8Array, kind: Kind, where: string): unknown {
  if (bytes.length < HEADER) corrupt(where, `${bytes.length} bytes, shorter than a header`);
  if (bytes[0] !== MAGIC0 || bytes[1] !== MAGIC1) corrupt(where, 'not a datahike-ts frame');
  const payload = bytes.subarray(HEADER);
  const sum = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4);
  const version = bytes[2]!;
  if (version !== FORMAT_VERSION) {
    // An older or newer format, or this one with its version byte damaged: checksums tell.
    if (soundAsCurrent(bytes, payload, sum)) corrupt(where, `version byte ${version} damaged`);
    if (version === 1 && crc32(payload) === sum)
      throw new DatahikeError(
        'store/version',
        `${where} is in store format 1, written by an earlier datahike-ts whose index order of UUIDs and vectors differs from this one's (format ${FORMAT_VERSION}), so this version cannot read the store. Export the database with the datahike-ts that wrote it (datahike-ts export db:CONFIG > datoms.edn), create a new database with this one and import the file (datahike-ts import conn:CONFIG datoms.edn).`,
        { key: where, version, expected: FORMAT_VERSION },
      );
    if (version > FORMAT_VERSION)
      throw new DatahikeError(
        'store/version',
        `${where} was written by a newer datahike-ts (format ${version}; this one reads ${FORMAT_VERSION}): upgrade to read it.`,
        { key: where, version, expected: FORMAT_VERSION },
      );
    corrupt(where, `version byte ${version} damaged`);
  }
  if (checksum(bytes, payload) !== sum) corrupt(where, 'checksum mismatch, truncated or damaged');
  if (bytes[3] !== kind) corrupt(where, `holds kind ${bytes[3]}, expected ${kind}`);
  try {
    return packr.unpack(payload);
  } catch (err) {
    return corrupt(where, `undecodable: ${(err as Error).message}`);
  }
}

/**
 * A decoded structure as a plain object. Frames decode maps as `Map`s (so that values
 * keep keyword keys), so the records this layer and the commit layer define, written as
 * objects, come back as Maps with string keys: this turns one level back.
 */
export function asRecord<T>(x: unknown): T {
  if (x instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of x) o[String(k)] = v;
    return o as T;
  }
  return x as T;
}

// ---- datoms and nodes ------------------------------------------------------------------

/** Datoms as a flat array with an attribute table (shared by nodes and commit records). */
export interface PackedDatoms {
  /** Attribute names, in order of first use. */
  readonly a: string[];
  /** `[e, attr#, v, t]` per datom, or `[e, attr#, v, t, retractedAt]` when `r` is set. */
  readonly d: unknown[];
  readonly r?: true;
}

export function packDatoms(datoms: readonly Datom[]): PackedDatoms {
  const attrs: string[] = [];
  const index = new Map<Keyword, number>();
  const retracted = datoms.length > 0 && datoms[0] instanceof RetractedDatom;
  const d: unknown[] = [];
  for (const x of datoms) {
    let i = index.get(x.a);
    if (i === undefined) {
      i = attrs.length;
      attrs.push(x.a.fqn);
      index.set(x.a, i);
    }
    d.push(x.e, i, x.v, x.t);
    if (retracted) d.push((x as RetractedDatom).retractedAt);
  }
  return retracted ? { a: attrs, d, r: true } : { a: attrs, d };
}

export function unpackDatoms(packed: PackedDatoms): Datom[] {
  const p = asRecord<PackedDatoms>(packed);
  const attrs = p.a.map((a) => keyword(a));
  const d = p.d;
  const out: Datom[] = [];
  if (p.r === true)
    for (let i = 0; i < d.length; i += 5)
      out.push(
        new RetractedDatom(
          d[i] as number,
          attrs[d[i + 1] as number]!,
          d[i + 2],
          d[i + 3] as number,
          d[i + 4] as number,
        ),
      );
  else
    for (let i = 0; i < d.length; i += 4)
      out.push(new Datom(d[i] as number, attrs[d[i + 1] as number]!, d[i + 2], d[i + 3] as number));
  return out;
}

interface StoredNode {
  readonly keys: PackedDatoms;
  /** Branches only: height, counts and child addresses. */
  readonly level?: number;
  readonly counts?: readonly number[];
  readonly addresses?: readonly string[];
}

export function encodeNode(n: NodeData<Datom>): Uint8Array {
  const stored: StoredNode = n.leaf
    ? { keys: packDatoms(n.keys) }
    : {
        keys: packDatoms(n.keys),
        level: n.level,
        counts: n.counts,
        addresses: n.addresses,
      };
  return encode(Kind.node, stored);
}

/** The addresses of a node's children (none for a leaf), its datoms left packed. */
export function nodeChildren(bytes: Uint8Array, address: string): readonly string[] {
  const where = `index node ${address}`;
  const s = asRecord<StoredNode>(decode(bytes, Kind.node, where));
  const a = s.addresses;
  if (a === undefined || a === null) return [];
  if (!Array.isArray(a) || a.some((x) => typeof x !== 'string'))
    corrupt(where, 'its child addresses are not strings');
  return a;
}

export function decodeNode(bytes: Uint8Array, address: string): NodeData<Datom> {
  const s = asRecord<StoredNode>(decode(bytes, Kind.node, `index node ${address}`));
  const keys = unpackDatoms(s.keys);
  if (s.level === undefined) return { leaf: true, keys };
  return {
    leaf: false,
    level: s.level,
    keys,
    counts: s.counts as number[],
    addresses: s.addresses as string[],
  };
}
