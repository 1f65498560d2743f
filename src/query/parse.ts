/**
 * Parsing Datalog queries into a small syntax tree. A query may be EDN text, EDN data
 * (symbols), or JavaScript data where strings play the symbols: `'?e'` is a variable,
 * `'_'` a blank, `'$'`/`'$x'` a source, `'%'` the rules, `'...'` an ellipsis, and a string
 * in function position names a function. Errors name the problem and the clause, with
 * DataScript's wording where it has one.
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
  /** A plain symbol (`:in $ pattern`): a value found by name, as a pull pattern. */
  | { readonly kind: 'sym'; readonly name: string }
  | { readonly kind: 'bind'; readonly binding: Binding };

export type FnRef =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'var'; readonly name: string };

/**
 * `src` of a clause: the source it names (`[$2 ?e ...]`, `($2 not ...)`), or null for the
 * default source, which is `$` at the top and the named source inside `($2 not ...)`,
 * `($2 or ...)` and rules called as `($2 rule ...)`.
 */
export type Clause =
  | {
      readonly kind: 'pattern';
      readonly src: string | null;
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
      readonly src: string | null;
      /** not-join's variables; null for `not` (all variables it shares). */
      readonly vars: readonly string[] | null;
      readonly clauses: readonly Clause[];
      readonly text: string;
    }
  | {
      readonly kind: 'or';
      readonly src: string | null;
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
      readonly src: string | null;
      readonly name: string;
      readonly args: readonly Term[];
      readonly text: string;
    };

export type FindElem =
  | { readonly kind: 'var'; readonly name: string }
  | {
      readonly kind: 'agg';
      readonly fn: FnRef;
      /** The aggregated variable: the last argument. */
      readonly over: string;
      /** The arguments before it (`n` of `(max n ?x)`): constants, or inputs by name. */
      readonly params: readonly Term[];
      readonly text: string;
    }
  | {
      readonly kind: 'pull';
      readonly src: string;
      readonly name: string;
      /** The pattern as written, or null when it is given by a variable or an input. */
      readonly pattern: unknown;
      /** `?p` of `(pull ?e ?p)`, `p` of `(pull ?e p)`: where the pattern comes from. */
      readonly patternName: string | null;
    };

export interface FindSpec {
  readonly kind: 'rel' | 'coll' | 'tuple' | 'scalar';
  readonly elems: readonly FindElem[];
}

export interface RuleBranch {
  readonly name: string;
  readonly required: readonly string[];
  /** Head variables by position (a variable may repeat: the arguments then unify). */
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
  /** No :in was written: the query then also takes one database as `$` (as Datahike does). */
  readonly implicitIn: boolean;
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
  if (Array.isArray(x) && x.length > 0) {
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

/** A binding as it is written: `[?a ?b]`, `[?x ...]`, `[[?a ?b]]`. */
export function bindingText(b: Binding): string {
  switch (b.kind) {
    case 'scalar':
      return b.name;
    case 'blank':
      return '_';
    case 'coll':
      return `[${bindingText(b.item)} ...]`;
    case 'tuple':
      return `[${b.items.map(bindingText).join(' ')}]`;
    case 'rel':
      return `[[${b.items.map(bindingText).join(' ')}]]`;
  }
}

/** Variables a binding binds, in order. */
export function bindingVars(b: Binding): string[] {
  switch (b.kind) {
    case 'scalar':
      return [b.name];
    case 'blank':
      return [];
    case 'coll':
      return bindingVars(b.item);
    default:
      return b.items.flatMap(bindingVars);
  }
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
      if (name === undefined || src === undefined || x.length < 3 || x.length > 4)
        bad(
          `Malformed pull in :find: ${printValue(x)}; use (pull ?e [...]) or (pull $src ?e [...]).`,
          x,
        );
      // A symbol (variable or plain) names an input (or a found variable) holding the pattern.
      const patternName = symName(pattern) ?? (typeof pattern === 'string' ? pattern : null);
      return {
        kind: 'pull',
        src,
        name,
        pattern: patternName === null ? pattern : null,
        patternName,
      };
    }
    const text = printEdn(x);
    let fn = fnRef(x[0], x);
    let args = x.slice(1).map(term);
    // `(aggregate ?f ?x)`: a custom aggregate passed in as an input.
    if (fn.kind === 'name' && fn.name === 'aggregate') {
      const f = args[0];
      if (f?.kind !== 'var')
        bad(`Cannot parse custom aggregate call ${text}, expected (aggregate ?fn ?x).`, x);
      fn = { kind: 'var', name: f.name };
      args = args.slice(1);
    }
    const last = args[args.length - 1];
    if (last?.kind !== 'var')
      bad(`Aggregate ${text} needs a variable as its last argument (the values it aggregates).`, x);
    return { kind: 'agg', fn, over: last.name, params: args.slice(0, -1), text };
  }
  return bad(
    `Cannot find ${printValue(x)}: use a variable, an aggregate like (count ?x) or (pull ?e [...]).`,
    x,
  );
}

