/**
 * What the three codecs share: their errors (`wire/malformed` for input that cannot be
 * read, `wire/unencodable` for a value that cannot be written), turning bytes into text,
 * and small tests on values.
 */

import { bytesToBase64, DatahikeError, base64ToBytes as fromBase64 } from '../values/index.js';

/** The formats, as errors and `data.format` name them. */
export type FormatName = 'json' | 'edn' | 'transit+json';

const FORMAT_TITLES: Record<FormatName, string> = {
  json: 'JSON',
  edn: 'EDN',
  'transit+json': 'transit-json',
};

/** Where in the input something went wrong. */
export interface Position {
  /** Offset in UTF-16 code units from the start of the text. */
  readonly position?: number;
  readonly line?: number;
  readonly column?: number;
}

/** Line and column (both from 1) of an offset in a text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** The error for input that is not valid in a format. */
export function malformed(
  format: FormatName,
  message: string,
  where: Position = {},
  extra: Record<string, unknown> = {},
  cause?: unknown,
): DatahikeError {
  const at =
    where.line !== undefined
      ? ` at line ${where.line}, column ${where.column}`
      : where.position !== undefined
        ? ` at offset ${where.position}`
        : '';
  return new DatahikeError(
    'wire/malformed',
    `Malformed ${FORMAT_TITLES[format]} input${at}: ${message}`,
    { format, ...where, ...extra },
    cause,
  );
}

/** The error for a value a format cannot carry. */
export function unencodable(format: FormatName, what: string, value?: unknown): DatahikeError {
  const type =
    value === null || value === undefined
      ? String(value)
      : typeof value === 'object'
        ? (Object.getPrototypeOf(value)?.constructor?.name ?? 'Object')
        : typeof value;
  return new DatahikeError(
    'wire/unencodable',
    `Cannot encode as ${FORMAT_TITLES[format]}: ${what}`,
    {
      format,
      type,
    },
  );
}

/**
 * Raised by payload checks (handles, datoms, tagged literals); each codec turns it into a
 * `wire/malformed` error with the format and the position it knows.
 */
export class PayloadError extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of a request or response body: a string as is, bytes decoded as UTF-8. */
export function asText(input: string | Uint8Array, format: FormatName): string {
  if (typeof input === 'string') return input;
  if (input instanceof Uint8Array) {
    try {
      return utf8.decode(input);
    } catch (err) {
      throw malformed(format, 'the bytes are not valid UTF-8', {}, {}, err);
    }
  }
  throw malformed(format, `expected text or bytes, got ${typeof input}`);
}

/**
 * How deep collections may nest in a value we encode (a deeper or cyclic value is
 * `wire/unencodable`); input is limited in proportion (below). An explicit limit, because
 * the recursive readers and writers (ours, the EDN module's, transit-js's) would otherwise
 * overflow the stack, which does not always surface as a RangeError (V8 may report a
 * failed `instanceof` as a TypeError). transit-js manages about 950 nested sets on a
 * default stack; 500 leaves room for the caller's frames.
 */
export const MAX_DEPTH = 500;

/**
 * How deep brackets may nest in input, per format: JSON spends up to three levels of
 * brackets on one level of value (`["!map",[[k,v]]]`), transit two (`["~#set",[…]]`), EDN
 * one; so whatever we encode we also decode, and nothing deeper reaches a recursive reader.
 */
export const MAX_TEXT_DEPTH: Record<FormatName, number> = {
  json: 3 * MAX_DEPTH + 10,
  'transit+json': 2 * MAX_DEPTH + 10,
  edn: MAX_DEPTH + 10,
};

export function tooDeepToEncode(format: FormatName): DatahikeError {
  return unencodable(
    format,
    `the value nests deeper than ${MAX_DEPTH} levels (or contains a cycle)`,
  );
}

/**
 * The offset where text nests brackets deeper than the format allows, or -1. Skips
 * strings and, for EDN, character literals and comments. For readers we did not write.
 */
export function excessiveNesting(text: string, format: 'edn' | 'transit+json'): number {
  const edn = format === 'edn';
  const limit = MAX_TEXT_DEPTH[format];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 91 || c === 123 || (edn && c === 40)) {
      if (++depth > limit) return i;
    } else if (c === 93 || c === 125 || (edn && c === 41)) depth--;
    else if (edn && c === 92 /* \ */) i++;
    else if (edn && c === 59 /* ; */) while (i < text.length && text.charCodeAt(i) !== 10) i++;
  }
  return -1;
}

export function isPlainObject(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text with every unpaired surrogate written as a `\uXXXX` escape, so that it survives
 * UTF-8 (which cannot hold one). For EDN string literals; JSON.stringify does this itself.
 */
export function escapeLoneSurrogates(s: string): string {
  return s.replace(LONE_SURROGATE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** True when a string may hold an unpaired surrogate (a cheap pre-check). */
export function hasSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 (with padding) → bytes; anything else is a PayloadError. */
export { bytesToBase64 };

export function base64ToBytes(s: string): Uint8Array {
  if (!BASE64.test(s)) throw new PayloadError(`not base64: ${JSON.stringify(s.slice(0, 40))}`);
  return fromBase64(s);
}
