/**
 * The entity API: a lazy, read-only map view of one entity in one database value.
 * Attribute values load on first access; references come back as entities, so a program
 * can walk the graph (`person.get(':person/friend').get(':person/name')`).
 */

import { type DbView, entid } from '../db/index.js';
import { printEdn } from '../edn/index.js';
import { boundDatom, type Datom } from '../index/datom.js';
import { K } from '../schema/index.js';
import { isKeyword, type Keyword, keyword } from '../values/index.js';

function reverseOf(a: Keyword): Keyword | null {
  return a.name.startsWith('_')
    ? keyword(a.ns === null ? a.name.slice(1) : `${a.ns}/${a.name.slice(1)}`)
    : null;
}

export class Entity {
  private loaded: Map<Keyword, unknown> | undefined;

  constructor(
    readonly db: DbView,
    readonly eid: number,
  ) {}

  private datoms(a?: Keyword): Datom[] {
    return this.db.search('eavt', boundDatom(this.eid, a));
  }

  /** The value(s) of an attribute (`:attr`, or `:_attr` for entities pointing here). */
  get(attr: Keyword | string): unknown {
    const a = isKeyword(attr) ? attr : keyword(attr);
    if (a === K.dbId) return this.eid;
    if (this.loaded?.has(a)) return this.loaded.get(a);
    const rev = reverseOf(a);
    if (rev !== null) return this.reverse(rev);
    return this.convert(a, this.datoms(a));
  }

  private reverse(a: Keyword): unknown {
    const attr = this.db.schema.attr(a);
    if (attr === undefined || !attr.isRef) return undefined;
    const refs = this.db.search('avet', boundDatom(undefined, a, this.eid));
    if (refs.length === 0) return undefined;
    // A component belongs to one owner, so its reverse is one entity.
    if (attr.isComponent) return new Entity(this.db, refs[0]!.e);
    return new Set(refs.map((d) => new Entity(this.db, d.e)));
  }

  private convert(a: Keyword, datoms: readonly Datom[]): unknown {
    if (datoms.length === 0) return undefined;
    const attr = this.db.schema.attrForRead(a);
    const one = (d: Datom) => (attr.isRef ? new Entity(this.db, d.v as number) : d.v);
    if (!attr.many) return one(datoms[datoms.length - 1]!);
    return new Set(datoms.map(one));
  }

  /** Attributes the entity has. */
  keys(): Keyword[] {
    return [...this.touch().loaded!.keys()];
  }

  has(attr: Keyword | string): boolean {
    return this.get(attr) !== undefined;
  }

  /** Loads every attribute now (components too, recursively) and returns the entity. */
  touch(): this {
    if (this.loaded !== undefined) return this;
    const loaded = new Map<Keyword, unknown>();
    const datoms = this.datoms();
    let i = 0;
    while (i < datoms.length) {
      const a = datoms[i]!.a;
      let j = i;
      while (j < datoms.length && datoms[j]!.a === a) j++;
      const v = this.convert(a, datoms.slice(i, j));
      if (this.db.schema.attr(a)?.isComponent) {
        for (const c of v instanceof Set ? v : [v]) (c as Entity).touch();
      }
      loaded.set(a, v);
      i = j;
    }
    this.loaded = loaded;
    return this;
  }

  /** Attribute → value pairs (after {@link touch}). */
  entries(): [Keyword, unknown][] {
    return [...this.touch().loaded!.entries()];
  }

  /** True when the entity has at least one datom in its database. */
  exists(): boolean {
    return this.datoms().length > 0;
  }

  equals(other: unknown): boolean {
    return other instanceof Entity && other.eid === this.eid && other.db === this.db;
  }

  /**
   * What the entity shows when printed: `:db/id` and its attributes, references as
   * `{:db/id n}`, components in full (never the database behind it).
   */
  toMap(): Map<Keyword, unknown> {
    return this.shown(new Set());
  }

  private shown(within: Set<number>): Map<Keyword, unknown> {
    const m = new Map<Keyword, unknown>([[K.dbId, this.eid]]);
    within.add(this.eid);
    for (const [a, v] of this.entries()) {
      const component = this.db.schema.attr(a)?.isComponent === true;
      const one = (x: unknown) =>
        x instanceof Entity
          ? component && !within.has(x.eid)
            ? x.shown(within)
            : new Map([[K.dbId, x.eid]])
          : x;
      m.set(a, v instanceof Set ? new Set([...v].map(one)) : one(v));
    }
    within.delete(this.eid);
    return m;
  }

  /** The EDN text of {@link toMap}: `{:db/id 1, :name "Ivan"}`. */
  toEdn(): string {
    return printEdn(this.toMap());
  }

  toString(): string {
    return this.toEdn();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `#datahike/Entity ${this.toEdn()}`;
  }
}

/**
 * The entity for an id, ident or lookup ref; undefined when that names nothing: an id
 * without datoms, nil, a string, an unknown ident or a lookup ref that finds nothing
 * (as DataScript answers). A malformed lookup ref is an error.
 */
export function entity(db: DbView, eid: unknown): Entity | undefined {
  if (eid === null || eid === undefined || typeof eid === 'string') return undefined;
  const e = entid(db, eid);
  if (e === undefined) return undefined;
  if (typeof eid === 'number' || typeof eid === 'bigint') {
    if (db.search('eavt', boundDatom(e)).length === 0) return undefined;
  }
  return new Entity(db, e);
}
