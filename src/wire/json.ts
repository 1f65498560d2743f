/**
 * JSON with tagged literals, as Datahike's HTTP server speaks it (jsonista's tagged
 * module): a tagged value is a two-element array `["<tag>", payload]`.
 *
 * Datahike's tags:
 * - `["!kw","a/b"]` keyword, `["!sym","?e"]` symbol, `["!uuid","…"]`, `["!set",[…]]`;
 * - `["!date","1700000000000"]` instant as epoch milliseconds in a string (we also accept a
 *   number payload and an RFC 3339 string);
 * - `["!datahike/Connection",[store-id, branch]]`, `["!datahike/DB",{"store-id":[…],
 *   "commit-id":…,"max-eid":…,"max-tx":…}]`, `!datahike/HistoricalDB {"origin":…}`,
 *   `!datahike/AsOfDB` / `!datahike/SinceDB {"origin":…,"time-point":…}`,
 *   `["!datahike/Datom",[e,a,v,tx,added]]`, `!datahike/TxReport {"db-before",
 *   "db-after","tx-data","tempids","tx-meta"}`, `!datahike/Entity {…attrs,"db","eid"}`.
 * - A map whose keys are all keywords is a JSON object, keys written without the colon;
 *   every decoded object key becomes a keyword (as Datahike does).
 *
 * Our extensions (Datahike's decoder leaves them as plain vectors), so that every value
 * of the value model round-trips:
 * - `["!bigint","123"]` bigint, `["!bigdec","1.50"]` BigDec, `["!bytes","<base64>"]`,
 *   `["!char","c"]`, `["!list",[…]]`, `["!tagged",["my/tag", value]]`;
 * - `["!double","NaN"]` (also `"Infinity"`, `"-Infinity"`): JSON has no such numbers;
 * - `["!map",[[k,v],…]]` for a map with any key that is not a keyword;
 * - `["!str","!kw"]`: a string at the head of an array that equals a registered tag (so
 *   `["!kw","x"]` as data, a vector of two strings, is written `[["!str","!kw"],"x"]`);
 * - `["!inst", …]` is read as an alias of `!date`.
 * - In a TxReport, `tempids` is a JSON object as in Datahike (`{"db/current-tx":…,"-1":…,
 *   "bob":…}`); decoding it, `db/current-tx` is the keyword, integer text a number and
 *   anything else a string. Tempids that would not survive that (a keyword other than
 *   `:db/current-tx`, a string that looks like an integer) are written as `!map`.
 *
 * Numbers: integers without fraction or exponent decode to numbers when safe and to
 * bigints beyond 2^53 (as Datahike reads Long/BigInteger); a double that is an integer
 * beyond 2^53 is written with an exponent so that it stays a double. -0 is written as 0
 * (the value model does not tell them apart). Strings are written with JSON.stringify,
 * which escapes unpaired surrogates, so the text is always valid UTF-8.
 *
 * Stricter than Datahike: a tagged array must have exactly two elements (Datahike
 * ignores the rest), and a payload of the wrong shape is `wire/malformed`.
 *
 * The reader is hand-written: JSON.parse would round integers beyond 2^53 and cannot tell
 * a tag string at the head of an array from a decoded value there.
 */

import { parseInstant } from '../edn/index.js';
import {
  BigDec,
  Char,
  checkIntegerDigits,
  DatahikeError,
  isKeyword,
  isList,
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
  base64ToBytes,
  bytesToBase64,
  type FormatName,
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
  type HandleMapper,
  K,
  TAGGED_TYPES,
  type TaggedType,
  TX_REPORT,
  taggedTypeOf,
  type WireTxReport,
} from './handles.js';

// ---- tags ----------------------------------------------------------------------------

type TagDecoder = (payload: unknown, ctx: JsonReader) => unknown;

function str(tag: string, p: unknown): string {
  if (typeof p !== 'string') throw new PayloadError(`${tag} needs a string payload`);
  return p;
}

function arr(tag: string, p: unknown): unknown[] {
  if (!Array.isArray(p)) throw new PayloadError(`${tag} needs an array payload`);
  return p;
}

function dateFrom(tag: string, p: unknown): Date {
  let d: Date | undefined;
  if (typeof p === 'number') d = new Date(p);
  else if (typeof p === 'string') d = /^-?\d+$/.test(p) ? new Date(Number(p)) : parseInstant(p);
  if (d === undefined || Number.isNaN(d.getTime()))
    throw new PayloadError(
      `${tag} needs epoch milliseconds (a string or a number) or an RFC 3339 timestamp`,
    );
  return d;
}

