/**
 * Parsing Datalog queries into a small syntax tree. A query may be EDN text, EDN data
 * (symbols), or JavaScript data where strings play the symbols: `'?e'` is a variable,
 * `'_'` a blank, `'$'`/`'$x'` a source, `'%'` the rules, `'...'` an ellipsis, and a string
 * in function position names a function. Errors name the problem and the clause.
 */

import { parseEdn, printEdn } from '../edn/index.js';
import {
  DatahikeError,
  isKeyword,
  isList,
  isSym,
  type Keyword,
  keyword,
  printValue,
  type Sym,
} from '../values/index.js';

export type Term =
  | { readonly kind: 'var'; readonly name: string }
  | { readonly kind: 'const'; readonly value: unknown }
  | { readonly kind: 'blank' }
  | { readonly kind: 'src'; readonly name: string };

export type Binding =
  | { readonly kind: 'scalar'; readonly name: string }
  | { readonly kind: 'blank' }
  | { readonly kind: 'tuple'; readonly items: readonly Binding[] }
  | { readonly kind: 'coll'; readonly item: Binding }
  | { readonly kind: 'rel'; readonly items: readonly Binding[] };

export type InSpec =
  | { readonly kind: 'src'; readonly name: string }
  | { readonly kind: 'rules' }
  | { readonly kind: 'bind'; readonly binding: Binding };

export type FnRef =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'var'; readonly name: string };

export type Clause =
  | {
      readonly kind: 'pattern';
      readonly src: string;
      readonly terms: readonly Term[];
      readonly text: string;
    }
  | {
      readonly kind: 'pred';
      readonly fn: FnRef;
      readonly args: readonly Term[];
      readonly text: string;
    }
  | {
      readonly kind: 'fn';
      readonly fn: FnRef;
      readonly args: readonly Term[];
      readonly binding: Binding;
      readonly text: string;
    }
  | {
      readonly kind: 'not';
      readonly src: string;
      /** not-join's variables; null for `not` (all variables it shares). */
      readonly vars: readonly string[] | null;
      readonly clauses: readonly Clause[];
      readonly text: string;
    }
  | {
      readonly kind: 'or';
      readonly src: string;
      /** or-join's variables (required ones first); null for `or`. */
      readonly vars: {
        readonly required: readonly string[];
        readonly free: readonly string[];
      } | null;
      readonly branches: readonly (readonly Clause[])[];
      readonly text: string;
    }
  | {
      readonly kind: 'rule';
      readonly src: string;
      readonly name: string;
      readonly args: readonly Term[];
      readonly text: string;
    };

export type FindElem =
  | { readonly kind: 'var'; readonly name: string }
  | {
      readonly kind: 'agg';
      readonly fn: FnRef;
      readonly args: readonly Term[];
      readonly text: string;
    }
  | {
      readonly kind: 'pull';
      readonly src: string;
      readonly name: string;
      readonly pattern: unknown;
    };

export interface FindSpec {
  readonly kind: 'rel' | 'coll' | 'tuple' | 'scalar';
  readonly elems: readonly FindElem[];
}

export interface RuleBranch {
  readonly name: string;
  readonly required: readonly string[];
  readonly vars: readonly string[];
  readonly body: readonly Clause[];
}

export interface Query {
  readonly find: FindSpec;
  readonly keys: {
    readonly kind: 'keys' | 'strs' | 'syms';
    readonly names: readonly string[];
  } | null;
  readonly with: readonly string[];
  readonly in: readonly InSpec[];
  readonly where: readonly Clause[];
}

function bad(message: string, form?: unknown): never {
  throw new DatahikeError('query/invalid', message, form === undefined ? {} : { form });
}

/** A symbol-like name: Sym, or a JS string used in symbol position. */
function symName(x: unknown): string | undefined {
  if (isSym(x)) return (x as Sym).fqn;
  return undefined;
}

/** The name if `x` is a variable (`?x`), in EDN or JS form. */
function varName(x: unknown): string | undefined {
  const s = isSym(x) ? (x as Sym).fqn : typeof x === 'string' ? x : undefined;
  return s !== undefined && s.length > 1 && s.charCodeAt(0) === 63 /* ? */ ? s : undefined;
}

function srcName(x: unknown): string | undefined {
  const s = isSym(x) ? (x as Sym).fqn : typeof x === 'string' ? x : undefined;
  return s !== undefined && s.charCodeAt(0) === 36 /* $ */ ? s : undefined;
}

function isBlank(x: unknown): boolean {
  return symName(x) === '_' || x === '_';
}

