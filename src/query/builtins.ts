/**
 * Built-in query functions and aggregates: DataScript's `datascript.built-ins` list, whole,
 * with Clojure's semantics (the functions that read a database, `get-else`, `get-some` and
 * `missing?`, among them), plus Datahike's `before?`/`after?` and the nested `q`. Only these
 * names resolve to code: a query can call nothing else but functions the caller passes in as
 * inputs.
 */

import type { RE2JS } from 're2js';
import { printEdn } from '../edn/index.js';
import {
  BigDec,
  Char,
  compareNumbersByValue,
  compareValues,
  DatahikeError,
  equals,
  isKeyword,
  isList,
  isSym,
  Keyword,
  keyword,
  list,
  printValue,
  Rank,
  rankOf,
  Sym,
  Uuid,
} from '../values/index.js';
import { isDb } from './context.js';
import { checkBigint, checkCount, joinLimited, linearRegex } from './limits.js';
import { entityOf } from './resolve.js';
import { scan } from './scan.js';

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

/**
 * Clojure's `compare` over the value order: numbers of different kinds compare by value
 * alone (`(compare 1 1.0M)` is 0), where the value order keeps them apart to stay total.
 */
export function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return compareValues(a, b);
  if (rankOf(a) === Rank.Number && rankOf(b) === Rank.Number)
    return compareNumbersByValue(a as number, b as number);
  return compareValues(a, b);
}

function chain(cmp: (c: number) => boolean): Fn {
  return (...xs) => {
    if (xs.length === 0)
      throw new DatahikeError('query/arity', 'A comparison needs at least one argument.', {});
    for (let i = 1; i < xs.length; i++) if (!cmp(compare(xs[i - 1], xs[i]))) return false;
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
      return checkBigint('*', a * b);
    default:
      return a / b;
  }
}

function truthy(x: unknown): boolean {
  return x !== false && x !== null && x !== undefined;
}

/** `str`'s text of a value: nil is empty, strings as they are, the rest as Clojure prints it. */
function toStr(x: unknown): string {
  if (x === null || x === undefined) return '';
  if (typeof x === 'string') return x;
  if (x instanceof Char) return x.char;
  if (isKeyword(x)) return `:${x.fqn}`;
  if (isSym(x)) return x.fqn;
  if (x instanceof Uuid) return x.str;
  if (x instanceof Date) return x.toISOString();
  if (typeof x === 'object') return printEdn(x);
  return String(x);
}

/** `print`'s text: like `pr`, but strings and characters without quotes. */
function printText(x: unknown): string {
  if (typeof x === 'string') return x;
  if (x instanceof Char) return x.char;
  if (x === null || x === undefined) return 'nil';
  return printEdn(x);
}

/** A pattern value: a RegExp carries the source and flags; matching runs on re2js. */
function regex(x: unknown): RegExp {
  if (x instanceof RegExp) return x;
  const source = str('re-pattern', x);
  linearRegex(source, '');
  return new RegExp(source);
}

function linear(x: unknown): RE2JS {
  const r = regex(x);
  return linearRegex(r.source, r.flags);
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
  if (isList(x)) return 'list';
  if (Array.isArray(x)) return 'vector';
  if (x instanceof Map) return 'map';
  if (x instanceof Set) return 'set';
  return typeof x;
}

/** Items of a collection (a map's entries as [k v]), for functions taking any collection. */
function items(fn: string, x: unknown): unknown[] {
  if (x === null || x === undefined) return [];
  if (typeof x === 'string') return [...x].map((c) => new Char(c));
  if (Array.isArray(x)) return x;
  if (x instanceof Set) return [...x];
  if (x instanceof Map) return [...x].map(([k, v]) => [k, v]);
  throw new DatahikeError('query/type', `${fn} needs a collection, got ${printValue(x)}.`, {
    function: fn,
    value: x,
  });
}

function size(x: unknown): number {
  if (x === null || x === undefined) return 0;
  if (typeof x === 'string' || Array.isArray(x)) return x.length;
  if (x instanceof Map || x instanceof Set) return x.size;
  if (x instanceof Uint8Array) return x.length;
  throw new DatahikeError(
    'query/type',
    `count needs a collection or string, got ${printValue(x)}.`,
    {
      value: x,
    },
  );
}

/** A map's entry for `k` by value equality (keys may be vectors, maps or uuids). */
function mapEntry(m: Map<unknown, unknown>, k: unknown): [unknown, unknown] | undefined {
  if (m.has(k)) return [k, m.get(k)];
  if (typeof k !== 'object' || k === null) return undefined;
  for (const e of m) if (equals(e[0], k)) return e;
  return undefined;
}

