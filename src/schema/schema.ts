/**
 * The schema of one database value: built-in attributes, user attributes derived from
 * schema entities, idents, and the derived lookups the transactor needs.
 * A `Schema` is immutable; a schema change makes a new one.
 */

import { DatahikeError, isKeyword, type Keyword, keyword, printValue } from '../values/index.js';
import {
  type Attribute,
  implicitAttribute,
  K,
  makeAttribute,
  VALUE_TYPE_BY_KEYWORD,
  type ValueType,
  valueTypeKeyword,
} from './attribute.js';

export type SchemaFlexibility = 'write' | 'read';

function builtin(
  ident: Keyword,
  valueType: ValueType,
  extra: Partial<Parameters<typeof makeAttribute>[0]> = {},
): [Keyword, Attribute] {
  return [ident, makeAttribute({ ident, valueType, ...extra })];
}

/** Attributes every database knows without a schema transaction. */
export const SYSTEM_ATTRIBUTES: ReadonlyMap<Keyword, Attribute> = new Map([
  builtin(K.ident, 'keyword', { unique: 'identity' }),
  builtin(K.valueType, 'keyword'),
  builtin(K.cardinality, 'keyword'),
  builtin(K.unique, 'keyword'),
  builtin(K.index, 'boolean'),
  builtin(K.isComponent, 'boolean'),
  builtin(K.noHistory, 'boolean'),
  builtin(K.doc, 'string'),
  builtin(K.tupleAttrs, 'tuple', { tupleType: 'keyword' }),
  builtin(K.tupleTypes, 'tuple', { tupleType: 'keyword' }),
  builtin(K.tupleType, 'keyword'),
  builtin(K.txInstant, 'instant'),
]);

/** The attributes whose datoms define schema. */
export const SCHEMA_KEYS: ReadonlySet<Keyword> = new Set([
  K.valueType,
  K.cardinality,
  K.unique,
  K.index,
  K.isComponent,
  K.noHistory,
  K.doc,
  K.tupleAttrs,
  K.tupleTypes,
  K.tupleType,
]);

function invalid(message: string, data: Record<string, unknown>): never {
  throw new DatahikeError('schema/invalid', message, data);
}

function typeFrom(ident: Keyword, key: Keyword, v: unknown): ValueType {
  const t = isKeyword(v) ? VALUE_TYPE_BY_KEYWORD.get(v) : undefined;
  if (t === undefined)
    invalid(
      `Attribute ${ident}: ${key} must be one of the :db.type/… keywords, got ${printValue(v)}.`,
      {
        attribute: ident,
        [key.fqn]: v,
      },
    );
  return t;
}

/**
 * Builds an attribute from the properties of its schema entity, or returns undefined when
 * the entity only names something (an ident, an enum value) and declares no attribute.
 */
