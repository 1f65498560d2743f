/**
 * A schema the type checker knows: `defineSchema({ 'person/name': {…}, … })` returns the
 * schema's tx-data (attribute maps with their `db/ident`, ready for `transact` or a
 * config's `initial-tx`) carrying the attributes' types. A connection or database typed
 * with it (`Connection<typeof schema>`, or a config whose `initial-tx` is the schema) checks
 * entity maps and list forms given to `transact` against it, and types what `pull` and
 * `entity().get` give back (typed-pull.ts). Without a schema every type is as loose as the
 * runtime (`Untyped`).
 *
 * Values follow the public conventions (api/convert.ts, schema/values.ts): keywords are
 * `':ns/name'` strings, UUIDs go in as `Uuid` and come out as text, references go in as an
 * entity id, a tempid, an ident, a lookup ref or a nested entity map and come out as
 * `{ 'db/id': n }` (pull) or an entity (`entity().get`).
 */

import type { BigDec, Sym, Uuid } from '../values/index.js';

declare const untyped: unique symbol;
/** The schema of a connection or database nothing typed: every attribute and value loose. */
export interface Untyped {
  readonly [untyped]: true;
}

declare const schemaOf: unique symbol;
/** The phantom a connection or database value carries its schema type in (no runtime field). */
export interface Typed<S> {
  readonly [schemaOf]?: S;
}

/** One attribute's definition, in Datahike's keys. */
export interface AttributeSpec {
  readonly 'db/valueType': `:db.type/${ValueTypeName}`;
  readonly 'db/cardinality': ':db.cardinality/one' | ':db.cardinality/many';
  readonly 'db/unique'?: ':db.unique/identity' | ':db.unique/value';
  readonly 'db/index'?: boolean;
  readonly 'db/isComponent'?: boolean;
  readonly 'db/noHistory'?: boolean;
  readonly 'db/doc'?: string;
  readonly 'db/tupleAttrs'?: readonly `:${string}`[];
  readonly 'db/tupleType'?: `:db.type/${ValueTypeName}`;
  readonly 'db/tupleTypes'?: readonly `:db.type/${ValueTypeName}`[];
}

/** Attribute name (`'person/name'`, no colon) → its definition. */
export type SchemaSpec = { readonly [attribute: string]: AttributeSpec };

/** A value as `transact` takes it, by value type (references apart). */
interface ValueIn {
  string: string;
  long: number;
  double: number;
  float: number;
  number: number | bigint | BigDec;
  boolean: boolean;
  keyword: `:${string}`;
  symbol: Sym;
  instant: Date;
  uuid: Uuid;
  bigint: bigint | number;
  bigdec: BigDec | number | bigint;
  bytes: Uint8Array;
  tuple: readonly unknown[];
  value: unknown;
}

/** A value as the API hands it out, by value type (references apart): where not as it went in. */
interface ValueOut extends Omit<ValueIn, 'symbol' | 'uuid' | 'bigint' | 'bigdec' | 'tuple'> {
  symbol: string;
  uuid: string;
  bigint: bigint;
  bigdec: BigDec;
  tuple: unknown[];
}

export type ValueTypeName = keyof ValueIn | 'ref';

/** One value of a non-reference attribute `D` as the API hands it out. */
export type ValueOutOf<D> = TypeOf<D> extends keyof ValueOut ? ValueOut[TypeOf<D>] : never;

/** The schema's attribute names. */
export type AttrName<S> = keyof S & string;

/** An attribute's value type name. */
export type TypeOf<D> = D extends { 'db/valueType': `:db.type/${infer T}` } ? T : never;
export type IsMany<D> = D extends { 'db/cardinality': ':db.cardinality/many' } ? true : false;
export type IsRef<D> = TypeOf<D> extends 'ref' ? true : false;

/** The schema's tx-data, carrying its type `S`. */
export type SchemaTx<S extends SchemaSpec> = readonly ({
  'db/ident': `:${string}`;
} & AttributeSpec)[] &
  Typed<S>;

/**
 * The phantom of schema `S` on a value's type: none for `Untyped`, so that an untyped
 * connection or database may be annotated with a schema (`const c: Connection<typeof s> = …`).
 */
export type WithSchema<S> = [S] extends [Untyped] ? unknown : Typed<S>;

/** A schema type given as the spec or as what `defineSchema` returned (`typeof schema`). */
export type SpecOf<X> = X extends readonly unknown[] ? SchemaOf<X> : X;

/** The schema type a value carries (a `SchemaTx`, a typed connection or database). */
export type SchemaOf<X> = X extends Typed<infer S> ? (unknown extends S ? Untyped : S) : Untyped;

/**
 * The schema as tx-data, with its attributes' types for the type checker:
 * `const schema = defineSchema({ 'person/name': { 'db/valueType': ':db.type/string',
 * 'db/cardinality': ':db.cardinality/one' } })`.
 */
export function defineSchema<const S extends SchemaSpec>(spec: S): SchemaTx<S> {
  return Object.entries(spec).map(([name, def]) => ({
    'db/ident': `:${name.replace(/^:/, '')}` as const,
    ...def,
  }));
}

// ---- tx-data -------------------------------------------------------------------------

/** An entity as tx-data names it: id, tempid, ident or lookup ref (on any attribute). */
export type EntityRef<S> = [S] extends [Untyped]
  ? unknown
  : number | string | readonly [AttrKeyword<S>, unknown];

/** An attribute as a keyword value: `':person/name'`. */
export type AttrKeyword<S> = `:${AttrName<S>}`;

/** One value of attribute definition `D` as `transact` takes it. */
type OneIn<S, D> =
  TypeOf<D> extends 'ref'
    ? EntityRef<S> | TxEntity<S>
    : TypeOf<D> extends keyof ValueIn
      ? ValueIn[TypeOf<D>]
      : never;

/** The value of `D` in an entity map: a cardinality-many attribute takes one value or several. */
export type ValueInOf<S, D> =
  IsMany<D> extends true ? OneIn<S, D> | readonly OneIn<S, D>[] : OneIn<S, D>;

/** An entity map of tx-data: `db/id` and the schema's attributes (with or without the colon). */
export type TxEntity<S> = { readonly 'db/id'?: EntityRef<S> } & {
  readonly [A in AttrName<S> as A | `:${A}`]?: ValueInOf<S, S[A]>;
} & {
  /** A reverse reference (`'person/_friend': parent`) points the other way. */
  readonly [reverse: `${string}/_${string}`]: unknown;
};

/** List forms, an attribute's value checked against its type. */
export type TxList<S> =
  | {
      [A in AttrName<S>]:
        | readonly [':db/add', EntityRef<S>, `:${A}`, OneIn<S, S[A]>]
        | readonly [':db/retract', EntityRef<S>, `:${A}`, OneIn<S, S[A]>?]
        | readonly [
            ':db/cas' | ':db.fn/cas',
            EntityRef<S>,
            `:${A}`,
            OneIn<S, S[A]> | null,
            OneIn<S, S[A]>,
          ];
    }[AttrName<S>]
  | readonly [':db/retractEntity' | ':db.fn/retractEntity', EntityRef<S>]
  | readonly [':db.fn/retractAttribute', EntityRef<S>, AttrKeyword<S>]
  | readonly [':db.fn/call', (...args: never[]) => unknown, ...unknown[]];

/** One form of tx-data on a typed schema (attribute maps, for schema changes, too). */
export type TxForm<S> =
  | TxEntity<S>
  | TxList<S>
  | ({ readonly 'db/ident': `:${string}` } & Partial<AttributeSpec>);
