/**
 * The typed schema is honest: what `defineSchema` returns transacts as the schema, and
 * the values transact, pull, entity and q hand back have the shapes their types claim
 * (each checked here at runtime and, with expectTypeOf, by the type checker).
 */
import { expect, expectTypeOf, it } from 'vitest';
import * as d from '../../src/index.js';
import { schema } from '../types/people.js';

it('is the schema as tx-data, with each ident', () => {
  expect(schema[0]).toEqual({
    'db/ident': ':person/name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/identity',
  });
  expect(schema.map((a) => a['db/ident'])).toEqual([
    ':person/name',
    ':person/age',
    ':person/friend',
    ':person/tags',
    ':person/id',
    ':person/address',
    ':address/city',
  ]);
});

it('gives values of the shapes its types claim', async () => {
  const config = {
    store: { backend: ':memory', id: `typed-${process.pid}` },
    'initial-tx': schema,
  } as const;
  await d.createDatabase(config);
  const conn = await d.connect(config);
  const id = d.uuid('6f1c2b9e-0000-4000-8000-000000000001');
  const report = await d.transact(conn, [
    { 'db/id': 'bob', 'person/name': 'Bob', 'person/tags': ':admin', 'person/id': id },
    {
      'db/id': 'alice',
      'person/name': 'Alice',
      'person/age': 30,
      'person/friend': ['bob'],
      'person/tags': [':a', ':b'],
      'person/address': { 'address/city': 'Oslo' },
    },
  ]);
  const alice = report.tempids.alice!;
  const bob = report.tempids.bob!;
  expect(typeof report.tempids['db/current-tx']).toBe('number');

  const db = await d.db(conn);
  const pulled = await d.pull(
    db,
    [':db/id', ':person/name', ':person/tags', { ':person/friend': [':person/name'] }],
    [':person/name', 'Alice'],
  );
  expectTypeOf(pulled).toEqualTypeOf<{
    'db/id': number;
    'person/name'?: string;
    'person/tags'?: `:${string}`[];
    'person/friend'?: { 'person/name'?: string }[];
  } | null>();
  expect(pulled).toEqual({
    'db/id': alice,
    'person/name': 'Alice',
    'person/tags': expect.arrayContaining([':a', ':b']),
    'person/friend': [{ 'person/name': 'Bob' }],
  });

  const refs = await d.pull(db, [':person/friend', ':person/_friend', ':person/address'], bob);
  expect(refs).toEqual({ 'person/_friend': [{ 'db/id': alice }] });
  const full = await d.pull(db, [':person/friend', ':person/address', ':person/id'], alice);
  expect(full?.['person/friend']).toEqual([{ 'db/id': bob }]);
  // A component is pulled whole.
  expect(full?.['person/address']?.['address/city']).toBe('Oslo');
  const idOut = (await d.pull(db, ['*'], bob))?.['person/id'];
  expectTypeOf(idOut).toEqualTypeOf<string | undefined>();
  expect(idOut).toBe(id.str);

  const e = (await d.entity(db, alice))!;
  expect(e.get(':person/age')).toBe(30);
  expect(e.get(':db/id')).toBe(alice);
  expect(e.get('person/tags')?.sort()).toEqual([':a', ':b']);
  const friends = e.get(':person/friend')!;
  expect(friends.map((f) => f.get(':person/name'))).toEqual(['Bob']);
  expect(e.get(':person/address')?.get(':address/city')).toBe('Oslo');
  expect(e.get(':person/nobody' as ':person/name')).toBeUndefined();
  expect((await d.entity(db, bob))!.get(':person/_friend')?.map((f) => f.id)).toEqual([alice]);
  await d.release(conn);
});

it('shapes query answers as their types say', async () => {
  const conn = await d.connect(
    await d.createDatabase({ store: { backend: ':memory' }, 'schema-flexibility': ':read' }),
  );
  await d.transact(conn, [{ name: 'Ann', age: 30 }]);
  const db = await d.db(conn);
  const where = [
    ['?e', ':name', '?n'],
    ['?e', ':age', '?a'],
  ] as const;
  const rows = await d.q([':find', '?n', '?a', ':where', ...where], db);
  expectTypeOf(rows).toEqualTypeOf<[unknown, unknown][]>();
  expect(rows).toEqual([['Ann', 30]]);
  expect(await d.q([':find', '?a', '.', ':where', ...where], db)).toBe(30);
  expect(await d.q([':find', ['?n', '...'], ':where', ...where], db)).toEqual(['Ann']);
  expect(await d.q([':find', ['?n', '?a'], ':where', ...where], db)).toEqual(['Ann', 30]);
  const byName = [
    ':find',
    ['?n', '?a'],
    ':in',
    '$',
    '?x',
    ':where',
    ['?e', ':name', '?x'],
    ...where,
  ] as const;
  expect(await d.q(byName, db, 'Nobody')).toBeNull();
  expect(await d.q([':find', '?n', ':keys', 'name', ':where', ...where], db)).toEqual([
    { name: 'Ann' },
  ]);
  await d.release(conn);
});
