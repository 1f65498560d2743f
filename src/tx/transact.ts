/**
 * Applying a transaction to a database value: `withDb` / `dbWith`. The work happens on
 * transient copies of the trees, so the value before is untouched and a failing
 * transaction changes nothing.
 */

import { Db } from '../db/db.js';
import type { Indices } from '../db/indices.js';
import { checkEntityId } from '../db/lookup.js';
import type { TransientSortedSet } from '../index/btree-api.js';
import {
  boundDatom,
  Datom,
  type IndexName,
  PREFIX_ORDER,
  RetractedDatom,
  TX0,
} from '../index/datom.js';
import {
  type Attribute,
  attributeFromProps,
  checksForChange,
  checkValue,
  K,
  SCHEMA_KEYS,
  type Schema,
} from '../schema/index.js';
import {
  DatahikeError,
  equals,
  isKeyword,
  type Keyword,
  printValue,
  type Uuid,
} from '../values/index.js';
import { type EntityRef, FormExpander, isLookupRef, type Op, OpKind, TempId } from './forms.js';
import { resolveTempids, valueKey } from './tempids.js';

export interface TxReport {
  readonly dbBefore: Db;
  readonly dbAfter: Db;
  /** The datoms added and retracted, in the order the transaction made them. */
  readonly txData: readonly Datom[];
  /** User tempids (and `:db/current-tx`) → entity ids. */
  readonly tempids: ReadonlyMap<string | number | Keyword, number>;
  readonly txMeta: unknown;
}

export interface TransactOptions {
  /** Metadata: a map of it becomes facts on the transaction entity. */
  readonly txMeta?: unknown;
  /** The transaction's `:db/txInstant`; now by default. */
  readonly txInstant?: Date;
  /** Commits merged by this one (`mergeDb`): the writer adds them to its commit's parents. */
  readonly mergeParents?: readonly Uuid[];
}

type Transient = TransientSortedSet<Datom>;

/** Transient copies of one set of trees, each made the first time the transaction touches it. */
class TransientIndices {
  private e: Transient | undefined;
  private ae: Transient | undefined;
  private av: Transient | undefined;

  constructor(private readonly base: Indices) {}

  get eavt(): Transient {
    return (this.e ??= this.base.eavt.asTransient());
  }
  get aevt(): Transient {
    return (this.ae ??= this.base.aevt.asTransient());
  }
  get avet(): Transient {
    return (this.av ??= this.base.avet.asTransient());
  }

  persistent(): Indices {
    return {
      eavt: this.e?.persistent() ?? this.base.eavt,
      aevt: this.ae?.persistent() ?? this.base.aevt,
      avet: this.av?.persistent() ?? this.base.avet,
    };
  }
}

function scan(t: TransientIndices, index: IndexName, bound: Datom): Datom[] {
  return t[index].sliceToArray(bound, bound, PREFIX_ORDER[index]);
}

const NO_KEYS: ReadonlySet<Op> = new Set();

class TxState {
  readonly current: TransientIndices;
  readonly temporal: TransientIndices | null;
  readonly txData: Datom[] = [];
  /** Schema entities changed by this transaction whose definition is not yet applied. */
  private readonly pendingSchema = new Set<number>();
  private readonly pendingIdents = new Set<Keyword>();
  /** Entities whose composite tuple attributes need recomputing. */
  private readonly dirtyComposites = new Map<number, Set<Attribute>>();

  constructor(
    readonly before: Db,
    public schema: Schema,
    public maxEid: number,
    readonly tx: number,
    private readonly tempids: ReadonlyMap<TempId, number>,
    readonly upsertKeys: ReadonlySet<Op> = NO_KEYS,
    /** The transients of an earlier transaction of the same replay, to go on changing. */
    shared?: TxState,
  ) {
    this.current = shared?.current ?? new TransientIndices(before.indices);
    this.temporal =
      shared?.temporal ?? (before.temporal === null ? null : new TransientIndices(before.temporal));
  }

  // ---- resolution -------------------------------------------------------------------

  entity(ref: EntityRef, op: Op): number {
    return this.resolve(ref, op, true)!;
  }