function setMember(s: Set<unknown>, x: unknown): boolean {
  if (s.has(x)) return true;
  if (typeof x !== 'object' || x === null) return false;
  for (const y of s) if (equals(x, y)) return true;
  return false;
}

function get(coll: unknown, k: unknown, notFound: unknown = null): unknown {
  if (coll instanceof Map) return mapEntry(coll, k)?.[1] ?? notFound;
  if (coll instanceof Set) return setMember(coll, k) ? k : notFound;
  if ((Array.isArray(coll) || typeof coll === 'string') && typeof k === 'number') {
    if (!Number.isInteger(k) || k < 0 || k >= coll.length) return notFound;
    return typeof coll === 'string' ? new Char(coll[k]!) : coll[k];
  }
  return notFound;
}

function contains(coll: unknown, k: unknown): boolean {
  if (coll instanceof Map) return mapEntry(coll, k) !== undefined;
  if (coll instanceof Set) return setMember(coll, k);
  if (Array.isArray(coll) || typeof coll === 'string')
    return typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < coll.length;
  if (coll === null || coll === undefined) return false;
  throw new DatahikeError('query/type', `contains? needs a collection, got ${printValue(coll)}.`, {
    value: coll,
  });
}

function range(...xs: unknown[]): number[] {
  if (xs.length === 0 || xs.length > 3)
    throw new DatahikeError(
      'query/arity',
      'range takes an end, a start and an end, or a step too.',
      {},
    );
  const [start, end, step] =
    xs.length === 1
      ? [0, num('range', xs[0]), 1]
      : [num('range', xs[0]), num('range', xs[1]), xs.length === 3 ? num('range', xs[2]) : 1];
  if (step === 0) throw new DatahikeError('query/type', 'range with a step of 0 never ends.', {});
  checkCount('range', Math.max(0, Math.ceil((end - start) / step)));
  const out: number[] = [];
  for (let x = start; step > 0 ? x < end : x > end; x += step) out.push(x);
  return out;
}

function toMap(fn: string, xs: unknown[]): Map<unknown, unknown> {
  if (xs.length % 2 !== 0)
    throw new DatahikeError('query/arity', `${fn} needs keys and values in pairs.`, {});
  const m = new Map<unknown, unknown>();
  for (let i = 0; i < xs.length; i += 2) {
    const e = mapEntry(m, xs[i]);
    m.set(e === undefined ? xs[i] : e[0], xs[i + 1]);
  }
  return m;
}

function toKeyword(a: unknown, b?: unknown): Keyword | null {
  if (b !== undefined) return keyword(str('keyword', a), str('keyword', b));
  if (a === null || a === undefined) return null;
  if (a instanceof Keyword) return a;
  if (a instanceof Sym) return keyword(a.fqn);
  return keyword(str('keyword', a));
}

function reMatch(m: readonly (string | undefined)[] | null): unknown {
  if (m === null) return null;
  return m.length > 1 ? [...m].map((g) => g ?? null) : m[0];
}

/** A reverse attribute (`:_parent`, `:person/_friend`) as its forward attribute, else null. */
function forwardOf(a: unknown): Keyword | null {
  if (!isKeyword(a) || !a.name.startsWith('_')) return null;
  return a.ns === null ? keyword(a.name.slice(1)) : keyword(a.ns, a.name.slice(1));
}

/** The values of `a` on entity `e` in `db` (for a reverse attribute, the entities naming `e`). */
function attrValues(fn: string, db: unknown, e: unknown, a: unknown): unknown[] {
  if (!isDb(db))
    throw new DatahikeError(
      'query/bad-source',
      `${fn} needs a database as its first argument, got ${printValue(db)}.`,
      {},
    );
  const eid = entityOf(db, e);
  if (eid === undefined) return [];
  const forward = forwardOf(a);
  if (forward !== null) return scan(db, undefined, forward, eid, undefined).map((d) => d.e);
  return scan(db, eid, a, undefined, undefined).map((d) => d.v);
}

function getElse(db: unknown, e: unknown, a: unknown, dflt: unknown): unknown {
  if (dflt === null || dflt === undefined)
    throw new DatahikeError('query/invalid', 'get-else: nil default value is not supported.', {});
  const vs = attrValues('get-else', db, e, a);
  return vs.length > 0 ? vs[0] : dflt;
}

function getSome(db: unknown, e: unknown, ...attrs: unknown[]): unknown {
  for (const a of attrs) {
    const vs = attrValues('get-some', db, e, a);
    if (vs.length > 0) return [a, vs[0]];
  }
  return null;
}

/** What a built-in may ask of the query that calls it. */
export interface Caller {
  /** Runs a query nested in a function clause, with what is left of the caller's time. */
  readonly nestedQuery: (query: unknown, inputs: unknown[]) => unknown;
}

