// Datahike's TypeScript typing example: npm-package/typescript-test.ts of replikativ/datahike
// (https://github.com/replikativ/datahike, commit 225d6d231f1b9929fab2f6d5da7d86f667df2064),
// Copyright Christian Weilbach and contributors, Eclipse Public License 1.0 (EPL-1.0), the
// license datahike-ts is under too. Kept as upstream wrote it, except for this header and the
// line that loads the library (upstream: import * as d from './index';).
// Type-checked by test/upstream/datahike-npm.test.ts (excluded from `npm run typecheck`: three
// of its lines disagree with Datahike's own API, see that test).
// TypeScript type checking test for Datahike
// This file demonstrates TypeScript IDE support and improved types

import * as d from '../../../src/index.js';

async function typescriptTest() {
  // DatabaseConfig type is now properly typed
  const config: d.DatabaseConfig = {
    store: {
      backend: ':mem',
      id: 'ts-test'
    },
    'keep-history': true,
    'schema-flexibility': 'write'
  };

  // Check if database exists - returns boolean
  const exists: boolean = await d.databaseExists(config);

  // Create database
  await d.createDatabase(config);
  
  // Connect returns Connection type
  const conn: d.Connection = await d.connect(config);

  // Transaction with typed Transaction array
  const transactions: d.Transaction[] = [
    { ':db/ident': ':name', ':db/valueType': ':db.type/string', ':db/cardinality': ':db.cardinality/one' },
    { ':name': 'Alice', ':age': 30 }
  ];

  // TransactionReport is properly typed
  const txResult: d.TransactionReport = await d.transact(conn, transactions);
  console.log('Temp IDs:', txResult.tempids);
  console.log('TX data:', txResult['tx-data']); // Datom[]

  // Get database - returns Database type
  const db: d.Database = d.db(conn);

  // Query with typed arguments (query as string or array, optional limit/offset)
  const queryResults = await d.q({
    query: '[:find ?name ?age :where [?e :name ?name] [?e :age ?age]]',
    args: [db],
    limit: 10
  });

  // Pull API with typed options
  const pullResult = await d.pull(db, {
    selector: [':name', ':age'],
    eid: 1  // number | string
  });

  // Schema returns Schema type
  const schema: d.Schema = await d.schema(db);

  // History returns Array<any>
  const historyDb: Array<any> = await d.history(db);

  // Temporal query - asOf returns Database
  const pastDb: d.Database = await d.asOf(db, Date.now());

  // Version is string (not Promise)
  const version: string = d.version();

  console.log('TypeScript types work perfectly!');
  console.log('All parameters and return types are properly typed');
}

// This file demonstrates type checking - uncomment to test IDE support:
// typescriptTest();