const INTEGER = /^[+-]?\d+$/;

const TAGS = new Map<string, TagDecoder>([
  ['!kw', (p) => keyword(str('!kw', p))],
  ['!sym', (p) => sym(str('!sym', p))],
  ['!set', (p) => new Set(arr('!set', p))],
  [
    '!uuid',
    (p) => {
      const s = str('!uuid', p);
      if (!Uuid.isValid(s)) throw new PayloadError(`!uuid needs a UUID, got ${JSON.stringify(s)}`);
      return new Uuid(s);
    },
  ],
  ['!date', (p) => dateFrom('!date', p)],
  ['!inst', (p) => dateFrom('!inst', p)],
  [
    '!map',
    (p) => {
      const m = new Map<unknown, unknown>();
      for (const e of arr('!map', p)) {
        if (!Array.isArray(e) || e.length !== 2)
          throw new PayloadError('!map needs an array of [key, value] pairs');
        m.set(e[0], e[1]);
      }
      return m;
    },
  ],
  [
    '!list',
    (p) => {
      const l = new List<unknown>();
      for (const x of arr('!list', p)) l.push(x);
      return l;
    },
  ],
  [
    '!bigint',
    (p) => {
      if (typeof p === 'number' && Number.isInteger(p)) return BigInt(p);
      const s = str('!bigint', p);
      checkIntegerDigits(s);
      if (!INTEGER.test(s)) throw new PayloadError(`!bigint needs integer digits, got ${s}`);
      return BigInt(s);
    },
  ],
  [
    '!bigdec',
    (p) => {
      if (typeof p === 'number' && Number.isFinite(p)) return BigDec.fromNumber(p);
      const s = str('!bigdec', p);
      try {
        return BigDec.parse(s);
      } catch (err) {
        if (err instanceof DatahikeError) throw err;
        throw new PayloadError(`!bigdec needs a decimal, got ${JSON.stringify(s)}`);
      }
    },
  ],
  ['!bytes', (p) => base64ToBytes(str('!bytes', p))],
  [
    '!char',
    (p) => {
      const s = str('!char', p);
      if ([...s].length !== 1) throw new PayloadError('!char needs a one-character string');
      return new Char(s);
    },
  ],
  [
    '!tagged',
    (p) => {
      const a = arr('!tagged', p);
      if (a.length !== 2 || typeof a[0] !== 'string' || a[0] === '')
        throw new PayloadError('!tagged needs a payload ["tag", value]');
      return new TaggedValue(a[0], a[1]);
    },
  ],
  [
    '!double',
    (p) => {
      const s = str('!double', p);
      const n = s === 'INF' ? Infinity : s === '-INF' ? -Infinity : Number(s);
      if (Number.isNaN(n) && s !== 'NaN')
        throw new PayloadError(`!double needs "NaN", "Infinity" or "-Infinity", got ${s}`);
      return n;
    },
  ],
  ['!str', (p) => str('!str', p)],
]);

for (const t of TAGGED_TYPES) {
  TAGS.set(`!${t.tag}`, (p, ctx) =>
    buildTagged(t, t === TX_REPORT ? ctx.tempidsFromObject(p) : p, ctx.mapper),
  );
}

/** The tags this codec reads (an array starting with one of these strings is tagged). */
export const JSON_TAGS: ReadonlySet<string> = new Set(TAGS.keys());

// ---- tempids -------------------------------------------------------------------------

const INT_TEXT = /^-?(?:0|[1-9]\d*)$/;

/** Tempids as a JSON object (Datahike's form), or undefined when that would not round-trip. */
function tempidsObject(m: ReadonlyMap<unknown, unknown>): Record<string, unknown> | undefined {
  // No prototype: a tempid "__proto__" is an ordinary key.
  const o: Record<string, unknown> = Object.create(null);
  for (const [k, v] of m) {
    let key: string;
    if (k === K.currentTx) key = 'db/current-tx';
    else if (typeof k === 'number' && Number.isSafeInteger(k)) key = String(k);
    else if (typeof k === 'string' && !INT_TEXT.test(k) && k !== 'db/current-tx' && k[0] !== ':')
      key = k;
    else return undefined;
    if (Object.hasOwn(o, key)) return undefined;
    o[key] = v;
  }
  return o;
}