function isNamed(x: unknown, name: string): boolean {
  return symName(x) === name || x === name;
}

function term(x: unknown): Term {
  const v = varName(x);
  if (v !== undefined) return { kind: 'var', name: v };
  if (isBlank(x)) return { kind: 'blank' };
  const s = srcName(x);
  if (s !== undefined) return { kind: 'src', name: s };
  return { kind: 'const', value: x };
}

function fnRef(x: unknown, form: unknown): FnRef {
  const v = varName(x);
  if (v !== undefined) return { kind: 'var', name: v };
  const s = symName(x) ?? (typeof x === 'string' ? x : undefined);
  if (s === undefined)
    bad(`Expected a function name, got ${printValue(x)} in ${printValue(form)}.`, form);
  return { kind: 'name', name: s };
}

function binding(x: unknown, form: unknown): Binding {
  if (isBlank(x)) return { kind: 'blank' };
  const v = varName(x);
  if (v !== undefined) return { kind: 'scalar', name: v };
  if (Array.isArray(x)) {
    if (x.length === 2 && isNamed(x[1], '...')) return { kind: 'coll', item: binding(x[0], form) };
    if (x.length === 1 && Array.isArray(x[0]))
      return { kind: 'rel', items: (x[0] as unknown[]).map((y) => binding(y, form)) };
    return { kind: 'tuple', items: x.map((y) => binding(y, form)) };
  }
  return bad(
    `Cannot bind to ${printValue(x)} in ${printValue(form)}: use a variable, _, [?a ?b], [?x ...] or [[?a ?b]].`,
    form,
  );
}

const FIND_KW = keyword('find');
const SECTIONS = new Map<Keyword, string>(
  ['find', 'with', 'in', 'where', 'keys', 'strs', 'syms'].map((s) => [keyword(s), s]),
);

/** Splits a vector query into its sections. */
function sections(q: unknown): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  if (q instanceof Map) {
    for (const [k, v] of q) {
      const name = isKeyword(k) ? SECTIONS.get(k) : undefined;
      if (name === undefined)
        bad(
          `Unknown query key ${printValue(k)}; expected :find, :with, :in, :where, :keys, :strs or :syms.`,
          q,
        );
      if (!Array.isArray(v)) bad(`Query section ${printValue(k)} must be a vector.`, q);
      out.set(name, v);
    }
    return out;
  }
  if (!Array.isArray(q) || q.length === 0 || !(q[0] === FIND_KW || q[0] === ':find'))
    bad(`A query is a vector starting with :find (or a map with :find), got ${printValue(q)}.`, q);
  let current: unknown[] | undefined;
  for (const x of q) {
    const kw = isKeyword(x)
      ? x
      : typeof x === 'string' && x.startsWith(':')
        ? keyword(x)
        : undefined;
    const name = kw === undefined ? undefined : SECTIONS.get(kw);
    if (name !== undefined) {
      if (out.has(name)) bad(`Query section :${name} appears twice.`, q);
      current = [];
      out.set(name, current);
    } else current!.push(x);
  }
  return out;
}

function findElem(x: unknown): FindElem {
  const v = varName(x);
  if (v !== undefined) return { kind: 'var', name: v };
  if (Array.isArray(x) && x.length > 0) {
    if (isNamed(x[0], 'pull')) {
      const [src, e, pattern] = x.length === 4 ? [srcName(x[1]), x[2], x[3]] : ['$', x[1], x[2]];
      const name = varName(e);
      if (name === undefined || src === undefined)
        bad(
          `Malformed pull in :find: ${printValue(x)}; use (pull ?e [...]) or (pull $src ?e [...]).`,
          x,
        );
      return { kind: 'pull', src, name, pattern };
    }
    return { kind: 'agg', fn: fnRef(x[0], x), args: x.slice(1).map(term), text: printEdn(x) };
  }
  return bad(
    `Cannot find ${printValue(x)}: use a variable, an aggregate like (count ?x) or (pull ?e [...]).`,
    x,
  );
}

function findSpec(items: unknown[]): FindSpec {
  if (items.length === 0) bad(':find needs at least one element.');
  if (items.length === 2 && isNamed(items[1], '.'))
    return { kind: 'scalar', elems: [findElem(items[0])] };
  if (items.length === 1 && Array.isArray(items[0]) && !isList(items[0])) {
    const inner = items[0] as unknown[];
    if (inner.length === 2 && isNamed(inner[1], '...'))
      return { kind: 'coll', elems: [findElem(inner[0])] };
    if (
      !(
        inner.length > 0 &&
        (isNamed(inner[0], 'pull') ||
          (symName(inner[0]) !== undefined && varName(inner[0]) === undefined))
      )
    )
      return { kind: 'tuple', elems: inner.map(findElem) };
  }
  return { kind: 'rel', elems: items.map(findElem) };
}

