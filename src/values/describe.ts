/**
 * A short EDN-like rendering of a value for error messages. The layers below `edn/`
 * cannot use its printer, and a message only needs to be readable, not to round-trip.
 */

import { Keyword, Sym } from './keyword.js';
import { BigDec, Uuid } from './scalars.js';

const MAX = 200;

function render(v: unknown, depth: number): string {
  if (v === null || v === undefined) return 'nil';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'bigint':
      return `${v}N`;
    case 'function':
      return `#function ${v.name || 'anonymous'}`;
    case 'object':
      break;
    default:
      return String(v);
  }
  if (v instanceof Keyword || v instanceof Sym) return v.toString();
  if (v instanceof Uuid) return `#uuid "${v.str}"`;
  if (v instanceof Date)
    return `#inst "${Number.isNaN(v.getTime()) ? 'invalid' : v.toISOString()}"`;
  if (v instanceof BigDec) return `${v}M`;
  if (depth > 3) return '…';
  if (Array.isArray(v)) return `[${v.map((x) => render(x, depth + 1)).join(' ')}]`;
  if (v instanceof Set) return `#{${[...v].map((x) => render(x, depth + 1)).join(' ')}}`;
  if (v instanceof Map)
    return `{${[...v].map(([k, x]) => `${render(k, depth + 1)} ${render(x, depth + 1)}`).join(', ')}}`;
  if (v instanceof Uint8Array) return `#bytes[${v.length}]`;
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null)
    return `{${Object.entries(v as object)
      .map(([k, x]) => `${k} ${render(x, depth + 1)}`)
      .join(', ')}}`;
  const text = String(v);
  // An object without a string form of its own: name its class.
  return text === '[object Object]'
    ? `#object ${(v as object).constructor?.name ?? 'Object'}`
    : text;
}

export function printValue(v: unknown): string {
  const s = render(v, 0);
  return s.length > MAX ? `${s.slice(0, MAX)}…` : s;
}
