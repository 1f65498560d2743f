/**
 * transit-json (`application/transit+json`) through transit-js, with Datahike's handlers:
 * `datahike/Connection [store-id branch]`, `datahike/DB {:store-id … :commit-id …
 * :max-eid … :max-tx …}`, `datahike/HistoricalDB {:origin …}`, `datahike/AsOfDB` /
 * `datahike/SinceDB {:origin … :time-point …}`, `datahike/Entity {…attrs :db … :eid …}`,
 * `datahike/Datom [e a v tx added]`, `datahike/TxReport {:db-before … :db-after …
 * :tx-data … :tempids … :tx-meta …}`.
 *
 * Everything else is transit's own: keywords `~:`, symbols `~$`, uuids `~u`, instants `~m`,
 * big integers `~n`, big decimals `~f`, chars `~c`, bytes `~b`, sets `~#set`, lists
 * `~#list`, maps `["^ ",…]` (or `~#cmap` when a key is a collection), NaN and infinities
 * `~z`; a value read under an unknown tag becomes a `TaggedValue` and is written back
 * under its tag. Longs beyond 2^53 (`~i…`, as Clojure writes them) decode to bigints.
 *
 * Lost on the way: -0 becomes 0 (transit-js writes numbers through JSON.stringify; the
 * value model does not tell them apart), and a number that is an integer is not marked
 * as a double (1.0 reads back as 1, as in JSON).
 *
 * transit-js is used as shipped, with one instance-level fix: its JSON marshaller writes a
 * double map key as `"undefinedd1.5"` (a typo in `emitDouble`), so our writer's marshaller
 * gets a corrected `emitDouble`.
 */

import transit from 'transit-js';
import { Datom, RetractedDatom } from '../index/datom.js';
import {
  BigDec,
  Char,
  checkIntegerDigits,
  Keyword,
  keyword,
  List,
  Sym,
  sym,
  TaggedValue,
  Uuid,
} from '../values/index.js';
import {
  asText,
  excessiveNesting,
  isPlainObject,
  lineAndColumn,
  MAX_DEPTH,
  MAX_TEXT_DEPTH,
  malformed,
  PayloadError,
  tooDeepToEncode,
  unencodable,
} from './common.js';
import {
  AS_OF_DB,
  AsOfDbHandle,
  buildTagged,
  CONNECTION,
  ConnectionHandle,
  DATOM,
  DB,
  DbHandle,
  ENTITY,
  EntityHandle,
  type HandleMapper,
  HISTORICAL_DB,
  HistoricalDbHandle,
  isTxReport,
  SINCE_DB,
  SinceDbHandle,
  TAGGED_TYPES,
  type TaggedType,
  TX_REPORT,
  type WireTxReport,
} from './handles.js';
import { jsonSyntaxError } from './json.js';

/** transit-js's 64-bit integer class (goog.math.Long), for longs beyond 2^53. */
const Long = (transit.integer('9007199254740993') as unknown as object).constructor;
/** transit-js's tagged value, which it makes for an unknown `~#tag` without asking us. */
const TransitTagged = (transit.tagged('x', null) as object).constructor;

/** transit-js's own types among the decoded values → ours. */
function fromTransit(x: unknown): unknown {
  if (typeof x !== 'object' || x === null) return x;
  if (x instanceof Long) return BigInt(String(x));
  if (x instanceof TransitTagged) {
    const t = x as unknown as { tag: string; rep: unknown };
    return new TaggedValue(t.tag, fromTransit(t.rep));
  }
  return x;
}

function fixAll(a: unknown[]): unknown[] {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x === 'object' && x !== null) a[i] = fromTransit(x);
  }
  return a;
}

/** The plain-object TxReport, boxed so that a class-keyed handler can write it. */
class TxReportBox {
  constructor(readonly report: WireTxReport) {}
}

// ---- writing -------------------------------------------------------------------------

type Rep = (x: any) => unknown;

function handler(tag: string | ((x: any) => string), rep: Rep, stringRep?: (x: any) => string) {
  return transit.makeWriteHandler({
    tag: typeof tag === 'string' ? () => tag : tag,
    rep,
    stringRep: stringRep ?? (() => null),
  });
}

function taggedHandler(t: TaggedType) {
  return handler(t.tag, (x) => t.payload(x));
}

