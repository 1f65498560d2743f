/** Value classes that JavaScript lacks: UUIDs, arbitrary-precision decimals, EDN chars, lists, tagged values. */

import { checkIntegerDigits, limitExceeded, MAX_DECIMAL_EXPONENT } from './limits.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The text randomUuid is making a Uuid of: canonical already, so not checked again. */
let freshUuid: string | undefined;

export class Uuid {
  /** Canonical lower-case text form. */
  readonly str: string;

  constructor(str: string) {
    if (str !== freshUuid) {
      if (!UUID_RE.test(str)) throw new TypeError(`Not a UUID: ${JSON.stringify(str)}`);
      str = str.toLowerCase();
    }
    this.str = str;
  }

  static isValid(str: string): boolean {
    return UUID_RE.test(str);
  }

  toString(): string {
    return this.str;
  }

  toJSON(): string {
    return this.str;
  }
}

/** A fresh random (version 4) UUID. */
export function randomUuid(): Uuid {
  // Node builds the text by concatenation, a tree of a dozen string pieces (~450 bytes)
  // until something flattens it; lower-casing makes it one flat string.
  freshUuid = globalThis.crypto.randomUUID().toLowerCase();
  return new Uuid(freshUuid);
}

/**
 * An exact decimal (`1.50M` in EDN, `:db.type/bigdec`): `unscaled × 10^-scale`.
 * Equality is numeric and ignores trailing zeros (1.5M equals 1.50M).
 */
export class BigDec {
  readonly unscaled: bigint;
  readonly scale: number;

  constructor(unscaled: bigint, scale: number) {
    // Normalise trailing zeros so that equal numbers have one representation.
    while (scale > 0 && unscaled % 10n === 0n && unscaled !== 0n) {
      unscaled /= 10n;
      scale--;
    }
    if (unscaled === 0n) scale = 0;
    this.unscaled = unscaled;
    this.scale = scale;
  }

  static parse(text: string): BigDec {
    const m = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
    if (!m) throw new TypeError(`Not a decimal: ${JSON.stringify(text)}`);
    const frac = m[3] ?? '';
    checkIntegerDigits(`${m[2]}${frac}`);
    const exponent = m[4] ? Number(m[4]) : 0;
    let scale = frac.length - exponent;
    // 1e100000000M would be a bigint of a hundred million digits.
    if (Math.abs(exponent) > MAX_DECIMAL_EXPONENT || Math.abs(scale) > MAX_DECIMAL_EXPONENT)
      limitExceeded(
        'max-decimal-exponent',
        MAX_DECIMAL_EXPONENT,
        `The decimal ${text.length > 40 ? `${text.slice(0, 40)}…` : text} has an exponent or scale beyond the limit`,
      );
    let unscaled = BigInt(`${m[1]}${m[2]}${frac}`);
    if (scale < 0) {
      unscaled *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return new BigDec(unscaled, scale);
  }

  static fromNumber(n: number): BigDec {
    return BigDec.parse(Number.isInteger(n) ? n.toFixed(0) : String(n));
  }

  toNumber(): number {
    return Number(this.toString());
  }

  toString(): string {
    const neg = this.unscaled < 0n;
    let digits = (neg ? -this.unscaled : this.unscaled).toString();
    if (this.scale === 0) return (neg ? '-' : '') + digits;
    if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
    const cut = digits.length - this.scale;
    return `${neg ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Compares two decimals exactly. */
export function compareBigDec(a: BigDec, b: BigDec): number {
  const s = Math.max(a.scale, b.scale);
  const x = a.unscaled * 10n ** BigInt(s - a.scale);
  const y = b.unscaled * 10n ** BigInt(s - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** An EDN character literal (`\a`, `\newline`). */
export class Char {
  constructor(readonly char: string) {}

  toString(): string {
    return this.char;
  }
}

/**
 * An EDN list `( … )`. It is an array, so code that walks data treats it like a vector,
 * but the printer and the query parser can tell it apart.
 */
export class List<T = unknown> extends Array<T> {}

export function list<T>(...items: T[]): List<T> {
  const l = new List<T>();
  for (const x of items) l.push(x);
  return l;
}

export function isList(x: unknown): x is List {
  return x instanceof List;
}

/** A value read from an EDN tag that has no registered reader: `#my/tag value`. */
export class TaggedValue {
  constructor(
    readonly tag: string,
    readonly value: unknown,
  ) {}
}
