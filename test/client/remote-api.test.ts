/**
 * The API through a server, for the functions that need more than a plain call: garbage
 * collection with and without a date, `explain` and `isFiltered` on remote databases, and a
 * `:writer` whose file or SQLite store names both a path and an id.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { type ServerProcess, startServerProcess } from './server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'dh-remote-api-'));
const serverCwd = join(dir, 'server-cwd');
let server: ServerProcess;

beforeAll(async () => {
  mkdirSync(serverCwd);
  server = await startServerProcess(
    {
      DATAHIKE_DATA_DIR: join(dir, 'data'),
      DATAHIKE_TOKEN: 'tok',
      // The shared stores below live beside the data folder.
      DATAHIKE_STORES: `{:file {:roots ["${dir}"]} :sqlite {:roots ["${dir}"]}}`,
    },
    serverCwd,
  );
}, 30_000);
afterAll(() => server.stop());

const SCHEMA = [
  {
    'db/ident': ':name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
    'db/index': true,
  },
];

describe('a remote peer', () => {
  const cfg = () => ({
    store: { backend: ':file', id: 'remote-gc' },
    'remote-peer': { backend: ':datahike-server', url: server.url, token: 'tok' },
  });

  it('collects garbage on the server: no date, a date, and a date with options', async () => {
    await d.createDatabase(cfg());
    const conn = await d.connect(cfg());
    await d.transact(conn, SCHEMA);
    for (let i = 0; i < 3; i++) await d.transact(conn, [{ name: `n${i}` }]);
    for (const result of [
      await d.gcStorage(conn),
      await d.gcStorage(conn, new Date()),
      await d.gcStorage(conn, null, { graceMs: 0 }),
      await d.gcStorage(conn, new Date(), { graceMs: 0 }),
    ])
      expect(result).toMatchObject({
        removed: expect.any(Number),
        marked: expect.any(Number),
        kept: expect.any(Number),
      });
    await expect(d.gcStorage(conn, 'yesterday' as never)).rejects.toMatchObject({
      code: 'api/invalid-argument',
    });
    // Still whole after collecting.
    expect(await d.q('[:find (count ?e) . :where [?e :name]]', await d.db(conn))).toBe(3);
    await d.release(conn);
    await d.deleteDatabase(cfg());
  });

  it('explains a query and tells whether a database is filtered, on the server', async () => {
    const local = { store: { backend: ':memory', id: 'explain-local' } };
    const remote = {
      store: { backend: ':memory', id: 'explain-remote' },
      'remote-peer': { backend: ':datahike-server', url: server.url, token: 'tok' },
    };
    const dbs: d.Database[] = [];
    for (const c of [local, remote]) {
      await d.createDatabase(c);
      const conn = await d.connect(c);
      await d.transact(conn, SCHEMA);
      await d.transact(conn, [{ name: 'Ann' }, { name: 'Bob' }]);
      dbs.push(await d.db(conn));
    }
    const [here, there] = dbs as [d.DbView, d.RemoteDb];
    expect(there).toBeInstanceOf(d.RemoteDb);
    const query = '[:find ?e :in $ ?n :where [?e :name ?n]]';
    // The same plan as here, but for the time each step took.
    const untimed = (plan: string) => plan.replace(/, [\d.]+ ms\)/g, ')');
    const plan = await d.explain(query, there, 'Ann');
    expect(plan).toContain('[?e :name ?n]');
    expect(untimed(plan)).toBe(untimed(await d.explain(query, here, 'Ann')));
    expect(await d.isFiltered(there)).toBe(false);
    expect(await d.isFiltered(await d.history(there))).toBe(false);
    expect(await d.isFiltered(await d.filter(here, () => true))).toBe(true);
  });
});

describe('a :writer whose store has both a path and an id', () => {
  it.each([
    ['file', (p: string) => ({ backend: ':file', path: join(p, 'people'), id: 'people-file' })],
    [
      'sqlite',
      (p: string) => ({ backend: ':sqlite', path: join(p, 'people.sqlite'), id: 'people-sqlite' }),
    ],
  ])(
    'keeps a %s store at its path, not in a folder named after the id',
    async (_kind, store) => {
      const shared = mkdtempSync(join(dir, 'shared-'));
      const cfg = {
        store: store(shared),
        writer: { backend: ':datahike-server', url: server.url, token: 'tok' },
      };
      await d.createDatabase(cfg);
      const conn = await d.connect(cfg);
      await d.transact(conn, SCHEMA);
      await d.transact(conn, [{ name: 'Ann' }]);
      expect(await d.q('[:find ?n . :where [_ :name ?n]]', await d.db(conn))).toBe('Ann');
      await d.release(conn);
      // The store is where the config says, readable without the writer.
      expect(existsSync(cfg.store.path)).toBe(true);
      const reader = await d.connect({ store: cfg.store });
      expect(await d.q('[:find ?n . :where [_ :name ?n]]', await d.db(reader))).toBe('Ann');
      await d.release(reader);
      // Nothing landed in the server's working directory.
      expect(readdirSync(serverCwd)).toEqual([]);
      await d.deleteDatabase(cfg);
      expect(await d.databaseExists({ store: cfg.store })).toBe(false);
    },
    60_000,
  );
});
