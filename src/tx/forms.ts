/**
 * Tx-data forms → a flat list of operations. Entity maps (with nested maps, reverse
 * references and many-valued attributes) and list forms become `Op`s whose entity may
 * still be a temporary id; transaction functions are called here and their result
 * expanded in place.
 */

import type { DbView } from '../db/db.js';
import { checkEntityId } from '../db/lookup.js';
import { Datom, TX0 } from '../index/datom.js';
import {
  type Attribute,
  attributeFromProps,
  K,
  SCHEMA_KEYS,
  type Schema,
} from '../schema/index.js';
import { DatahikeError, isKeyword, type Keyword, keyword, printValue } from '../values/index.js';

/** A temporary id: a user's string or negative number, or one made for a map without `:db/id`. */
export class TempId {
  constructor(
    /** What the user wrote; undefined for generated ones. */
    readonly key: string | number | undefined,
  ) {}
}

export enum OpKind {
  Add = 0,
  Retract = 1,
  /** `[:db/retract e a]`: every value of the attribute, references only. */
  RetractAttr = 2,
  RetractEntity = 3,
  Cas = 4,
  /** `:db.fn/retractAttribute`: every value, and the component entities they reference. */
  RetractAttrComponents = 5,
}

/** An entity reference before resolution. */
export type EntityRef = number | TempId | Keyword | readonly [Keyword, unknown];

export interface Op {
  readonly kind: OpKind;
  readonly e: EntityRef;
  readonly a: Keyword;
  readonly v: unknown;
  /** `:db/cas` only: the expected old value. */
  readonly old?: unknown;
  /** An assertion's own transaction (a datom or `[:db/add e a v tx]` in tx-data). */
  readonly tx?: number;
}

export type TxFunction = (db: DbView, ...args: unknown[]) => unknown;

const REVERSE_PREFIX = '_';

/** Names that mean "the transaction entity", in entity or value position. */
export function isCurrentTx(x: unknown): boolean {
  return x === K.currentTx || x === 'datomic.tx' || x === 'datahike.tx' || x === ':db/current-tx';
}

function malformed(message: string, data: Record<string, unknown>): never {
  throw new DatahikeError('transact/syntax', message, data);
}

const MAX_FN_DEPTH = 64;

/** The error for a transaction function that threw (its own DatahikeError as it is). */
function fnFailed(fn: TxFunction, err: unknown, form: unknown): DatahikeError {
  if (err instanceof DatahikeError) return err;
  return new DatahikeError(
    'transact/fn-failed',
    `Transaction function ${fn.name || '(anonymous)'} threw: ${(err as Error)?.message ?? String(err)}`,
    { form },
    err,
  );
}

/** A transaction function's answer, which must be tx-data. */
function fnResult(fn: TxFunction, result: unknown, form: unknown): readonly unknown[] {
  if (Array.isArray(result)) return result;
  return malformed(
    `Transaction function ${fn.name || '(anonymous)'} must return tx-data (an array), got ${printValue(result)}.`,
    { form },
  );
}

/** The function and arguments of a call form (`[:db.fn/call f ...]` or `[f ...]`). */
function callOf(f: unknown): [TxFunction, unknown[]] | undefined {
  if (!Array.isArray(f)) return undefined;
  if (typeof f[0] === 'function') return [f[0] as TxFunction, f.slice(1)];
  if (f[0] === K.call && typeof f[1] === 'function') return [f[1] as TxFunction, f.slice(2)];
  return undefined;
}

/** Whether tx-data calls transaction functions (then settleTxFunctions has work to do). */
export function callsTxFunctions(txData: unknown): boolean {
  if (!Array.isArray(txData)) return false;
  for (const f of txData) if (callOf(f) !== undefined) return true;
  return false;
}

/**
 * Runs the transaction functions of tx-data ahead of the transaction, against the database
 * it starts from, awaiting those that answer a Promise (a function that queries: `q` is
 * asynchronous). Each call is replaced by one answering its settled tx-data at once, so the
 * transaction itself stays synchronous and sees the same forms in the same order. Tx-data
 * without calls comes back as it is.
 */