/** A built-in made for the query that calls it (the nested `q`). */
class PerQuery {
  constructor(readonly make: (caller: Caller) => Fn) {}
}

const nestedQ = new PerQuery(
  (caller) =>
    (query, ...inputs) =>
      caller.nestedQuery(query, inputs),
);

/** Functions usable in predicates and function clauses, by name. */
export const BUILTINS: ReadonlyMap<string, Fn | PerQuery> = new Map<string, Fn | PerQuery>([
  ['=', (...xs) => xs.every((x) => equals(x, xs[0]))],
  [
    '==',
    (...xs) => {
      for (const x of xs) num('==', x);
      return xs.every((x) => compare(x, xs[0]) === 0);
    },
  ],
  ['not=', (...xs) => !xs.every((x) => equals(x, xs[0]))],
  ['!=', (...xs) => !xs.every((x) => equals(x, xs[0]))],
  ['<', chain((c) => c < 0)],
  ['>', chain((c) => c > 0)],
  ['<=', chain((c) => c <= 0)],
  ['>=', chain((c) => c >= 0)],
  ['before?', chain((c) => c < 0)],
  ['after?', chain((c) => c > 0)],
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
  ['max', (...xs) => xs.reduce((a, b) => (compare(a, b) >= 0 ? a : b))],
  ['min', (...xs) => xs.reduce((a, b) => (compare(a, b) <= 0 ? a : b))],
  ['zero?', (x) => num('zero?', x) === 0],
  ['pos?', (x) => num('pos?', x) > 0],
  ['neg?', (x) => num('neg?', x) < 0],
  ['even?', (x) => (typeof x === 'bigint' ? x % 2n === 0n : num('even?', x) % 2 === 0)],
  ['odd?', (x) => (typeof x === 'bigint' ? x % 2n !== 0n : Math.abs(num('odd?', x) % 2) === 1)],
  ['compare', (a, b) => Math.sign(compare(a, b))],
  ['rand', (n) => Math.random() * (n === undefined ? 1 : num('rand', n))],
  ['rand-int', (n) => Math.floor(Math.random() * num('rand-int', n))],
  ['true?', (x) => x === true],
  ['false?', (x) => x === false],
  ['nil?', (x) => x === null || x === undefined],
  ['some?', (x) => x !== null && x !== undefined],
  ['not', (x) => !truthy(x)],
  [
    'and',
    (...xs) => {
      let last: unknown = true;
      for (const x of xs) if (!truthy((last = x))) return x;
      return last;
    },
  ],
  [
    'or',
    (...xs) => {
      let last: unknown = null;
      for (const x of xs) if (truthy((last = x))) return x;
      return last;
    },
  ],
  [
    'complement',
    (f) => {
      if (typeof f !== 'function')
        throw new DatahikeError(
          'query/type',
          `complement needs a function, got ${printValue(f)}.`,
          {},
        );
      return (...xs: unknown[]) => !truthy((f as Fn)(...xs));
    },
  ],
  ['identical?', (a, b) => a === b || (Number.isNaN(a) && Number.isNaN(b))],
  ['identity', (x) => x],
  ['keyword', (a, b) => toKeyword(a, b)],
  ['meta', () => null],
  ['name', (x) => (isKeyword(x) || isSym(x) ? x.name : str('name', x))],
  ['namespace', (x) => (isKeyword(x) || isSym(x) ? x.ns : null)],
  ['type', (x) => typeName(x)],
  ['vector', (...xs) => xs],
  ['list', (...xs) => list(...xs)],
  [
    'set',
    (coll) => {
      const out = new Set<unknown>();
      for (const x of items('set', coll)) if (!setMember(out, x)) out.add(x);
      return out;
    },
  ],
  ['hash-map', (...xs) => toMap('hash-map', xs)],
  ['array-map', (...xs) => toMap('array-map', xs)],
  ['count', (x) => size(x)],
  ['range', (...xs) => range(...xs)],
  ['not-empty', (x) => (size(x) === 0 ? null : x)],
  ['empty?', (x) => size(x) === 0],
  ['contains?', (coll, k) => contains(coll, k)],
  ['str', (...xs) => joinLimited('str', xs.map(toStr))],
  [
    'subs',
    (s, start, end) =>
      str('subs', s).slice(num('subs', start), end === undefined ? undefined : num('subs', end)),
  ],
  ['get', (coll, k, notFound) => get(coll, k, notFound ?? null)],
  [
    'pr-str',
    (...xs) =>
      joinLimited(
        'pr-str',
        xs.map((x) => printEdn(x ?? null)),
        ' ',
      ),
  ],
  ['print-str', (...xs) => joinLimited('print-str', xs.map(printText), ' ')],
  ['println-str', (...xs) => `${joinLimited('println-str', xs.map(printText), ' ')}\n`],
  [
    'prn-str',
    (...xs) =>
      `${joinLimited(
        'prn-str',
        xs.map((x) => printEdn(x ?? null)),
        ' ',
      )}\n`,
  ],
  ['re-find', (re, s) => reMatch(linear(re).exec(str('re-find', s)))],
  [
    're-matches',
    (re, s) => {
      const r = regex(re);
      return reMatch(linearRegex(`\\A(?:${r.source})\\z`, r.flags).exec(str('re-matches', s)));
    },
  ],
  [
    're-seq',
    (re, s) => {
      const all: unknown[] = [];
      for (const m of linear(re).matchAll(str('re-seq', s))) {
        all.push(reMatch(m));
        checkCount('re-seq', all.length);
      }
      return all.length === 0 ? null : all;
    },
  ],
  ['re-pattern', (s) => regex(s)],
  [
    '-differ?',
    (...xs) => xs.slice(0, xs.length / 2).some((x, i) => !equals(x, xs[xs.length / 2 + i])),
  ],
  ['ground', (x) => x],
  ['clojure.string/blank?', (s) => s === null || s === undefined || str('blank?', s).trim() === ''],
  ['clojure.string/includes?', (s, p) => str('includes?', s).includes(str('includes?', p))],
  [
    'clojure.string/starts-with?',
    (s, p) => str('starts-with?', s).startsWith(str('starts-with?', p)),
  ],
  ['clojure.string/ends-with?', (s, p) => str('ends-with?', s).endsWith(str('ends-with?', p))],
  ['tuple', (...xs) => xs],
  ['untuple', (x) => x],
  ['get-else', getElse],
  ['get-some', getSome],
  ['missing?', (db, e, a) => attrValues('missing?', db, e, a).length === 0],
  ['q', nestedQ],
  ['datahike.query/q', nestedQ],
]);

