/**
 * The README's quick start, runnable from a checkout: `npm run example`. test/readme.test.ts
 * checks that it is the README's block.
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
  },
]);
const { tempids } = await d.transact(conn, [{ 'person/name': 'Alice', 'person/age': 30 }]);
await d.transact(conn, [{ 'person/name': 'Alice', 'person/age': 31 }]); // upsert by unique name
const db = await d.db(conn);
const alice = await d.entity(db, [':person/name', 'Alice']);
console.log(alice?.get(':person/age')); // → 31
const then = await d.asOf(db, tempids['db/current-tx']); // as of Alice's first transaction
console.log((await d.entity(then, [':person/name', 'Alice']))?.get(':person/age')); // → 30
const query = '[:find ?a . :in $ ?n :where [?e :person/name ?n] [?e :person/age ?a]]';
console.log(await d.q(query, then, 'Alice')); // → 30
await d.release(conn);