const text = (x: { toString(): string }) => x.toString();

const WRITE_HANDLERS: [unknown, ReturnType<typeof handler>][] = [
  [
    Number,
    handler(
      (n: number) => (Number.isSafeInteger(n) ? 'i' : Number.isFinite(n) ? 'd' : 'z'),
      (n: number) => (Number.isFinite(n) ? n : Number.isNaN(n) ? 'NaN' : n > 0 ? 'INF' : '-INF'),
      (n: number) => String(n),
    ),
  ],
  [BigInt, handler('n', text, text)],
  [
    Keyword,
    handler(
      ':',
      (k: Keyword) => k.fqn,
      (k: Keyword) => k.fqn,
    ),
  ],
  [
    Sym,
    handler(
      '$',
      (s: Sym) => s.fqn,
      (s: Sym) => s.fqn,
    ),
  ],
  [
    Uuid,
    handler(
      'u',
      (u: Uuid) => u.str,
      (u: Uuid) => u.str,
    ),
  ],
  [
    Date,
    handler(
      'm',
      (d: Date) => d.getTime(),
      (d: Date) => String(d.getTime()),
    ),
  ],
  [BigDec, handler('f', text, text)],
  [
    Char,
    handler(
      'c',
      (c: Char) => c.char,
      (c: Char) => c.char,
    ),
  ],
  [Map, handler('map', (m) => m)],
  [Set, handler('set', (s: Set<unknown>) => [...s])],
  [List, handler('list', (l: List) => Array.from(l))],
  [
    TaggedValue,
    handler(
      (v: TaggedValue) => v.tag,
      (v: TaggedValue) => v.value,
    ),
  ],
  [TxReportBox, handler(TX_REPORT.tag, (b: TxReportBox) => TX_REPORT.payload(b.report))],
];
for (const [cls, t] of [
  [ConnectionHandle, CONNECTION],
  [DbHandle, DB],
  [HistoricalDbHandle, HISTORICAL_DB],
  [AsOfDbHandle, AS_OF_DB],
  [SinceDbHandle, SINCE_DB],
  [EntityHandle, ENTITY],
  [Datom, DATOM],
  [RetractedDatom, DATOM],
] as const)
  WRITE_HANDLERS.push([cls, taggedHandler(t)]);

/** Classes the writer has handlers for (besides transit-js's own defaults). */
const KNOWN = new Set<unknown>([
  ...WRITE_HANDLERS.map(([c]) => c),
  Array,
  Uint8Array,
  ...(typeof Buffer === 'undefined' ? [] : [Buffer]),
  // transit-js wraps a top-level scalar in its own tagged value ("'").
  TransitTagged,
  String,
  Boolean,
]);

interface WriteContext {
  mapper: HandleMapper | undefined;
}

let writing: WriteContext | undefined;

function plainToMap(o: Record<string, unknown>): Map<Keyword, unknown> {
  const m = new Map<Keyword, unknown>();
  for (const k in o) m.set(keyword(k), o[k]);
  return m;
}

/** Called by transit-js on every value it writes: our values to ones it has handlers for. */
function transform(x: unknown, mapped = false): unknown {
  if (typeof x !== 'object' || x === null) {
    if (typeof x === 'function' || typeof x === 'symbol') return foreign(x, mapped);
    return x;
  }
  if (KNOWN.has(x.constructor)) {
    if (x instanceof Date && Number.isNaN(x.getTime()))
      throw unencodable('transit+json', 'an invalid Date', x);
    return x;
  }
  if (isPlainObject(x))
    return isTxReport(x) ? new TxReportBox(x) : plainToMap(x as Record<string, unknown>);
  if (x instanceof Datom) return new Datom(x.e, x.a, x.v, x.t);
  if (Array.isArray(x)) return Array.from(x);
  if (x instanceof Map) return new Map(x);
  if (x instanceof Set) return new Set(x);
  if (x instanceof Uint8Array) return new Uint8Array(x);
  return foreign(x, mapped);
}

function foreign(x: unknown, mapped: boolean): unknown {
  const h = mapped ? undefined : writing?.mapper?.toHandle(x);
  if (h === undefined || h === x)
    throw unencodable('transit+json', 'no transit form for this value', x);
  return transform(h, true);
}