  /** For retractions: an ident or lookup ref that names nothing names nothing to retract. */
  existing(ref: EntityRef, op: Op): number | undefined {
    return this.resolve(ref, op, false);
  }

  private resolve(ref: EntityRef, op: Op, strict: boolean): number | undefined {
    if (typeof ref === 'number') return ref;
    if (ref instanceof TempId) return this.tempids.get(ref)!;
    if (isKeyword(ref)) {
      // An ident asserted earlier in this transaction is not in the schema yet.
      const eid =
        this.schema.idents.get(ref) ??
        scan(this.current, 'avet', boundDatom(undefined, K.ident, ref))[0]?.e;
      if (eid === undefined && strict)
        throw new DatahikeError(
          'transact/unknown-ident',
          `Nothing has the ident ${ref}: transact {:db/ident ${ref}} first, or use an entity id.`,
          { ident: ref, op: opData(op) },
        );
      return eid;
    }
    return this.lookup(ref, op, strict);
  }

  private lookup(ref: readonly [Keyword, unknown], op: Op, strict = true): number | undefined {
    const [a, raw] = ref;
    const attr = this.schema.attr(a);
    if (attr?.unique === undefined)
      throw new DatahikeError(
        'lookup-ref/not-unique',
        `Lookup ref ${printValue(ref)} uses ${a}, which is not :db/unique: only unique attributes identify entities.`,
        { lookupRef: ref, op: opData(op) },
      );
    const v = attr.isRef ? this.refValue(attr, raw, op) : checkValue(attr, raw);
    const found = scan(this.current, 'avet', boundDatom(undefined, a, v));
    if (found.length === 0) {
      if (!strict) return undefined;
      throw new DatahikeError(
        'lookup-ref/not-found',
        `Nothing found for lookup ref ${printValue(ref)}.`,
        { lookupRef: ref, op: opData(op) },
      );
    }
    return found[0]!.e;
  }

  private refValue(attr: Attribute, v: unknown, op: Op): number {
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return checkEntityId(v);
    if (v instanceof TempId) return this.tempids.get(v)!;
    if (isKeyword(v) || isLookupRef(v)) return this.entity(v, op);
    if (typeof v === 'bigint') return Number(v);
    throw new DatahikeError(
      'transact/wrong-type',
      `Value ${printValue(v)} of reference attribute ${attr.ident} is not an entity: use an entity id, a tempid, a lookup ref or an ident.`,
      { attribute: attr.ident, value: v, op: opData(op) },
    );
  }

  value(attr: Attribute, v: unknown, op: Op): unknown {
    if (v === null || v === undefined)
      throw new DatahikeError(
        'transact/nil-value',
        `Cannot assert nil for ${attr.ident}: retract the attribute instead ([:db/retract e ${attr.ident}]).`,
        { attribute: attr.ident, op: opData(op) },
      );
    if (attr.isRef) return this.refValue(attr, v, op);
    // A nested map under schema on read became an entity of its own: the value is that
    // entity's id (never the internal tempid object, which no store or codec can hold).
    if (v instanceof TempId) return this.tempids.get(v)!;
    return checkValue(attr, v);
  }

  attribute(a: Keyword): Attribute {
    if (
      this.pendingSchema.size > 0 &&
      (this.schema.attr(a) === undefined || this.pendingIdents.has(a))
    )
      this.applySchema();
    return this.schema.attrForWrite(a);
  }

  // ---- datoms -----------------------------------------------------------------------

  private insert(d: Datom, attr: Attribute): void {
    this.current.eavt.add(d);
    this.current.aevt.add(d);
    if (attr.inAvet) this.current.avet.add(d);
  }

  addDatom(e: number, attr: Attribute, v: unknown, tx = this.tx): void {
    const a = attr.ident;
    if (attr.many) {
      if (scan(this.current, 'eavt', boundDatom(e, a, v)).length > 0) return;
    } else {
      const existing = scan(this.current, 'eavt', boundDatom(e, a));
      for (const old of existing) {
        if (equals(old.v, v)) return;
        this.retractDatom(old, attr);
      }
    }
    if (attr.unique !== undefined) {
      const owner = scan(this.current, 'avet', boundDatom(undefined, a, v));
      if (owner.length > 0 && owner[0]!.e !== e)
        throw new DatahikeError(
          'transact/unique',
          `Unique conflict: ${a} ${printValue(v)} already belongs to entity ${owner[0]!.e}, so entity ${e} cannot have it.`,
          { attribute: a, value: v, entity: e, owner: owner[0]!.e },
        );
    }
    if (e < TX0 && e > this.maxEid) this.maxEid = e;
    const d = new Datom(e, a, v, tx);
    this.insert(d, attr);
    this.txData.push(d);
    this.noteChange(e, attr);
  }

