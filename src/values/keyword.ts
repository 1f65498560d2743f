/**
 * Interned keywords and symbols: one object per name, so identity is equality and a
 * comparison of two equal keywords costs a pointer check.
 */

function splitName(fqn: string): [string | null, string] {
  // A lone "/" is the division symbol; otherwise the first slash separates the namespace.
  const slash = fqn.indexOf('/');
  if (slash <= 0 || fqn === '/') return [null, fqn];
  return [fqn.slice(0, slash), fqn.slice(slash + 1)];
}

/** What keywords and symbols share: an optional namespace, a name and a cached hash. */
abstract class Named {
  readonly ns: string | null;
  readonly name: string;
  /** Namespace and name: `person/name`. */
  readonly fqn: string;
  /** Precomputed so that hashing costs nothing. */
  readonly hash: number;

  constructor(fqn: string, salt: number) {
    const [ns, name] = splitName(fqn);
    this.ns = ns;
    this.name = name;
    this.fqn = fqn;
    this.hash = stringHash(fqn) ^ salt;
  }
}

export class Keyword extends Named {
  /** @internal use {@link keyword}; keywords are interned. */
  constructor(fqn: string) {
    super(fqn, 0);
  }

  override toString(): string {
    return `:${this.fqn}`;
  }

  toJSON(): string {
    return `:${this.fqn}`;
  }
}

export class Sym extends Named {
  /** @internal use {@link sym}; symbols are interned. */
  constructor(fqn: string) {
    super(fqn, 0x5bd1e995);
  }

  override toString(): string {
    return this.fqn;
  }

  toJSON(): string {
    return this.fqn;
  }
}

const keywords = new Map<string, Keyword>();
/** Keywords by their text with and without the leading colon. */
const keywordsByText = new Map<string, Keyword>();
const symbols = new Map<string, Sym>();

/**
 * The keyword with this name. Accepts `'person/name'`, `':person/name'` or a namespace
 * and a name as two arguments.
 */
export function keyword(nameOrFqn: string, name?: string): Keyword {
  if (name === undefined) {
    // Fast path: the text as given, colon or not, without slicing a new string.
    const known = keywordsByText.get(nameOrFqn);
    if (known !== undefined) return known;
  }
  let fqn = name === undefined ? nameOrFqn : `${nameOrFqn}/${name}`;
  if (fqn.charCodeAt(0) === 58 /* : */) fqn = fqn.slice(1);
  let kw = keywords.get(fqn);
  if (kw === undefined) {
    kw = new Keyword(fqn);
    keywords.set(fqn, kw);
    keywordsByText.set(fqn, kw);
    keywordsByText.set(`:${fqn}`, kw);
  }
  return kw;
}

/** The symbol with this name (`'?e'`, `'clojure.string/includes?'`). */
export function sym(nameOrFqn: string, name?: string): Sym {
  const fqn = name === undefined ? nameOrFqn : `${nameOrFqn}/${name}`;
  let s = symbols.get(fqn);
  if (s === undefined) {
    s = new Sym(fqn);
    symbols.set(fqn, s);
  }
  return s;
}

export function isKeyword(x: unknown): x is Keyword {
  return x instanceof Keyword;
}

export function isSym(x: unknown): x is Sym {
  return x instanceof Sym;
}

/** Keywords order as Clojure orders them: namespace first (none before any), then name. */
export function compareKeywords(a: Keyword | Sym, b: Keyword | Sym): number {
  if (a === b) return 0;
  if (a.ns !== b.ns) {
    if (a.ns === null) return -1;
    if (b.ns === null) return 1;
    return a.ns < b.ns ? -1 : 1;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** 32-bit FNV-1a over UTF-16 code units: cheap, stable across processes. */
export function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