function makeWriter() {
  const w = transit.writer('json', {
    handlers: transit.map(WRITE_HANDLERS.flat()),
    transform: (x: unknown) => transform(x),
  } as transit.WriterOptions);
  // transit-js's emitDouble reads `a.ESC` off the number and writes "undefinedd…" for a
  // double map key; write "~d…" as the transit spec says.
  const m = (w as unknown as { marshaller(): any }).marshaller();
  m.emitDouble = function (d: number, asMapKey: boolean, cache: unknown) {
    return asMapKey ? this.emitString('~', 'd', String(d), asMapKey, cache) : d;
  };
  return w;
}

const sharedWriter = makeWriter();

/** Empties a transit-js reader's or writer's cache of strings seen (`^0`, `^1`, …). */
function clearCache(readerOrWriter: object): void {
  (readerOrWriter as { cache?: { clear(): void } | null }).cache?.clear();
}

/**
 * Fails on a value nested deeper than MAX_DEPTH (or cyclic) before transit-js recurses
 * into it: transit-js has no hook where a depth could be counted on the way out.
 */
function checkDepth(x: unknown, depth: number): void {
  if (typeof x !== 'object' || x === null) return;
  if (Array.isArray(x) || x instanceof Set) {
    if (depth > MAX_DEPTH) throw tooDeepToEncode('transit+json');
    for (const y of x) checkDepth(y, depth + 1);
  } else if (x instanceof Map) {
    if (depth > MAX_DEPTH) throw tooDeepToEncode('transit+json');
    for (const [k, v] of x) {
      checkDepth(k, depth + 1);
      checkDepth(v, depth + 1);
    }
  } else if (x instanceof TaggedValue || x instanceof Datom) {
    if (depth > MAX_DEPTH) throw tooDeepToEncode('transit+json');
    checkDepth(x instanceof Datom ? x.v : x.value, depth + 1);
  } else if (isPlainObject(x) || HANDLE_CLASSES.has(x.constructor)) {
    if (depth > MAX_DEPTH) throw tooDeepToEncode('transit+json');
    for (const k in x) checkDepth((x as Record<string, unknown>)[k], depth + 1);
  }
}

const HANDLE_CLASSES = new Set<unknown>([
  ConnectionHandle,
  DbHandle,
  HistoricalDbHandle,
  AsOfDbHandle,
  SinceDbHandle,
  EntityHandle,
]);

/** The value as transit-json. */
export function encodeTransit(value: unknown, mapper?: HandleMapper): string {
  checkDepth(value, 1);
  const outer = writing;
  // A mapper that encodes while we encode gets a writer of its own (writers keep a cache).
  const w = outer === undefined ? sharedWriter : makeWriter();
  writing = { mapper };
  try {
    // transit-js applies `transform` below the top level only.
    return w.write(transform(value));
  } catch (err) {
    // transit-js clears its cache only after a write that succeeds; a stale cache would
    // corrupt the next text written (cache codes pointing at the wrong strings).
    clearCache(w);
    if (err instanceof Error && err.name !== 'DatahikeError' && /^Cannot write/.test(err.message))
      throw unencodable('transit+json', err.message, value);
    throw err;
  } finally {
    writing = outer;
  }
}

// ---- reading -------------------------------------------------------------------------

let reading: { mapper: HandleMapper | undefined } | undefined;

/** A read handler whose failures name its tag. */
function checked(tag: string, f: (rep: any) => unknown) {
  return (rep: unknown) => {
    try {
      return f(rep);
    } catch (err) {
      if (err instanceof PayloadError) throw err;
      if (err instanceof TypeError || err instanceof SyntaxError || err instanceof RangeError)
        throw new PayloadError(`${tag}: ${err.message}`);
      throw err;
    }
  };
}

function need(ok: boolean, message: string): asserts ok {
  if (!ok) throw new PayloadError(message);
}