export async function settleTxFunctions(db: DbView, txData: unknown): Promise<unknown> {
  if (!callsTxFunctions(txData)) return txData;
  const out: unknown[] = [];
  for (const f of txData as unknown[]) out.push(await settleCall(db, f, 1));
  return out;
}

async function settleCall(db: DbView, form: unknown, depth: number): Promise<unknown> {
  const call = callOf(form);
  if (call === undefined) return form;
  const [fn, args] = call;
  if (depth > MAX_FN_DEPTH)
    malformed(`Transaction functions nest more than ${MAX_FN_DEPTH} levels deep.`, { form });
  let result: unknown;
  try {
    result = await fn(db, ...args);
  } catch (err) {
    throw fnFailed(fn, err, form);
  }
  const settled: unknown[] = [];
  for (const g of fnResult(fn, result, form)) settled.push(await settleCall(db, g, depth + 1));
  const answer: TxFunction = () => settled;
  Object.defineProperty(answer, 'name', { value: fn.name });
  return [K.call, answer];
}

/** A lookup ref is `[attribute, value]` with a keyword attribute. */
export function isLookupRef(x: unknown): x is readonly [Keyword, unknown] {
  return Array.isArray(x) && x.length === 2 && isKeyword(x[0]);
}

const reverseCache = new Map<Keyword, Keyword | null>();

/** `:ns/_attr` → `:ns/attr`, or null when the keyword is not a reverse reference. */
export function reverseAttr(a: Keyword): Keyword | null {
  let r = reverseCache.get(a);
  if (r === undefined) {
    r = a.name.startsWith(REVERSE_PREFIX)
      ? keyword(a.ns === null ? a.name.slice(1) : `${a.ns}/${a.name.slice(1)}`)
      : null;
    reverseCache.set(a, r);
  }
  return r;
}

/**
 * A map's entries with composite tuples last, so that one given with the value its
 * components make matches them (as DataScript orders a map).
 */
function compositesLast(
  m: Map<Keyword, unknown>,
  schema: { attr(a: Keyword): Attribute | undefined },
): [Keyword, unknown][] {
  const composite = ([a]: [unknown, unknown]) =>
    isKeyword(a) && schema.attr(a)?.tupleAttrs !== undefined;
  const entries = [...m];
  if (entries.some(composite)) entries.sort((x, y) => Number(composite(x)) - Number(composite(y)));
  return entries;
}

export class FormExpander {
  readonly ops: Op[] = [];
  /** Tempids by the user's key, in order of first appearance. */
  readonly tempids = new Map<string | number, TempId>();
  /** Every tempid, user's or generated, in order of first appearance. */
  readonly allTemps: TempId[] = [];
  /** Tempids that appeared in entity position (a tempid only used as a value is an error). */
  readonly asEntity = new Set<TempId>();
  /** Tempids that appeared as a reference value. */
  asValue: Set<TempId> | undefined;
  /** The names the transaction called itself by (`:db/current-tx`, `"datomic.tx"`, …). */
  readonly txNames: unknown[] = [];
  /** Attributes the tx-data defines in schema entity maps, so data beside them expands right. */
  private defined: Map<Keyword, Attribute> | undefined;
  private depth = 0;

  constructor(
    private readonly schema: Schema,
    private readonly dbBefore: DbView,
    private readonly txTemp: TempId,
    /** The transaction's id: an assertion may name an earlier one, not a later one. */
    private readonly tx: number,
  ) {}

  /** Whether any composite tuple is known (only then do entity maps need reordering). */
  private get composites(): boolean {
    return this.schema.compositesOf.size > 0 || this.definesComposite;
  }
  private definesComposite = false;

  /** An attribute as this transaction will know it: defined here, or in the schema before. */
  attr(a: Keyword): Attribute | undefined {
    return this.defined?.get(a) ?? this.schema.attr(a);
  }

