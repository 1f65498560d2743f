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

  /** True for a view of the same entity in the same database value. */
  equals(other: unknown): boolean {
    return other instanceof EntityView && this.inner.equals(other.inner);
  }

  /** Its EDN text: `{:db/id 1, :name "Ivan"}` (attributes, never the database behind it). */
  toEdn(): string {
    return this.inner.toEdn();
  }

  toString(): string {
    return this.inner.toEdn();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `#datahike/Entity ${this.inner.toEdn()}`;
  }

  /** Every attribute and value; references as `{ "db/id": n }`, components in full. */
  toJSON(): Record<string, unknown> {
    return toExternal(this.inner.toMap()) as Record<string, unknown>;
  }
}

function publicValue(v: unknown): unknown {
  if (v instanceof Set) return [...v].map(publicValue);
  if (v instanceof Entity) return new EntityView(v);
  return toExternal(v);
}
