/**
 * Conversion between what a JavaScript program writes and the internal value model, as
 * Datahike's JavaScript API does it:
 * - in: object keys become keywords (a leading colon is allowed), a string starting with
 *   `:` is a keyword and `\:` escapes a literal colon; arrays, numbers, booleans, null,
 *   Dates and the library's own objects pass through.
 * - out: keywords become `":ns/name"` strings, maps become objects whose keys carry no
 *   colon (`"db/id"`), sets become arrays and datoms `{e, a, v, tx, added}`.
 */

import { DbView } from '../db/index.js';
import { Datom } from '../index/datom.js';
import { Entity } from '../pull/index.js';
import { isKeyword, isSym, Keyword, keyword, Sym, Uuid } from '../values/index.js';

/** A datom as the public API shows it. */
export interface DatomObject {
  e: number;
  /** The attribute, `":person/name"`. */
  a: string;
  v: unknown;
  tx: number;
  added: boolean;
}

function isPlainObject(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** A JS string → keyword or string, by Datahike's colon rule. */
export function stringIn(s: string): unknown {
  if (s.charCodeAt(0) === 58 /* : */ && s.length > 1) return keyword(s);
  if (s.charCodeAt(0) === 92 /* \ */ && s.charCodeAt(1) === 58) return s.slice(1);
  return s;
}

/** JavaScript → internal values. */
export function toInternal(x: unknown): unknown {
  switch (typeof x) {
    case 'string':
      return stringIn(x);
    case 'function':
      return wrapFunction(x as (...args: unknown[]) => unknown);
    case 'object': {
      if (x === null) return null;
      if (Array.isArray(x)) {
        const out = new Array(x.length);
        for (let i = 0; i < x.length; i++) out[i] = toInternal(x[i]);
        return out;
      }
      if (isPlainObject(x)) {
        const m = new Map<unknown, unknown>();
        for (const k in x) m.set(keyword(k), toInternal((x as Record<string, unknown>)[k]));
        return m;
      }
      if (x instanceof Set) return new Set([...x].map(toInternal));
      return x;
    }
    default:
      return x;
  }
}

const wrapped = new WeakMap<object, unknown>();

/**
 * A user's function called from inside the database (tx function, filter predicate,
 * listener) sees public values and hands back values the database converts.
 */
function wrapFunction(f: (...args: unknown[]) => unknown): unknown {
  const cached = wrapped.get(f);
  if (cached !== undefined) return cached;
  const w = (...args: unknown[]) => {
    const out = f(...args.map(toExternal));
    // A transaction function may answer a Promise of its tx-data.
    return out instanceof Promise ? out.then(toInternal) : toInternal(out);
  };
  Object.defineProperty(w, 'name', { value: f.name });
  wrapped.set(f, w);
  return w;
}

export function datomToObject(d: Datom): DatomObject {
  return { e: d.e, a: `:${d.a.fqn}`, v: toExternal(d.v), tx: d.tx, added: d.added };
}

/** A map key as an object key: keywords without the colon, anything else as text. */
function keyOut(k: unknown): string {
  if (isKeyword(k)) return k.fqn;
  if (k instanceof Uuid) return k.str;
  return String(k);
}

/** Internal → JavaScript values. */
export function toExternal(x: unknown): unknown {
  return external(x, 0);
}

/** Nesting beyond which conversion goes on with an explicit stack (no call-stack overflow). */
const DEEP = 256;

function external(x: unknown, depth: number): unknown {
  switch (typeof x) {
    case 'object': {
      if (x === null) return null;
      if (x instanceof Keyword) return `:${x.fqn}`;
      if (Array.isArray(x)) {
        if (depth > DEEP) return externalDeep(x);
        const out = new Array(x.length);
        for (let i = 0; i < x.length; i++) out[i] = external(x[i], depth + 1);
        return out;
      }
      if (x instanceof Map) {
        if (depth > DEEP) return externalDeep(x);
        const o: Record<string, unknown> = {};
        for (const [k, v] of x) o[keyOut(k)] = external(v, depth + 1);
        return o;
      }
      if (x instanceof Set) {
        if (depth > DEEP) return externalDeep(x);
        const out: unknown[] = [];
        for (const v of x) out.push(external(v, depth + 1));
        return out;
      }
      if (x instanceof Datom) return datomToObject(x);
      if (x instanceof Uuid) return x.str;
      if (x instanceof Sym) return x.fqn;
      if (x instanceof DbView || x instanceof Entity) return x;
      if (isPlainObject(x)) {
        if (depth > DEEP) return externalDeep(x);
        const o: Record<string, unknown> = {};
        for (const k in x) o[k] = external((x as Record<string, unknown>)[k], depth + 1);
        return o;
      }
      return x;
    }
    default:
      return isSym(x) ? (x as Sym).fqn : x;
  }
}

/** The container's converted shell and its entries as [public key, value] pairs. */
function shell(x: object): [Record<string, unknown> | unknown[], [string | number, unknown][]] {
  if (Array.isArray(x)) return [new Array(x.length), x.map((v, i) => [i, v])];
  if (x instanceof Set) return [new Array(x.size), [...x].map((v, i) => [i, v])];
  if (x instanceof Map) return [{}, [...x].map(([k, v]) => [keyOut(k), v])];
  return [{}, Object.entries(x)];
}

function externalDeep(root: object): unknown {
  const [top, entries] = shell(root);
  const stack = [{ out: top, entries, next: 0 }];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.next === f.entries.length) {
      stack.pop();
      continue;
    }
    const [k, v] = f.entries[f.next++]!;
    const slot = f.out as Record<string | number, unknown>;
    if (
      v !== null &&
      typeof v === 'object' &&
      (Array.isArray(v) || v instanceof Map || v instanceof Set || isPlainObject(v))
    ) {
      const [out, es] = shell(v);
      slot[k] = out;
      stack.push({ out, entries: es, next: 0 });
    } else slot[k] = external(v, 0);
  }
  return top;
}
