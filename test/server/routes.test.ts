/**
 * Every remote route of the API table, in every wire format: each answers 200 with what the
 * function returns, read back through the same format; reads answer GET with `?args=` too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, routePath } from '../../src/api/index.js';
import { Datom } from '../../src/index/datom.js';
import type { Server } from '../../src/server/app.js';
import { keyword, Uuid } from '../../src/values/index.js';
import {
  AsOfDbHandle,
  ConnectionHandle,
  DbHandle,
  EntityHandle,
  formats,
  HistoricalDbHandle,
  type MediaType,
  SinceDbHandle,
  type WireTxReport,
} from '../../src/wire/index.js';
import { startServer } from './in-process.js';

let server: Server;
let url: string;

beforeAll(async () => {
  ({ server, url } = await startServer());
});
afterAll(() => server.close());

const kw = keyword;
const m = (...kv: unknown[]) => {
  const out = new Map<unknown, unknown>();
  for (let i = 0; i < kv.length; i += 2) out.set(kv[i], kv[i + 1]);
  return out;
};

describe.each(Object.keys(formats) as MediaType[])('every route in %s', (type) => {
  const f = formats[type];
  const called = new Set<string>();

  async function call(route: string, args: unknown[], method: 'POST' | 'GET' = 'POST') {
    const body = f.encode(args);
    const res =
      method === 'GET'
        ? await fetch(`${url}${route}?args=${Buffer.from(body).toString('base64url')}`, {
            headers: { 'content-type': type },
          })
        : await fetch(`${url}${route}`, { method, headers: { 'content-type': type }, body });
    const text = await res.text();
    expect(res.status, `${method} ${route}: ${text.slice(0, 300)}`).toBe(200);
    expect(res.headers.get('content-type')).toContain(type);
    called.add(route);
    return f.decode(text);
  }

  /** Calls a read route by POST and by GET, which must agree (but for timings). */
  async function read(route: string, args: unknown[], same = true) {
    const posted = await call(route, args);
    const got = await call(route, args, 'GET');
    if (same) expect(f.encode(got)).toBe(f.encode(posted));
    return posted;
  }

  it('answers each with the function result', async () => {
    const id = `routes-${type.replace(/\W/g, '-')}`;
    const cfg = `{:store {:backend :memory :id "${id}"}}`;
    expect(await call('/database-exists', [cfg])).toBe(false);
    const created = (await call('/create-database', [cfg])) as Map<unknown, unknown>;
    expect(created.get(kw('keep-history?'))).toBe(true);
    expect(await call('/database-exists', [cfg])).toBe(true);
    const conn = (await call('/connect', [cfg])) as ConnectionHandle;
    expect(conn).toBeInstanceOf(ConnectionHandle);
    const schema = [
      m(
        kw('db/ident'),
        kw('name'),
        kw('db/valueType'),
        kw('db.type/string'),
        kw('db/cardinality'),
        kw('db.cardinality/one'),
        kw('db/unique'),
        kw('db.unique/identity'),
      ),
      m(
        kw('db/ident'),
        kw('age'),
        kw('db/valueType'),
        kw('db.type/long'),
        kw('db/cardinality'),
        kw('db.cardinality/one'),
        kw('db/index'),
        true,
      ),
    ];
    const first = (await call('/transact', [conn, schema])) as WireTxReport;
    expect(first.txData.every((d) => d instanceof Datom)).toBe(true);
    const report = (await call('/transact', [
      conn,
      [m(kw('name'), 'Ann', kw('age'), 30)],
    ])) as WireTxReport;
    const db = report.dbAfter as DbHandle;
    expect(db).toBeInstanceOf(DbHandle);
    const ann = (report.txData as Datom[]).find((d) => d.a === kw('name'))!.e;
    expect(await call('/db', [conn])).toEqual(db);

    expect(await read('/q', ['[:find ?n ?a :where [?e :name ?n] [?e :age ?a]]', db])).toEqual(
      new Set([['Ann', 30]]),
    );
    const stats = (await read(
      '/query-stats',
      ['[:find ?n . :where [_ :name ?n]]', db],
      false,
    )) as Map<unknown, unknown>;
    expect(stats.get(kw('result'))).toBe('Ann');
    expect(await read('/pull', [db, [kw('name')], ann])).toEqual(m(kw('name'), 'Ann'));
    expect(await read('/pull-many', [db, '[:age]', [ann]])).toEqual([m(kw('age'), 30)]);
    const hist = await read('/history', [db]);
    expect(hist).toBeInstanceOf(HistoricalDbHandle);
    const tx = report.dbAfter instanceof DbHandle ? report.dbAfter.maxTx : 0;
    expect(await read('/as-of', [db, tx])).toBeInstanceOf(AsOfDbHandle);
    expect(await read('/since', [db, tx - 1])).toBeInstanceOf(SinceDbHandle);
    // Views nest, and their handles with them.
    const nested = (await read('/history', [
      await read('/as-of', [db, tx]),
    ])) as HistoricalDbHandle<unknown>;
    expect(nested.origin).toBeInstanceOf(AsOfDbHandle);
    expect(((await read('/datoms', [nested, kw('eavt'), ann])) as Datom[]).length).toBe(2);
    expect(
      await read('/q', ['[:find ?n . :where [_ :name ?n]]', await read('/as-of', [db, tx - 1])]),
    ).toBeNull();
    expect(((await read('/datoms', [db, kw('eavt'), ann])) as Datom[]).length).toBe(2);
    expect(((await read('/seek-datoms', [db, kw('avet'), kw('age')])) as Datom[])[0]?.v).toBe(30);
    expect(((await read('/rseek-datoms', [db, kw('eavt')])) as Datom[]).length).toBeGreaterThan(2);
    expect(
      (
        (await read('/index-range', [
          db,
          m(kw('attrid'), kw('age'), kw('start'), 0, kw('end'), 100),
        ])) as Datom[]
      ).length,
    ).toBe(1);
    expect(((await read('/index-range', [db, kw('age'), 0, 100])) as Datom[]).length).toBe(1);
    expect(
      await read('/index-pull', [
        db,
        m(kw('index'), kw('avet'), kw('selector'), [kw('name')], kw('start'), [kw('age')]),
      ]),
    ).toEqual([m(kw('name'), 'Ann')]);
    const entity = (await read('/entity', [db, ann])) as EntityHandle;
    expect(entity).toBeInstanceOf(EntityHandle);
    expect(entity.eid).toBe(ann);
    expect(await read('/entity-db', [entity])).toBeInstanceOf(DbHandle);
    expect((await read('/schema', [db])) as Map<unknown, unknown>).toBeInstanceOf(Map);
    expect((await read('/reverse-schema', [db])) as Map<unknown, unknown>).toBeInstanceOf(Map);
    expect((await read('/metrics', [db])) as Map<unknown, unknown>).toBeInstanceOf(Map);
    expect(await read('/explain', ['[:find ?n :where [_ :name ?n]]', db], false)).toContain(
      '[_ :name ?n]',
    );
    expect(await read('/is-filtered', [db])).toBe(false);
    const commit = (await read('/commit-id', [db])) as Uuid;
    expect(commit).toBeInstanceOf(Uuid);
    expect(((await read('/parent-commit-ids', [db])) as Uuid[]).length).toBe(1);
    expect(await read('/commit-as-db', [conn, commit])).toEqual(db);
    expect(await call('/branch-as-db', [conn, kw('db')])).toEqual(db);
    const log = (await call('/tx-range', [conn, m(kw('start'), tx)])) as Map<unknown, unknown>[];
    expect(log.map((e) => [e.get(kw('t')), e.get(kw('commit-id'))])).toEqual([[tx, commit]]);
    expect(await call('/branches', [conn])).toEqual(new Set([kw('db')]));
    expect(await call('/branch', [conn, kw('db'), kw('side')])).toBeNull();
    const merged = (await call('/merge-db', [
      conn,
      [kw('side')],
      [m(kw('name'), 'Bo')],
    ])) as WireTxReport;
    expect(merged.dbAfter).toBeInstanceOf(DbHandle);
    expect(await call('/force-branch', [db, kw('forced'), [kw('side')]])).toBeNull();
    const after = merged.dbAfter as DbHandle;
    const changes = (await read('/diff', [db, after])) as Map<unknown, Datom[]>;
    expect(changes.get(kw('asserted'))!.map((x) => x.v)).toContain('Bo');
    expect(changes.get(kw('retracted'))).toEqual([]);
    expect(await call('/common-ancestor', [conn, commit, after.commitId])).toEqual(commit);
    const verified = (await call('/verify-commits', [conn])) as Map<unknown, unknown>;
    expect(verified.get(kw('valid?'))).toBe(true);
    // creation, schema, Ann, the merge (whose other parent is Ann's commit too).
    expect(((await call('/branch-history', [conn])) as unknown[]).length).toBe(4);
    expect(await call('/delete-branch', [conn, kw('side')])).toBeNull();
    expect(await call('/branches', [conn])).toEqual(new Set([kw('db'), kw('forced')]));
    expect(await call('/gc-storage', [conn])).toBeInstanceOf(Map);
    expect(await call('/load-entities', [conn, [[ann, kw('age'), 31, tx + 5, true]]])).toBeTruthy();
    const second = await call('/connect', [cfg]);
    expect(await call('/release', [second])).toBeNull();
    expect(await call('/delete-database', [cfg])).toBeNull();
    expect(await call('/database-exists', [cfg])).toBe(false);

    const routes = API.filter((e) => e.remote).map(routePath);
    expect(routes.filter((r) => !called.has(r))).toEqual([]);
  });
});
