import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('gives a public-API user plain JavaScript values, written out here', async () => {
    const { db, alice } = await people();
    expect(alice).toBe(11);
    // Sets come out as arrays in no promised order: compare them sorted.
    const sorted = (x: unknown) => {
      expect(Array.isArray(x)).toBe(true);
      return [...(x as unknown[])].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    };
    const results: unknown[] = [];
    const seen = <T>(x: T): T => {
      results.push(x);
      return x;
    };
    const datom = (e: number, a: string, v: unknown, tx: number) => ({ e, a, v, tx, added: true });
    const [TX1, TX2] = [536870913, 536870914];

    // Queries in their find forms.
    expect(
      sorted(seen(await d.q('[:find ?n ?r :where [?e :person/name ?n] [?e :person/role ?r]]', db))),
    ).toEqual([
      ['Alice', ':admin'],
      ['Bob', ':user'],
      ['Carol', ':user'],
    ]);
    expect(sorted(seen(await d.q('[:find [?r ...] :where [_ :person/role ?r]]', db)))).toEqual([
      ':admin',
      ':user',
    ]);
    expect(
      seen(
        await d.q(
          '[:find [?n ?r] :in $ ?e :where [?e :person/name ?n] [?e :person/role ?r]]',
          db,
          alice,
        ),
      ),
    ).toEqual(['Alice', ':admin']);
    expect(
      seen(
        await d.q(
          '[:find ?r . :in $ ?n :where [?e :person/name ?n] [?e :person/role ?r]]',
          db,
          'Bob',
        ),
      ),
    ).toBe(':user');
    expect(
      sorted(seen(await d.q('[:find ?r (count ?e) :where [?e :person/role ?r]]', db))),
    ).toEqual([
      [':admin', 1],
      [':user', 2],
    ]);
    expect(
      sorted(
        seen(
          await d.q(
            '[:find ?n ?a :keys name age :where [?e :person/name ?n] [?e :person/age ?a]]',
            db,
          ),
        ),
      ),
    ).toEqual([
      { name: 'Alice', age: 30 },
      { name: 'Bob', age: 40 },
      { name: 'Carol', age: 40 },
    ]);
    const aliceAll = {
      'db/id': 11,
      'person/name': 'Alice',
      'person/email': 'alice@example.com',
      'person/age': 30,
      'person/role': ':admin',
      'person/nick': ['al', 'ally'],
      'person/friend': [{ 'db/id': 12 }],
      'person/address': { 'db/id': 13, 'address/city': 'Berlin' },
    };
    expect(
      seen(await d.q('[:find (pull ?e [*]) :in $ ?e :where [?e :person/name _]]', db, alice)),
    ).toEqual([[aliceAll]]);
    const paged = seen(
      await d.q({ query: '[:find ?n :where [?e :person/name ?n]]', args: [db], offset: 1 }),
    );
    expect(paged).toHaveLength(2);
    expect([['Alice'], ['Bob'], ['Carol']]).toEqual(expect.arrayContaining(paged as unknown[]));

    // Pulls: nested maps as objects, cardinality-many as arrays.
    const pattern = '[* {:person/friend [:person/name]}]';
    const alicePulled = { ...aliceAll, 'person/friend': [{ 'person/name': 'Bob' }] };
    expect(seen(await d.pull(db, pattern, alice))).toEqual(alicePulled);
    expect(seen(await d.pullMany(db, pattern, [alice, 999_999]))).toEqual([
      alicePulled,
      { 'db/id': 999_999 },
    ]);

    // Index functions: datoms as plain objects, in index order.
    const eavt = seen(await d.datoms(db, ':eavt'));
    const schemaDatoms = [
      [1, ':person/name', ':db.type/string', ':db.cardinality/one'],
      [2, ':person/email', ':db.type/string', ':db.cardinality/one', ':db.unique/identity'],
      [3, ':person/age', ':db.type/long', ':db.cardinality/one', true],
      [4, ':person/nick', ':db.type/string', ':db.cardinality/many'],
      [5, ':person/ssn', ':db.type/string', ':db.cardinality/one', ':db.unique/value'],
      [6, ':person/friend', ':db.type/ref', ':db.cardinality/many'],
      [7, ':person/spouse', ':db.type/ref', ':db.cardinality/one'],
      [8, ':person/address', ':db.type/ref', ':db.cardinality/one', 'component'],
      [9, ':address/city', ':db.type/string', ':db.cardinality/one'],
      [10, ':person/role', ':db.type/keyword', ':db.cardinality/one'],
    ].flatMap(([e, ident, type, card, extra]) => {
      const id = e as number;
      // Within an entity, EAVT orders attributes by name.
      return [
        datom(id, ':db/cardinality', card, TX1),
        datom(id, ':db/ident', ident, TX1),
        ...(extra === true ? [datom(id, ':db/index', true, TX1)] : []),
        ...(extra === 'component' ? [datom(id, ':db/isComponent', true, TX1)] : []),
        ...(typeof extra === 'string' && extra !== 'component'
          ? [datom(id, ':db/unique', extra, TX1)]
          : []),
        datom(id, ':db/valueType', type, TX1),
      ];
    });
    const facts = [
      datom(11, ':person/address', 13, TX2),
      datom(11, ':person/age', 30, TX2),
      datom(11, ':person/email', 'alice@example.com', TX2),
      datom(11, ':person/friend', 12, TX2),
      datom(11, ':person/name', 'Alice', TX2),
      datom(11, ':person/nick', 'al', TX2),
      datom(11, ':person/nick', 'ally', TX2),
      datom(11, ':person/role', ':admin', TX2),
      datom(12, ':person/age', 40, TX2),
      datom(12, ':person/email', 'bob@example.com', TX2),
      datom(12, ':person/name', 'Bob', TX2),
      datom(12, ':person/role', ':user', TX2),
      datom(13, ':address/city', 'Berlin', TX2),
      datom(14, ':person/age', 40, TX2),
      datom(14, ':person/name', 'Carol', TX2),
      datom(14, ':person/role', ':user', TX2),
    ];
    expect(eavt).toEqual([
      ...schemaDatoms,
      ...facts,
      datom(TX1, ':db/txInstant', expect.any(Date), TX1),
      datom(TX2, ':db/txInstant', expect.any(Date), TX2),
    ]);
    const bobAndCarolAge = [datom(12, ':person/age', 40, TX2), datom(14, ':person/age', 40, TX2)];
    expect(seen(await d.datoms(db, ':avet', ':person/age', 40))).toEqual(bobAndCarolAge);
    const seek = seen(await d.seekDatoms(db, ':aevt', ':person/name'));
    expect(seek).toEqual([
      datom(11, ':person/name', 'Alice', TX2),
      datom(12, ':person/name', 'Bob', TX2),
      datom(14, ':person/name', 'Carol', TX2),
      datom(11, ':person/nick', 'al', TX2),
      datom(11, ':person/nick', 'ally', TX2),
      datom(11, ':person/role', ':admin', TX2),
      datom(12, ':person/role', ':user', TX2),
      datom(14, ':person/role', ':user', TX2),
    ]);
    // Backwards from :person/name: that attribute, then every smaller one down to the start:
    // all 52 datoms but the 5 of :person/nick and :person/role.
    const rseek = seen(await d.rseekDatoms(db, ':aevt', ':person/name')) as unknown[];
    expect(rseek).toHaveLength(47);
    expect(rseek.slice(0, 10)).toEqual([
      datom(14, ':person/name', 'Carol', TX2),
      datom(12, ':person/name', 'Bob', TX2),
      datom(11, ':person/name', 'Alice', TX2),
      datom(11, ':person/friend', 12, TX2),
      datom(12, ':person/email', 'bob@example.com', TX2),
      datom(11, ':person/email', 'alice@example.com', TX2),
      datom(14, ':person/age', 40, TX2),
      datom(12, ':person/age', 40, TX2),
      datom(11, ':person/age', 30, TX2),
      datom(11, ':person/address', 13, TX2),
    ]);
    expect(rseek.slice(10, 12)).toEqual([
      datom(10, ':db/valueType', ':db.type/keyword', TX1),
      datom(9, ':db/valueType', ':db.type/string', TX1),
    ]);
    expect(rseek.at(-1)).toEqual(datom(13, ':address/city', 'Berlin', TX2));
    expect(seen(await d.indexRange(db, { attrid: ':person/age', start: 35, end: 45 }))).toEqual(
      bobAndCarolAge,
    );

    // Schema, reverse schema and metrics: objects keyed by names without the colon.
    const attr = (id: number, ident: string, type: string, card: string, more = {}) => ({
      'db/ident': ident,
      'db/valueType': type,
      'db/cardinality': card,
      ...more,
      'db/id': id,
    });
    expect(seen(await d.schema(db))).toEqual({
      'person/name': attr(1, ':person/name', ':db.type/string', ':db.cardinality/one'),
      'person/email': attr(2, ':person/email', ':db.type/string', ':db.cardinality/one', {
        'db/unique': ':db.unique/identity',
      }),
      'person/age': attr(3, ':person/age', ':db.type/long', ':db.cardinality/one', {
        'db/index': true,
      }),
      'person/nick': attr(4, ':person/nick', ':db.type/string', ':db.cardinality/many'),
      'person/ssn': attr(5, ':person/ssn', ':db.type/string', ':db.cardinality/one', {
        'db/unique': ':db.unique/value',
      }),
      'person/friend': attr(6, ':person/friend', ':db.type/ref', ':db.cardinality/many'),
      'person/spouse': attr(7, ':person/spouse', ':db.type/ref', ':db.cardinality/one'),
      'person/address': attr(8, ':person/address', ':db.type/ref', ':db.cardinality/one', {
        'db/isComponent': true,
      }),
      'address/city': attr(9, ':address/city', ':db.type/string', ':db.cardinality/one'),
      'person/role': attr(10, ':person/role', ':db.type/keyword', ':db.cardinality/one'),
    });
    const reverse = seen(await d.reverseSchema(db)) as Record<string, unknown>;
    expect(Object.keys(reverse).sort()).toEqual([
      'db.attr/constrained',
      'db.cardinality/many',
      'db.type/ref',
      'db.unique/identity',
      'db.unique/value',
      'db/ident',
      'db/index',
      'db/isComponent',
      'db/unique',
    ]);
    const reverseSorted = Object.fromEntries(
      Object.entries(reverse).map(([k, v]) => [k, sorted(v)]),
    );
    expect(reverseSorted).toEqual({
      'db/ident': [
        ':address/city',
        ':person/address',
        ':person/age',
        ':person/email',
        ':person/friend',
        ':person/name',
        ':person/nick',
        ':person/role',
        ':person/spouse',
        ':person/ssn',
      ],
      'db.attr/constrained': [
        ':address/city',
        ':person/email',
        ':person/name',
        ':person/nick',
        ':person/ssn',
      ],
      'db.unique/identity': [':person/email'],
      'db.unique/value': [':person/ssn'],
      'db/unique': [':person/email', ':person/ssn'],
      // Unique and reference attributes are indexed as well as :person/age.
      'db/index': [
        ':person/address',
        ':person/age',
        ':person/email',
        ':person/friend',
        ':person/spouse',
        ':person/ssn',
      ],
      'db.cardinality/many': [':person/friend', ':person/nick'],
      'db.type/ref': [':person/address', ':person/friend', ':person/spouse'],
      'db/isComponent': [':person/address'],
    });
    expect(seen(await d.metrics(db))).toEqual({
      count: 52,
      'avet-count': 17,
      'per-attr-counts': {
        'db/cardinality': 10,
        'db/ident': 10,
        'db/valueType': 10,
        'db/unique': 2,
        'db/index': 1,
        'db/isComponent': 1,
        'db/txInstant': 2,
        'person/address': 1,
        'person/age': 3,
        'person/email': 2,
        'person/friend': 1,
        'person/name': 3,
        'person/nick': 2,
        'person/role': 3,
        'address/city': 1,
      },
      'per-entity-counts': {
        '1': 3,
        '2': 4,
        '3': 4,
        '4': 3,
        '5': 4,
        '6': 3,
        '7': 3,
        '8': 4,
        '9': 3,
        '10': 3,
        '11': 8,
        '12': 4,
        '13': 1,
        '14': 3,
        [TX1]: 1,
        [TX2]: 1,
      },
      'temporal-count': 0,
      'temporal-avet-count': 0,
    });
    expect(seen(await d.databaseExists({ store: { backend: ':memory', id: 'nowhere' } }))).toBe(
      false,
    );

    // Nothing internal anywhere: only primitives, arrays, plain objects and dates.
    const leaks: string[] = [];
    const walk = (x: unknown, path: string) => {
      if (x === null || typeof x !== 'object') return;
      if (x instanceof Keyword || x instanceof Datom || x instanceof Map || x instanceof Set)
        leaks.push(`${path}: ${x.constructor.name}`);
      else if (x instanceof Date) return;
      else if (Array.isArray(x)) for (const [i, v] of x.entries()) walk(v, `${path}[${i}]`);
      else if (Object.getPrototypeOf(x) !== Object.prototype)
        leaks.push(`${path}: ${x.constructor.name}`);
      else for (const [k, v] of Object.entries(x)) walk(v, `${path}.${k}`);
    };
    for (const [i, r] of results.entries()) walk(r, `result ${i}`);
    expect(results).toHaveLength(19);
    expect(leaks).toEqual([]);
  });

  it("tells gcStorage's progress to the callback its options carry", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dh-gc-progress-'));
    const cfg = { store: { backend: ':file', path: join(dir, 'db') } };
    try {
      await api.createDatabase(cfg);
      const conn = await api.connect(cfg);
      await api.transact(conn, SCHEMA);
      const heard: string[] = [];
      const result = await api.gcStorage(conn, null, {
        graceMs: 0,
        progress: (m) => heard.push(m),
      });
      expect(result.get(keyword('removed'))).toBeTypeOf('number');
      expect(heard.length).toBeGreaterThan(0);
      // Anything but a function is refused.
      await expect(
        api.gcStorage(conn, null, new Map([[keyword('progress'), 1]])),
      ).rejects.toMatchObject({ code: 'api/invalid-argument' });
      await api.release(conn, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