function tempidKey(k: Keyword): unknown {
  if (k === K.currentTx) return k;
  const s = k.fqn;
  if (INT_TEXT.test(s)) {
    const n = Number(s);
    if (Number.isSafeInteger(n)) return n;
  }
  return s;
}

// ---- reader --------------------------------------------------------------------------

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class JsonReader {
  pos = 0;
  private depth = 0;
  /** Maps that were JSON objects (their keys are keywords by decoding, not by choice). */
  private readonly objectMaps = new WeakSet<object>();

  constructor(
    readonly text: string,
    readonly mapper: HandleMapper | undefined,
    /** Plain JSON: no tags (to find where a transit text's JSON goes wrong). */
    readonly format: FormatName = 'json',
    readonly raw = false,
  ) {}

  fail(message: string, pos = this.pos, cause?: unknown): never {
    const { line, column } = lineAndColumn(this.text, pos);
    const excerpt = this.text.slice(Math.max(0, pos - 20), pos + 20);
    throw malformed(this.format, message, { position: pos, line, column }, { excerpt }, cause);
  }

  found(): string {
    return this.pos >= this.text.length ? 'end of input' : JSON.stringify(this.text[this.pos]);
  }

  ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.pos++;
      else break;
    }
  }

  top(): unknown {
    const v = this.value();
    this.ws();
    if (this.pos < this.text.length)
      this.fail(`expected the end of input after the value, found ${this.found()}`);
    return v;
  }

  value(): unknown {
    this.ws();
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 123 /* { */:
        return this.object();
      case 91 /* [ */:
        return this.array();
      case 34 /* " */:
        return this.string();
      case 116 /* t */:
        return this.literal('true', true);
      case 102 /* f */:
        return this.literal('false', false);
      case 110 /* n */:
        return this.literal('null', null);
      default:
        if (c === 45 || (c >= 48 && c <= 57)) return this.number();
        return this.fail(`expected a value, found ${this.found()}`);
    }
  }

  literal(word: string, v: unknown): unknown {
    if (!this.text.startsWith(word, this.pos)) this.fail(`expected a value, found ${this.found()}`);
    this.pos += word.length;
    return v;
  }

  number(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (m === null) return this.fail(`invalid number, found ${this.found()}`);
    const tok = m[0];
    checkIntegerDigits(tok);
    this.pos += tok.length;
    if (m[1] !== undefined || m[2] !== undefined) return Number(tok);
    if (tok.length < 16) return Number(tok);
    const n = Number(tok);
    return Number.isSafeInteger(n) ? n : BigInt(tok);
  }

  string(): string {
    const t = this.text;
    const start = this.pos;
    this.pos++;
    let out = '';
    let chunk = this.pos;
    while (true) {
      if (this.pos >= t.length) this.fail("expected '\"' to close the string", start);
      const c = t.charCodeAt(this.pos);
      if (c === 34) {
        out += t.slice(chunk, this.pos);
        this.pos++;
        return out;
      }
      if (c < 32) this.fail('control character in a string (escape it)');
      if (c !== 92) {
        this.pos++;
        continue;
      }
      out += t.slice(chunk, this.pos);
      const e = t[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = t.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex))
            this.fail(`bad unicode escape \\u${hex} in a string`, this.pos - 2);
          out += String.fromCharCode(Number.parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          this.fail(`unknown escape \\${e ?? ''} in a string`, this.pos - 2);
      }
      chunk = this.pos;
    }
  }

  enter(start: number): void {
    if (++this.depth > MAX_TEXT_DEPTH.json)
      this.fail(`nested deeper than ${MAX_TEXT_DEPTH.json} levels`, start);
  }

  object(): Map<unknown, unknown> {
    const start = this.pos;
    this.enter(start);
    this.pos++;
    const m = new Map<unknown, unknown>();
    this.objectMaps.add(m);
    this.ws();
    if (this.text.charCodeAt(this.pos) === 125 /* } */) {
      this.pos++;
      this.depth--;
      return m;
    }
    while (true) {
      this.ws();
      if (this.text.charCodeAt(this.pos) !== 34)
        this.fail(
          `expected a string key in the object opened at offset ${start}, found ${this.found()}`,
        );
      const key = this.string();
      this.ws();
      if (this.text.charCodeAt(this.pos) !== 58 /* : */)
        this.fail(`expected ':' after an object key, found ${this.found()}`);
      this.pos++;
      m.set(keyword(key), this.value());
      this.ws();
      const c = this.text.charCodeAt(this.pos);
      if (c === 44 /* , */) this.pos++;
      else if (c === 125) {
        this.pos++;
        this.depth--;
        return m;
      } else
        this.fail(
          `expected ',' or '}' in the object opened at offset ${start}, found ${this.found()}`,
        );
    }
  }

  array(): unknown {
    const start = this.pos;
    this.enter(start);
    this.pos++;
    this.ws();
    if (this.text.charCodeAt(this.pos) === 93 /* ] */) {
      this.pos++;
      this.depth--;
      return [];
    }
    let tag: TagDecoder | undefined;
    let first: unknown;
    if (this.text.charCodeAt(this.pos) === 34) {
      first = this.string();
      if (!this.raw) tag = TAGS.get(first as string);
    } else first = this.value();
    const items = [first];
    while (true) {
      this.ws();
      const c = this.text.charCodeAt(this.pos);
      if (c === 44) {
        this.pos++;
        items.push(this.value());
      } else if (c === 93) {
        this.pos++;
        this.depth--;
        break;
      } else
        this.fail(
          `expected ',' or ']' in the array opened at offset ${start}, found ${this.found()}`,
        );
    }
    if (tag === undefined) return items;
    if (items.length !== 2)
      this.fail(
        `the tagged value ${JSON.stringify(first)} needs exactly one payload, found ${items.length - 1}`,
        start,
      );
    try {
      return tag(items[1], this);
    } catch (err) {
      if (err instanceof PayloadError) this.fail(err.message, start, err);
      throw err;
    }
  }

  /** A TxReport payload with its tempids object turned back into tempids. */
  tempidsFromObject(p: unknown): unknown {
    if (!(p instanceof Map)) return p;
    const t = p.get(K.tempids);
    if (!(t instanceof Map) || !this.objectMaps.has(t)) return p;
    const tempids = new Map<unknown, unknown>();
    for (const [k, v] of t) tempids.set(tempidKey(k as Keyword), v);
    p.set(K.tempids, tempids);
    return p;
  }
}