  /** Applies a datom this transaction made once already (replaying a stored commit). */
  replay(d: Datom): void {
    const attr = this.attribute(d.a);
    if (!d.added) {
      for (const old of scan(this.current, 'eavt', boundDatom(d.e, d.a, d.v)))
        this.retractDatom(old, attr);
      return;
    }
    if (d.e < TX0 && d.e > this.maxEid) this.maxEid = d.e;
    // An assertion keeps the transaction it was made with (its own, or one it named).
    this.insert(d, attr);
    this.txData.push(d);
    this.noteChange(d.e, attr);
  }

  retractDatom(d: Datom, attr: Attribute): void {
    this.current.eavt.remove(d);
    this.current.aevt.remove(d);
    if (attr.inAvet) this.current.avet.remove(d);
    const retraction = new Datom(d.e, d.a, d.v, -this.tx);
    // A fact asserted and retracted within this transaction never existed outside it.
    if (this.temporal !== null && !attr.noHistory && d.t !== this.tx) {
      const past = new RetractedDatom(d.e, d.a, d.v, d.t, this.tx);
      this.temporal.eavt.add(past);
      this.temporal.aevt.add(past);
      if (attr.inAvet) this.temporal.avet.add(past);
    }
    this.txData.push(retraction);
    this.noteChange(d.e, attr);
  }

  private noteChange(e: number, attr: Attribute): void {
    const a = attr.ident;
    if (a === K.ident || SCHEMA_KEYS.has(a)) {
      this.pendingSchema.add(e);
      const ident = this.schema.identOf.get(e);
      if (ident !== undefined) this.pendingIdents.add(ident);
      if (a === K.ident)
        for (const d of scan(this.current, 'eavt', boundDatom(e, a)))
          this.pendingIdents.add(d.v as Keyword);
    }
    const composites = this.schema.compositesOf.get(a);
    if (composites !== undefined) {
      let set = this.dirtyComposites.get(e);
      if (set === undefined) this.dirtyComposites.set(e, (set = new Set()));
      for (const c of composites) set.add(c);
    }
  }

  retractValue(e: number, attr: Attribute, v: unknown): void {
    for (const d of scan(this.current, 'eavt', boundDatom(e, attr.ident, v)))
      this.retractDatom(d, attr);
  }

  /** Every value of an attribute; with `components`, the component entities they reference too. */
  retractAttribute(e: number, attr: Attribute, components: boolean): void {
    for (const d of scan(this.current, 'eavt', boundDatom(e, attr.ident))) {
      this.retractDatom(d, attr);
      if (components && attr.isComponent) this.retractEntity(d.v as number);
    }
  }

