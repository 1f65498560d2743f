/**
 * Built-in query functions and aggregates. Only these names resolve to code: a query can
 * call nothing else but functions the caller passes in as inputs.
 */

import {
  BigDec,
  compareValues,
  DatahikeError,
  equals,
  isKeyword,
  isSym,
  keyword,
  List,
  printValue,
  Uuid,
} from '../values/index.js';

type Fn = (...args: unknown[]) => unknown;

function num(fn: string, x: unknown): number {
  if (typeof x === 'number') return x;
  if (typeof x === 'bigint') return Number(x);
  if (x instanceof BigDec) return x.toNumber();
  throw new DatahikeError('query/type', `${fn} needs numbers, got ${printValue(x)}.`, {
    function: fn,
    value: x,
  });
}

function str(fn: string, x: unknown): string {
  if (typeof x === 'string') return x;
  throw new DatahikeError('query/type', `${fn} needs a string, got ${printValue(x)}.`, {
    function: fn,
    value: x,
  });
}

function chain(cmp: (c: number) => boolean): Fn {
  return (...xs) => {
    for (let i = 1; i < xs.length; i++) if (!cmp(compareValues(xs[i - 1], xs[i]))) return false;
    return true;
  };
}

function arith(name: string, op: (a: number, b: number) => number, unit?: number): Fn {
  return (...xs) => {
    if (xs.length === 0) {
      if (unit === undefined)
        throw new DatahikeError('query/arity', `${name} needs at least one argument.`, {});
      return unit;
    }
    if (xs.every((x) => typeof x === 'bigint')) {
      let acc = xs[0] as bigint;
      for (let i = 1; i < xs.length; i++) acc = bigOp(name, acc, xs[i] as bigint);
      return xs.length === 1 && name === '-' ? -acc : acc;
    }
    let acc = num(name, xs[0]);
    if (xs.length === 1) return name === '-' ? -acc : name === '/' ? 1 / acc : acc;
    for (let i = 1; i < xs.length; i++) acc = op(acc, num(name, xs[i]));
    return acc;
  };
}

function bigOp(name: string, a: bigint, b: bigint): bigint {
  switch (name) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    default:
      return a / b;
  }
}

function toStr(x: unknown): string {
  if (x === null || x === undefined) return '';
  if (typeof x === 'string') return x;
  if (isKeyword(x)) return `:${x.fqn}`;
  if (isSym(x)) return x.fqn;
  if (x instanceof Uuid) return x.str;
  if (x instanceof Date) return x.toISOString();
  return String(x);
}

function regex(x: unknown): RegExp {
  if (x instanceof RegExp) return x;
  return new RegExp(str('re-pattern', x));
}

function typeName(x: unknown): string {
  if (x === null || x === undefined) return 'nil';
  if (typeof x === 'number') return Number.isInteger(x) ? 'long' : 'double';
  if (typeof x === 'bigint') return 'bigint';
  if (typeof x === 'string') return 'string';
  if (typeof x === 'boolean') return 'boolean';
  if (isKeyword(x)) return 'keyword';
  if (isSym(x)) return 'symbol';
  if (x instanceof Uuid) return 'uuid';
  if (x instanceof Date) return 'instant';
  if (x instanceof BigDec) return 'bigdec';
  if (x instanceof Uint8Array) return 'bytes';
  if (Array.isArray(x)) return 'vector';
  if (x instanceof Map) return 'map';
  if (x instanceof Set) return 'set';
  return typeof x;
}

