/**
 * EDN on the wire (`application/edn`), as Datahike's server prints it with `pr-str`:
 * `#datahike/Connection[#uuid "…" :db]`, `#datahike/DB {:store-id [#uuid "…" :db]
 * :commit-id #uuid "…" :max-eid 1 :max-tx 536870913}`, `#datahike/Datom [e a v tx added]`,
 * `#datahike/HistoricalDB {:origin …}`, `#datahike/AsOfDB` / `#datahike/SinceDB
 * {:origin … :time-point …}`, and the TxReport in Clojure's record form
 * `#datahike.db.TxReport{:db-before … :db-after … :tx-data […] :tempids {…} :tx-meta …}`
 * (the tag Datahike's own EDN client reads); `#datahike/TxReport{…}` is read as well.
 *
 * Differences from Datahike, on purpose:
 * - An entity is `#datahike/Entity {…attrs :db … :eid …}`; Datahike prints it as a plain
 *   map of its cache plus `:db/id`, which cannot be read back as an entity.
 * - Bytes are `#bytes "<base64>"` (our EDN module's tag); Clojure has no EDN for them.
 * - Strings with unpaired surrogates escape them as `\uXXXX`, so the text is valid UTF-8.
 * - An instant outside the years 0–9999 has no `#inst` form: `wire/unencodable`.
 *
 * Scalars print through `edn/printer`; collections are walked here so that handles nested
 * anywhere print with their tags without registering printers globally. Reading uses
 * `parseEdn` with a registry of our own tags (the global `#inst`, `#uuid`, `#bytes` still
 * apply), so nothing changes for other users of the EDN module.
 */

import { parseEdn, printEdn, type TagRegistry } from '../edn/index.js';
import {
  BigDec,
  Char,
  DatahikeError,
  isList,
  Keyword,
  Sym,
  TaggedValue,
  Uuid,
} from '../values/index.js';
import {
  asText,
  escapeLoneSurrogates,
  excessiveNesting,
  hasSurrogate,
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
  buildTagged,
  CONNECTION,
  type HandleMapper,
  TAGGED_TYPES,
  type TaggedType,
  TX_REPORT,
  taggedTypeOf,
} from './handles.js';

/** The TxReport's tag when printing: Clojure's record tag, which Datahike's client reads. */
const TX_REPORT_PRINT_TAG = 'datahike.db.TxReport';

// ---- reading -------------------------------------------------------------------------

/** The mapper of the decode in progress (tag readers run synchronously inside parseEdn). */
let current: { mapper: HandleMapper | undefined; failure: unknown } | undefined;

function tagReader(t: TaggedType) {
  return (payload: unknown) => {
    try {
      return buildTagged(t, payload, current?.mapper);
    } catch (err) {
      // The EDN reader wraps whatever a tag reader throws into `edn/parse`; keep the
      // mapper's own errors (a connection it does not know, …) to rethrow them as they are.
      if (!(err instanceof PayloadError) && current !== undefined) current.failure = err;
      throw err;
    }
  };
}

const TAGS = new Map<string, (v: unknown) => unknown>();
for (const t of TAGGED_TYPES) TAGS.set(t.tag, tagReader(t));
TAGS.set(TX_REPORT_PRINT_TAG, tagReader(TX_REPORT));
const REGISTRY: TagRegistry = TAGS;

/** Reads EDN (text or UTF-8 bytes) with the handle tags. */
export function decodeEdn(input: string | Uint8Array, mapper?: HandleMapper): unknown {
  const text = asText(input, 'edn');
  const deep = excessiveNesting(text, 'edn');
  if (deep >= 0)
    throw malformed(
      'edn',
      `nested deeper than ${MAX_TEXT_DEPTH.edn} levels`,
      lineAndColumn(text, deep),
    );
  const outer = current;
  const ctx: { mapper: HandleMapper | undefined; failure: unknown } = {
    mapper,
    failure: undefined,
  };
  current = ctx;
  try {
    return parseEdn(text, { tags: REGISTRY });
  } catch (err) {
    if (ctx.failure !== undefined) throw ctx.failure;
    if (err instanceof DatahikeError && err.code === 'edn/parse') {
      const { line, column, excerpt } = err.data as {
        line?: number;
        column?: number;
        excerpt?: string;
      };
      const message = err.message.replace(/^EDN parse error at line \d+, column \d+: /, '');
      throw malformed('edn', message, { line, column }, { excerpt }, err);
    }
    throw err;
  } finally {
    current = outer;
  }
}