  /**
   * Notes the attributes that schema entity maps among `forms` define (applied for real,
   * and checked, by the transactor).
   */
  preview(forms: readonly unknown[]): void {
    for (const f of forms) {
      if (!(f instanceof Map)) continue;
      const ident = f.get(K.ident);
      if (!isKeyword(ident) || ![...f.keys()].some((k) => SCHEMA_KEYS.has(k as Keyword))) continue;
      try {
        const a = attributeFromProps(ident, undefined, f as Map<Keyword, unknown>, 'read');
        if (a !== undefined) (this.defined ??= new Map()).set(ident, a);
        if (a?.tupleAttrs !== undefined) this.definesComposite = true;
      } catch {
        // the transactor reports a bad definition with its context
      }
    }
  }

  private current(x: unknown): TempId {
    if (!this.txNames.includes(x)) this.txNames.push(x);
    return this.txTemp;
  }

  tempid(key: string | number): TempId {
    let t = this.tempids.get(key);
    if (t === undefined) {
      t = new TempId(key);
      this.tempids.set(key, t);
      this.allTemps.push(t);
    }
    return t;
  }

  private newTemp(): TempId {
    const t = new TempId(undefined);
    this.allTemps.push(t);
    return t;
  }

  /** An entity position: number, tempid, ident, lookup ref or the current transaction. */
  entityRef(x: unknown, form: unknown): EntityRef {
    if (typeof x === 'number') {
      if (!Number.isInteger(x) || x === 0)
        malformed(
          `Entity id ${x} is not valid: use a positive integer, a negative tempid, a string tempid, a lookup ref or an ident.`,
          { form, entity: x },
        );
      return x < 0 ? this.tempid(x) : checkEntityId(x);
    }
    if (typeof x === 'string') return isCurrentTx(x) ? this.current(x) : this.tempid(x);
    if (x instanceof TempId) return x;
    if (isKeyword(x)) return isCurrentTx(x) ? this.current(x) : x;
    if (typeof x === 'bigint') return this.entityRef(Number(x), form);
    if (Array.isArray(x)) {
      if (isLookupRef(x)) return x;
      throw new DatahikeError(
        'lookup-ref/malformed',
        `Malformed lookup ref ${printValue(x)}: expected [attribute value], e.g. [:user/email "a@b.c"].`,
        { form, lookupRef: x },
      );
    }
    return malformed(`Cannot use ${printValue(x)} as an entity id.`, { form, entity: x });
  }

  /** Only :db/add (and entity maps) may name an entity by a tempid. */
  private notTempid(e: EntityRef, form: unknown): EntityRef {
    if (e instanceof TempId && e !== this.txTemp)
      malformed(
        `Can't use tempid ${printValue(e.key)} in ${printValue(form)}: tempids are allowed in :db/add only.`,
        { form, tempid: e.key },
      );
    return e;
  }

  /** The transaction an assertion names: this one or an earlier one. */
  private txOf(tx: unknown, form: unknown): number {
    if (typeof tx !== 'number' || !Number.isInteger(tx) || tx < TX0 || tx > this.tx)
      malformed(
        `The transaction of ${printValue(form)} must be a transaction id from ${TX0} to this transaction's, ${this.tx}.`,
        { form, tx },
      );
    return tx;
  }

  private noteEntity(e: EntityRef): EntityRef {
    if (e instanceof TempId) this.asEntity.add(e);
    return e;
  }

  /** Expands one top-level (or tx-function-produced) form. */
  form(f: unknown): void {
    // nil in tx-data is skipped, as in DataScript and Datahike.
    if (f === null || f === undefined) return;
    if (f instanceof Map) this.entityMap(f as Map<Keyword, unknown>);
    else if (Array.isArray(f)) this.listForm(f);
    else if (f instanceof Datom) {
      const e = checkEntityId(f.e);
      if (f.added) this.ops.push({ kind: OpKind.Add, e, a: f.a, v: f.v, tx: this.txOf(f.tx, f) });
      else this.ops.push({ kind: OpKind.Retract, e, a: f.a, v: f.v });
    } else
      malformed(
        `Bad entity type in tx-data: ${printValue(f)}. Use an entity map or a list form like [:db/add e a v].`,
        {
          form: f,
        },
      );
  }