  retractEntity(e: number): void {
    const seen = new Set<number>();
    const stack = [e];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (seen.has(x)) continue;
      seen.add(x);
      for (const d of scan(this.current, 'eavt', boundDatom(x))) {
        const attr = this.schema.attrForRead(d.a);
        if (attr.isComponent) stack.push(d.v as number);
        this.retractDatom(d, attr);
      }
      // References to the entity from elsewhere go too.
      for (const attr of this.schema.attributes.values()) {
        if (!attr.isRef) continue;
        for (const d of scan(this.current, 'avet', boundDatom(undefined, attr.ident, x)))
          this.retractDatom(d, attr);
      }
    }
  }

  cas(e: number, attr: Attribute, old: unknown, v: unknown, op: Op): void {
    const current = scan(this.current, 'eavt', boundDatom(e, attr.ident));
    const ok =
      old === null || old === undefined
        ? current.length === 0
        : current.some((d) => equals(d.v, old));
    if (!ok)
      throw new DatahikeError(
        'transact/cas',
        `Compare-and-swap failed for ${attr.ident} of entity ${e}: expected ${printValue(old)}, found ${printValue(current.length === 0 ? null : current.length === 1 ? current[0]!.v : current.map((d) => d.v))}.`,
        {
          entity: e,
          attribute: attr.ident,
          expected: old,
          actual: current.map((d) => d.v),
          op: opData(op),
        },
      );
    this.addDatom(e, attr, v);
  }

  // ---- derived facts ------------------------------------------------------------------

  /** The value a composite tuple of `e` has from its components now. */
  private compositeOf(e: number, c: Attribute): unknown[] {
    return c.tupleAttrs!.map((a) => {
      const ds = scan(this.current, 'eavt', boundDatom(e, a));
      return ds.length > 0 ? ds[0]!.v : null;
    });
  }

  /**
   * A composite tuple is the transactor's to maintain: asserting it by hand is allowed
   * only with the value its components already make (then nothing happens).
   */
  checkComposite(e: number, c: Attribute, v: unknown, op: Op): void {
    const given = Array.isArray(v)
      ? v.map((x, i) =>
          (isKeyword(x) || isLookupRef(x)) && this.schema.attr(c.tupleAttrs![i]!)?.isRef
            ? this.entity(x as EntityRef, op)
            : x,
        )
      : undefined;
    const ok =
      op.kind === OpKind.Add &&
      given !== undefined &&
      given.length === c.tupleAttrs!.length &&
      given.every((x) => x !== null && x !== undefined) &&
      equals(given, this.compositeOf(e, c));
    if (!ok)
      throw new DatahikeError(
        'transact/composite-tuple',
        `Can’t modify tuple attrs directly: ${c.ident} is a composite tuple maintained from ${c.tupleAttrs!.join(' ')}; assert those attributes instead (${printValue(opData(op))}).`,
        { attribute: c.ident, op: opData(op) },
      );
  }

  /** Recomputes the composite tuples of the entities this transaction touched. */
  updateComposites(): void {
    if (this.dirtyComposites.size === 0) return;
    for (const [e, composites] of this.dirtyComposites) {
      for (const c of composites) {
        const tuple = this.compositeOf(e, c);
        const existing = scan(this.current, 'eavt', boundDatom(e, c.ident));
        if (tuple.every((x) => x === null)) {
          for (const d of existing) this.retractDatom(d, c);
        } else if (existing.length === 0 || !equals(existing[0]!.v, tuple)) {
          this.addDatom(e, c, tuple);
        }
      }
    }
    this.dirtyComposites.clear();
  }

  /** Turns the changed schema entities into attribute definitions, checking existing data. */
  applySchema(): void {
    if (this.pendingSchema.size === 0) return;
    const pending = [...this.pendingSchema];
    this.pendingSchema.clear();
    this.pendingIdents.clear();
    for (const e of pending) {
      const props = new Map<Keyword, unknown>();
      for (const d of scan(this.current, 'eavt', boundDatom(e))) props.set(d.a, d.v);
      const ident = props.get(K.ident) as Keyword | undefined;
      const oldIdent = this.schema.identOf.get(e);
      const old = oldIdent === undefined ? undefined : this.schema.attributes.get(oldIdent);
      if (ident === undefined) {
        if ([...props.keys()].some((k) => SCHEMA_KEYS.has(k) && k !== K.doc))
          throw new DatahikeError(
            'schema/invalid',
            `Schema entity ${e} declares attribute properties but has no :db/ident.`,
            { entity: e, properties: props },
          );
        if (old !== undefined) this.requireUnused(old, 'remove its :db/ident');
        this.schema = this.schema.withEntity(e, undefined, undefined);
        continue;
      }
      if (this.schema.isSystem(ident))
        throw new DatahikeError(
          'schema/invalid',
          `${ident} is a built-in attribute and cannot be redefined.`,
          {
            attribute: ident,
          },
        );
      const attr = attributeFromProps(ident, e, props, this.schema.flexibility);
      if (old !== undefined) {
        if (old.ident !== ident) this.requireUnused(old, `rename it to ${ident}`);
        else if (attr === undefined) this.requireUnused(old, 'remove its definition');
        else this.checkChange(old, attr);
      }
      const wasIndexed = old?.inAvet ?? false;
      this.schema = this.schema.withEntity(e, ident, attr);
      if (attr?.tupleAttrs !== undefined) this.schema.checkComposite(attr);
      if (attr !== undefined && attr.inAvet !== wasIndexed) this.reindexAvet(attr, attr.inAvet);
    }
  }

  private requireUnused(attr: Attribute, change: string): void {
    if (scan(this.current, 'aevt', boundDatom(undefined, attr.ident)).length > 0)
      throw new DatahikeError(
        'schema/invalid-change',
        `Cannot ${change}: attribute ${attr.ident} is in use by existing datoms.`,
        { attribute: attr.ident },
      );
  }

  private checkChange(old: Attribute, next: Attribute): void {
    for (const check of checksForChange(old, next)) {
      const datoms = scan(this.current, 'aevt', boundDatom(undefined, old.ident));
      if (check === 'unused' && datoms.length > 0)
        throw new DatahikeError(
          'schema/invalid-change',
          `Cannot change the type of ${old.ident}: existing datoms use it.`,
          { attribute: old.ident },
        );
      if (check === 'at-most-one-value') {
        for (let i = 1; i < datoms.length; i++)
          if (datoms[i]!.e === datoms[i - 1]!.e)
            throw new DatahikeError(
              'schema/invalid-change',
              `Cannot make ${old.ident} cardinality one: entity ${datoms[i]!.e} has several values.`,
              { attribute: old.ident, entity: datoms[i]!.e },
            );
      }
      if (check === 'distinct-values') {
        const owners = new Map<unknown, number>();
        for (const d of datoms) {
          const k = valueKey(d.v);
          const other = owners.get(k);
          if (other !== undefined && other !== d.e)
            throw new DatahikeError(
              'schema/invalid-change',
              `Cannot make ${old.ident} unique: entities ${other} and ${d.e} share the value ${printValue(d.v)}.`,
              { attribute: old.ident, value: d.v, entities: [other, d.e] },
            );
          owners.set(k, d.e);
        }
      }
    }
  }

  /** Adds (or removes) an attribute's datoms to AVET when it becomes (or stops being) indexed. */
  private reindexAvet(attr: Attribute, include: boolean): void {
    for (const ix of this.temporal === null ? [this.current] : [this.current, this.temporal]) {
      for (const d of scan(ix, 'aevt', boundDatom(undefined, attr.ident))) {
        if (include) ix.avet.add(d);
        else ix.avet.remove(d);
      }
    }
  }

  finish(): Db {
    return new Db(
      this.current.persistent(),
      this.temporal === null ? null : this.temporal.persistent(),
      this.schema,
      this.maxEid,
      this.tx,
      this.before.config,
      this.before.meta,
    );
  }
}

