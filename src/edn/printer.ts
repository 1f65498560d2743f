/** The EDN printer: any value the database or a query produces, as text that reads back equal. */

import {
  BigDec,
  base64ToBytes,
  bytesToBase64,
  Char,
  isList,
  Keyword,
  Sym,
  TaggedValue,
  Uuid,
} from '../values/index.js';
import { registerTag } from './reader.js';

export type ValuePrinter = (value: unknown, print: (v: unknown) => string) => string;

const printers: [(v: unknown) => boolean, ValuePrinter][] = [];

/** Teaches the printer a type of its own: `registerPrinter((v) => v instanceof Datom, …)`. */
export function registerPrinter(test: (v: unknown) => boolean, printer: ValuePrinter): void {
  printers.push([test, printer]);
}

const CHAR_NAMES: Record<string, string> = {
  '\n': 'newline',
  ' ': 'space',
  '\t': 'tab',
  '\r': 'return',
  '\f': 'formfeed',
  '\b': 'backspace',
};

function printString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    switch (c) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      default: {
        const code = c.charCodeAt(0);
        out += code < 32 ? `\\u${code.toString(16).padStart(4, '0')}` : c;
      }
    }
  }
  return `${out}"`;
}

function printNumber(n: number): string {
  if (Number.isNaN(n)) return '##NaN';
  if (n === Number.POSITIVE_INFINITY) return '##Inf';
  if (n === Number.NEGATIVE_INFINITY) return '##-Inf';
  if (Number.isInteger(n) && Math.abs(n) > Number.MAX_SAFE_INTEGER)
    return n.toExponential().replace('e+', 'E');
  return String(n);
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function printInstant(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}-00:00`;
}

function printBytes(b: Uint8Array): string {
  return `#bytes ${printString(bytesToBase64(b))}`;
}

registerTag('bytes', (v) => {
  if (typeof v !== 'string') throw new TypeError('#bytes needs a base64 string');
  return base64ToBytes(v);
});

/** EDN text for a value. Plain objects print as maps with keyword keys. */
export function printEdn(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return printString(v);
    case 'number':
      return printNumber(v);
    case 'bigint':
      return `${v}N`;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return 'nil';
    case 'function':
      return `#function ${printString(v.name || 'anonymous')}`;
    case 'symbol':
      return printString(String(v));
  }
  if (v === null) return 'nil';
  for (const [test, printer] of printers) if (test(v)) return printer(v, printEdn);
  if (v instanceof Keyword) return `:${v.fqn}`;
  if (v instanceof Sym) return v.fqn;
  if (isList(v)) return `(${v.map(printEdn).join(' ')})`;
  if (Array.isArray(v)) return `[${v.map(printEdn).join(' ')}]`;
  if (v instanceof Map)
    return `{${[...v].map(([k, x]) => `${printEdn(k)} ${printEdn(x)}`).join(', ')}}`;
  if (v instanceof Set) return `#{${[...v].map(printEdn).join(' ')}}`;
  if (v instanceof Date) return `#inst "${printInstant(v)}"`;
  if (v instanceof Uuid) return `#uuid "${v.str}"`;
  if (v instanceof BigDec) return `${v}M`;
  if (v instanceof Char)
    return `\\${CHAR_NAMES[v.char] ?? (v.char.charCodeAt(0) < 32 ? `u${v.char.charCodeAt(0).toString(16).padStart(4, '0')}` : v.char)}`;
  if (v instanceof Uint8Array) return printBytes(v);
  if (v instanceof TaggedValue) return `#${v.tag} ${printEdn(v.value)}`;
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null)
    return `{${Object.entries(v as object)
      .map(([k, x]) => `:${k.replace(/^:/, '')} ${printEdn(x)}`)
      .join(', ')}}`;
  // An object that knows its EDN form (an entity prints as its attributes).
  const own = (v as { toEdn?: unknown }).toEdn;
  if (typeof own === 'function') return String(own.call(v));
  return printString(String(v));
}
