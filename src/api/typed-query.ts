/**
 * The shape of `q`'s answer, read from the `:find` of a query written as data in the call
 * (a tuple: `[':find', '?n', '?a', ':where', …]`, a map `{ find: […], where: […] }`, or
 * either as `{ query }`), as query/find.ts shapes it: a relation is an array of rows with
 * one value per find element, `?x .` one value (null when nothing matched), `[?x ...]` an
 * array, `[?x ?y]` one row (or null), and `:keys` objects by those keys. The values are `unknown`: name them with `q<T>(…)`. Text
 * queries are typed `any`, as in Datahike's typings.
 */

/** The keywords that end the find spec. */
type Clause = ':in' | ':where' | ':with' | ':keys' | ':strs' | ':syms' | ':timeout';

/** The find elements: those before the next clause keyword. */
type FindElements<T, Acc extends unknown[] = []> = T extends readonly [infer H, ...infer R]
  ? H extends Clause
    ? Acc
    : FindElements<R, [...Acc, H]>
  : Acc;

/** The keys of `:keys a b` (after the find spec), as text. */
type KeysOf<T> = T extends readonly [infer H, ...infer R]
  ? H extends ':keys' | ':strs' | ':syms'
    ? KeyNames<R>
    : KeysOf<R>
  : never;
type KeyNames<T> = T extends readonly [infer H extends string, ...infer R]
  ? H extends Clause
    ? never
    : H | KeyNames<R>
  : never;

/** One row: `unknown` per element. */
type Row<E> = { -readonly [K in keyof E]: unknown };

/** The answer to find elements `E` (`T` the whole query, for `:keys`). */
type Answer<E, T> = E extends readonly [unknown, '.']
  ? unknown
  : E extends readonly [readonly [unknown, '...']]
    ? unknown[]
    : E extends readonly [readonly unknown[]]
      ? Row<E[0]> | null
      : [KeysOf<T>] extends [never]
        ? Row<E>[]
        : { [K in KeysOf<T>]: unknown }[];

/** The find part of a data query in any of its forms. */
type FindPart<Q> = Q extends readonly unknown[]
  ? Q extends readonly [':find', ...infer R]
    ? Answer<FindElements<R>, Q>
    : any
  : Q extends { readonly find: infer F extends readonly unknown[] }
    ? Answer<F, [':keys', ...(Q extends { keys: infer K extends readonly unknown[] } ? K : [])]>
    : Q extends { readonly ':find': infer F extends readonly unknown[] }
      ? Answer<F, []>
      : any;

/** What `q(query, …)` resolves to for a query of type `Q`. */
export type QueryResult<Q> = Q extends { readonly query: infer I } ? FindPart<I> : FindPart<Q>;
