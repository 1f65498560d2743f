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
  currentBudget,
  DatahikeError,
  isKeyword,
  isList,
  isSym,
  type Keyword,
  keyword,
  limitExceeded,
  printValue,
} from '../values/index.js';

const DEFAULT_LIMIT = 1000;

/**
 * What one pull may reach from its root: recursion (`...`) over a graph whose paths share
 * entities makes a result exponential in the data, so entities entered and nesting depth
 * are bounded (`limit/exceeded`).
 */
export const MAX_PULL_ENTITIES = 100_000;
export const MAX_PULL_DEPTH = 10_000;

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
  /** For a wildcard: the explicit spec of a forward attribute, by attribute. */
  readonly byAttr: ReadonlyMap<Keyword, AttrSpec>;
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
  return specOf(wildcard, attrs);
}

function specOf(wildcard: boolean, attrs: readonly AttrSpec[]): PullSpec {
  const byAttr = new Map<Keyword, AttrSpec>();
  for (const a of attrs) if (a.reverseOf === null && !byAttr.has(a.attr)) byAttr.set(a.attr, a);
  return { wildcard, attrs, byAttr };
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

/** How components are expanded: every attribute, nested components too. */
const COMPONENT: PullSpec = specOf(true, []);

const plainSpecs = new Map<Keyword, AttrSpec>();

/** The spec of an attribute a wildcard pulls without options. */
function plainSpec(a: Keyword): AttrSpec {
  let s = plainSpecs.get(a);
  if (s === undefined) plainSpecs.set(a, (s = attrSpec(a, {}, undefined)));
  return s;
}

function idMap(e: number): Map<unknown, unknown> {
  return new Map([[K.dbId, e]]);
}

/**
 * Where a pull is on its path, as Datahike counts it: the entities entered by recursion or
 * component expansion (met again, they are only their id), and how deep each recursive
 * attribute spec has gone. A nested pattern starts afresh.
 */
interface Path {
  readonly seen: Set<number>;
  readonly depth: Map<AttrSpec, number>;
}

function freshPath(): Path {
  return { seen: new Set(), depth: new Map() };
}

/** One attribute to pull: its spec, and the datoms of it (forward) or pointing here. */
interface Task {
  readonly s: AttrSpec;
  readonly found: Datom[];
  readonly forward: boolean;
}

enum Mode {
  /** A nested pattern: each referenced entity pulled afresh. */
  Nested,
  /** Recursion: the enclosing pattern again, one level deeper. */
  Recurse,
  /** A component: expanded whole. */
  Component,
}

/** An entity being pulled: its result so far and the attributes still to do. */
interface EntityFrame {
  readonly entity: true;
  readonly e: number;
  readonly spec: PullSpec;
  readonly path: Path;
  readonly out: Map<unknown, unknown>;
  readonly tasks: Task[];
  next: number;
}

/** An attribute whose values are entities being pulled one after the other. */
interface AttrFrame {
  readonly entity: false;
  readonly owner: EntityFrame;
  readonly s: AttrSpec;
  readonly mode: Mode;
  readonly many: boolean;
  readonly targets: number[];
  readonly path: Path;
  /** Recurse: the depth before; Component: whether the owner was added to the path. */
  readonly undo: number;
  readonly values: unknown[];
  next: number;
}

type Frame = EntityFrame | AttrFrame;

/**
 * Pulls with an explicit stack of frames instead of the call stack, so that recursion
 * (`{:friend ...}` over a chain of thousands) goes as deep as the data does.
 */
class Puller {
  /** The read's budget: every entity entered counts, and the deadline is checked. */
  private readonly budget = currentBudget();

  constructor(readonly db: DbView) {}

  pull(e: number, spec: PullSpec): Map<unknown, unknown> | null {
    const stack: Frame[] = [this.frame(e, spec, freshPath())];
    let entered = 1;
    this.budget?.spend(1);
    const enter = () => {
      this.budget?.spend(1);
      if (++entered > MAX_PULL_ENTITIES)
        limitExceeded('max-pull-entities', MAX_PULL_ENTITIES, 'A pull reaches too many entities');
      if (stack.length > 2 * MAX_PULL_DEPTH)
        limitExceeded('max-pull-depth', MAX_PULL_DEPTH, 'A pull nests too deep');
    };
    for (;;) {
      const top = stack[stack.length - 1]!;
      if (top.entity) {
        if (top.next < top.tasks.length) {
          const t = top.tasks[top.next++]!;
          const child = this.attribute(top, t.s, t.found, t.forward);
          if (child !== null) stack.push(child);
          continue;
        }
        stack.pop();
        const result = this.result(top);
        if (stack.length === 0) return result;
        const parent = stack[stack.length - 1] as AttrFrame;
        if (parent.mode !== Mode.Nested) parent.path.seen.delete(top.e);
        if (result !== null) parent.values.push(result);
        else if (parent.mode === Mode.Component) parent.values.push(idMap(top.e));
        continue;
      }
      if (top.next < top.targets.length) {
        const x = top.targets[top.next++]!;
        enter();
        if (top.mode === Mode.Nested) {
          stack.push(this.frame(x, top.s.sub as PullSpec, top.path));
          continue;
        }
        // Met before on this path: only its id.
        if (top.path.seen.has(x)) {
          top.values.push(idMap(x));
          continue;
        }
        top.path.seen.add(x);
        stack.push(this.frame(x, top.mode === Mode.Recurse ? top.owner.spec : COMPONENT, top.path));
        continue;
      }
      stack.pop();
      this.finish(top);
    }
  }

  /** The frame of an entity: `:db/id` answered now, the other attributes as tasks. */
  private frame(e: number, spec: PullSpec, path: Path): EntityFrame {
    const out = new Map<unknown, unknown>();
    const datoms = this.db.search('eavt', boundDatom(e));
    const f: EntityFrame = {
      entity: true,
      e,
      spec,
      path,
      out,
      tasks: [],
      next: 0,
    };
    if (spec.wildcard) {
      out.set(K.dbId, e);
      let i = 0;
      while (i < datoms.length) {
        const a = datoms[i]!.a;
        let j = i + 1;
        while (j < datoms.length && datoms[j]!.a === a) j++;
        this.task(f, spec.byAttr.get(a) ?? plainSpec(a), datoms.slice(i, j), true);
        i = j;
      }
    }
    for (const s of spec.attrs) {
      if (s.attr === K.dbId) {
        if (datoms.length > 0) out.set(s.key, s.xform === undefined ? e : s.xform(e));
        else this.missing(out, s);
      } else if (s.reverseOf !== null) {
        const fwd = this.db.schema.attr(s.reverseOf);
        const refs =
          fwd?.isRef === true ? this.db.search('avet', boundDatom(undefined, s.reverseOf, e)) : [];
        this.task(f, s, refs, false);
      } else if (!spec.wildcard) {
        const own: Datom[] = [];
        for (const d of datoms) if (d.a === s.attr) own.push(d);
        this.task(f, s, own, true);
      } else if (!datoms.some((d) => d.a === s.attr)) this.missing(out, s);
    }
    return f;
  }

  /**
   * An attribute of the frame's entity: a plain one (values, references as ids) is set
   * now; one whose values are entities to pull waits its turn, as pulls of it change the path.
   */
  private task(f: EntityFrame, s: AttrSpec, found: Datom[], forward: boolean): void {
    if (s.sub === undefined && !(forward && this.db.schema.attr(s.attr)?.isComponent === true))
      this.attribute(f, s, found, forward);
    else f.tasks.push({ s, found, forward });
  }

  /**
   * Nothing pulled is nil. A wildcard answers `{:db/id e}` even for an id without datoms
   * (as DataScript and Datahike do); `:db/id` alone only for an entity that has some (Datahike).
   */
  private result(f: EntityFrame): Map<unknown, unknown> | null {
    return f.out.size === 0 ? null : f.out;
  }

  private missing(out: Map<unknown, unknown>, s: AttrSpec): void {
    if (s.hasDefault) out.set(s.key, s.default);
    else if (s.xform !== undefined) out.set(s.key, s.xform(null));
  }

  /** Sets a plain attribute now; returns the frame of one whose values are pulled entities. */
  private attribute(
    owner: EntityFrame,
    s: AttrSpec,
    found: Datom[],
    forward: boolean,
  ): AttrFrame | null {
    if (found.length === 0) {
      this.missing(owner.out, s);
      return null;
    }
    const n = s.limit === undefined ? DEFAULT_LIMIT : s.limit;
    const datoms = n !== null && found.length > n ? found.slice(0, n) : found;
    const attr = this.db.schema.attrForRead(forward ? s.attr : s.reverseOf!);
    const isRef = !forward || attr.isRef;
    const component = isRef && attr.isComponent;
    const many = forward ? attr.many : !component;
    const sub = s.sub;
    let mode: Mode | undefined;
    let path = owner.path;
    let undo = 0;
    if (isRef && sub !== undefined && !('recurse' in sub)) {
      mode = Mode.Nested;
      path = freshPath();
    } else if (isRef && sub !== undefined) {
      const depth = path.depth.get(s) ?? 0;
      if (depth >= (sub as { recurse: number }).recurse) return null; // as deep as asked: the attribute is left out
      path.depth.set(s, depth + 1);
      mode = Mode.Recurse;
      undo = depth;
    } else if (component && forward) {
      mode = Mode.Component;
      undo = path.seen.has(owner.e) ? 0 : 1;
      if (undo === 1) path.seen.add(owner.e);
    }
    if (mode === undefined) {
      const vs: unknown[] = new Array(datoms.length);
      for (let i = 0; i < datoms.length; i++) {
        const d = datoms[i]!;
        vs[i] = !isRef ? d.v : idMap(forward ? (d.v as number) : d.e);
      }
      this.set(owner.out, s, many ? vs : vs[0]);
      return null;
    }
    const targets: number[] = new Array(datoms.length);
    for (let i = 0; i < datoms.length; i++)
      targets[i] = forward ? (datoms[i]!.v as number) : datoms[i]!.e;
    return { entity: false, owner, s, mode, many, targets, path, undo, values: [], next: 0 };
  }

  private finish(f: AttrFrame): void {
    if (f.mode === Mode.Recurse) f.path.depth.set(f.s, f.undo);
    else if (f.mode === Mode.Component && f.undo === 1) f.path.seen.delete(f.owner.e);
    // A nested pull that finds nothing leaves the attribute out, as DataScript does.
    if (f.values.length > 0) this.set(f.owner.out, f.s, f.many ? f.values : f.values[0]);
  }

  private set(out: Map<unknown, unknown>, s: AttrSpec, value: unknown): void {
    if (value !== undefined) out.set(s.key, s.xform === undefined ? value : s.xform(value));
  }
}

/** Pulls one entity (id, ident or lookup ref); null when it does not exist. */
export function pull(db: DbView, pattern: unknown, eid: unknown): Map<unknown, unknown> | null {
  const spec = parsePullPattern(pattern);
  const e = entid(db, eid);
  if (e === undefined) return null;
  return new Puller(db).pull(e, spec);
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
    return e === undefined ? null : puller.pull(e, spec);
  });
}