/** The :find section's elements as a find spec. */
export function parseFind(items: unknown[]): FindSpec {
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
  const plain = symName(x);
  if (plain !== undefined && plain !== '_' && varName(x) === undefined)
    return { kind: 'sym', name: plain };
  return { kind: 'bind', binding: binding(x, x) };
}

const varCache = new WeakMap<Clause, ReadonlySet<string>>();

/** Variables a clause mentions (including nested ones); computed once per clause. */
export function clauseVars(c: Clause): ReadonlySet<string> {
  let out = varCache.get(c);
  if (out === undefined) varCache.set(c, (out = collectClauseVars(c)));
  return out;
}

function collectClauseVars(c: Clause): Set<string> {
  const out = new Set<string>();
  const addTerms = (ts: readonly Term[]) => {
    for (const t of ts) if (t.kind === 'var') out.add(t.name);
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
      for (const v of bindingVars(c.binding)) out.add(v);
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

/** What clause parsing needs to know about the query around it. */
interface ClauseContext {
  readonly ruleNames: ReadonlySet<string>;
  /** Whether :in names `%`: a rule call without it is an error of its own. */
  readonly hasRules: boolean;
}

function noJoinVars(form: unknown): never {
  return bad(`Join variables should not be empty in ${printValue(form)}.`, form);
}

function parseClause(x: unknown, cx: ClauseContext): Clause {
  const text = printEdn(x);
  if (!Array.isArray(x))
    bad(
      `Cannot parse clause ${text}: expected a pattern [?e :attr ?v], a call [(f ...)] or (not ...), (or ...), (rule ...).`,
      x,
    );
  if (x.length === 0) bad(`Pattern could not be empty: ${text}.`, x);
  const listForm = isList(x);
  // Plain arrays from here on: methods on an Array subclass build subclass instances, slowly.
  const form: unknown[] = [...x];
  const head = form[0];
  let src: string | null = null;
  let rest: unknown[] = form;
  const explicitSrc = srcName(head);
  if (explicitSrc !== undefined && form.length > 1) {
    src = explicitSrc;
    rest = form.slice(1);
  }
  const name = symName(rest[0]) ?? (typeof rest[0] === 'string' ? rest[0] : undefined);
  const special = name === 'not' || name === 'not-join' || name === 'or' || name === 'or-join';
  // A list names a rule (or not/or); a list led by a call is a function clause, as a vector.
  if (special || (name !== undefined && (cx.ruleNames.has(name) || listForm))) {
    switch (name) {
      case 'not': {
        if (rest.length < 2)
          bad(`Cannot parse 'not' clause, expected [ src-var? 'not' clause+ ]: ${text}.`, x);
        const clauses = rest.slice(1).map((c) => parseClause(c, cx));
        if (clauses.every((c) => clauseVars(c).size === 0)) noJoinVars(x);
        return { kind: 'not', src, vars: null, clauses, text };
      }
      case 'not-join': {
        if (rest.length < 3 || !Array.isArray(rest[1]))
          bad(
            `Cannot parse 'not-join' clause, expected [ src-var? 'not-join' [variable+] clause+ ]: ${text}.`,
            x,
          );
        const { required, free } = joinVars(rest[1], x);
        if (required.length + free.length === 0) noJoinVars(x);
        return {
          kind: 'not',
          src,
          vars: [...required, ...free],
          clauses: rest.slice(2).map((c) => parseClause(c, cx)),
          text,
        };
      }
      case 'or':
      case 'or-join': {
        const join = name === 'or-join';
        if (rest.length < (join ? 3 : 2) || (join && !Array.isArray(rest[1])))
          bad(
            join
              ? `Cannot parse 'or-join' clause, expected [ src-var? 'or-join' [variable+] clause+ ]: ${text}.`
              : `Cannot parse 'or' clause, expected [ src-var? 'or' clause+ ]: ${text}.`,
            x,
          );
        const vars = join ? joinVars(rest[1], x) : null;
        if (vars !== null && vars.required.length + vars.free.length === 0)
          bad(
            `Cannot parse rule-vars in ${text}, expected [ variable+ | ([ variable+ ] variable*) ].`,
            x,
          );
        const branches = rest.slice(join ? 2 : 1).map((b) => {
          if (Array.isArray(b) && isNamed(b[0], 'and')) {
            if (b.length < 2)
              bad(`Cannot parse 'and' clause, expected [ 'and' clause+ ]: ${printEdn(b)}.`, b);
            return b.slice(1).map((c) => parseClause(c, cx));
          }
          return [parseClause(b, cx)];
        });
        const result: Clause = { kind: 'or', src, vars, branches, text };
        if (vars === null && clauseVars(result).size === 0) noJoinVars(x);
        return result;
      }
      default: {
        if (!cx.hasRules) bad(`Missing rules var '%' in :in for ${text}.`, x);
        if (name === undefined || !cx.ruleNames.has(name))
          bad(
            `Unknown rule ${printValue(rest[0])} in ${text}: pass rules with % in :in, or check the name.`,
            x,
          );
        if (rest.length < 2) bad(`rule-expr requires at least one argument: ${text}.`, x);
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

function ruleHeadVar(x: unknown, rule: unknown): string {
  return (
    varName(x) ??
    bad(
      `Cannot parse var, expected symbol starting with ?, got: ${printValue(x)} in ${printValue(rule)}.`,
      rule,
    )
  );
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
      bad(`Cannot parse rule ${printValue(r)}, expected [(name ?a ?b) clause+].`, r);
    names.add(n);
  }
  const cx: ClauseContext = { ruleNames: names, hasRules: true };
  return data.map((r) => {
    const [head, ...body] = r as unknown[];
    const h = head as unknown[];
    const name = symName(h[0]) ?? (h[0] as string);
    const required: string[] = [];
    const free: string[] = [];
    const args = h.slice(1);
    args.forEach((a, i) => {
      if (Array.isArray(a) && i === 0 && a.length > 0)
        for (const v of a) required.push(ruleHeadVar(v, r));
      else if (Array.isArray(a))
        bad(
          `Cannot parse rule-vars of ${printValue(h)}, expected [ variable+ | ([ variable+ ] variable*) ].`,
          r,
        );
      else free.push(ruleHeadVar(a, r));
    });
    if (required.length + free.length === 0)
      bad(
        `Cannot parse rule-vars of ${printValue(h)}, expected [ variable+ | ([ variable+ ] variable*) ].`,
        r,
      );
    if (body.length === 0) bad(`Rule branch should have clauses: ${printValue(r)}.`, r);
    return {
      name,
      required,
      vars: [...required, ...free],
      body: body.map((c) => parseClause(c, cx)),
    };
  });
}

export function parseRuleSet(rules: unknown): Map<string, RuleBranch[]> {
  const out = new Map<string, RuleBranch[]>();
  for (const b of parseRules(rules)) {
    const list = out.get(b.name);
    if (list === undefined) out.set(b.name, [b]);
    else {
      const first = list[0]!;
      if (first.vars.length !== b.vars.length || first.required.length !== b.required.length)
        bad(
          `Arity mismatch for rule '${b.name}': a branch takes ${first.vars.length} argument(s) (${first.required.length} required), another ${b.vars.length} (${b.required.length} required).`,
        );
      list.push(b);
    }
  }
  return out;
}

function distinctOrFail(names: readonly string[], message: string, q: unknown): void {
  if (new Set(names).size !== names.length) bad(message, q);
}

/** Sources the clauses read, given the default source around them. */
function sourcesOf(clauses: readonly Clause[], dflt: string, out: Set<string>): Set<string> {
  for (const c of clauses) {
    const own = 'src' in c && c.src !== null ? c.src : dflt;
    switch (c.kind) {
      case 'pattern':
      case 'rule':
        out.add(own);
        for (const t of c.kind === 'pattern' ? [] : c.args) if (t.kind === 'src') out.add(t.name);
        break;
      case 'pred':
      case 'fn':
        for (const t of c.args) if (t.kind === 'src') out.add(t.name);
        break;
      case 'not':
        if (c.src !== null) out.add(c.src);
        sourcesOf(c.clauses, own, out);
        break;
      case 'or':
        if (c.src !== null) out.add(c.src);
        for (const b of c.branches) sourcesOf(b, own, out);
        break;
    }
  }
  return out;
}

/**
 * What must be known before :where can be parsed (its rule calls need the rules): where :in
 * names `%` (-1 if nowhere), how many inputs :in takes (-1 without :in), and :in as text
 * (for the error when the inputs do not match).
 */
export function inputsOf(data: unknown): { rules: number; count: number; text: () => string } {
  const ins = sectionItems(data, 'in');
  if (ins === undefined) return { rules: -1, count: -1, text: () => '' };
  return {
    rules: ins.findIndex((x) => isNamed(x, '%')),
    count: ins.length,
    text: () => ins.map((x) => printEdn(x)).join(' '),
  };
}

function sectionItems(data: unknown, section: string): unknown[] | undefined {
  if (data instanceof Map) {
    for (const [k, v] of data) if (isKeyword(k) && k.fqn === section) return v as unknown[];
    return undefined;
  }
  if (!Array.isArray(data)) return undefined;
  const isSection = (x: unknown) =>
    (isKeyword(x) && SECTIONS.has(x)) || (typeof x === 'string' && SECTIONS.has(keyword(x)));
  const i = data.findIndex((x) => (isKeyword(x) && x.fqn === section) || x === `:${section}`);
  if (i < 0) return undefined;
  const out: unknown[] = [];
  for (let j = i + 1; j < data.length && !isSection(data[j]); j++) out.push(data[j]);
  return out;
}

/** Rule names a query's :where may call: those of the rules passed in (known once inputs are). */
export function parseQuery(q: unknown, ruleNames: ReadonlySet<string>): Query {
  const s = sections(q);
  const find = parseFind(s.get('find') ?? bad('A query needs :find.', q));
  const present = (['keys', 'strs', 'syms'] as const).filter((k) => s.has(k));
  if (present.length > 1) bad('Only one of :keys/:syms/:strs must be present.', q);
  const keysKind = present[0] ?? null;
  if (keysKind !== null && find.kind === 'coll')
    bad(`:${keysKind} does not work with collection :find.`, q);
  if (keysKind !== null && find.kind === 'scalar')
    bad(`:${keysKind} does not work with single-scalar :find.`, q);
  const keys =
    keysKind === null
      ? null
      : {
          kind: keysKind,
          names: s.get(keysKind)!.map((k) => symName(k) ?? (isKeyword(k) ? k.fqn : String(k))),
        };
  if (keys !== null && keys.names.length !== find.elems.length)
    bad(
      `Count of :${keys.kind} must match count of :find: :${keys.kind} names ${keys.names.length}, :find has ${find.elems.length}.`,
      q,
    );
  const withVars = (s.get('with') ?? []).map(
    (v) => varName(v) ?? bad(`:with takes variables, got ${printValue(v)}.`, q),
  );
  distinctOrFail(withVars, 'Vars used in :with should be distinct.', q);
  const shared = find.elems.flatMap((e) =>
    e.kind === 'var' && withVars.includes(e.name) ? [e.name] : [],
  );
  if (shared.length > 0)
    bad(`:find and :with should not use the same variables: ${shared.join(' ')}.`, q);
  const explicitIn = s.get('in')?.map(inSpec);
  const cx: ClauseContext = {
    ruleNames,
    hasRules: explicitIn?.some((i) => i.kind === 'rules') ?? false,
  };
  const where = (s.get('where') ?? []).map((c) => parseClause(c, cx));
  const used = sourcesOf(where, '$', new Set());
  for (const e of find.elems) if (e.kind === 'pull') used.add(e.src);
  // Without :in, the query reads `$` if :where reads a source; otherwise it takes no input.
  const ins: InSpec[] = explicitIn ?? (used.size > 0 ? [{ kind: 'src', name: '$' }] : []);
  const names = ins.flatMap((i) =>
    i.kind === 'src' || i.kind === 'sym'
      ? [i.name]
      : i.kind === 'rules'
        ? ['%']
        : bindingVars(i.binding),
  );
  distinctOrFail(names, 'Vars used in :in should be distinct.', q);
  const known = new Set(names);
  for (const c of where) for (const v of clauseVars(c)) known.add(v);
  for (const v of [...find.elems.map((e) => (e.kind === 'agg' ? e.over : e.name)), ...withVars])
    if (!known.has(v))
      throw new DatahikeError(
        'query/unbound-variable',
        `${v} in :find or :with is not bound by :where or :in.`,
        { variable: v },
      );
  const unknown = [...used].filter((src) => !names.includes(src));
  if (unknown.length > 0)
    throw new DatahikeError(
      'query/unknown-source',
      `Where uses unknown source ${unknown.join(' ')}: bind it in :in.`,
      { sources: unknown },
    );
  return { find, keys, with: withVars, in: ins, implicitIn: explicitIn === undefined, where };
}
