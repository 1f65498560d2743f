/**
 * The README's quick start, runnable: `npm run example`.
 * Creates an in-memory database, declares a schema, transacts, reads back and travels in time.
 */
import * as d from '../src/index.js';

const config = { store: { backend: ':memory', id: 'quickstart' } };
await d.createDatabase(config);
const conn = await d.connect(config);

await d.transact(conn, [
  {
    'db/ident': ':person/name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/identity',
  },
  {
    'db/ident': ':person/age',
    'db/valueType': ':db.type/long',
    'db/cardinality': ':db.cardinality/one',
    'db/index': true,
  },
]);
const first = await d.transact(conn, [
  { 'person/name': 'Alice', 'person/age': 30 },
  { 'person/name': 'Bob', 'person/age': 25 },
]);
// An upsert: Alice is found through her unique name and gets a birthday.
await d.transact(conn, [{ 'person/name': 'Alice', 'person/age': 31 }]);

const db = await d.db(conn);
const alice = await d.entity(db, [':person/name', 'Alice']);
console.log('Alice now:', alice?.toJSON());
console.log(
  'Ages (AVET):',
  (await d.datoms(db, ':avet', ':person/age')).map((x) => x.v),
);

const before = await d.asOf(db, first.tempids['db/current-tx']!);
console.log('Alice then:', (await d.entity(before, [':person/name', 'Alice']))?.get(':person/age'));

const history = await d.history(db);
console.log(
  'History of her age:',
  (await d.datoms(history, ':eavt', alice!.id, ':person/age')).map(
    (x) => `${x.added ? '+' : '-'}${x.v}@${x.tx}`,
  ),
);

await d.release(conn);
await d.deleteDatabase(config);