function inSpec(x: unknown): InSpec {
  if (isNamed(x, '%')) return { kind: 'rules' };
  const s = srcName(x);
  if (s !== undefined) return { kind: 'src', name: s };
  return { kind: 'bind', binding: binding(x, x) };
}

/** Variables a clause mentions (including nested ones). */
export function clauseVars(c: Clause): Set<string> {
  const out = new Set<string>();
  const addTerms = (ts: readonly Term[]) => {
    for (const t of ts) if (t.kind === 'var') out.add(t.name);
  };
  const addBinding = (b: Binding) => {
    if (b.kind === 'scalar') out.add(b.name);
    else if (b.kind === 'tuple' || b.kind === 'rel') b.items.forEach(addBinding);
    else if (b.kind === 'coll') addBinding(b.item);
  };
  switch (c.kind) {
    case 'pattern':
    case 'pred':
    case 'rule':
      addTerms(c.kind === 'pattern' ? c.terms : c.args);
      if (c.kind === 'pred' && c.fn.kind === 'var') out.add(c.fn.name);
      break;
    case 'fn':
      addTerms(c.args);
      if (c.fn.kind === 'var') out.add(c.fn.name);
      addBinding(c.binding);
      break;
    case 'not':
      if (c.vars !== null) for (const v of c.vars) out.add(v);
      else for (const x of c.clauses) for (const v of clauseVars(x)) out.add(v);
      break;
    case 'or':
      if (c.vars !== null) for (const v of [...c.vars.required, ...c.vars.free]) out.add(v);
      else for (const b of c.branches) for (const x of b) for (const v of clauseVars(x)) out.add(v);
      break;
  }
  return out;
}

function joinVars(x: unknown, form: unknown): { required: string[]; free: string[] } {
  if (!Array.isArray(x))
    bad(`Expected the join variables as a vector in ${printValue(form)}.`, form);
  const required: string[] = [];
  const free: string[] = [];
  for (const v of x) {
    if (Array.isArray(v))
      for (const r of v)
        required.push(
          varName(r) ?? bad(`Not a variable: ${printValue(r)} in ${printValue(form)}.`, form),
        );
    else
      free.push(
        varName(v) ?? bad(`Not a variable: ${printValue(v)} in ${printValue(form)}.`, form),
      );
  }
  return { required, free };
}

export function parseClause(x: unknown, ruleNames: ReadonlySet<string>): Clause {
  const text = printEdn(x);
  if (!Array.isArray(x) || x.length === 0)
    bad(
      `Malformed clause ${text}: expected a pattern [?e :attr ?v], a call [(f ...)] or (not ...), (or ...), (rule ...).`,
      x,
    );
  const listForm = isList(x);
  // Plain arrays from here on: methods on an Array subclass build subclass instances, slowly.
  const form: unknown[] = [...x];
  const head = form[0];
  let src = '$';
  let rest: unknown[] = form;
  const explicitSrc = srcName(head);
  if (explicitSrc !== undefined && form.length > 1) {
    src = explicitSrc;
    rest = x.slice(1);
  }
  const name = symName(rest[0]) ?? (typeof rest[0] === 'string' ? rest[0] : undefined);
  const special = name === 'not' || name === 'not-join' || name === 'or' || name === 'or-join';
  if (special || (name !== undefined && ruleNames.has(name)) || listForm) {
    switch (name) {
      case 'not':
        return {
          kind: 'not',
          src,
          vars: null,
          clauses: rest.slice(1).map((c) => parseClause(c, ruleNames)),
          text,
        };
      case 'not-join': {
        const { required, free } = joinVars(rest[1], x);
        return {
          kind: 'not',
          src,
          vars: [...required, ...free],
          clauses: rest.slice(2).map((c) => parseClause(c, ruleNames)),
          text,
        };
      }
      case 'or':
      case 'or-join': {
        const vars = name === 'or-join' ? joinVars(rest[1], x) : null;
        const branches = rest.slice(name === 'or' ? 1 : 2).map((b) => {
          if (Array.isArray(b) && isNamed(b[0], 'and'))
            return b.slice(1).map((c) => parseClause(c, ruleNames));
          return [parseClause(b, ruleNames)];
        });
        if (branches.length === 0) bad(`${name} needs at least one branch: ${text}.`, x);
        return { kind: 'or', src, vars, branches, text };
      }
      default: {
        if (name === undefined || !ruleNames.has(name))
          bad(
            `Unknown rule ${printValue(rest[0])} in ${text}: pass rules with % in :in, or check the name.`,
            x,
          );
        return { kind: 'rule', src, name, args: rest.slice(1).map(term), text };
      }
    }
  }
  if (Array.isArray(head) && (isList(head) || typeof head[0] === 'string' || isSym(head[0]))) {
    const call = [...head];
    if (call.length === 0) bad(`Empty function call in ${text}.`, x);
    const fn = fnRef(call[0], x);
    const args = call.slice(1).map(term);
    if (form.length === 1) return { kind: 'pred', fn, args, text };
    if (form.length === 2) return { kind: 'fn', fn, args, binding: binding(form[1], x), text };
    bad(`Malformed function clause ${text}: [(f ...)] or [(f ...) binding].`, x);
  }
  if (rest.length < 1 || rest.length > 5)
    bad(`A data pattern has 1 to 5 elements [e a v tx added]: ${text}.`, x);
  return { kind: 'pattern', src, terms: rest.map(term), text };
}