export function attributeFromProps(
  ident: Keyword,
  id: number | undefined,
  props: ReadonlyMap<Keyword, unknown>,
  flexibility: SchemaFlexibility,
): Attribute | undefined {
  let declares = false;
  for (const k of props.keys()) if (SCHEMA_KEYS.has(k) && k !== K.doc) declares = true;
  if (!declares) return undefined;
  const vt = props.get(K.valueType);
  const card = props.get(K.cardinality);
  if (flexibility === 'write' && (vt === undefined || card === undefined))
    invalid(
      `Attribute ${ident} needs both :db/valueType and :db/cardinality (schema-flexibility :write).`,
      { attribute: ident, missing: vt === undefined ? ':db/valueType' : ':db/cardinality' },
    );
  let valueType = vt === undefined ? undefined : typeFrom(ident, K.valueType, vt);
  if (card !== undefined && card !== K.cardinalityOne && card !== K.cardinalityMany)
    invalid(
      `Attribute ${ident}: :db/cardinality must be :db.cardinality/one or :db.cardinality/many, got ${printValue(card)}.`,
      { attribute: ident, cardinality: card },
    );
  const u = props.get(K.unique);
  if (u !== undefined && u !== K.uniqueIdentity && u !== K.uniqueValue)
    invalid(
      `Attribute ${ident}: :db/unique must be :db.unique/identity or :db.unique/value, got ${printValue(u)}.`,
      { attribute: ident, unique: u },
    );
  for (const k of [K.isComponent, K.index, K.noHistory]) {
    const b = props.get(k);
    if (b !== undefined && typeof b !== 'boolean')
      invalid(`Attribute ${ident}: ${k} must be true or false, got ${printValue(b)}.`, {
        attribute: ident,
        [k.fqn]: b,
      });
  }
  const isComponent = props.get(K.isComponent) === true;
  if (isComponent && valueType !== 'ref')
    invalid(`Attribute ${ident}: :db/isComponent requires :db/valueType :db.type/ref.`, {
      attribute: ident,
      valueType: vt,
    });
  const tupleAttrs = props.get(K.tupleAttrs) as Keyword[] | undefined;
  const tupleTypesRaw = props.get(K.tupleTypes) as unknown[] | undefined;
  const tupleTypeRaw = props.get(K.tupleType);
  const tupleProps = [tupleAttrs, tupleTypesRaw, tupleTypeRaw].filter((x) => x !== undefined);
  // Schema on read may leave the type out: tuple properties say it (as in DataScript).
  if (valueType === undefined && tupleProps.length > 0) valueType = 'tuple';
  if (valueType === 'tuple' && tupleProps.length !== 1)
    invalid(
      `Attribute ${ident} of type :db.type/tuple needs exactly one of :db/tupleAttrs, :db/tupleTypes or :db/tupleType.`,
      { attribute: ident },
    );
  if (valueType !== 'tuple' && tupleProps.length > 0)
    invalid(`Attribute ${ident}: tuple properties need :db/valueType :db.type/tuple.`, {
      attribute: ident,
    });
  if (tupleAttrs !== undefined) {
    if (card === K.cardinalityMany)
      invalid(`Attribute ${ident} has :db/tupleAttrs, so it must be :db.cardinality/one.`, {
        attribute: ident,
      });
    if (!Array.isArray(tupleAttrs) || tupleAttrs.length < 2 || tupleAttrs.length > 8)
      invalid(`Attribute ${ident}: :db/tupleAttrs must list 2 to 8 attributes.`, {
        attribute: ident,
        tupleAttrs,
      });
    for (const a of tupleAttrs)
      if (!isKeyword(a))
        invalid(
          `Attribute ${ident}: :db/tupleAttrs must hold attribute keywords, got ${printValue(a)}.`,
          {
            attribute: ident,
            tupleAttrs,
          },
        );
  }
  const tupleTypes = tupleTypesRaw?.map((t) => typeFrom(ident, K.tupleTypes, t));
  if (tupleTypes !== undefined && (tupleTypes.length < 1 || tupleTypes.length > 8))
    invalid(`Attribute ${ident}: :db/tupleTypes must list 1 to 8 types.`, { attribute: ident });
  const tupleType =
    tupleTypeRaw === undefined ? undefined : typeFrom(ident, K.tupleType, tupleTypeRaw);
  if (tupleType === 'tuple' || tupleTypes?.includes('tuple'))
    invalid(`Attribute ${ident}: tuples cannot nest tuples.`, { attribute: ident });
  const doc = props.get(K.doc);
  return makeAttribute({
    ident,
    id,
    valueType,
    many: card === K.cardinalityMany,
    unique: u === K.uniqueIdentity ? 'identity' : u === K.uniqueValue ? 'value' : undefined,
    index: props.get(K.index) === true,
    isComponent,
    noHistory: props.get(K.noHistory) === true,
    doc: typeof doc === 'string' ? doc : undefined,
    tupleAttrs,
    tupleTypes,
    tupleType,
  });
}

const CONSTRAINED = keyword('db.attr/constrained');

