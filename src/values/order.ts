/**
 * One total order over every value the database holds: first a type rank, then the value.
 * Within a type it is Clojure's `compare` (as Datahike orders its indices on the JVM):
 * numbers by value, strings and characters by UTF-16 code units, keywords and symbols by
 * namespace (none first) then name, booleans false first, instants by time, UUIDs as Java
 * compares them (the two 64-bit halves as signed numbers), vectors shorter first, then
 * element by element; bytes element-wise with a prefix first. Numbers of every kind (number,
 * bigint, BigDec) share a rank and compare numerically; numerically equal ones of different
 * kinds sit side by side (1 < 1n < 1M) where Clojure calls them equal, so that equality and
 * hashing agree with the order: compare(a, b) === 0 exactly when equals(a, b). Across types
 * Clojure has no order; here the type rank decides.
 */

import { compareKeywords, Keyword, Sym, stringHash } from './keyword.js';
import { BigDec, Char, compareBigDec, Uuid } from './scalars.js';

export enum Rank {
  Nil = 0,
  Boolean = 1,
  Number = 2,
  String = 3,
  Char = 4,
  Keyword = 5,
  Symbol = 6,
  Uuid = 7,
  Instant = 8,
  Bytes = 9,
  Tuple = 10,
  Other = 11,
}

export function rankOf(v: unknown): Rank {
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return Rank.Number;
    case 'string':
      return Rank.String;
    case 'boolean':
      return Rank.Boolean;
    case 'undefined':
      return Rank.Nil;
    case 'object':
      if (v === null) return Rank.Nil;
      if (v instanceof Keyword) return Rank.Keyword;
      if (v instanceof Date) return Rank.Instant;
      if (v instanceof Uuid) return Rank.Uuid;
      if (Array.isArray(v)) return Rank.Tuple;
      if (v instanceof BigDec) return Rank.Number;
      if (v instanceof Sym) return Rank.Symbol;
      if (v instanceof Uint8Array) return Rank.Bytes;
      if (v instanceof Char) return Rank.Char;
      return Rank.Other;
    default:
      return Rank.Other;
  }
}

/** Sub-rank among numbers that are numerically equal: 1 < 1n < 1M. */
function numberKind(v: unknown): number {
  return typeof v === 'number' ? 0 : typeof v === 'bigint' ? 1 : 2;
}

function compareNumbers(a: number | bigint | BigDec, b: number | bigint | BigDec): number {
  const c = compareNumbersByValue(a, b);
  return c !== 0 ? c : numberKind(a) - numberKind(b);
}

/** Numbers of any kinds by value alone, as Clojure's `compare` orders them (NaN last). */
export function compareNumbersByValue(
  a: number | bigint | BigDec,
  b: number | bigint | BigDec,
): number {
  let c: number;
  if (typeof a === 'number' && typeof b === 'number') {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return 0;
    // NaN sorts after every other number and equals itself.
    const an = Number.isNaN(a);
    const bn = Number.isNaN(b);
    return an === bn ? 0 : an ? 1 : -1;
  }
  if (a instanceof BigDec || b instanceof BigDec) {
    const x = a instanceof BigDec ? a : toBigDec(a);
    const y = b instanceof BigDec ? b : toBigDec(b);
    c = x === null || y === null ? compareNumbers(numeric(a), numeric(b)) : compareBigDec(x, y);
  } else {
    // number vs bigint: JavaScript compares them exactly.
    c = a < b ? -1 : a > b ? 1 : Number.isNaN(a as number) ? 1 : Number.isNaN(b as number) ? -1 : 0;
  }
  return c;
}

function toBigDec(n: number | bigint): BigDec | null {
  if (typeof n === 'bigint') return new BigDec(n, 0);
  return Number.isFinite(n) ? BigDec.fromNumber(n) : null;
}

function numeric(n: number | bigint | BigDec): number {
  return n instanceof BigDec ? n.toNumber() : Number(n);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/** Vectors as Clojure compares them: the shorter first, then element by element. */
function compareTuples(a: readonly unknown[], b: readonly unknown[]): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}

