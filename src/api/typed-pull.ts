/**
 * What `pull` and `entity().get` give back on a typed schema (typed-schema.ts), following
 * pull/pull.ts: a data pattern (`[':person/name', { ':person/friend': [':person/name'] }]`,
 * a tuple when written in the call) gives an object with the attributes it names, each
 * optional (an attribute without a value is left out), many-valued ones as arrays,
 * references as `{ 'db/id': n }` unless a nested pattern pulls them, reverse references
 * (`':person/_friend'`) as arrays of those (one for a component), `'*'` every attribute of
 * the schema. Parts this does not follow (EDN text, attribute options like `:as` and
 * `:limit`, recursion) make the result, or their part of it, `Record<string, unknown>`.
 */

import type { AttrName, IsMany, IsRef, Untyped, ValueOutOf } from './typed-schema.js';

/** A reference as pull gives it without a nested pattern. */
export interface RefOut {
  'db/id': number;
}

/** An attribute name without its colon. */
type Bare<K> = K extends `:${infer N}` ? N : K;

/** `D`'s values as pull gives them: `Sub` their pattern when it is a reference. */
type Values<D, One> = IsMany<D> extends true ? One[] : One;
type PulledValue<S, D, Sub> = Values<
  D,
  IsRef<D> extends true
    ? Sub extends readonly unknown[]
      ? PullResult<S, Sub>
      : D extends { 'db/isComponent': true }
        ? PulledAll<S>
        : RefOut
    : ValueOutOf<D>
>;

/** Every attribute of the schema, as `'*'` pulls them. */
export type PulledAll<S> = { 'db/id': number } & {
  [A in AttrName<S>]?: PulledValue<S, S[A], undefined>;
};

/** The attribute `person/_friend` points back along `person/friend`. */
type Reverse<N> = N extends `${infer Ns}/_${infer Name}` ? `${Ns}/${Name}` : never;

/** What one attribute name (with `Sub` its nested pattern, if any) adds to the result. */
type AttrPart<S, N extends string, Sub> = N extends 'db/id'
  ? { 'db/id': number }
  : N extends AttrName<S>
    ? { [K in N]?: PulledValue<S, S[N], Sub> }
    : Reverse<N> extends infer F extends AttrName<S>
      ? {
          [K in N]?: S[F] extends { 'db/isComponent': true }
            ? ReverseOne<S, Sub>
            : ReverseOne<S, Sub>[];
        }
      : Record<string, unknown>;
type ReverseOne<S, Sub> = Sub extends readonly unknown[] ? PullResult<S, Sub> : RefOut;

/** What one element of a pattern adds to the result. */
type ElementPart<S, E> = E extends '*' | ':*'
  ? PulledAll<S>
  : E extends string
    ? AttrPart<S, Bare<E>, undefined>
    : E extends readonly unknown[]
      ? Record<string, unknown>
      : E extends object
        ? MapPart<S, E>
        : Record<string, unknown>;

/** A map element: each key an attribute, each value its nested pattern. */
type MapPart<S, M> = Intersect<
  { [K in keyof M & string]: AttrPart<S, Bare<K>, M[K]> }[keyof M & string]
>;

type Intersect<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;

/** The elements' parts, intersected; a pattern of unknown length gives any attributes. */
type Parts<S, P> = P extends readonly [infer H, ...infer T]
  ? ElementPart<S, H> & Parts<S, T>
  : P extends readonly []
    ? unknown
    : Record<string, unknown>;

/** Flattens an intersection for readable hovers. */
type Flat<T> = { [K in keyof T]: T[K] } & {};

/** The object `pull(db, pattern, eid)` gives on schema `S` (null aside). */
export type PullResult<S, P> = [S] extends [Untyped]
  ? Record<string, unknown>
  : P extends string
    ? Record<string, unknown>
    : Flat<Parts<S, P>>;

/** Entity values: references as entities (`E`), many-valued attributes as arrays. */
export type EntityValue<S, A extends string, E> = A extends 'db/id'
  ? number
  : A extends AttrName<S>
    ? Values<S[A], IsRef<S[A]> extends true ? E : ValueOutOf<S[A]>> | undefined
    : Reverse<A> extends infer F extends AttrName<S>
      ? (S[F] extends { 'db/isComponent': true } ? E : E[]) | undefined
      : unknown;