/** The built-in named `name` (a `clojure.core/` prefix aside), made for `caller`, if any. */
export function builtin(name: string, caller: Caller): Fn | undefined {
  const b = BUILTINS.get(name.replace(/^clojure\.core\//, ''));
  return b instanceof PerQuery ? b.make(caller) : b;
}

export type Aggregate = (values: unknown[], ...params: unknown[]) => unknown;

function sorted(values: unknown[]): unknown[] {
  return [...values].sort(compare);
}

function distinctValues(values: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of [...values].sort(compareValues))
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

function count(fn: string, n: unknown): number {
  const k = num(fn, n);
  if (!Number.isInteger(k) || k < 0)
    throw new DatahikeError('query/type', `${fn} needs a count, got ${printValue(n)}.`, {});
  return checkCount(fn, k);
}

function randomItem(vs: unknown[]): unknown {
  return vs[Math.floor(Math.random() * vs.length)];
}

/**
 * Aggregates for :find, by name; `(min n ?x)`, `(max n ?x)`, `(rand n ?x)`, `(sample n ?x)`
 * take n first. As in DataScript, min/max/rand/sample see every value of the group, with
 * duplicates (from :with), and `(min n ?x)`/`(max n ?x)` come out in ascending order.
 */
export const AGGREGATES: ReadonlyMap<string, Aggregate> = new Map<string, Aggregate>([
  ['count', (vs) => vs.length],
  ['count-distinct', (vs) => distinctValues(vs).length],
  ['sum', (vs) => sum(vs)],
  ['avg', (vs) => Number(sum(vs)) / vs.length],
  [
    'median',
    (vs) => {
      const s = sorted(vs);
      const mid = s.length >>> 1;
      if (s.length % 2 === 1) return s[mid];
      return (num('median', s[mid - 1]) + num('median', s[mid])) / 2;
    },
  ],
  ['variance', (vs) => variance(vs)],
  ['stddev', (vs) => Math.sqrt(variance(vs))],
  [
    'min',
    (vs, n) =>
      n === undefined
        ? vs.reduce((a, b) => (compare(b, a) < 0 ? b : a))
        : sorted(vs).slice(0, count('min', n)),
  ],
  [
    'max',
    (vs, n) => {
      if (n === undefined) return vs.reduce((a, b) => (compare(b, a) > 0 ? b : a));
      const s = sorted(vs);
      return s.slice(Math.max(0, s.length - count('max', n)));
    },
  ],
  ['distinct', (vs) => new Set(distinctValues(vs))],
  [
    'rand',
    (vs, n) =>
      n === undefined
        ? randomItem(vs)
        : Array.from({ length: count('rand', n) }, () => randomItem(vs)),
  ],
  [
    'sample',
    (vs, n) => {
      const pool = [...vs];
      for (let i = pool.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [pool[i], pool[j]] = [pool[j], pool[i]];
      }
      return pool.slice(0, count('sample', n));
    },
  ],
]);