function opData(op: Op): unknown[] {
  return [
    op.kind,
    op.e instanceof TempId ? op.e.key : op.e,
    op.a,
    op.v instanceof TempId ? op.v.key : op.v,
  ];
}

/**
 * Applies tx-data to a database value and returns the report. Tx-data holds entity maps
 * (`Map` with keyword keys) and list forms (arrays starting with an operation keyword or
 * a function), already in internal form.
 */
export function transactData(
  db: Db,
  txData: readonly unknown[],
  opts: TransactOptions = {},
): TxReport {
  if (!Array.isArray(txData))
    throw new DatahikeError(
      'transact/syntax',
      `tx-data must be a list of forms, got ${printValue(txData)}.`,
      {
        txData,
      },
    );
  const tx = db.maxTx + 1;
  const txTemp = new TempId(':db/current-tx');
  const expander = new FormExpander(db.schema, db, txTemp, tx);
  expander.preview(txData);
  // Where each top-level form's operations end: composite tuples are brought up to date
  // after each (as DataScript and Datahike do), so two forms cannot pass a tuple through
  // a value another entity has.
  const ends: number[] = [];
  for (const form of txData) {
    expander.form(form);
    ends.push(expander.ops.length);
  }
  const txMeta = opts.txMeta;
  let userInstant = false;
  if (txMeta instanceof Map) {
    const meta = new Map(txMeta as Map<unknown, unknown>);
    meta.set(K.dbId, txTemp);
    expander.form(meta);
  }
  for (const op of expander.ops) if (op.e === txTemp && op.a === K.txInstant) userInstant = true;

  const { ids, maxEid, upsertKeys } = resolveTempids(db, db.schema, expander, txTemp, tx);
  const state = new TxState(db, db.schema, maxEid, tx, ids, upsertKeys);
  if (!userInstant) state.addDatom(tx, state.attribute(K.txInstant), opts.txInstant ?? new Date());
  let next = 0;
  for (let i = 0; i < expander.ops.length; i++) {
    applyOp(state, expander.ops[i]!);
    if (i + 1 === ends[next]) {
      while (ends[next] === i + 1) next++;
      state.updateComposites();
    }
  }
  state.applySchema();
  state.updateComposites();
  const dbAfter = state.finish();

  const tempids = new Map<string | number | Keyword, number>();
  for (const [key, t] of expander.tempids) {
    const id = ids.get(t);
    if (id !== undefined) tempids.set(key, id);
  }
  tempids.set(K.currentTx, tx);
  for (const name of expander.txNames) if (typeof name === 'string') tempids.set(name, tx);
  return { dbBefore: db, dbAfter, txData: state.txData, tempids, txMeta };
}

