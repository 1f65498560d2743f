import { describe, expect, it } from 'vitest';
import { API, internalApi as api, toExternal } from '../../src/api/index.js';
import { Connection } from '../../src/connection/index.js';
import { Db, DbView } from '../../src/db/index.js';
import { Datom } from '../../src/index/datom.js';
import * as d from '../../src/index.js';
import { Entity } from '../../src/pull/index.js';
import { isKeyword, Keyword, keyword, Uuid } from '../../src/values/index.js';
import { freshConn, PERSON_SCHEMA } from './helpers.js';

const SCHEMA = [
  ...PERSON_SCHEMA,
  {
    'db/ident': ':person/role',
    'db/valueType': ':db.type/keyword',
    'db/cardinality': ':db.cardinality/one',
  },
];

/** A database of three people: Alice (admin, friend of Bob), Bob and Carol. */
async function people() {
  const conn = await freshConn(SCHEMA);
  const report = await api.transact(conn, [
    {
      'db/id': 'alice',
      'person/name': 'Alice',
      'person/email': 'alice@example.com',
      'person/age': 30,
      'person/role': ':admin',
      'person/nick': ['al', 'ally'],
      'person/friend': ['bob'],
      'person/address': { 'address/city': 'Berlin' },
    },
    {
      'db/id': 'bob',
      'person/name': 'Bob',
      'person/email': 'bob@example.com',
      'person/age': 40,
      'person/role': ':user',
    },
    { 'person/name': 'Carol', 'person/age': 40, 'person/role': ':user' },
  ]);
  const alice = report.tempids.get('alice')!;
  return { conn, db: await api.db(conn), report, alice };
}

