/** Attribute definitions: what `:db/valueType`, `:db/cardinality` and friends say about one attribute. */

import { type Keyword, keyword } from '../values/index.js';

export const K = {
  dbId: keyword('db/id'),
  ident: keyword('db/ident'),
  valueType: keyword('db/valueType'),
  cardinality: keyword('db/cardinality'),
  unique: keyword('db/unique'),
  index: keyword('db/index'),
  isComponent: keyword('db/isComponent'),
  noHistory: keyword('db/noHistory'),
  doc: keyword('db/doc'),
  tupleAttrs: keyword('db/tupleAttrs'),
  tupleTypes: keyword('db/tupleTypes'),
  tupleType: keyword('db/tupleType'),
  txInstant: keyword('db/txInstant'),
  cardinalityOne: keyword('db.cardinality/one'),
  cardinalityMany: keyword('db.cardinality/many'),
  uniqueIdentity: keyword('db.unique/identity'),
  uniqueValue: keyword('db.unique/value'),
  add: keyword('db/add'),
  retract: keyword('db/retract'),
  retractEntity: keyword('db/retractEntity'),
  fnRetractEntity: keyword('db.fn/retractEntity'),
  retractAttribute: keyword('db.fn/retractAttribute'),
  dbRetractAttribute: keyword('db/retractAttribute'),
  cas: keyword('db/cas'),
  fnCas: keyword('db.fn/cas'),
  call: keyword('db.fn/call'),
  currentTx: keyword('db/current-tx'),
} as const;

/** The value types an attribute may declare, by their `:db.type/…` keyword. */
export const VALUE_TYPES = [
  'string',
  'long',
  'double',
  'float',
  // Any number: a long, a double, a bigint or a decimal, kept as it is.
  'number',
  'boolean',
  'keyword',
  'symbol',
  'ref',
  'instant',
  'uuid',
  'bigint',
  'bigdec',
  'bytes',
  'tuple',
  // Datahike's catch-all: any value, no check.
  'value',
] as const;

export type ValueType = (typeof VALUE_TYPES)[number];

export const VALUE_TYPE_BY_KEYWORD: ReadonlyMap<Keyword, ValueType> = new Map(
  VALUE_TYPES.map((t) => [keyword('db.type', t), t]),
);

export function valueTypeKeyword(t: ValueType): Keyword {
  return keyword('db.type', t);
}

export interface Attribute {
  readonly ident: Keyword;
  /** The schema entity's id; undefined for built-in attributes and schema-on-read guesses. */
  readonly id: number | undefined;
  readonly valueType: ValueType | undefined;
  readonly many: boolean;
  readonly unique: 'identity' | 'value' | undefined;
  /** `:db/index` as declared. */
  readonly index: boolean;
  readonly isComponent: boolean;
  readonly noHistory: boolean;
  readonly doc: string | undefined;
  readonly tupleAttrs: readonly Keyword[] | undefined;
  readonly tupleTypes: readonly ValueType[] | undefined;
  readonly tupleType: ValueType | undefined;
  /** Derived: held in the AVET index (unique, indexed or a reference). */
  readonly inAvet: boolean;
  readonly isRef: boolean;
}

export interface AttributeSpec {
  ident: Keyword;
  id?: number | undefined;
  valueType?: ValueType | undefined;
  many?: boolean;
  unique?: 'identity' | 'value' | undefined;
  index?: boolean;
  isComponent?: boolean;
  noHistory?: boolean;
  doc?: string | undefined;
  tupleAttrs?: readonly Keyword[] | undefined;
  tupleTypes?: readonly ValueType[] | undefined;
  tupleType?: ValueType | undefined;
}

export function makeAttribute(spec: AttributeSpec): Attribute {
  const isRef = spec.valueType === 'ref';
  const unique = spec.unique;
  const index = spec.index ?? false;
  return {
    ident: spec.ident,
    id: spec.id,
    valueType: spec.valueType,
    many: spec.many ?? false,
    unique,
    index,
    isComponent: spec.isComponent ?? false,
    noHistory: spec.noHistory ?? false,
    doc: spec.doc,
    tupleAttrs: spec.tupleAttrs,
    tupleTypes: spec.tupleTypes,
    tupleType: spec.tupleType,
    // Composite tuples are looked up by value (upserts, lookup refs), so AVET holds them too.
    inAvet: unique !== undefined || index || isRef || spec.tupleAttrs !== undefined,
    isRef,
  };
}

/** What schema-on-read assumes of an attribute nobody declared. */
export function implicitAttribute(ident: Keyword): Attribute {
  return makeAttribute({ ident });
}
