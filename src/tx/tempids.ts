/**
 * Tempid resolution. A tempid that asserts a `:db.unique/identity` value already held by
 * an entity becomes that entity (upsert); tempids that assert the same new identity value
 * become one entity; the rest get fresh ids in order of first appearance.
 */

import type { Db } from '../db/db.js';
import { boundDatom, TX0 } from '../index/datom.js';
import { type Attribute, checkValue, type Schema } from '../schema/index.js';
import { DatahikeError, isKeyword, type Keyword, printValue } from '../values/index.js';
import { type FormExpander, isLookupRef, type Op, OpKind, TempId } from './forms.js';

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
    return uniqueOwner(db, attr, checkValue(attr, v[1]));
  }
  return v;
}

export interface ResolvedTempids {
  readonly ids: Map<TempId, number>;
  readonly maxEid: number;
}

export function resolveTempids(
  db: Db,
  schema: Schema,
  expander: FormExpander,
  txTemp: TempId,
  tx: number,
): ResolvedTempids {
  if (expander.allTemps.length === 0) return { ids: new Map([[txTemp, tx]]), maxEid: db.maxEid };
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
  for (const op of expander.ops) {
    if (op.kind !== OpKind.Add) continue;
    const attr = schema.attr(op.a);
    if (attr?.unique !== 'identity' || op.v instanceof TempId) continue;
    let v: unknown;
    try {
      v = checkValue(attr, attr.isRef ? plainRefValue(db, op.v) : op.v);
    } catch {
      continue; // the apply step reports the bad value with its context
    }
    if (op.e instanceof TempId) {
      const owner = uniqueOwner(db, attr, v);
      if (owner !== undefined) {
        bind(op.e, owner, op);
        continue;
      }
    }
    let values = byValue.get(attr.ident);
    if (values === undefined) byValue.set(attr.ident, (values = new Map()));
    const key = valueKey(v);
    const seen = values.get(key);
    if (seen === undefined) {
      if (op.e instanceof TempId || typeof op.e === 'number') values.set(key, op.e);
    } else if (op.e instanceof TempId) {
      if (typeof seen === 'number') bind(op.e, seen, op);
      else {
        const eid = bound.get(uf.find(op.e)) ?? bound.get(uf.find(seen));
        uf.union(seen, op.e);
        if (eid !== undefined) bind(seen, eid, op);
      }
    } else if (typeof op.e === 'number' && seen instanceof TempId) bind(seen, op.e, op);
  }

  const ids = new Map<TempId, number>();
  let maxEid = db.maxEid;
  ids.set(txTemp, tx);
  let entityRoots: Set<TempId> | undefined;
  for (const t of expander.allTemps) {
    const root = uf.find(t);
    let eid = bound.get(root);
    if (eid === undefined) {
      if (!expander.asEntity.has(t)) {
        entityRoots ??= new Set([...expander.asEntity].map((x) => uf.find(x)));
        if (!entityRoots.has(root))
          throw new DatahikeError(
            'transact/unknown-tempid',
            `Tempid ${printValue(t.key)} is used as a value but never as an entity id: nothing in the transaction says what it is.`,
            { tempid: t.key },
          );
      }
      eid = ++maxEid;
      if (eid >= TX0)
        throw new DatahikeError('transact/eid-overflow', `Entity ids are exhausted below ${TX0}.`, {
          eid,
        });
      bound.set(root, eid);
    }
    ids.set(t, eid);
  }
  return { ids, maxEid };
}