function applyOp(state: TxState, op: Op): void {
  switch (op.kind) {
    case OpKind.Add: {
      const attr = state.attribute(op.a);
      if (attr.tupleAttrs !== undefined) {
        if (!state.upsertKeys.has(op)) state.checkComposite(state.entity(op.e, op), attr, op.v, op);
        return;
      }
      state.addDatom(state.entity(op.e, op), attr, state.value(attr, op.v, op), op.tx);
      return;
    }
    case OpKind.Retract: {
      const attr = state.attribute(op.a);
      if (attr.tupleAttrs !== undefined) state.checkComposite(0, attr, op.v, op);
      const e = state.existing(op.e, op);
      if (e !== undefined) state.retractValue(e, attr, state.value(attr, op.v, op));
      return;
    }
    case OpKind.RetractAttr:
    case OpKind.RetractAttrComponents: {
      const attr = state.attribute(op.a);
      const e = state.existing(op.e, op);
      if (e !== undefined)
        state.retractAttribute(e, attr, op.kind === OpKind.RetractAttrComponents);
      return;
    }
    case OpKind.RetractEntity: {
      const e = state.existing(op.e, op);
      if (e !== undefined) state.retractEntity(e);
      return;
    }
    case OpKind.Cas: {
      const attr = state.attribute(op.a);
      if (attr.tupleAttrs !== undefined) state.checkComposite(0, attr, op.v, op);
      const old = op.old === null || op.old === undefined ? null : state.value(attr, op.old, op);
      state.cas(state.entity(op.e, op), attr, old, state.value(attr, op.v, op), op);
      return;
    }
  }
}

/**
 * The database after a transaction whose datoms (`txData` of its report, in order) are
 * known: how a reader rebuilds the commits logged after the last flushed indices. The
 * datoms were checked when the transaction ran; composite tuples are among them.
 */
export function replayTx(db: Db, tx: number, datoms: readonly Datom[]): Db {
  const state = new TxState(db, db.schema, db.maxEid, tx, new Map());
  for (const d of datoms) state.replay(d);
  state.applySchema();
  return state.finish();
}

/**
 * `replayTx` for several transactions in a row, changing one set of transients (each
 * touched node is copied once, not once per transaction): the database after the last.
 */
export function replayTxs(
  db: Db,
  txs: readonly { readonly tx: number; readonly datoms: readonly Datom[] }[],
): Db {
  let state: TxState | undefined;
  for (const { tx, datoms } of txs) {
    state = new TxState(
      db,
      state?.schema ?? db.schema,
      state?.maxEid ?? db.maxEid,
      tx,
      new Map(),
      new Set(),
      state,
    );
    for (const d of datoms) state.replay(d);
    state.applySchema();
  }
  return state === undefined ? db : state.finish();
}

/** `dbWith`: the database after applying tx-data. */
export function dbWith(db: Db, txData: readonly unknown[], opts?: TransactOptions): Db {
  return transactData(db, txData, opts).dbAfter;
}