// ---- writer --------------------------------------------------------------------------

/** Keywords are interned and few: their JSON is made once. */
const KEYWORD_JSON = new Map<Keyword, string>();

class JsonWriter {
  private depth = 0;

  constructor(readonly mapper: HandleMapper | undefined) {}

  write(x: unknown): string {
    switch (typeof x) {
      case 'string':
        return JSON.stringify(x);
      case 'number':
        return this.number(x);
      case 'boolean':
        return x ? 'true' : 'false';
      case 'bigint':
        return `["!bigint","${x}"]`;
      case 'undefined':
        return 'null';
      case 'object': {
        if (x === null) return 'null';
        const atom = this.atom(x);
        if (atom !== undefined) return atom;
        if (++this.depth > MAX_DEPTH) throw tooDeepToEncode('json');
        const out = this.compound(x);
        this.depth--;
        return out;
      }
      default:
        return this.foreign(x);
    }
  }

  number(n: number): string {
    if (Number.isFinite(n)) {
      if (Number.isInteger(n) && !Number.isSafeInteger(n)) return n.toExponential();
      return String(n);
    }
    return `["!double","${Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity'}"]`;
  }

  /** An array; a head string that is a tag is escaped so the array does not read as tagged. */
  array(items: readonly unknown[]): string {
    let out = '[';
    for (let i = 0; i < items.length; i++) {
      const x = items[i];
      if (i > 0) out += ',';
      out +=
        i === 0 && typeof x === 'string' && TAGS.has(x)
          ? `["!str",${JSON.stringify(x)}]`
          : this.write(x);
    }
    return `${out}]`;
  }

  tagged(tag: string, payload: string): string {
    return `[${JSON.stringify(tag)},${payload}]`;
  }