/** Functions usable in predicates and function clauses, by name. */
export const BUILTINS: ReadonlyMap<string, Fn> = new Map<string, Fn>([
  ['=', (...xs) => xs.every((x) => equals(x, xs[0]))],
  ['==', (...xs) => xs.every((x) => compareValues(x, xs[0]) === 0)],
  ['not=', (...xs) => !xs.every((x) => equals(x, xs[0]))],
  ['!=', (...xs) => !xs.every((x) => equals(x, xs[0]))],
  ['<', chain((c) => c < 0)],
  ['>', chain((c) => c > 0)],
  ['<=', chain((c) => c <= 0)],
  ['>=', chain((c) => c >= 0)],
  ['+', arith('+', (a, b) => a + b, 0)],
  ['-', arith('-', (a, b) => a - b)],
  ['*', arith('*', (a, b) => a * b, 1)],
  ['/', arith('/', (a, b) => a / b)],
  [
    'quot',
    (a, b) =>
      typeof a === 'bigint' && typeof b === 'bigint'
        ? a / b
        : Math.trunc(num('quot', a) / num('quot', b)),
  ],
  [
    'rem',
    (a, b) =>
      typeof a === 'bigint' && typeof b === 'bigint' ? a % b : num('rem', a) % num('rem', b),
  ],
  [
    'mod',
    (a, b) => {
      if (typeof a === 'bigint' && typeof b === 'bigint') return ((a % b) + b) % b;
      const x = num('mod', a);
      const y = num('mod', b);
      return ((x % y) + y) % y;
    },
  ],
  ['inc', (x) => (typeof x === 'bigint' ? x + 1n : num('inc', x) + 1)],
  ['dec', (x) => (typeof x === 'bigint' ? x - 1n : num('dec', x) - 1)],
  ['max', (...xs) => xs.reduce((a, b) => (compareValues(a, b) >= 0 ? a : b))],
  ['min', (...xs) => xs.reduce((a, b) => (compareValues(a, b) <= 0 ? a : b))],
  ['zero?', (x) => num('zero?', x) === 0],
  ['pos?', (x) => num('pos?', x) > 0],
  ['neg?', (x) => num('neg?', x) < 0],
  ['even?', (x) => (typeof x === 'bigint' ? x % 2n === 0n : num('even?', x) % 2 === 0)],
  ['odd?', (x) => (typeof x === 'bigint' ? x % 2n !== 0n : Math.abs(num('odd?', x) % 2) === 1)],
  ['true?', (x) => x === true],
  ['false?', (x) => x === false],
  ['nil?', (x) => x === null || x === undefined],
  ['some?', (x) => x !== null && x !== undefined],
  ['identity', (x) => x],
  ['str', (...xs) => xs.map(toStr).join('')],
  [
    'subs',
    (s, start, end) =>
      str('subs', s).slice(num('subs', start), end === undefined ? undefined : num('subs', end)),
  ],
  [
    'clojure.string/starts-with?',
    (s, p) => str('starts-with?', s).startsWith(str('starts-with?', p)),
  ],
  ['clojure.string/ends-with?', (s, p) => str('ends-with?', s).endsWith(str('ends-with?', p))],
  ['clojure.string/includes?', (s, p) => str('includes?', s).includes(str('includes?', p))],
  ['clojure.string/blank?', (s) => s === null || s === undefined || str('blank?', s).trim() === ''],
  ['clojure.string/lower-case', (s) => str('lower-case', s).toLowerCase()],
  ['clojure.string/upper-case', (s) => str('upper-case', s).toUpperCase()],
  ['re-pattern', (s) => regex(s)],
  [
    're-find',
    (re, s) => {
      const m = regex(re).exec(str('re-find', s));
      return m === null ? null : m.length > 1 ? [...m] : m[0];
    },
  ],
  [
    're-matches',
    (re, s) => {
      const r = regex(re);
      const m = new RegExp(`^(?:${r.source})$`, r.flags).exec(str('re-matches', s));
      return m === null ? null : m.length > 1 ? [...m] : m[0];
    },
  ],
  [
    're-seq',
    (re, s) => {
      const r = regex(re);
      const all = [
        ...str('re-seq', s).matchAll(
          new RegExp(r.source, r.flags.includes('g') ? r.flags : `${r.flags}g`),
        ),
      ];
      return all.length === 0 ? null : all.map((m) => (m.length > 1 ? [...m] : m[0]));
    },
  ],
  ['tuple', (...xs) => xs],
  ['untuple', (x) => x],
  [
    'count',
    (x) => {
      if (typeof x === 'string' || Array.isArray(x)) return x.length;
      if (x instanceof Map || x instanceof Set) return x.size;
      if (x === null || x === undefined) return 0;
      throw new DatahikeError(
        'query/type',
        `count needs a collection or string, got ${printValue(x)}.`,
        { value: x },
      );
    },
  ],
  [
    'keyword',
    (a, b) =>
      b === undefined ? keyword(str('keyword', a)) : keyword(str('keyword', a), str('keyword', b)),
  ],
  ['name', (x) => (isKeyword(x) || isSym(x) ? x.name : str('name', x))],
  ['namespace', (x) => (isKeyword(x) || isSym(x) ? x.ns : null)],
  ['vector', (...xs) => xs],
  [
    'list',
    (...xs) => {
      const l = new List<unknown>();
      for (const x of xs) l.push(x);
      return l;
    },
  ],
  [
    'hash-map',
    (...xs) => {
      const m = new Map<unknown, unknown>();
      for (let i = 0; i + 1 < xs.length; i += 2) m.set(xs[i], xs[i + 1]);
      return m;
    },
  ],
  ['compare', (a, b) => Math.sign(compareValues(a, b))],
  [
    '-differ?',
    (...xs) => xs.slice(0, xs.length / 2).some((x, i) => !equals(x, xs[xs.length / 2 + i])),
  ],
  ['type', (x) => typeName(x)],
]);

