/** The remote peer: the package's own functions, every call sent to a server over HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import type { Server } from '../../src/server/app.js';
import { startServer } from '../server/in-process.js';

let server: Server;
let url: string;

beforeAll(async () => {
  ({ server, url } = await startServer({ token: 'secret' }));
});
afterAll(() => server.close());

const SCHEMA = [
  {
    'db/ident': ':name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/identity',
  },
  { 'db/ident': ':age', 'db/valueType': ':db.type/long', 'db/cardinality': ':db.cardinality/one' },
];

describe.each(['transit', 'json', 'edn'])('a remote peer speaking %s', (format) => {
  const cfg = () => ({
    store: { backend: ':memory', id: `peer-${format}` },
    'remote-peer': { backend: ':datahike-server', url, token: 'secret', format: `:${format}` },
  });

  it('runs the API on the server with the same results as locally', async () => {
    const created = await d.createDatabase(cfg());
    expect(created['remote-peer'].url).toBe(url);
    expect(await d.databaseExists(cfg())).toBe(true);
    const conn = await d.connect(cfg());
    expect(conn).toBeInstanceOf(d.RemoteConnection);
    await d.transact(conn, SCHEMA);
    const report = await d.transact(conn, [
      { 'db/id': -1, name: 'Ann', age: 30 },
      { name: 'Bob', age: 40 },
    ]);
    const ann = report.tempids['-1']!;
    expect(report['tx-data'].map((x) => x.a)).toEqual(expect.arrayContaining([':name', ':age']));
    const db = await d.db(conn);
    expect(db).toBeInstanceOf(d.RemoteDb);
    expect(await d.q('[:find ?n ?a :where [?e :name ?n] [?e :age ?a]]', db)).toEqual(
      expect.arrayContaining([
        ['Ann', 30],
        ['Bob', 40],
      ]),
    );
    expect(
      await d.q({
        query: '[:find ?a . :in $ ?n :where [?e :name ?n] [?e :age ?a]]',
        args: [db, 'Bob'],
      }),
    ).toBe(40);
    expect(await d.pull(db, '[:name :age]', ann)).toEqual({ name: 'Ann', age: 30 });
    expect(await d.pullMany(db, [':name'], [ann, [':name', 'Bob']])).toEqual([
      { name: 'Ann' },
      { name: 'Bob' },
    ]);
    expect((await d.datoms(db, ':eavt', ann)).map((x) => x.v)).toEqual([30, 'Ann']);
    await d.transact(conn, [{ name: 'Ann', age: 31 }]);
    // A database pointer pins its commit.
    expect(await d.pull(db, '[:age]', ann)).toEqual({ age: 30 });
    const now = await d.db(conn);
    expect(await d.pull(now, '[:age]', ann)).toEqual({ age: 31 });
    const past = await d.asOf(now, report['db-after'].maxTx!);
    expect(await d.pull(past, '[:age]', ann)).toEqual({ age: 30 });
    const ages = await d.q(
      '[:find ?a ?added :in $ ?e :where [?e :age ?a _ ?added]]',
      await d.history(now),
      ann,
    );
    expect(ages).toEqual(
      expect.arrayContaining([
        [30, true],
        [30, false],
        [31, true],
      ]),
    );
    expect(Object.keys(await d.schema(now))).toEqual(expect.arrayContaining(['name', 'age']));
    expect(await d.commitId(now)).toBeInstanceOf(d.Uuid);
    const e = await d.entity(now, ann);
    expect(e).toBeInstanceOf(d.RemoteEntity);
    expect(e?.get(':name')).toBe('Ann');
    expect(e?.keys().sort()).toEqual([':age', ':name']);
    expect(await d.entityDb(e!)).toBeInstanceOf(d.RemoteDb);
    expect(await d.release(conn)).toBeNull();
    await d.deleteDatabase(cfg());
    expect(await d.databaseExists(cfg())).toBe(false);
  });
});

describe('remote listening', () => {
  it('delivers each commit through server-sent events, until unlisten', async () => {
    const cfg = {
      store: { backend: ':memory', id: 'listened' },
      'remote-peer': { backend: ':datahike-server', url, token: 'secret' },
      'schema-flexibility': ':read',
    };
    await d.createDatabase(cfg);
    const conn = await d.connect(cfg);
    const heard: unknown[] = [];
    const key = await d.listen(conn, (r) => {
      heard.push(r['tx-data'].find((x) => x.a === ':n')?.v);
    });
    // listen resolves once the event stream is subscribed: no commit after it is missed.
    for (let i = 0; i < 3; i++) await d.transact(conn, [{ n: i }]);
    await expect.poll(() => heard.length, { timeout: 5000 }).toBe(3);
    expect(heard).toEqual([0, 1, 2]);
    expect(await d.unlisten(conn, key)).toEqual({});
    // A listener still subscribed hears the next commit; the one removed does not.
    const later: unknown[] = [];
    await d.listen(conn, (r) => later.push(r['tx-data'].find((x) => x.a === ':n')?.v));
    await d.transact(conn, [{ n: 9 }]);
    await expect.poll(() => later).toEqual([9]);
    expect(heard).toHaveLength(3);
  });
});

describe('remote peer errors', () => {
  it('keeps the server error code, refuses JS functions before sending, names an unreachable URL', async () => {
    const cfg = {
      store: { backend: ':memory', id: 'nowhere' },
      'remote-peer': { backend: ':datahike-server', url, token: 'secret' },
    };
    await expect(d.connect(cfg)).rejects.toMatchObject({ code: 'database/not-found' });
    await d.createDatabase({ ...cfg, store: { backend: ':memory', id: 'fns' } });
    const conn = await d.connect({ ...cfg, store: { backend: ':memory', id: 'fns' } });
    const db = await d.db(conn);
    await expect(d.q('[:find ?x :in $ ?f :where [(?f) ?x]]', db, () => 1)).rejects.toMatchObject({
      code: 'client/not-remote',
    });
    const badToken = {
      ...cfg,
      'remote-peer': { backend: ':datahike-server', url, token: 'wrong' },
    };
    await expect(d.databaseExists(badToken)).rejects.toMatchObject({ code: 'server/unauthorized' });
    const dead = {
      ...cfg,
      'remote-peer': { backend: ':datahike-server', url: 'http://127.0.0.1:9' },
    };
    const err = await d.databaseExists(dead).catch((e) => e);
    expect(err.code).toBe('client/unreachable');
    expect(err.message).toContain('http://127.0.0.1:9');
  });
});