// ---- printing ------------------------------------------------------------------------

class EdnWriter {
  private depth = 0;

  constructor(readonly mapper: HandleMapper | undefined) {}

  write(x: unknown): string {
    switch (typeof x) {
      case 'string': {
        const s = printEdn(x);
        return hasSurrogate(x) ? escapeLoneSurrogates(s) : s;
      }
      case 'number':
      case 'bigint':
      case 'boolean':
      case 'undefined':
        return printEdn(x);
      case 'object': {
        if (x === null) return 'nil';
        const atom = this.atom(x);
        if (atom !== undefined) return atom;
        if (++this.depth > MAX_DEPTH) throw tooDeepToEncode('edn');
        const out = this.compound(x);
        this.depth--;
        return out;
      }
      default:
        return this.foreign(x);
    }
  }

  seq(items: Iterable<unknown>): string {
    let out = '';
    for (const x of items) out += out.length === 0 ? this.write(x) : ` ${this.write(x)}`;
    return out;
  }

  /** Objects that are single values (no nesting), or undefined. */
  atom(x: object): string | undefined {
    if (x instanceof Keyword || x instanceof Uuid || x instanceof Sym || x instanceof BigDec)
      return printEdn(x);
    if (x instanceof Date) {
      const year = x.getUTCFullYear();
      if (Number.isNaN(year)) throw unencodable('edn', 'an invalid Date', x);
      if (year < 0 || year > 9999)
        throw unencodable('edn', `#inst cannot hold the year ${year} (0–9999 only)`, x);
      return printEdn(x);
    }
    if (x instanceof Char || x instanceof Uint8Array) return printEdn(x);
    return undefined;
  }

  compound(x: object): string {
    if (Array.isArray(x)) return isList(x) ? `(${this.seq(x)})` : `[${this.seq(x)}]`;
    if (x instanceof Map) {
      let out = '';
      for (const [k, v] of x)
        out += `${out.length === 0 ? '' : ', '}${this.write(k)} ${this.write(v)}`;
      return `{${out}}`;
    }
    if (x instanceof Set) return `#{${this.seq(x)}}`;
    if (x instanceof TaggedValue) return `#${x.tag} ${this.write(x.value)}`;
    const t = taggedTypeOf(x);
    if (t !== undefined) return this.tagged(t, x);
    if (isPlainObject(x)) {
      const o = x as Record<string, unknown>;
      let out = '';
      for (const k in o)
        out += `${out.length === 0 ? '' : ', '}:${k.charCodeAt(0) === 58 ? k.slice(1) : k} ${this.write(o[k])}`;
      return `{${out}}`;
    }
    return this.foreign(x);
  }

  tagged(t: TaggedType, x: object): string {
    const payload = this.write(t.payload(x));
    // Datahike prints these two without a space (`#datahike/Connection[…]`, a record's `Tag{…}`).
    if (t === TX_REPORT) return `#${TX_REPORT_PRINT_TAG}${payload}`;
    if (t === CONNECTION) return `#${t.tag}${payload}`;
    return `#${t.tag} ${payload}`;
  }

  foreign(x: unknown): string {
    const h = this.mapper?.toHandle(x);
    if (h === undefined || h === x) throw unencodable('edn', 'no EDN form for this value', x);
    return this.write(h);
  }
}

/** The value as EDN text. */
export function encodeEdn(value: unknown, mapper?: HandleMapper): string {
  return new EdnWriter(mapper).write(value);
}