/** Functions that read a database: `get-else`, `get-some`, `missing?`; handled by the engine. */
export const DB_FUNCTIONS = new Set(['get-else', 'get-some', 'missing?', 'ground']);

export type Aggregate = (values: unknown[], ...params: unknown[]) => unknown;

function sorted(values: unknown[]): unknown[] {
  return [...values].sort(compareValues);
}

function distinctValues(values: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of sorted(values))
    if (out.length === 0 || !equals(out[out.length - 1], v)) out.push(v);
  return out;
}

function sum(values: unknown[]): number | bigint {
  if (values.length > 0 && values.every((v) => typeof v === 'bigint'))
    return (values as bigint[]).reduce((a, b) => a + b, 0n);
  return values.reduce<number>((a, v) => a + num('sum', v), 0);
}

function variance(values: unknown[]): number {
  const xs = values.map((v) => num('variance', v));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length;
}

/** Aggregates for :find, by name. `(min n ?x)`/`(max n ?x)` take n first. */
export const AGGREGATES: ReadonlyMap<string, Aggregate> = new Map<string, Aggregate>([
  ['count', (vs) => vs.length],
  ['count-distinct', (vs) => distinctValues(vs).length],
  ['sum', (vs) => sum(vs)],
  ['avg', (vs) => Number(sum(vs)) / vs.length],
  [
    'median',
    (vs) => {
      const s = sorted(vs).map((v) => num('median', v));
      const mid = s.length >>> 1;
      return s.length % 2 === 1 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
    },
  ],
  ['variance', (vs) => variance(vs)],
  ['stddev', (vs) => Math.sqrt(variance(vs))],
  [
    'min',
    (vs, n) => {
      if (n === undefined) return vs.reduce((a, b) => (compareValues(a, b) <= 0 ? a : b));
      return distinctValues(vs).slice(0, num('min', n));
    },
  ],
  [
    'max',
    (vs, n) => {
      if (n === undefined) return vs.reduce((a, b) => (compareValues(a, b) >= 0 ? a : b));
      return distinctValues(vs).reverse().slice(0, num('max', n));
    },
  ],
  ['distinct', (vs) => new Set(distinctValues(vs))],
  [
    'rand',
    (vs, n) =>
      Array.from(
        { length: n === undefined ? 1 : num('rand', n) },
        () => vs[Math.floor(Math.random() * vs.length)],
      ),
  ],
  [
    'sample',
    (vs, n) => {
      const pool = distinctValues(vs);
      for (let i = pool.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [pool[i], pool[j]] = [pool[j], pool[i]];
      }
      return pool.slice(0, num('sample', n));
    },
  ],
]);