function uuidFrom(rep: unknown): Uuid {
  if (typeof rep === 'string') return new Uuid(rep);
  // The tagged form carries two signed 64-bit halves.
  need(Array.isArray(rep) && rep.length === 2, 'u needs a UUID string or [hi lo]');
  const hex = (rep as unknown[])
    .map((x) =>
      BigInt.asUintN(64, BigInt(String(x)))
        .toString(16)
        .padStart(16, '0'),
    )
    .join('');
  return new Uuid(
    `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
  );
}

function dateFrom(rep: unknown): Date {
  const d = new Date(typeof rep === 'string' ? Number(rep) : Number(fromTransit(rep)));
  need(!Number.isNaN(d.getTime()), `m needs epoch milliseconds, got ${String(rep)}`);
  return d;
}

function arrayRep(tag: string, rep: unknown): unknown[] {
  need(Array.isArray(rep), `${tag} needs an array`);
  return fixAll(rep as unknown[]);
}

const READ_HANDLERS: Record<string, (rep: any) => unknown> = {
  ':': checked(':', (s: string) => keyword(s)),
  $: checked('$', (s: string) => sym(s)),
  u: checked('u', uuidFrom),
  m: checked('m', dateFrom),
  t: checked('t', (s: string) => {
    const d = new Date(s);
    need(!Number.isNaN(d.getTime()), `t needs an ISO 8601 instant, got ${s}`);
    return d;
  }),
  n: checked('n', (s: string) => {
    checkIntegerDigits(String(s));
    return BigInt(s);
  }),
  f: checked('f', (s: string) => BigDec.parse(s)),
  c: checked('c', (s: string) => new Char(s)),
  r: (s: string) => new TaggedValue('r', s),
  set: checked('set', (rep) => new Set(arrayRep('set', rep))),
  list: checked('list', (rep) => {
    const l = new List<unknown>();
    for (const x of arrayRep('list', rep)) l.push(x);
    return l;
  }),
  cmap: checked('cmap', (rep) => {
    const a = arrayRep('cmap', rep);
    need(a.length % 2 === 0, 'cmap needs an even number of keys and values');
    const m = new Map<unknown, unknown>();
    for (let i = 0; i < a.length; i += 2) m.set(a[i], a[i + 1]);
    return m;
  }),
};
for (const t of TAGGED_TYPES)
  READ_HANDLERS[t.tag] = checked(t.tag, (rep) =>
    buildTagged(t, Array.isArray(rep) ? fixAll(rep) : rep, reading?.mapper),
  );

function makeReader() {
  return transit.reader('json', {
    handlers: READ_HANDLERS,
    defaultHandler: (tag: string, rep: unknown) => new TaggedValue(tag, rep),
    preferBuffers: false,
    mapBuilder: {
      init: () => new Map(),
      add: (m: Map<unknown, unknown>, k: unknown, v: unknown) =>
        m.set(fromTransit(k), fromTransit(v)),
      finalize: (m: Map<unknown, unknown>) => m,
      fromArray: (a: unknown[]) => {
        const m = new Map<unknown, unknown>();
        for (let i = 0; i < a.length; i += 2) m.set(fromTransit(a[i]), fromTransit(a[i + 1]));
        return m;
      },
    },
    arrayBuilder: {
      init: () => [],
      add: (a: unknown[], v: unknown) => {
        a.push(fromTransit(v));
        return a;
      },
      finalize: (a: unknown[]) => a,
      fromArray: (a: unknown[]) => fixAll(a),
    },
  } as transit.ReaderOptions);
}

const sharedReader = makeReader();

/** Reads transit-json (text or UTF-8 bytes). */
export function decodeTransit(input: string | Uint8Array, mapper?: HandleMapper): unknown {
  const text = asText(input, 'transit+json');
  const deep = excessiveNesting(text, 'transit+json');
  if (deep >= 0)
    throw malformed('transit+json', `nested deeper than ${MAX_TEXT_DEPTH['transit+json']} levels`, {
      position: deep,
      ...lineAndColumn(text, deep),
    });
  const outer = reading;
  const r = outer === undefined ? sharedReader : makeReader();
  reading = { mapper };
  try {
    return fromTransit(r.read(text));
  } catch (err) {
    clearCache(r);
    if (err instanceof PayloadError) throw malformed('transit+json', err.message, {}, {}, err);
    if (err instanceof SyntaxError) {
      const found = jsonSyntaxError(text, 'transit+json');
      if (found !== undefined) throw found;
      throw malformed('transit+json', err.message, {}, {}, err);
    }
    throw err;
  } finally {
    reading = outer;
  }
}
