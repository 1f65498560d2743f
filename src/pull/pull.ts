/**
 * The pull API: a pattern says which attributes of an entity to return, following
 * references into nested maps. Results are `Map`s keyed by attribute keyword (or by the
 * `:as` name); the public API turns them into objects.
 */

import { type DbView, entid } from '../db/index.js';
import { parseEdn } from '../edn/index.js';
import { boundDatom, type Datom } from '../index/datom.js';
import { K } from '../schema/index.js';
import {
  DatahikeError,
  isKeyword,
  isList,
  isSym,
  type Keyword,
  keyword,
  printValue,
} from '../values/index.js';

const DEFAULT_LIMIT = 1000;

interface AttrSpec {
  readonly attr: Keyword;
  /** The forward attribute of a reverse `:ns/_attr`; null otherwise. */
  readonly reverseOf: Keyword | null;
  readonly key: unknown;
  /** undefined: the default (1000 for many); null: no limit. */
  readonly limit: number | null | undefined;
  readonly hasDefault: boolean;
  readonly default: unknown;
  readonly xform: ((v: unknown) => unknown) | undefined;
  /** A nested pattern, or recursion (depth, Infinity for `...`). */
  readonly sub: PullSpec | { readonly recurse: number } | undefined;
}

export interface PullSpec {
  readonly wildcard: boolean;
  readonly attrs: readonly AttrSpec[];
}

function bad(message: string, part: unknown): never {
  throw new DatahikeError('pull/invalid-pattern', message, { part });
}

function named(x: unknown, name: string): boolean {
  return x === name || (isSym(x) && x.fqn === name);
}

function attrKeyword(x: unknown): Keyword {
  if (isKeyword(x)) return x;
  if (typeof x === 'string' && x.length > 0) return keyword(x);
  return bad(`Expected an attribute in the pull pattern, got ${printValue(x)}.`, x);
}

function reverseOf(a: Keyword): Keyword | null {
  return a.name.startsWith('_')
    ? keyword(a.ns === null ? a.name.slice(1) : `${a.ns}/${a.name.slice(1)}`)
    : null;
}

function option(k: unknown): string | undefined {
  if (isKeyword(k)) return k.fqn;
  if (typeof k === 'string') return k.replace(/^:/, '');
  return undefined;
}

interface Options {
  key?: unknown;
  limit?: number | null;
  hasDefault?: boolean;
  default?: unknown;
  xform?: (v: unknown) => unknown;
}

function attrWithOptions(form: readonly unknown[]): [Keyword, Options] {
  // Legacy forms: (limit :attr n) and (default :attr value).
  if (named(form[0], 'limit'))
    return [attrKeyword(form[1]), { limit: form[2] === null ? null : (form[2] as number) }];
  if (named(form[0], 'default'))
    return [attrKeyword(form[1]), { hasDefault: true, default: form[2] }];
  const attr = attrKeyword(form[0]);
  const opts: Options = {};
  if (form.length % 2 !== 1) bad(`Attribute options come in pairs: ${printValue(form)}.`, form);
  for (let i = 1; i < form.length; i += 2) {
    const v = form[i + 1];
    switch (option(form[i])) {
      case 'as':
        opts.key = v;
        break;
      case 'limit':
        if (v !== null && (typeof v !== 'number' || v < 0))
          bad(`:limit must be a non-negative number or nil, got ${printValue(v)}.`, form);
        opts.limit = v as number | null;
        break;
      case 'default':
        opts.hasDefault = true;
        opts.default = v;
        break;
      case 'xform':
        if (typeof v !== 'function') bad(`:xform must be a function, got ${printValue(v)}.`, form);
        opts.xform = v as (x: unknown) => unknown;
        break;
      default:
        bad(
          `Unknown attribute option ${printValue(form[i])}; use :as, :limit, :default or :xform.`,
          form,
        );
    }
  }
  return [attr, opts];
}