export class Schema {
  private constructor(
    readonly flexibility: SchemaFlexibility,
    /** User attributes by ident. */
    readonly attributes: ReadonlyMap<Keyword, Attribute>,
    /** Every entity that has a `:db/ident`, attribute or not. */
    readonly idents: ReadonlyMap<Keyword, number>,
    readonly identOf: ReadonlyMap<number, Keyword>,
    /** For an attribute, the composite tuple attributes that include it. */
    readonly compositesOf: ReadonlyMap<Keyword, readonly Attribute[]>,
  ) {}

  static empty(flexibility: SchemaFlexibility = 'write'): Schema {
    return new Schema(flexibility, new Map(), new Map(), new Map(), new Map());
  }

  /**
   * A schema of attributes that live in no schema entity: the schema map DataScript's
   * `empty-db` and Datahike's `db/empty-db` take (`{:aka {:db/cardinality :db.cardinality/many}}`).
   */
  static fromDefinitions(
    defs: ReadonlyMap<Keyword, ReadonlyMap<Keyword, unknown>>,
    flexibility: SchemaFlexibility = 'read',
  ): Schema {
    const attributes = new Map<Keyword, Attribute>();
    for (const [ident, props] of defs) {
      if (!isKeyword(ident) || !(props instanceof Map))
        invalid(
          `A schema map holds attribute keywords and their property maps, got ${printValue(ident)} ${printValue(props)}.`,
          { attribute: ident },
        );
      if (SYSTEM_ATTRIBUTES.has(ident))
        invalid(`${ident} is a built-in attribute and cannot be redefined.`, { attribute: ident });
      attributes.set(
        ident,
        attributeFromProps(ident, undefined, props, flexibility) ?? implicitAttribute(ident),
      );
    }
    const schema = new Schema(
      flexibility,
      attributes,
      new Map(),
      new Map(),
      compositeIndex(attributes),
    );
    for (const a of attributes.values()) schema.checkComposite(a);
    return schema;
  }

  /** A composite tuple may not be built from other composites or from many-valued attributes. */
  checkComposite(a: Attribute): void {
    for (const part of a.tupleAttrs ?? []) {
      const p = this.attr(part);
      if (p?.tupleAttrs !== undefined)
        invalid(`${a.ident} :db/tupleAttrs cannot depend on another tuple attribute: ${part}.`, {
          attribute: a.ident,
          tupleAttr: part,
        });
      if (p?.many)
        invalid(
          `${a.ident} :db/tupleAttrs cannot depend on the :db.cardinality/many attribute ${part}.`,
          { attribute: a.ident, tupleAttr: part },
        );
    }
  }

  /** The attribute, built-in or declared; undefined if nobody declared it. */
  attr(ident: Keyword): Attribute | undefined {
    return this.attributes.get(ident) ?? SYSTEM_ATTRIBUTES.get(ident);
  }

  /**
   * The attribute to use for a datom. Under schema-on-write an undeclared attribute is an
   * error; under schema-on-read it is a cardinality-one attribute of any type.
   */
  attrForWrite(ident: Keyword): Attribute {
    const a = this.attr(ident);
    if (a !== undefined) return a;
    if (this.flexibility === 'read') return implicitAttribute(ident);
    throw new DatahikeError(
      'transact/schema',
      `Unknown attribute ${ident}: declare it in the schema (with :db/valueType and :db/cardinality) before using it, or create the database with schema-flexibility :read.`,
      { attribute: ident },
    );
  }

  /** A read lookup: declared attribute or the schema-on-read default. */
  attrForRead(ident: Keyword): Attribute {
    return this.attr(ident) ?? implicitAttribute(ident);
  }

  isSystem(ident: Keyword): boolean {
    return SYSTEM_ATTRIBUTES.has(ident);
  }