function parseRules(rules: unknown): RuleBranch[] {
  const data = typeof rules === 'string' ? parseEdn(rules) : rules;
  if (!Array.isArray(data))
    bad(`Rules must be a vector of rules, got ${printValue(rules)}.`, rules);
  const names = new Set<string>();
  for (const r of data) {
    const h = Array.isArray(r) ? r[0] : undefined;
    const n = Array.isArray(h)
      ? (symName(h[0]) ?? (typeof h[0] === 'string' ? h[0] : undefined))
      : undefined;
    if (n === undefined)
      bad(`Malformed rule ${printValue(r)}: expected [(name ?a ?b) clause ...].`, r);
    names.add(n);
  }
  return data.map((r) => {
    const [head, ...body] = r as unknown[];
    const h = head as unknown[];
    const name = symName(h[0]) ?? (h[0] as string);
    const required: string[] = [];
    const vars: string[] = [];
    for (const a of h.slice(1)) {
      if (Array.isArray(a))
        for (const v of a)
          required.push(varName(v) ?? bad(`Rule ${name}: ${printValue(v)} is not a variable.`, r));
      else vars.push(varName(a) ?? bad(`Rule ${name}: ${printValue(a)} is not a variable.`, r));
    }
    return {
      name,
      required,
      vars: [...required, ...vars],
      body: body.map((c) => parseClause(c, names)),
    };
  });
}

export function parseRuleSet(rules: unknown): Map<string, RuleBranch[]> {
  const out = new Map<string, RuleBranch[]>();
  for (const b of parseRules(rules)) {
    const list = out.get(b.name);
    if (list === undefined) out.set(b.name, [b]);
    else {
      if (list[0]!.vars.length !== b.vars.length)
        bad(
          `Rule ${b.name} is defined with ${list[0]!.vars.length} and with ${b.vars.length} arguments.`,
        );
      list.push(b);
    }
  }
  return out;
}

/** Rule names a query's :where may call: those of the rules passed in (known once inputs are). */
export function parseQuery(q: unknown, ruleNames: ReadonlySet<string>): Query {
  const s = sections(q);
  const find = findSpec(s.get('find') ?? bad('A query needs :find.', q));
  const keysKind: 'keys' | 'strs' | 'syms' | null = s.has('keys')
    ? 'keys'
    : s.has('strs')
      ? 'strs'
      : s.has('syms')
        ? 'syms'
        : null;
  const keys =
    keysKind === null
      ? null
      : {
          kind: keysKind,
          names: s.get(keysKind)!.map((k) => symName(k) ?? (isKeyword(k) ? k.fqn : String(k))),
        };
  if (keys !== null && keys.names.length !== find.elems.length)
    bad(
      `:${keys.kind} names ${keys.names.length} keys but :find has ${find.elems.length} elements.`,
      q,
    );
  const withVars = (s.get('with') ?? []).map(
    (v) => varName(v) ?? bad(`:with takes variables, got ${printValue(v)}.`, q),
  );
  const ins = (s.get('in') ?? ['$']).map(inSpec);
  const where = (s.get('where') ?? []).map((c) => parseClause(c, ruleNames));
  return { find, keys, with: withVars, in: ins, where };
}

/** Whether a query (as given) names `%` in :in, so the caller knows to parse rules first. */
export function ruleNamesOf(rules: Map<string, RuleBranch[]> | undefined): Set<string> {
  return new Set(rules === undefined ? [] : rules.keys());
}
