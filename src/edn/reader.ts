/**
 * The EDN reader: a hand-written scanner over character codes (queries and tx-data arrive
 * as EDN text on the server's hot path). Errors say where (line, column) and what was
 * expected.
 */

import {
  BigDec,
  Char,
  checkIntegerDigits,
  DatahikeError,
  equals,
  hashValue,
  keyword,
  List,
  sym,
  TaggedValue,
  Uuid,
} from '../values/index.js';

export type TagReader = (value: unknown) => unknown;
export type TagRegistry = ReadonlyMap<string, TagReader>;

const defaultTags = new Map<string, TagReader>();

/** Registers a reader for `#tag value` used by every parse without its own registry. */
export function registerTag(tag: string, reader: TagReader): void {
  defaultTags.set(tag, reader);
}

const RFC3339 =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?)?)?([Zz]|[+-]\d{2}:\d{2})?$/;

export function parseInstant(s: string): Date | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', sec = '00', frac = '', tz = 'Z'] = m;
  const ms = frac.padEnd(3, '0').slice(0, 3);
  const zone = tz === 'Z' || tz === 'z' || tz === '-00:00' ? 'Z' : tz;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${sec}.${ms}${zone}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

registerTag('inst', (v) => {
  const d = typeof v === 'string' ? parseInstant(v) : undefined;
  if (d === undefined)
    throw new TypeError(`#inst needs an RFC 3339 timestamp string, got ${JSON.stringify(v)}`);
  return d;
});
registerTag('uuid', (v) => {
  if (typeof v !== 'string' || !Uuid.isValid(v))
    throw new TypeError(`#uuid needs a UUID string, got ${JSON.stringify(v)}`);
  return new Uuid(v);
});

const NAMED_CHARS: Record<string, string> = {
  newline: '\n',
  space: ' ',
  tab: '\t',
  return: '\r',
  formfeed: '\f',
  backspace: '\b',
};

function isWhitespace(c: number): boolean {
  return c === 32 || c === 44 || (c >= 9 && c <= 13);
}

function isDelimiter(c: number): boolean {
  // whitespace , " ; ( ) [ ] { } and end of input
  return (
    Number.isNaN(c) ||
    isWhitespace(c) ||
    c === 34 ||
    c === 59 ||
    c === 40 ||
    c === 41 ||
    c === 91 ||
    c === 93 ||
    c === 123 ||
    c === 125
  );
}

const DISCARD = Symbol('discard');
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * How deep forms may nest: far beyond any data or query a person writes, well within the
 * stack of the reader and of what reads its result (query and pull parsing, printing).
 */
export const MAX_EDN_DEPTH = 1000;

class Reader {
  pos = 0;
  private depth = 0;

  constructor(
    readonly text: string,
    readonly tags: TagRegistry,
  ) {}

  where(pos = this.pos): { line: number; column: number } {
    let line = 1;
    let col = 1;
    for (let i = 0; i < pos && i < this.text.length; i++) {
      if (this.text.charCodeAt(i) === 10) {
        line++;
        col = 1;
      } else col++;
    }
    return { line, column: col };
  }

  fail(message: string, pos = this.pos): never {
    const { line, column } = this.where(pos);
    const excerpt = this.text.slice(Math.max(0, pos - 20), pos + 20);
    throw new DatahikeError(
      'edn/parse',
      `EDN parse error at line ${line}, column ${column}: ${message}`,
      {
        line,
        column,
        excerpt,
      },
    );
  }

  found(): string {
    return this.pos >= this.text.length ? 'end of input' : JSON.stringify(this.text[this.pos]);
  }

  skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (isWhitespace(c)) this.pos++;
      else if (c === 59 /* ; */) {
        while (this.pos < t.length && t.charCodeAt(this.pos) !== 10) this.pos++;
      } else break;
    }
  }

  /** The next form, or DISCARD for a `#_` form; `closer` is the code that may end a collection. */
  read(): unknown {
    while (true) {
      const v = this.readOne();
      if (v !== DISCARD) return v;
    }
  }

  readOne(): unknown {
    // Forms nest through collections, tags and discards: each level is a few frames of the stack.
    if (++this.depth > MAX_EDN_DEPTH) this.fail(`nested deeper than ${MAX_EDN_DEPTH} levels`);
    const v = this.readForm();
    this.depth--;
    return v;
  }

  readForm(): unknown {
    this.skipWhitespace();
    const t = this.text;
    if (this.pos >= t.length) this.fail('expected a form, found end of input');
    const start = this.pos;
    const c = t.charCodeAt(this.pos);
    switch (c) {
      case 34 /* " */:
        return this.readString();
      case 58 /* : */:
        return this.readKeyword();
      case 91 /* [ */:
        this.pos++;
        return this.readSeq(93, ']', 'vector', start);
      case 40 /* ( */:
        {
          this.pos++;
          const items = this.readSeq(41, ')', 'list', start);
          const l = new List<unknown>();
          for (const x of items) l.push(x);
          return l;
        }
      case 123 /* { */:
        this.pos++;
        return this.readMap(start);
      case 35 /* # */:
        return this.readDispatch();
      case 92 /* \ */:
        return this.readChar();
      case 41:
      case 93:
      case 125:
        return this.fail(`unexpected ${JSON.stringify(t[this.pos])} with nothing open to close`);
      default:
        return this.readAtom();
    }
  }

  readSeq(closer: number, closerText: string, what: string, start: number): unknown[] {
    const out: unknown[] = [];
    const t = this.text;
    while (true) {
      this.skipWhitespace();
      if (this.pos >= t.length) {
        const w = this.where(start);
        this.fail(
          `expected '${closerText}' to close the ${what} opened at line ${w.line}, column ${w.column}, found end of input`,
        );
      }
      const c = t.charCodeAt(this.pos);
      if (c === closer) {
        this.pos++;
        return out;
      }
      if (c === 41 || c === 93 || c === 125) {
        const w = this.where(start);
        this.fail(
          `expected '${closerText}' to close the ${what} opened at line ${w.line}, column ${w.column}, found ${this.found()}`,
        );
      }
      const v = this.readOne();
      if (v !== DISCARD) out.push(v);
    }
  }

  readMap(start: number): Map<unknown, unknown> {
    const items = this.readSeq(125, '}', 'map', start);
    if (items.length % 2 !== 0)
      this.fail('a map needs an even number of forms (a value for every key)', start);
    const m = new Map<unknown, unknown>();
    // Composite keys are compared by hash first: a map of many vector keys stays linear.
    const hashes = new Map<number, unknown[]>();
    for (let i = 0; i < items.length; i += 2) {
      const k = items[i];
      if (m.has(k)) this.fail(`duplicate map key ${JSON.stringify(String(k))}`, start);
      if (typeof k === 'object' && k !== null) {
        const h = hashValue(k);
        const same = hashes.get(h);
        if (same?.some((x) => equals(x, k)))
          this.fail(`duplicate map key ${JSON.stringify(String(k))}`, start);
        if (same === undefined) hashes.set(h, [k]);
        else same.push(k);
      }
      m.set(k, items[i + 1]);
    }
    return m;
  }

  readSet(start: number): Set<unknown> {
    const items = this.readSeq(125, '}', 'set', start);
    const s = new Set<unknown>();
    const hashes = new Map<number, unknown[]>();
    for (const x of items) {
      const h = hashValue(x);
      const same = hashes.get(h);
      if (same?.some((y) => equals(x, y)))
        this.fail(`duplicate set element ${JSON.stringify(String(x))}`, start);
      if (same === undefined) hashes.set(h, [x]);
      else same.push(x);
      s.add(x);
    }
    return s;
  }

  readDispatch(): unknown {
    const start = this.pos;
    this.pos++;
    const c = this.text.charCodeAt(this.pos);
    if (c === 123 /* { */) {
      this.pos++;
      return this.readSet(start);
    }
    if (c === 95 /* _ */) {
      this.pos++;
      this.read();
      return DISCARD;
    }
    if (c === 35 /* # */) {
      this.pos++;
      const name = this.readToken();
      if (name === 'Inf') return Number.POSITIVE_INFINITY;
      if (name === '-Inf') return Number.NEGATIVE_INFINITY;
      if (name === 'NaN') return Number.NaN;
      return this.fail(`unknown symbolic value ##${name}; expected ##Inf, ##-Inf or ##NaN`, start);
    }
    const tag = this.readToken();
    if (tag.length === 0 || !/^[A-Za-z]/.test(tag))
      this.fail(
        `expected a tag, a set '#{', a discard '#_' or '##Inf', found ${this.found()}`,
        start,
      );
    const value = this.read();
    const reader = this.tags.get(tag) ?? defaultTags.get(tag);
    if (reader === undefined) return new TaggedValue(tag, value);
    try {
      return reader(value);
    } catch (err) {
      return this.fail(`#${tag}: ${(err as Error).message}`, start);
    }
  }

  readToken(): string {
    const t = this.text;
    const start = this.pos;
    while (this.pos < t.length && !isDelimiter(t.charCodeAt(this.pos))) this.pos++;
    return t.slice(start, this.pos);
  }

  readString(): string {
    const t = this.text;
    const start = this.pos;
    this.pos++;
    let out = '';
    let chunk = this.pos;
    while (true) {
      if (this.pos >= t.length)
        this.fail("expected '\"' to close the string, found end of input", start);
      const c = t.charCodeAt(this.pos);
      if (c === 34) {
        out += t.slice(chunk, this.pos);
        this.pos++;
        return out;
      }
      if (c !== 92) {
        this.pos++;
        continue;
      }
      out += t.slice(chunk, this.pos);
      const e = t[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'n':
          out += '\n';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case '\\':
          out += '\\';
          break;
        case '"':
          out += '"';
          break;
        case 'u': {
          const hex = t.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex))
            this.fail(`bad unicode escape \\u${hex} in string`, this.pos - 2);
          out += String.fromCharCode(Number.parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          this.fail(`unknown escape \\${e ?? ''} in string`, this.pos - 2);
      }
      chunk = this.pos;
    }
  }

  readChar(): Char {
    const start = this.pos;
    this.pos++;
    // The first character is taken whatever it is (\( \; \space).
    const first = this.text[this.pos];
    if (first === undefined) this.fail('expected a character after \\', start);
    this.pos++;
    const rest = this.readToken();
    const name = first + rest;
    if (name.length === 1) return new Char(name);
    const named = NAMED_CHARS[name];
    if (named !== undefined) return new Char(named);
    if (/^u[0-9a-fA-F]{4}$/.test(name))
      return new Char(String.fromCharCode(Number.parseInt(name.slice(1), 16)));
    return this.fail(`unknown character literal \\${name}`, start);
  }

  readKeyword(): unknown {
    const start = this.pos;
    this.pos++;
    const name = this.readToken();
    if (name.length === 0) this.fail("expected a keyword name after ':'", start);
    if (name.startsWith(':'))
      this.fail(`auto-resolved keywords (::${name.slice(1)}) are not EDN`, start);
    if (name.endsWith('/') && name !== '/') this.fail(`keyword :${name} has an empty name`, start);
    return keyword(name);
  }

  readAtom(): unknown {
    const start = this.pos;
    const token = this.readToken();
    if (token.length === 0) this.fail(`unexpected ${this.found()}`);
    const c = token.charCodeAt(0);
    const numeric =
      (c >= 48 && c <= 57) ||
      ((c === 43 || c === 45) &&
        token.length > 1 &&
        token.charCodeAt(1) >= 48 &&
        token.charCodeAt(1) <= 57);
    if (numeric) return this.readNumber(token, start);
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    return sym(token);
  }

  readNumber(token: string, start: number): unknown {
    checkIntegerDigits(token);
    let m = /^([+-]?)(\d+)(N)?$/.exec(token);
    if (m) {
      const n = BigInt(`${m[1]}${m[2]}`);
      if (m[3] === 'N') return n;
      return n >= -MAX_SAFE && n <= MAX_SAFE ? Number(n) : n;
    }
    m = /^([+-]?)0[xX]([0-9a-fA-F]+)(N)?$/.exec(token);
    if (m) {
      const n = BigInt(`0x${m[2]}`) * (m[1] === '-' ? -1n : 1n);
      return m[3] === 'N' || n < -MAX_SAFE || n > MAX_SAFE ? n : Number(n);
    }
    m = /^([+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)(M)?$/.exec(token);
    if (m) return m[2] === 'M' ? BigDec.parse(m[1]!) : Number(m[1]);
    m = /^([+-]?\d+)\/(\d+)$/.exec(token);
    if (m) return Number(m[1]) / Number(m[2]);
    return this.fail(`invalid number ${token}`, start);
  }
}

/** Reads exactly one EDN form (comments and discarded forms may surround it). */
export function parseEdn(text: string, opts: { tags?: TagRegistry } = {}): unknown {
  if (typeof text !== 'string')
    throw new DatahikeError('edn/parse', 'EDN input must be a string.', { input: text });
  const r = new Reader(text, opts.tags ?? defaultTags);
  const value = r.read();
  while (true) {
    r.skipWhitespace();
    if (r.pos >= text.length) return value;
    if (r.readOne() !== DISCARD)
      r.fail('expected the end of input after one form; wrap several forms in a vector');
  }
}

/** Reads every EDN form in the text. */
export function parseEdnAll(text: string, opts: { tags?: TagRegistry } = {}): unknown[] {
  const r = new Reader(text, opts.tags ?? defaultTags);
  const out: unknown[] = [];
  while (true) {
    r.skipWhitespace();
    if (r.pos >= text.length) return out;
    const v = r.readOne();
    if (v !== DISCARD) out.push(v);
  }
}