/** UUIDs as Java compares them: each 64-bit half as a signed number, the high half first. */
function compareUuids(a: string, b: string): number {
  if (a === b) return 0;
  // A half is negative when its first hex digit is 8-f: those sort before 0-7.
  for (const at of [0, 19]) {
    const sa = a.charCodeAt(at) >= 56 /* '8' */;
    const sb = b.charCodeAt(at) >= 56;
    if (sa !== sb) return sa ? -1 : 1;
    const end = at === 0 ? 18 : 36;
    const x = a.slice(at, end);
    const y = b.slice(at, end);
    // Same sign: two's complement order is the unsigned order of the digits.
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The total order over values. */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const ta = typeof a;
  // Fast paths for the common same-type cases.
  if (ta === typeof b) {
    if (ta === 'number') return compareNumbers(a as number, b as number);
    if (ta === 'string') return compareStrings(a as string, b as string);
  }
  const ra = rankOf(a);
  const rb = rankOf(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case Rank.Nil:
      return 0;
    case Rank.Boolean:
      return a ? 1 : -1;
    case Rank.Number:
      return compareNumbers(a as number, b as number);
    case Rank.String:
      return compareStrings(a as string, b as string);
    case Rank.Char:
      return compareStrings((a as Char).char, (b as Char).char);
    case Rank.Keyword:
    case Rank.Symbol:
      return compareKeywords(a as Keyword, b as Keyword);
    case Rank.Uuid:
      return compareUuids((a as Uuid).str, (b as Uuid).str);
    case Rank.Instant:
      return (a as Date).getTime() - (b as Date).getTime();
    case Rank.Bytes:
      return compareBytes(a as Uint8Array, b as Uint8Array);
    case Rank.Tuple:
      return compareTuples(a as unknown[], b as unknown[]);
    default:
      return compareOther(a, b);
  }
}

/** Values outside the database's types (maps, sets, functions) still order, by kind and text. */
/** Elements (or entries) of a set or map in the value order, so that equal ones compare equal. */
function sortedItems(x: Set<unknown> | Map<unknown, unknown>): unknown[] {
  const items = x instanceof Set ? [...x] : [...x].map(([k, v]) => [k, v]);
  return items.sort(compareValues);
}

function compareOther(a: unknown, b: unknown): number {
  const ka = Object.prototype.toString.call(a);
  const kb = Object.prototype.toString.call(b);
  if (ka !== kb) return compareStrings(ka, kb);
  if ((a instanceof Set && b instanceof Set) || (a instanceof Map && b instanceof Map)) {
    if (a.size !== b.size) return a.size - b.size;
    const xs = sortedItems(a);
    const ys = sortedItems(b);
    for (let i = 0; i < xs.length; i++) {
      const c = compareValues(xs[i], ys[i]);
      if (c !== 0) return c;
    }
    return 0;
  }
  return compareStrings(String(a), String(b));
}

export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (ta === 'string' || ta === 'boolean' || ta === 'undefined') return false;
  if (ta === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null) return (a ?? null) === (b ?? null);
  return compareValues(a, b) === 0;
}

function mix(h: number, x: number): number {
  h ^= x;
  return Math.imul(h, 0x01000193) | 0;
}

function hashNumber(n: number | bigint | BigDec): number {
  if (typeof n === 'number') {
    if (Number.isInteger(n) && Math.abs(n) < 2 ** 31) return n | 0;
    if (Number.isNaN(n)) return 0x7ff80000;
    return stringHash(String(n));
  }
  return stringHash(n.toString()) ^ 0x6b43a9b5;
}

/** A hash consistent with {@link equals}. */
export function hashValue(v: unknown): number {
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return hashNumber(v);
    case 'string':
      return stringHash(v);
    case 'boolean':
      return v ? 1231 : 1237;
    case 'undefined':
      return 0;
    case 'object': {
      if (v === null) return 0;
      if (v instanceof Keyword || v instanceof Sym) return v.hash;
      if (v instanceof Uuid) return stringHash(v.str);
      if (v instanceof Date) return hashNumber(v.getTime()) ^ 0x1f3d5b79;
      if (v instanceof BigDec) return hashNumber(v);
      if (v instanceof Char) return stringHash(v.char) ^ 0x2a;
      if (Array.isArray(v)) {
        let h = 0x12345;
        for (const x of v) h = mix(h, hashValue(x));
        return h;
      }
      if (v instanceof Uint8Array) {
        let h = 0x777;
        for (const x of v) h = mix(h, x);
        return h;
      }
      if (v instanceof Set || v instanceof Map) {
        // Order-free: a sum of the elements' (or entries') hashes.
        let h = v instanceof Set ? 0x5e7 : 0x3a9;
        if (v instanceof Set) for (const x of v) h = (h + hashValue(x)) | 0;
        else for (const [k, x] of v) h = (h + mix(hashValue(k), hashValue(x))) | 0;
        return h;
      }
      return stringHash(String(v));
    }
    default:
      return stringHash(String(v));
  }
}