  /** Objects that are single values (no nesting), or undefined. */
  atom(x: object): string | undefined {
    if (x instanceof Keyword) {
      let text = KEYWORD_JSON.get(x);
      if (text === undefined)
        KEYWORD_JSON.set(x, (text = this.tagged('!kw', JSON.stringify(x.fqn))));
      return text;
    }
    if (x instanceof Uuid) return `["!uuid","${x.str}"]`;
    if (x instanceof Date) {
      const ms = x.getTime();
      if (Number.isNaN(ms)) throw unencodable('json', 'an invalid Date', x);
      return `["!date","${ms}"]`;
    }
    if (x instanceof Sym) return this.tagged('!sym', JSON.stringify(x.fqn));
    if (x instanceof BigDec) return `["!bigdec","${x}"]`;
    if (x instanceof Char) return this.tagged('!char', JSON.stringify(x.char));
    if (x instanceof Uint8Array) return `["!bytes","${bytesToBase64(x)}"]`;
    return undefined;
  }

  compound(x: object): string {
    if (Array.isArray(x)) return isList(x) ? this.tagged('!list', this.array(x)) : this.array(x);
    if (x instanceof Map) return this.map(x);
    if (x instanceof Set) return this.tagged('!set', this.array([...x]));
    if (x instanceof TaggedValue) return this.tagged('!tagged', this.array([x.tag, x.value]));
    const t = taggedTypeOf(x);
    if (t !== undefined) return this.handle(t, x);
    if (isPlainObject(x)) {
      const o = x as Record<string, unknown>;
      let out = '{';
      for (const k in o) {
        if (out.length > 1) out += ',';
        out += `${JSON.stringify(k.charCodeAt(0) === 58 ? k.slice(1) : k)}:${this.write(o[k])}`;
      }
      return `${out}}`;
    }
    return this.foreign(x);
  }

  map(m: ReadonlyMap<unknown, unknown>): string {
    let asObject = true;
    for (const k of m.keys()) {
      if (!isKeyword(k) || k.fqn.charCodeAt(0) === 58) {
        asObject = false;
        break;
      }
    }
    if (asObject) {
      let out = '{';
      for (const [k, v] of m) {
        if (out.length > 1) out += ',';
        out += `${JSON.stringify((k as Keyword).fqn)}:${this.write(v)}`;
      }
      return `${out}}`;
    }
    let out = '["!map",[';
    let first = true;
    for (const [k, v] of m) {
      if (!first) out += ',';
      first = false;
      out += this.array([k, v]);
    }
    return `${out}]]`;
  }

  handle(t: TaggedType, x: object): string {
    if (t === TX_REPORT) {
      const r = x as WireTxReport;
      const tempids = tempidsObject(r.tempids);
      const tempidsJson =
        tempids !== undefined ? this.write(tempids) : `["!map",${this.array([...r.tempids])}]`;
      return this.tagged(
        '!datahike/TxReport',
        `{"db-before":${this.write(r.dbBefore)},"db-after":${this.write(r.dbAfter)},"tx-data":${this.array(r.txData)},"tempids":${tempidsJson},"tx-meta":${this.write(r.txMeta)}}`,
      );
    }
    return this.tagged(`!${t.tag}`, this.write(t.payload(x)));
  }

  /** A value outside the value model: the mapper's handle for it, or an error. */
  foreign(x: unknown): string {
    const h = this.mapper?.toHandle(x);
    if (h === undefined || h === x) throw unencodable('json', `no JSON form for ${describe(x)}`, x);
    return this.write(h);
  }
}

function describe(x: unknown): string {
  if (typeof x === 'function') return `a function (${x.name || 'anonymous'})`;
  if (typeof x === 'object' && x !== null)
    return `an object of class ${Object.getPrototypeOf(x)?.constructor?.name ?? 'unknown'}`;
  return typeof x;
}

// ---- API -----------------------------------------------------------------------------

/** The value as JSON with tagged literals. */
export function encodeJson(value: unknown, mapper?: HandleMapper): string {
  return new JsonWriter(mapper).write(value);
}

/** Reads JSON with tagged literals (text or UTF-8 bytes). */
export function decodeJson(input: string | Uint8Array, mapper?: HandleMapper): unknown {
  const text = asText(input, 'json');
  return new JsonReader(text, mapper).top();
}

/**
 * The `wire/malformed` error for text that is not JSON at all, with its position (for
 * codecs that parse with JSON.parse, whose messages do not always say where); undefined
 * when the text is valid JSON.
 */
export function jsonSyntaxError(text: string, format: FormatName): unknown {
  try {
    new JsonReader(text, undefined, format, true).top();
    return undefined;
  } catch (err) {
    return err;
  }
}