function attrSpec(attr: Keyword, opts: Options, sub: AttrSpec['sub']): AttrSpec {
  return {
    attr,
    reverseOf: reverseOf(attr),
    key: opts.key ?? attr,
    limit: opts.limit,
    hasDefault: opts.hasDefault ?? false,
    default: opts.default,
    xform: opts.xform,
    sub,
  };
}

function parseSpec(pattern: unknown): PullSpec {
  if (!Array.isArray(pattern))
    bad(`A pull pattern is a vector, got ${printValue(pattern)}.`, pattern);
  let wildcard = false;
  const attrs: AttrSpec[] = [];
  for (const el of pattern) {
    if (named(el, '*')) wildcard = true;
    else if (isKeyword(el) || typeof el === 'string')
      attrs.push(attrSpec(attrKeyword(el), {}, undefined));
    else if (el instanceof Map) {
      for (const [k, v] of el) {
        const [attr, opts] = Array.isArray(k) ? attrWithOptions(k) : [attrKeyword(k), {}];
        let sub: AttrSpec['sub'];
        if (named(v, '...')) sub = { recurse: Number.POSITIVE_INFINITY };
        else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) sub = { recurse: v };
        else if (Array.isArray(v)) sub = parseSpec(v);
        else
          bad(
            `A nested pull of ${attr} needs a pattern vector, a depth or ..., got ${printValue(v)}.`,
            el,
          );
        attrs.push(attrSpec(attr, opts, sub));
      }
    } else if (
      Array.isArray(el) &&
      (isList(el) || el.length >= 3 || named(el[0], 'limit') || named(el[0], 'default'))
    ) {
      const [attr, opts] = attrWithOptions(el);
      attrs.push(attrSpec(attr, opts, undefined));
    } else
      bad(
        `Cannot pull ${printValue(el)}: use an attribute, *, a map for nested pulls or (:attr :option value).`,
        el,
      );
  }
  return { wildcard, attrs };
}

const cache = new WeakMap<object, PullSpec>();
const textCache = new Map<string, PullSpec>();

/** Parses (and caches) a pull pattern given as EDN text or data. */
export function parsePullPattern(pattern: unknown): PullSpec {
  if (typeof pattern === 'string') {
    let spec = textCache.get(pattern);
    if (spec === undefined) {
      spec = parseSpec(parseEdn(pattern));
      if (textCache.size > 1000) textCache.clear();
      textCache.set(pattern, spec);
    }
    return spec;
  }
  if (pattern !== null && typeof pattern === 'object') {
    let spec = cache.get(pattern);
    if (spec === undefined) cache.set(pattern, (spec = parseSpec(pattern)));
    return spec;
  }
  return parseSpec(pattern);
}

const WILDCARD: PullSpec = { wildcard: true, attrs: [] };

function idMap(e: number): Map<unknown, unknown> {
  return new Map([[K.dbId, e]]);
}

class Puller {
  constructor(readonly db: DbView) {}

  entity(e: number, spec: PullSpec, path: readonly number[]): Map<unknown, unknown> | null {
    const out = new Map<unknown, unknown>();
    const datoms = this.db.search('eavt', boundDatom(e));
    if (spec.wildcard) {
      out.set(K.dbId, e);
      let i = 0;
      while (i < datoms.length) {
        const a = datoms[i]!.a;
        let j = i;
        while (j < datoms.length && datoms[j]!.a === a) j++;
        const explicit = spec.attrs.some((s) => s.attr === a);
        if (!explicit) {
          const attr = this.db.schema.attrForRead(a);
          const vs = datoms
            .slice(i, j)
            .map((d) =>
              this.refOrValue(d, attr.isRef, attr.isComponent, undefined, [...path, e], spec),
            );
          out.set(a, attr.many ? vs : vs[vs.length - 1]);
        }
        i = j;
      }
    }
    for (const s of spec.attrs) {
      if (s.attr === K.dbId) {
        out.set(s.key, e);
        continue;
      }
      const value =
        s.reverseOf !== null
          ? this.reverse(e, s, path, spec)
          : this.forward(e, s, path, spec, datoms);
      if (value !== undefined) out.set(s.key, s.xform === undefined ? value : s.xform(value));
      else if (s.hasDefault) out.set(s.key, s.default);
    }
    // An entity without datoms does not exist, whatever the pattern asked for.
    if (out.size === 0 || (datoms.length === 0 && [...out.keys()].every((k) => k === K.dbId)))
      return null;
    return out;
  }

