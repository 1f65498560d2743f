/**
 * Type tests of the typed schema (checked by `npm run typecheck`, never run): what
 * `defineSchema` types flows into transact, pull, entity and the report.
 */
import { expectTypeOf } from 'vitest';
import * as d from '../../src/index.js';
import { schema } from './people.js';

type People = d.SchemaOf<typeof schema>;

const config = { store: { backend: ':memory', id: 'types' }, 'initial-tx': schema } as const;
const conn = await d.connect(config);
expectTypeOf(conn).toEqualTypeOf<d.LocalConnection<People>>();

// ---- transact ------------------------------------------------------------------------
await d.transact(conn, schema);
const report = await d.transact(conn, [
  { 'db/id': 'alice', 'person/name': 'Alice', 'person/age': 30, 'person/friend': ['bob'] },
  { 'db/id': 'bob', 'person/name': 'Bob', 'person/tags': ':admin', 'person/id': d.uuid('1-2') },
  {
    'person/name': 'Carol',
    'person/friend': [[':person/name', 'Alice'], { 'person/name': 'Dan' }],
  },
  { 'person/name': 'Eve', 'person/address': { 'address/city': 'Oslo' } },
  [':db/add', 'alice', ':person/age', 31],
  [':db/retract', 'alice', ':person/tags'],
  [':db/retractEntity', [':person/name', 'Bob']],
]);
expectTypeOf(report.tempids['db/current-tx']).toEqualTypeOf<number>();
expectTypeOf(report['db-after']).toEqualTypeOf<d.Db & d.Typed<People>>();

// @ts-expect-error a string for a long
await d.transact(conn, [{ 'person/age': 'thirty' }]);
// @ts-expect-error an attribute the schema does not have
await d.transact(conn, [{ 'person/nmae': 'Alice' }]);
// @ts-expect-error a uuid goes in as a Uuid, not text
await d.transact(conn, [{ 'person/id': '6f1c…' }]);
// @ts-expect-error a list form's value is checked against its attribute
await d.transact(conn, [[':db/add', 'x', ':person/name', 42]]);
// @ts-expect-error a list form names a schema attribute
await d.transact(conn, [[':db/add', 'x', ':person/nmae', 'Alice']]);

// ---- pull ----------------------------------------------------------------------------
const db = await d.db(conn);
// The nested pattern of test/core/typed-schema.test.ts, typed and run there.
const refs = await d.pull(db, [':person/friend', ':person/_friend', ':person/address'], 1);
expectTypeOf(refs!['person/friend']).toEqualTypeOf<{ 'db/id': number }[] | undefined>();
expectTypeOf(refs!['person/_friend']).toEqualTypeOf<{ 'db/id': number }[] | undefined>();
// A component is pulled whole.
expectTypeOf(refs!['person/address']!['address/city']).toEqualTypeOf<string | undefined>();

const all = await d.pull(db, ['*'], 1);
expectTypeOf(all!['person/age']).toEqualTypeOf<number | undefined>();
expectTypeOf(all!['person/id']).toEqualTypeOf<string | undefined>();

// EDN text patterns are not read by the type checker.
expectTypeOf(await d.pull(db, '[:person/name]', 1)).toEqualTypeOf<Record<string, unknown> | null>();
const many = await d.pullMany(db, [':person/name'], [1, 2]);
expectTypeOf(many).toEqualTypeOf<({ 'person/name'?: string } | null)[]>();

// ---- entity --------------------------------------------------------------------------
const alice = await d.entity(db, [':person/name', 'Alice']);
expectTypeOf(alice!.get(':person/age')).toEqualTypeOf<number | undefined>();
expectTypeOf(alice!.get('person/tags')).toEqualTypeOf<`:${string}`[] | undefined>();
expectTypeOf(alice!.get(':person/friend')).toEqualTypeOf<d.TypedEntity<People>[] | undefined>();
expectTypeOf(alice!.get(':db/id')).toEqualTypeOf<number>();
// @ts-expect-error an attribute the schema does not have
alice!.get(':person/nmae');

// ---- views keep the schema -------------------------------------------------------------
const past = await d.asOf(db, 536870913);
expectTypeOf(past).toEqualTypeOf<d.DbView & d.Typed<People>>();
// @ts-expect-error views check tx-data too
await d.dbWith(past, [{ 'person/age': 'x' }]);

// ---- a connection typed by annotation ----------------------------------------------------
const other: d.Connection<People> = await d.connect({ store: { backend: ':memory' } });
// @ts-expect-error checked as well
await d.transact(other, [{ 'person/age': 'x' }]);

// ---- untyped stays loose ----------------------------------------------------------------
const loose = await d.connect({ store: { backend: ':memory' } });
await d.transact(loose, [{ anything: 1 }, [':db/add', -1, ':x', new Date()]]);
const e = await d.entity(await d.db(loose), 1);
expectTypeOf(e).toEqualTypeOf<d.EntityView | null>();
expectTypeOf(e!.get(':anything')).toEqualTypeOf<unknown>();
expectTypeOf(await d.pull(await d.db(loose), [':a'], 1)).toEqualTypeOf<Record<
  string,
  unknown
> | null>();

// ---- listeners and entityDb ----------------------------------------------------------------
await d.listen(conn, (r) => expectTypeOf(r['db-after']).toEqualTypeOf<d.Db & d.Typed<People>>());
expectTypeOf(await d.entityDb(alice!)).toEqualTypeOf<d.Database>();
const left = await d.unlisten(conn, 'key');
expectTypeOf(left).toEqualTypeOf<Record<string, (report: d.TransactionReport) => void>>();
