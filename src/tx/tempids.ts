/**
 * Tempid resolution. A tempid that asserts a `:db.unique/identity` value already held by
 * an entity becomes that entity (upsert); tempids that assert the same new identity value
 * become one entity; the rest get fresh ids in order of first appearance.
 */

import type { Db } from '../db/db.js';
import { boundDatom, TX0 } from '../index/datom.js';
import { type Attribute, checkValue, type Schema } from '../schema/index.js';
import { DatahikeError, isKeyword, type Keyword, printValue } from '../values/index.js';
import {
  type EntityRef,
  type FormExpander,
  isLookupRef,
  type Op,
  OpKind,
  TempId,
} from './forms.js';

/** A key under which equal values of one attribute meet in a JS Map. */
export function valueKey(v: unknown): unknown {
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint' || isKeyword(v))
    return v;
  return `\u0000${printValue(v)}`;
}

class UnionFind {
  private readonly parent = new Map<TempId, TempId>();

  find(t: TempId): TempId {
    let p = this.parent.get(t);
    if (p === undefined) return t;
    while (true) {
      const q = this.parent.get(p);
      if (q === undefined) break;
      p = q;
    }
    this.parent.set(t, p);
    return p;
  }

  union(a: TempId, b: TempId): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

/** The entity holding `value` of a unique attribute in `db`, if any. */
function uniqueOwner(db: Db, attr: Attribute, value: unknown): number | undefined {
  const found = db.search('avet', boundDatom(undefined, attr.ident, value));
  return found.length > 0 ? found[0]!.e : undefined;
}

/** Resolves a ref value that is already an entity id, ident or lookup ref against `db`. */
function plainRefValue(db: Db, v: unknown): unknown {
  if (isKeyword(v)) return db.schema.idents.get(v) ?? v;
  if (isLookupRef(v)) {
    const attr = db.schema.attr(v[0]);
    if (attr?.unique === undefined) return v;
    return uniqueOwner(db, attr, identityValue(db, attr, v[1]));
  }
  return v;
}

/**
 * A value of an identity attribute as the index holds it: reference values and the
 * reference elements of a composite tuple resolved (they may be lookup refs or idents).
 */
export function identityValue(db: Db, attr: Attribute, v: unknown): unknown {
  if (attr.isRef) return checkValue(attr, plainRefValue(db, v));
  if (attr.tupleAttrs !== undefined && Array.isArray(v))
    return v.map((x, i) =>
      db.schema.attr(attr.tupleAttrs![i]!)?.isRef === true ? plainRefValue(db, x) : x,
    );
  return checkValue(attr, v);
}

const NO_OPS: ReadonlySet<Op> = new Set();

export interface ResolvedTempids {
  readonly ids: Map<TempId, number>;
  readonly maxEid: number;
  /**
   * Assertions of a composite tuple that identified an existing entity: they name it,
   * and assert nothing (the entity's components may change in the same transaction).
   */
  readonly upsertKeys: ReadonlySet<Op>;
}

export function resolveTempids(
  db: Db,
  schema: Schema,
  expander: FormExpander,
  txTemp: TempId,
  tx: number,
): ResolvedTempids {
  if (expander.allTemps.length === 0)
    return { ids: new Map([[txTemp, tx]]), maxEid: db.maxEid, upsertKeys: NO_OPS };
  const upsertKeys = new Set<Op>();
  const uf = new UnionFind();
  const bound = new Map<TempId, number>();
  const bind = (t: TempId, eid: number, op: Op) => {
    const root = uf.find(t);
    const prev = bound.get(root);
    if (prev !== undefined && prev !== eid)
      throw new DatahikeError(
        'transact/upsert-conflict',
        `Conflicting upsert: tempid ${printValue(t.key ?? '(entity map)')} resolves to both entity ${prev} and entity ${eid} (through ${op.a} ${printValue(op.v)}).`,
        { tempid: t.key, entities: [prev, eid], attribute: op.a, value: op.v },
      );
    bound.set(root, eid);
  };
  bound.set(txTemp, tx);

  // Identity values asserted in this transaction: by explicit entity id, or by a tempid.
  const byValue = new Map<Keyword, Map<unknown, TempId | number>>();
  const identity = (e: EntityRef, attr: Attribute, v: unknown, op: Op) => {
    if (e instanceof TempId) {
      const owner = uniqueOwner(db, attr, v);
      if (owner !== undefined) {
        bind(e, owner, op);
        if (attr.tupleAttrs !== undefined) upsertKeys.add(op);
        return;
      }
    }
    let values = byValue.get(attr.ident);
    if (values === undefined) byValue.set(attr.ident, (values = new Map()));
    const key = valueKey(v);
    const seen = values.get(key);
    if (seen === undefined) {
      if (e instanceof TempId || typeof e === 'number') values.set(key, e);
    } else if (e instanceof TempId) {
      if (typeof seen === 'number') bind(e, seen, op);
      else {
        const eid = bound.get(uf.find(e)) ?? bound.get(uf.find(seen));
        uf.union(seen, e);
        if (eid !== undefined) bind(seen, eid, op);
      }
    } else if (typeof e === 'number' && seen instanceof TempId) bind(seen, e, op);
  };
  // Component values a tempid asserts, for the unique composite tuples they make.
  let components: Map<TempId, Map<Keyword, unknown>> | undefined;
  const composites = schema.compositesOf.size > 0;
  for (const op of expander.ops) {
    if (op.kind !== OpKind.Add) continue;
    if (composites && op.e instanceof TempId && schema.compositesOf.has(op.a)) {
      components ??= new Map();
      let m = components.get(op.e);
      if (m === undefined) components.set(op.e, (m = new Map()));
      m.set(op.a, op.v);
    }
    const attr = expander.attr(op.a);
    if (attr?.unique !== 'identity' || op.v instanceof TempId) continue;
    let v: unknown;
    try {
      v = identityValue(db, attr, op.v);
    } catch {
      continue; // the apply step reports the bad value with its context
    }
    identity(op.e, attr, v, op);
  }
  // A tempid that asserts the components of a unique composite tuple upserts by it.
  for (const [t, values] of components ?? []) {
    const done = new Set<Attribute>();
    for (const a of values.keys())
      for (const c of schema.compositesOf.get(a)!) {
        if (c.unique !== 'identity' || done.has(c)) continue;
        done.add(c);
        const tuple = c.tupleAttrs!.map((x) => {
          const v = values.get(x);
          return v === undefined || v === null ? null : v;
        });
        let v: unknown;
        try {
          v = identityValue(db, c, tuple);
        } catch {
          continue;
        }
        const parts = v as unknown[];
        if (parts.some((x) => x instanceof TempId) || parts.every((x) => x === null)) continue;
        identity(t, c, v, { kind: OpKind.Add, e: t, a: c.ident, v });
      }
  }

  const ids = new Map<TempId, number>();
  let maxEid = db.maxEid;
  ids.set(txTemp, tx);
  let entityRoots: Set<TempId> | undefined;
  const fresh = () => {
    if (++maxEid >= TX0)
      throw new DatahikeError('transact/eid-overflow', `Entity ids are exhausted below ${TX0}.`, {
        eid: maxEid,
      });
    return maxEid;
  };
  // Tempids seen before the tempid whose id they take (set once that one has it).
  let early: TempId[] | undefined;
  for (const t of expander.allTemps) {
    const root = uf.find(t);
    const eid = bound.get(root);
    if (eid !== undefined) {
      ids.set(t, eid);
      continue;
    }
    if (!expander.asEntity.has(t)) {
      entityRoots ??= new Set([...expander.asEntity].map((x) => uf.find(x)));
      if (!entityRoots.has(root)) {
        // A tempid that asserts nothing and is referred to by nothing needs no id.
        if (expander.asValue?.has(t) !== true) continue;
        throw new DatahikeError(
          'transact/unknown-tempid',
          `Tempid ${printValue(t.key)} is used as a value but never as an entity id: nothing in the transaction says what it is.`,
          { tempid: t.key },
        );
      }
    }
    // Ids go by first appearance; tempids that turn out to be one entity (a new identity
    // value they share) get the id of the one that asserted it first, as DataScript and
    // Datahike number them (a tempid seen before that one keeps its number unused).
    if (t === root) {
      const id = fresh();
      bound.set(root, id);
      ids.set(t, id);
    } else {
      fresh();
      (early ??= []).push(t);
    }
  }
  for (const t of early ?? []) ids.set(t, bound.get(uf.find(t))!);
  return { ids, maxEid, upsertKeys };
}