  private listForm(f: readonly unknown[]): void {
    const op = f[0];
    if (typeof op === 'function') {
      this.call(op as TxFunction, f.slice(1), f);
      return;
    }
    if (!isKeyword(op))
      malformed(`Unknown operation ${printValue(op)} in ${printValue(f)}.`, { form: f });
    switch (op) {
      case K.add: {
        if (f.length !== 4 && f.length !== 5)
          malformed(
            `${op} takes an entity, an attribute, a value and optionally a transaction: ${printValue(f)}.`,
            { form: f },
          );
        const tx = f.length === 5 ? this.txOf(f[4], f) : undefined;
        const e = this.noteEntity(this.entityRef(f[1], f));
        const a = this.attribute(f[2], f);
        const rev = reverseAttr(a);
        if (rev !== null) {
          // [:db/add e :_attr v] asserts [v :attr e].
          this.ops.push({
            kind: OpKind.Add,
            e: this.noteEntity(this.entityRef(f[3], f)),
            a: rev,
            v: e,
            tx,
          });
          return;
        }
        this.ops.push({ kind: OpKind.Add, e, a, v: this.valueRef(f[3], a), tx });
        return;
      }
      case K.retract: {
        if (f.length !== 3 && f.length !== 4)
          malformed(
            `${op} takes an entity, an attribute and optionally a value: ${printValue(f)}.`,
            { form: f },
          );
        const e = this.notTempid(this.entityRef(f[1], f), f);
        const a = this.attribute(f[2], f);
        if (f.length === 3) this.ops.push({ kind: OpKind.RetractAttr, e, a, v: undefined });
        else this.ops.push({ kind: OpKind.Retract, e, a, v: this.valueRef(f[3], a) });
        return;
      }
      case K.retractAttribute:
      case K.dbRetractAttribute: {
        if (f.length !== 3)
          malformed(`${op} takes an entity and an attribute: ${printValue(f)}.`, { form: f });
        this.ops.push({
          kind: OpKind.RetractAttrComponents,
          e: this.notTempid(this.entityRef(f[1], f), f),
          a: this.attribute(f[2], f),
          v: undefined,
        });
        return;
      }
      case K.retractEntity:
      case K.fnRetractEntity: {
        if (f.length !== 2) malformed(`${op} takes one entity: ${printValue(f)}.`, { form: f });
        this.ops.push({
          kind: OpKind.RetractEntity,
          e: this.notTempid(this.entityRef(f[1], f), f),
          a: K.dbId,
          v: undefined,
        });
        return;
      }
      case K.cas:
      case K.fnCas: {
        if (f.length !== 5)
          malformed(
            `${op} takes an entity, an attribute, the old value and the new value: ${printValue(f)}.`,
            { form: f },
          );
        const a = this.attribute(f[2], f);
        this.ops.push({
          kind: OpKind.Cas,
          e: this.notTempid(this.entityRef(f[1], f), f),
          a,
          old: f[3] === undefined ? null : this.valueRef(f[3], a),
          v: this.valueRef(f[4], a),
        });
        return;
      }
      case K.call: {
        const fn = f[1];
        if (typeof fn !== 'function')
          malformed(
            `:db.fn/call needs a JavaScript function as its first argument, got ${printValue(fn)}.`,
            { form: f },
          );
        this.call(fn as TxFunction, f.slice(2), f);
        return;
      }
      default:
        throw new DatahikeError(
          'transact/unknown-op',
          `Unknown operation ${op} in ${printValue(f)}. Use :db/add, :db/retract, :db/retractEntity, :db/cas or :db.fn/call.`,
          { form: f, op },
        );
    }
  }

