/**
 * Type tests of `q` (checked by `npm run typecheck`, never run): a result type parameter,
 * and the answer's shape read from the `:find` of a query written as data.
 */
import { expectTypeOf } from 'vitest';
import * as d from '../../src/index.js';

const db = await d.db(await d.connect({ store: { backend: ':memory' } }));

// A result type parameter names the answer.
expectTypeOf(await d.q<number>('[:find ?a . :where [_ :age ?a]]', db)).toEqualTypeOf<number>();
expectTypeOf(
  await d.q<[string, number][]>('[:find ?n ?a :where [?e :name ?n] [?e :age ?a]]', db),
).toEqualTypeOf<[string, number][]>();
// A text query without one is `any`, as in Datahike's typings.
expectTypeOf(await d.q('[:find ?n :where [_ :name ?n]]', db)).toBeAny();

// The data form: the shape follows :find.
const where = [
  ['?e', ':name', '?n'],
  ['?e', ':age', '?a'],
] as const;
expectTypeOf(await d.q([':find', '?n', '?a', ':where', ...where], db)).toEqualTypeOf<
  [unknown, unknown][]
>();
expectTypeOf(
  await d.q([':find', '?a', '.', ':where', ['?e', ':age', '?a']], db),
).toEqualTypeOf<unknown>();
expectTypeOf(
  await d.q([':find', ['?n', '...'], ':where', ['?e', ':name', '?n']], db),
).toEqualTypeOf<unknown[]>();
expectTypeOf(await d.q([':find', ['?n', '?a'], ':where', ...where], db)).toEqualTypeOf<
  [unknown, unknown] | null
>();
expectTypeOf(
  await d.q([':find', '?n', ['count', '?e'], ':in', '$', ':where', ['?e', ':name', '?n']], db),
).toEqualTypeOf<[unknown, unknown][]>();
expectTypeOf(
  await d.q([':find', '?n', '?a', ':keys', 'name', 'age', ':where', ...where], db),
).toEqualTypeOf<{ name: unknown; age: unknown }[]>();
// The map form, and q's argument map.
expectTypeOf(await d.q({ find: ['?n', '?a'], where }, db)).toEqualTypeOf<[unknown, unknown][]>();
expectTypeOf(
  await d.q({ query: [':find', '?a', '.', ':where', ['?e', ':age', '?a']], args: [db] }),
).toEqualTypeOf<unknown>();
expectTypeOf(await d.q({ query: '[:find ?a . :where [_ :age ?a]]', args: [db] })).toBeAny();
// A type parameter wins over the data form.
expectTypeOf(
  await d.q<number>([':find', '?a', '.', ':where', ['?e', ':age', '?a']], db),
).toEqualTypeOf<number>();