  /** A new schema with the ident and attribute (if any) of one schema entity replaced. */
  withEntity(eid: number, ident: Keyword | undefined, attribute: Attribute | undefined): Schema {
    const attributes = new Map(this.attributes);
    const idents = new Map(this.idents);
    const identOf = new Map(this.identOf);
    const old = this.identOf.get(eid);
    if (old !== undefined) {
      idents.delete(old);
      identOf.delete(eid);
      attributes.delete(old);
    }
    if (ident !== undefined) {
      idents.set(ident, eid);
      identOf.set(eid, ident);
      if (attribute !== undefined) attributes.set(ident, attribute);
    }
    return new Schema(this.flexibility, attributes, idents, identOf, compositeIndex(attributes));
  }

  /** `schema(db)`: ident → properties (as keywords and values), with `:db/id`. */
  toMap(): Map<Keyword, Map<Keyword, unknown>> {
    const out = new Map<Keyword, Map<Keyword, unknown>>();
    for (const a of this.attributes.values()) out.set(a.ident, attributeToMap(a));
    return out;
  }

  /** `reverseSchema(db)`: property → set of attributes that have it. */
  reverseMap(): Map<Keyword, Set<Keyword>> {
    const out = new Map<Keyword, Set<Keyword>>();
    const add = (k: Keyword, a: Keyword) => {
      let s = out.get(k);
      if (s === undefined) out.set(k, (s = new Set()));
      s.add(a);
    };
    // As Datahike's: every attribute under :db/ident, under :db/index every one in AVET, and
    // under :db.attr/constrained those its value-size limits apply to (strings and bytes).
    for (const a of this.attributes.values()) {
      add(K.ident, a.ident);
      if (a.many) add(K.cardinalityMany, a.ident);
      if (a.isRef) add(valueTypeKeyword('ref'), a.ident);
      if (a.valueType === 'tuple') add(valueTypeKeyword('tuple'), a.ident);
      if (a.unique === 'identity') add(K.uniqueIdentity, a.ident);
      if (a.unique === 'value') add(K.uniqueValue, a.ident);
      if (a.unique !== undefined) add(K.unique, a.ident);
      if (a.inAvet) add(K.index, a.ident);
      if (a.isComponent) add(K.isComponent, a.ident);
      if (a.noHistory) add(K.noHistory, a.ident);
      if (a.valueType === 'string' || a.valueType === 'bytes') add(CONSTRAINED, a.ident);
    }
    return out;
  }
}

function compositeIndex(attributes: ReadonlyMap<Keyword, Attribute>): Map<Keyword, Attribute[]> {
  const out = new Map<Keyword, Attribute[]>();
  for (const a of attributes.values()) {
    if (a.tupleAttrs === undefined) continue;
    for (const src of a.tupleAttrs) {
      const list = out.get(src);
      if (list === undefined) out.set(src, [a]);
      else list.push(a);
    }
  }
  return out;
}

export function attributeToMap(a: Attribute): Map<Keyword, unknown> {
  const m = new Map<Keyword, unknown>();
  m.set(K.ident, a.ident);
  if (a.valueType !== undefined) m.set(K.valueType, valueTypeKeyword(a.valueType));
  m.set(K.cardinality, a.many ? K.cardinalityMany : K.cardinalityOne);
  if (a.unique !== undefined)
    m.set(K.unique, a.unique === 'identity' ? K.uniqueIdentity : K.uniqueValue);
  if (a.index) m.set(K.index, true);
  if (a.isComponent) m.set(K.isComponent, true);
  if (a.noHistory) m.set(K.noHistory, true);
  if (a.doc !== undefined) m.set(K.doc, a.doc);
  if (a.tupleAttrs !== undefined) m.set(K.tupleAttrs, [...a.tupleAttrs]);
  if (a.tupleTypes !== undefined) m.set(K.tupleTypes, a.tupleTypes.map(valueTypeKeyword));
  if (a.tupleType !== undefined) m.set(K.tupleType, valueTypeKeyword(a.tupleType));
  if (a.id !== undefined) m.set(K.dbId, a.id);
  return m;
}