  private call(fn: TxFunction, args: unknown[], form: unknown): void {
    if (++this.depth > MAX_FN_DEPTH)
      malformed(`Transaction functions nest more than ${MAX_FN_DEPTH} levels deep.`, { form });
    let result: unknown;
    try {
      result = fn(this.dbBefore, ...args);
    } catch (err) {
      throw fnFailed(fn, err, form);
    }
    for (const g of fnResult(fn, result, form)) this.form(g);
    this.depth--;
  }

  private attribute(a: unknown, form: unknown): Keyword {
    if (isKeyword(a)) return a;
    if (typeof a === 'string') return keyword(a);
    return malformed(`Attribute must be a keyword, got ${printValue(a)} in ${printValue(form)}.`, {
      form,
      attribute: a,
    });
  }

  /** A value in a ref position may be a tempid; other values pass unchanged. */
  private valueRef(v: unknown, a: Keyword): unknown {
    const attr = this.attr(a);
    if (attr === undefined || !attr.isRef) return v;
    if (typeof v === 'string') return isCurrentTx(v) ? this.current(v) : this.asRef(this.tempid(v));
    if (typeof v === 'number' && v < 0) return this.asRef(this.tempid(v));
    if (isKeyword(v) && isCurrentTx(v)) return this.current(v);
    return v;
  }

  private asRef(t: TempId): TempId {
    (this.asValue ??= new Set()).add(t);
    return t;
  }

  private entityMap(m: Map<Keyword, unknown>): TempId | EntityRef {
    let id = m.get(K.dbId);
    const e = id === undefined ? this.newTemp() : this.entityRef(id, m);
    if (id === undefined) id = e;
    // The map's entity counts as used in entity position once it asserts something.
    let asserts = false;
    const add = (a: Keyword, v: unknown) => {
      if (!asserts) {
        this.noteEntity(e);
        asserts = true;
      }
      this.ops.push({ kind: OpKind.Add, e, a, v });
    };
    for (const [a, value] of this.composites ? compositesLast(m, this) : m) {
      if (a === K.dbId) continue;
      if (!isKeyword(a))
        malformed(`Entity map keys must be attributes (keywords), got ${printValue(a)}.`, {
          form: m,
        });
      const rev = reverseAttr(a);
      if (rev !== null) {
        const revAttr = this.attr(rev);
        if (revAttr !== undefined && !revAttr.isRef)
          malformed(`Reverse attribute ${a} needs ${rev} to be a reference (:db.type/ref).`, {
            form: m,
          });
        for (const v of this.values(value, rev, true)) {
          const target =
            v instanceof Map
              ? this.entityMap(v as Map<Keyword, unknown>)
              : this.entityRef(this.valueRef(v, rev), m);
          this.ops.push({ kind: OpKind.Add, e: this.noteEntity(target), a: rev, v: e });
        }
        continue;
      }
      const attr = this.attr(a);
      for (const v of this.values(value, a, attr?.many ?? false)) {
        if (v instanceof Map) {
          if (attr !== undefined && !attr.isRef)
            malformed(`Nested entity map under ${a}, which is not a reference attribute.`, {
              form: m,
              attribute: a,
            });
          add(a, this.asRef(this.entityMap(v as Map<Keyword, unknown>) as TempId));
        } else add(a, this.valueRef(v, a));
      }
    }
    return e;
  }

  /** The values a map entry asserts: a collection for many-valued attributes, else one value. */
  private values(value: unknown, a: Keyword, many: boolean): readonly unknown[] {
    if (value instanceof Set) return [...value];
    if (!many || !Array.isArray(value)) return [value];
    const attr = this.attr(a);
    // A two-element vector starting with a keyword is a lookup ref, not two values.
    if (attr?.isRef && isLookupRef(value)) return [value];
    if (attr?.valueType === 'tuple' && !value.every(Array.isArray)) return [value];
    return value;
  }
}