  private limit(s: AttrSpec, values: unknown[]): unknown[] {
    const n = s.limit === undefined ? DEFAULT_LIMIT : s.limit;
    return n === null || values.length <= n ? values : values.slice(0, n);
  }

  private forward(
    e: number,
    s: AttrSpec,
    path: readonly number[],
    spec: PullSpec,
    all: readonly Datom[],
  ): unknown {
    const datoms = all.filter((d) => d.a === s.attr);
    if (datoms.length === 0) return undefined;
    const attr = this.db.schema.attrForRead(s.attr);
    // A nested pull that finds nothing leaves the value out, as DataScript does.
    const vs = datoms
      .map((d) => this.refOrValue(d, attr.isRef, attr.isComponent, s.sub, [...path, e], spec))
      .filter((v) => v !== null);
    if (vs.length === 0) return undefined;
    return attr.many ? this.limit(s, vs) : vs[vs.length - 1];
  }

  private reverse(e: number, s: AttrSpec, path: readonly number[], spec: PullSpec): unknown {
    const fwd = this.db.schema.attr(s.reverseOf!);
    if (fwd === undefined || !fwd.isRef) return undefined;
    const refs = this.db.search('avet', boundDatom(undefined, s.reverseOf!, e));
    if (refs.length === 0) return undefined;
    const vs = refs
      .map((d) => this.follow(d.e, s.sub, [...path, e], spec, false))
      .filter((v) => v !== null);
    if (vs.length === 0) return undefined;
    return fwd.isComponent ? vs[0] : this.limit(s, vs);
  }

  private refOrValue(
    d: Datom,
    isRef: boolean,
    isComponent: boolean,
    sub: AttrSpec['sub'],
    path: readonly number[],
    spec: PullSpec,
  ): unknown {
    if (!isRef) return d.v;
    return this.follow(d.v as number, sub, path, spec, isComponent);
  }

  /** A referenced entity: nested pattern, recursion, whole component, or just its id. */
  private follow(
    e: number,
    sub: AttrSpec['sub'],
    path: readonly number[],
    spec: PullSpec,
    isComponent: boolean,
  ): unknown {
    if (sub === undefined) {
      if (!isComponent) return idMap(e);
      if (path.includes(e)) return idMap(e);
      return this.entity(e, WILDCARD, path) ?? idMap(e);
    }
    if ('recurse' in sub) {
      if (sub.recurse <= 0 || path.includes(e)) return idMap(e);
      // Recursion pulls the enclosing pattern again, one level less deep.
      const deeper: PullSpec = {
        wildcard: spec.wildcard,
        attrs: spec.attrs.map((a) =>
          a.sub !== undefined && 'recurse' in a.sub
            ? { ...a, sub: { recurse: a.sub.recurse - 1 } }
            : a,
        ),
      };
      return this.entity(e, deeper, path);
    }
    return this.entity(e, sub, path);
  }
}

/** Pulls one entity (id, ident or lookup ref); null when it does not exist. */
export function pull(db: DbView, pattern: unknown, eid: unknown): Map<unknown, unknown> | null {
  const spec = parsePullPattern(pattern);
  const e = entid(db, eid);
  if (e === undefined) return null;
  return new Puller(db).entity(e, spec, []);
}

export function pullMany(
  db: DbView,
  pattern: unknown,
  eids: readonly unknown[],
): (Map<unknown, unknown> | null)[] {
  const spec = parsePullPattern(pattern);
  const puller = new Puller(db);
  return eids.map((x) => {
    const e = entid(db, x);
    return e === undefined ? null : puller.entity(e, spec, []);
  });
}
