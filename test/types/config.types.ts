/**
 * Type tests of configs and connections (checked by `npm run typecheck`, never run): a
 * config per backend, an unknown key or a value of the wrong type fails to compile, and
 * `connect` gives the kind of connection its config names.
 */
import { expectTypeOf } from 'vitest';
import * as d from '../../src/index.js';

// ---- every backend, as the README writes them ---------------------------------------------
await d.connect({ store: { backend: ':memory', id: 'x' } });
await d.connect({ store: { backend: 'mem' } });
await d.connect({ store: { backend: ':file', path: './db' }, 'store-cache-size': 5000 });
await d.connect({ store: { backend: ':sqlite', path: './db.sqlite' } });
await d.connect({
  store: { backend: ':jdbc', dbtype: 'postgresql', host: 'h', port: 5432, dbname: 'x', user: 'u' },
});
await d.connect({ store: { backend: ':pg', dbname: 'x', table: 't', 'query-timeout-ms': 100 } });
await d.connect({
  store: {
    backend: ':s3',
    bucket: 'b',
    region: 'r',
    id: d.uuid('00000000-0000-0000-0000-000000000000'),
  },
});
await d.connect({ store: { backend: ':memory' }, 'schema-flexibility': ':read', branch: ':db' });
await d.connect('{:store {:backend :memory :id "edn"}}');
await d.connect({ ':store': { backend: ':memory' }, ':keep-history?': false });
await d.connect(
  new Map([[d.keyword('store'), new Map([[d.keyword('backend'), d.keyword('memory')]])]]),
);

// A config kept in a variable: its keyword values widened to string, its keys still checked.
const kept = { store: { backend: ':memory', id: 'kept' }, 'keep-history?': true };
await d.connect(kept);
const typo = { store: { backend: ':memory', id: 'kept' }, 'keep-histroy?': true };
// @ts-expect-error an unknown key in a kept config
await d.connect(typo);
const annotated: d.DatabaseConfig = { store: { backend: ':file', path: 'x' } };
await d.connect(annotated);
// The config createDatabase hands back connects.
await d.connect(await d.createDatabase({ store: { backend: ':memory' } }));

// ---- what fails ------------------------------------------------------------------------
// @ts-expect-error an unknown top-level key
await d.connect({ store: { backend: ':memory' }, 'keep-histroy?': true });
// @ts-expect-error no such backend
await d.connect({ store: { backend: ':memroy' } });
// @ts-expect-error a key the memory store does not read
await d.connect({ store: { backend: ':memory', path: './x' } });
// @ts-expect-error the S3 store's bucket is text
await d.connect({ store: { backend: ':s3', bucket: 3 } });
// @ts-expect-error keep-history? is a boolean
await d.connect({ store: { backend: ':memory' }, 'keep-history?': 'yes' });
// @ts-expect-error schema-flexibility is :write or :read
await d.connect({ store: { backend: ':memory' }, 'schema-flexibility': ':loose' });
// @ts-expect-error a branch is a keyword
await d.connect({ store: { backend: ':memory' }, branch: 'db' });
// @ts-expect-error a remote peer needs a url
await d.connect({ store: { backend: ':file' }, 'remote-peer': { backend: ':datahike-server' } });
// @ts-expect-error a remote peer's format is transit, json or edn
await d.connect({ 'remote-peer': { backend: ':datahike-server', url: 'u', format: ':xml' } });
// A Config annotation checks where the config is written.
// @ts-expect-error the file store reads no bucket
const wrong: d.Config = { store: { backend: ':file', bucket: 'b' } };
void wrong;

// ---- connect gives what its config names -----------------------------------------------
const local = await d.connect({ store: { backend: ':memory' } });
expectTypeOf(local).toEqualTypeOf<d.LocalConnection>();
expectTypeOf(await d.db(local)).toEqualTypeOf<d.Db>();

const remoteConfig = {
  store: { backend: ':file', id: 'people' },
  'remote-peer': { backend: ':datahike-server', url: 'http://localhost:4444', token: 't' },
};
const remote = await d.connect(remoteConfig);
expectTypeOf(remote).toEqualTypeOf<d.RemoteConnection>();
const remoteDb = await d.db(remote);
expectTypeOf(remoteDb).toEqualTypeOf<d.RemoteDb>();
expectTypeOf(await d.asOf(remoteDb, 536870913)).toEqualTypeOf<d.RemoteDb>();
expectTypeOf(await d.entity(remoteDb, 1)).toEqualTypeOf<d.RemoteEntity | null>();
expectTypeOf((await d.transact(remote, []))['db-after']).toEqualTypeOf<d.RemoteDb>();
expectTypeOf(
  (await d.createDatabase(remoteConfig))['remote-peer'],
).toEqualTypeOf<d.ServerPeerConfig>();
// @ts-expect-error a filter's predicate runs here: local databases only
await d.filter(remoteDb, () => true);

// A writer on a server still gives a local connection (its reads are local).
const writer = await d.connect({
  store: { backend: ':file', path: './data/people' },
  writer: { backend: ':datahike-server', url: 'http://localhost:4444' },
});
expectTypeOf(writer).toEqualTypeOf<d.LocalConnection>();

// A config that may or may not name a server: either connection.
expectTypeOf(await d.connect(annotated)).toEqualTypeOf<d.Connection>();
expectTypeOf(await d.connect('{:store {:backend :memory}}')).toEqualTypeOf<d.Connection>();
expectTypeOf<d.Connection>().toEqualTypeOf<d.LocalConnection | d.RemoteConnection>();
expectTypeOf<d.Database>().toEqualTypeOf<d.DbView | d.RemoteDb>();

// ---- errors ------------------------------------------------------------------------------
const err = new d.DatahikeError('config/invalid', 'bad');
expectTypeOf(err.code).toEqualTypeOf<d.ErrorCode>();
expectTypeOf<'transact/unique'>().toMatchTypeOf<d.ErrorCode>();
// @ts-expect-error no such code
new d.DatahikeError('config/invalidd', 'bad');
// @ts-expect-error no such code
d.isDatahikeError(err, 'transact/uniqe');
if (d.isDatahikeError(err)) expectTypeOf(err.code).toEqualTypeOf<d.ErrorCode>();