describe('internalApi', () => {
  it('has an async function for every entry of the specification table, and nothing else', () => {
    for (const entry of API) expect(typeof api[entry.jsName], entry.jsName).toBe('function');
    expect(Object.keys(api).sort()).toEqual(API.map((e) => e.jsName).sort());
  });

  it('returns a relation find as a Set of arrays, keywords kept as Keyword objects', async () => {
    const { db } = await people();
    const rel = await api.q('[:find ?n ?r :where [?e :person/name ?n] [?e :person/role ?r]]', db);
    expect(rel).toBeInstanceOf(Set);
    const rows = [...(rel as Set<unknown[]>)];
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(Array.isArray(row)).toBe(true);
      expect(row[1]).toBeInstanceOf(Keyword);
    }
    expect(rows.find((r) => r[0] === 'Alice')![1]).toBe(keyword('admin'));
    // Data queries, the argument map and limits too.
    const data = await api.q([':find', '?n', ':where', ['?e', ':person/name', '?n']], db);
    expect(data).toEqual(new Set([['Alice'], ['Bob'], ['Carol']]));
    const limited = await api.q({
      query: '[:find ?n :where [?e :person/name ?n]]',
      args: [db],
      limit: 2,
    });
    expect(limited).toBeInstanceOf(Set);
    expect((limited as Set<unknown>).size).toBe(2);
    const asMap = await api.q(
      new Map<Keyword, unknown>([
        [keyword('query'), '[:find ?n :in $ ?r :where [?e :person/role ?r] [?e :person/name ?n]]'],
        [keyword('args'), [db, keyword('admin')]],
      ]),
    );
    expect(asMap).toEqual(new Set([['Alice']]));
  });

  it('gives the other find specs as Datahike does', async () => {
    const { db, alice } = await people();
    const coll = await api.q('[:find [?r ...] :where [_ :person/role ?r]]', db);
    expect(Array.isArray(coll)).toBe(true);
    expect(new Set(coll as unknown[])).toEqual(new Set([keyword('admin'), keyword('user')]));
    expect(
      await api.q(
        '[:find ?a . :in $ ?n :where [?e :person/name ?n] [?e :person/age ?a]]',
        db,
        'Bob',
      ),
    ).toBe(40);
    expect(
      await api.q(
        '[:find [?n ?r] :in $ ?e :where [?e :person/name ?n] [?e :person/role ?r]]',
        db,
        alice,
      ),
    ).toEqual(['Alice', keyword('admin')]);
    // Aggregates, :with, :keys and pulls: sequences (arrays), not sets.
    const counts = await api.q('[:find ?r (count ?e) :where [?e :person/role ?r]]', db);
    expect(Array.isArray(counts)).toBe(true);
    expect(new Set(counts as unknown[])).toEqual(
      new Set([
        [keyword('admin'), 1],
        [keyword('user'), 2],
      ]),
    );
    const ages = await api.q('[:find ?a :with ?e :where [?e :person/age ?a]]', db);
    expect(Array.isArray(ages)).toBe(true);
    expect((ages as unknown[][]).map((r) => r[0]).sort()).toEqual([30, 40, 40]);
    const keyed = await api.q(
      '[:find ?n ?a :keys name age :where [?e :person/name ?n] [?e :person/age ?a]]',
      db,
    );
    expect(Array.isArray(keyed)).toBe(true);
    expect(keyed).toContainEqual(
      new Map<Keyword, unknown>([
        [keyword('name'), 'Alice'],
        [keyword('age'), 30],
      ]),
    );
    const pulled = await api.q(
      '[:find (pull ?e [:person/name]) :in $ ?e :where [?e :person/age _]]',
      db,
      alice,
    );
    expect(pulled).toEqual([[new Map([[keyword('person/name'), 'Alice']])]]);
  });

  it('returns the internal TxReport from transact, with Datom instances', async () => {
    const { report, db } = await people();
    expect(report.dbAfter).toBeInstanceOf(Db);
    expect(report.dbBefore).toBeInstanceOf(Db);
    expect(report.tempids).toBeInstanceOf(Map);
    expect(report.txData.length).toBeGreaterThan(0);
    for (const x of report.txData) expect(x).toBeInstanceOf(Datom);
    expect(report.dbAfter.maxTx).toBe(db.maxTx);
    // A map with keyword keys, as the server decodes `{:tx-data [...] :tx-meta {...}}`.
    const conn = await freshConn([], { 'schema-flexibility': ':read' });
    const r2 = await api.transact(
      conn,
      new Map<Keyword, unknown>([
        [keyword('tx-data'), [new Map([[keyword('person/name'), 'Dan']])]],
        [keyword('tx-meta'), new Map([[keyword('source'), 'test']])],
      ]),
    );
    expect(r2.txData.some((x) => x.a === keyword('source') && x.v === 'test')).toBe(true);
    expect(await api.q('[:find ?n . :where [_ :person/name ?n]]', r2.dbAfter)).toBe('Dan');
    const withReport = await api.withDb(r2.dbAfter, [{ 'person/name': 'Eve' }]);
    for (const x of withReport.txData) expect(x).toBeInstanceOf(Datom);
  });

  it('returns pulls as maps with keyword keys, nested for references', async () => {
    const { db, alice } = await people();
    const p = await api.pull(
      db,
      '[:person/name :person/role {:person/address [:address/city]}]',
      alice,
    );
    expect(p).toBeInstanceOf(Map);
    for (const k of p!.keys()) expect(isKeyword(k)).toBe(true);
    expect(p!.get(keyword('person/role'))).toBe(keyword('admin'));
    const address = p!.get(keyword('person/address'));
    expect(address).toBeInstanceOf(Map);
    expect((address as Map<Keyword, unknown>).get(keyword('address/city'))).toBe('Berlin');
    const bySelector = await api.pull(
      db,
      new Map<Keyword, unknown>([
        [keyword('selector'), [keyword('person/name')]],
        [keyword('eid'), alice],
      ]),
    );
    expect(bySelector).toEqual(new Map([[keyword('person/name'), 'Alice']]));
    expect(await api.pull(db, '[:person/name]', 999_999)).toBeNull();
  });

  it('returns Datom instances from the index functions', async () => {
    const { db, alice } = await people();
    const all = await api.datoms(db, ':eavt', alice);
    expect(all.length).toBeGreaterThan(0);
    for (const x of all) expect(x).toBeInstanceOf(Datom);
    // The index given as a keyword, as the server decodes it.
    expect(await api.datoms(db, keyword('eavt'), alice)).toEqual(all);
    const byMap = await api.datoms(
      db,
      new Map<Keyword, unknown>([
        [keyword('index'), keyword('avet')],
        [keyword('components'), [keyword('person/age'), 40]],
      ]),
    );
    expect(byMap).toHaveLength(2);
    for (const x of [
      ...(await api.seekDatoms(db, ':aevt', ':person/name')),
      ...(await api.rseekDatoms(db, ':aevt', ':person/name')),
      ...(await api.indexRange(db, { attrid: ':person/age', start: 35 })),
    ])
      expect(x).toBeInstanceOf(Datom);
  });

  it('returns configurations, schemas and metrics as maps with keyword keys', async () => {
    const cfg = { store: { backend: ':memory', id: `internal-${process.pid}` } };
    const created = await api.createDatabase(cfg);
    expect(created).toBeInstanceOf(Map);
    expect(created.get(keyword('keep-history?'))).toBe(true);
    expect(created.get(keyword('store'))).toBeInstanceOf(Map);
    const conn = await api.connect(cfg);
    expect(conn).toBeInstanceOf(Connection);
    await api.transact(conn, SCHEMA);
    const db = await api.db(conn);
    const schema = await api.schema(db);
    expect(schema).toBeInstanceOf(Map);
    expect(schema.get(keyword('person/name'))).toBeInstanceOf(Map);
    const reverse = await api.reverseSchema(db);
    expect(reverse.get(keyword('db/index'))).toBeInstanceOf(Set);
    const metrics = await api.metrics(db);
    expect(metrics.get(keyword('count'))).toBeGreaterThan(0);
    expect(await api.commitId(db)).toBeInstanceOf(Uuid);
    await api.release(conn);
    await api.deleteDatabase(cfg);
    // toExternal of the internal configuration is what the public function returns.
    const publicCreated = await d.createDatabase(cfg);
    expect(toExternal(created)).toEqual(publicCreated);
    await d.deleteDatabase(cfg);
  });

  it('returns the internal Entity and database values', async () => {
    const { db, alice } = await people();
    const e = await api.entity(db, alice);
    expect(e).toBeInstanceOf(Entity);
    expect(e!.eid).toBe(alice);
    expect(e!.get(keyword('person/role'))).toBe(keyword('admin'));
    expect(await api.entity(db, [':person/email', 'nobody@example.com'])).toBeNull();
    expect(await api.entityDb(e!)).toBe(db);
    expect(await api.entityDb((await d.entity(db, alice))!)).toBe(db);
    const views = [
      await api.asOf(db, db.maxTx),
      await api.since(db, db.maxTx),
      await api.history(db),
      await api.filter(db, (_view, datom) => datom instanceof Datom),
    ];
    for (const v of views) expect(v).toBeInstanceOf(DbView);
    const filtered = views[3]!;
    expect(await api.isFiltered(filtered)).toBe(true);
    expect(await api.datoms(filtered, ':eavt', alice)).toEqual(
      await api.datoms(db, ':eavt', alice),
    );
  });

  it('agrees with the public functions through toExternal', async () => {
    const { conn, db, alice } = await people();
    const same = async (internal: Promise<unknown>, pub: Promise<unknown>) =>
      expect(toExternal(await internal)).toEqual(await pub);
    const queries: unknown[][] = [
      ['[:find ?n ?r :where [?e :person/name ?n] [?e :person/role ?r]]', db],
      ['[:find [?r ...] :where [_ :person/role ?r]]', db],
      ['[:find ?r (count ?e) :where [?e :person/role ?r]]', db],
      ['[:find ?n ?a :keys name age :where [?e :person/name ?n] [?e :person/age ?a]]', db],
      ['[:find (pull ?e [*]) :in $ ?e :where [?e :person/name _]]', db, alice],
      [{ query: '[:find ?n :where [?e :person/name ?n]]', args: [db], offset: 1 }],
    ];
    for (const [query, ...inputs] of queries)
      await same(api.q(query as d.QueryInput, ...inputs), d.q(query as d.QueryInput, ...inputs));
    const pattern = '[* {:person/friend [:person/name]}]';
    await same(api.pull(db, pattern, alice), d.pull(db, pattern, alice));
    await same(
      api.pullMany(db, pattern, [alice, 999_999]),
      d.pullMany(db, pattern, [alice, 999_999]),
    );
    await same(api.datoms(db, ':eavt'), d.datoms(db, ':eavt'));
    await same(
      api.datoms(db, ':avet', ':person/age', 40),
      d.datoms(db, ':avet', ':person/age', 40),
    );
    await same(
      api.seekDatoms(db, ':aevt', ':person/name'),
      d.seekDatoms(db, ':aevt', ':person/name'),
    );
    await same(
      api.rseekDatoms(db, ':aevt', ':person/name'),
      d.rseekDatoms(db, ':aevt', ':person/name'),
    );
    const range = { attrid: ':person/age', start: 35, end: 45 };
    await same(api.indexRange(db, range), d.indexRange(db, range));
    await same(api.schema(db), d.schema(db));
    await same(api.reverseSchema(db), d.reverseSchema(db));
    await same(api.metrics(db), d.metrics(db));
    await same(api.metrics(await api.history(db)), d.metrics(await d.history(db)));
    await same(api.gcStorage(conn), d.gcStorage(conn));
    await same(
      api.databaseExists({ store: { backend: ':memory', id: 'nowhere' } }),
      d.databaseExists({ store: { backend: ':memory', id: 'nowhere' } }),
    );
    // explain and queryStats: the same plan and result, times aside.
    const noMs = (x: unknown) => String(x).replace(/[\d.]+ ms/g, 'ms');
    const text = '[:find ?n :where [?e :person/name ?n]]';
    expect(noMs(await api.explain(text, db))).toBe(noMs(await d.explain(text, db)));
    const stats = toExternal(
      await api.queryStats('[:find ?n :where [?e :person/name ?n]]', db),
    ) as Record<string, unknown>;
    const pubStats = await d.queryStats('[:find ?n :where [?e :person/name ?n]]', db);
    expect(stats.result).toEqual(pubStats.result);
    const noTimes = (plan: unknown) =>
      (plan as Record<string, unknown>[]).map(({ ms: _ms, ...rest }) => rest);
    expect(noTimes(stats.plan)).toEqual(noTimes(pubStats.plan));
    // The entity: the public EntityView wraps the internal Entity.
    const e = await api.entity(db, alice);
    expect(new d.EntityView(e!).toJSON()).toEqual((await d.entity(db, alice))!.toJSON());
  });
});
