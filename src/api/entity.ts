/** The entity as the public API hands it out: attribute names and values in public form. */

import type { DbView } from '../db/index.js';
import { Entity } from '../pull/index.js';
import { keyword } from '../values/index.js';
import { stringIn, toExternal } from './convert.js';

/**
 * A lazy, read-only view of one entity. `get(':person/name')` reads an attribute,
 * `get(':person/_friend')` the entities that point here; references come back as
 * entities, many-valued attributes as arrays.
 */
export class EntityView {
  /** @internal */
  constructor(readonly inner: Entity) {}

  /** The entity id. */
  get id(): number {
    return this.inner.eid;
  }

  /** The database value this entity reads from. */
  get db(): DbView {
    return this.inner.db;
  }

  get(attr: string): unknown {
    const a = stringIn(attr.startsWith(':') ? attr : `:${attr}`);
    return publicValue(this.inner.get(typeof a === 'string' ? keyword(a) : (a as never)));
  }

  /** The attributes this entity has, as `":ns/name"` strings. */
  keys(): string[] {
    return this.inner.keys().map((k) => `:${k.fqn}`);
  }

  /** Every attribute and value; references as `{ "db/id": n }`, components in full. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { 'db/id': this.inner.eid };
    for (const [k, v] of this.inner.entries()) {
      const comp = this.inner.db.schema.attr(k)?.isComponent === true;
      const one = (x: unknown) =>
        x instanceof EntityView ? (comp ? x.toJSON() : { 'db/id': x.id }) : x;
      const pv = publicValue(v);
      out[k.fqn] = Array.isArray(pv) ? pv.map(one) : one(pv);
    }
    return out;
  }
}

function publicValue(v: unknown): unknown {
  if (v instanceof Set) return [...v].map(publicValue);
  if (v instanceof Entity) return new EntityView(v);
  return toExternal(v);
}
