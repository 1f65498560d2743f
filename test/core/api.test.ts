import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { eav, freshConn, PERSON_SCHEMA } from './helpers.js';

describe('databases and connections', () => {
  it('creates, finds, connects to and deletes a memory database shared by id', async () => {
    const cfg = { store: { backend: ':memory', id: 'api-shared' } };
    expect(await d.databaseExists(cfg)).toBe(false);
    const created = await d.createDatabase(cfg);
    expect(created).toMatchObject({
      store: { backend: ':memory', id: 'api-shared' },
      'keep-history?': true,
      'schema-flexibility': ':write',
      branch: ':db',
    });
    expect(await d.databaseExists(cfg)).toBe(true);
    await expect(d.createDatabase(cfg)).rejects.toMatchObject({ code: 'store/exists' });
    const c1 = await d.connect(cfg);
    const c2 = await d.connect({ store: { backend: ':mem', id: 'api-shared' } });
    expect(c2).toBe(c1);
    await d.transact(c1, [{ 'db/ident': ':x' }]);
    await d.release(c1);
    // Still open: c2 shares the connection.
    expect((await d.db(c2)).maxTx).toBeGreaterThan(536870912);
    await d.deleteDatabase(cfg);
    expect(await d.databaseExists(cfg)).toBe(false);
    await expect(d.db(c2)).rejects.toMatchObject({ code: 'connection/released' });
    await expect(d.connect(cfg)).rejects.toMatchObject({ code: 'database/not-found' });
  });

  it('generates a store id for memory stores and accepts EDN configs', async () => {
    const created = await d.createDatabase({ store: { backend: ':memory' } });
    const id = (created.store as { id: string }).id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const conn = await d.connect(`{:store {:backend :memory :id "${id}"}}`);
    expect(await d.datoms(await d.db(conn), ':eavt')).toEqual([]);
  });

  it('applies initial-tx and schema-flexibility from the config, and checks them on connect', async () => {
    const cfg = {
      store: { backend: ':memory', id: 'api-initial' },
      'schema-flexibility': ':read',
      'initial-tx': [{ name: 'seed' }],
    };
    await d.createDatabase(cfg);
    const conn = await d.connect({ store: { backend: ':memory', id: 'api-initial' } });
    expect(await eav(await d.db(conn), ':aevt', ':name')).toEqual([[1, ':name', 'seed']]);
    await d.release(conn);
    await expect(
      d.connect({
        store: { backend: ':memory', id: 'api-initial' },
        'schema-flexibility': ':write',
      }),
    ).rejects.toMatchObject({ code: 'config/mismatch' });
  });

  it('rejects unknown config keys and bad values', async () => {
    // Each is a type error too (test/types/config.types.ts).
    await expect(
      // @ts-expect-error an unknown key
      d.createDatabase({ store: { backend: ':memory' }, 'keep-histroy?': true }),
    ).rejects.toMatchObject({
      code: 'config/invalid',
    });
    await expect(
      // @ts-expect-error not :write or :read
      d.createDatabase({ store: { backend: ':memory' }, 'schema-flexibility': ':loose' }),
    ).rejects.toMatchObject({
      code: 'config/invalid',
    });
    await expect(
      // @ts-expect-error only false
      d.createDatabase({ store: { backend: ':memory' }, 'attribute-refs?': true }),
    ).rejects.toMatchObject({ code: 'config/invalid' });
  });

  it('delivers reports to listeners until unlisten', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const seen: d.TransactionReport[] = [];
    const key = await d.listen(conn, (r) => seen.push(r));
    await d.transact(conn, [{ 'person/name': 'A' }]);
    const named = () => seen.push(seen[0]!);
    await d.listen(conn, ':named', named);
    await d.transact(conn, [{ 'person/name': 'B' }]);
    // As Datahike's npm package: the listeners left, by key (a keyword's without its colon).
    expect(await d.unlisten(conn, key)).toEqual({ named });
    expect(await d.unlisten(conn, ':named')).toEqual({});
    await d.transact(conn, [{ 'person/name': 'C' }]);
    expect(seen).toHaveLength(3);
    expect(seen[0]!['tx-data'].some((x) => x.v === 'A')).toBe(true);
  });

  it('runs concurrent transactions one after another in arrival order', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const reports = await Promise.all(
      Array.from({ length: 20 }, (_, i) => d.transact(conn, [{ 'person/name': `p${i}` }])),
    );
    const txs = reports.map((r) => r.tempids['db/current-tx']!);
    expect(txs).toEqual([...txs].sort((a, b) => a - b));
    expect(new Set(txs).size).toBe(20);
  });
});

describe('index access', () => {
  async function people() {
    const conn = await freshConn(PERSON_SCHEMA);
    const r = await d.transact(conn, [
      { 'db/id': 'a', 'person/name': 'Ann', 'person/age': 30, 'person/email': 'ann@x' },
      { 'db/id': 'b', 'person/name': 'Ben', 'person/age': 20, 'person/friend': ['a'] },
      { 'db/id': 'c', 'person/name': 'Cid', 'person/age': 40 },
    ]);
    return { db: await d.db(conn), ids: r.tempids as Record<string, number> };
  }

  it('datoms by index and component prefix, in both call styles', async () => {
    const { db, ids } = await people();
    expect(await eav(db, ':eavt', ids.a, ':person/name')).toEqual([[ids.a, ':person/name', 'Ann']]);
    expect((await eav(db, ':aevt', ':person/age')).map((x) => x[2])).toEqual([30, 20, 40]);
    expect((await eav(db, ':avet', ':person/age')).map((x) => x[2])).toEqual([20, 30, 40]);
    const viaMap = await d.datoms(db, { index: ':avet', components: [':person/age', 30] });
    expect(viaMap.map((x) => x.e)).toEqual([ids.a]);
    const datom = (await d.datoms(db, ':eavt', ids.a, ':person/age'))[0];
    expect(datom).toEqual({ e: ids.a, a: ':person/age', v: 30, tx: datom!.tx, added: true });
  });

  it('resolves lookup refs in entity and reference value positions', async () => {
    const { db, ids } = await people();
    expect(await eav(db, ':eavt', [':person/email', 'ann@x'], ':person/name')).toEqual([
      [ids.a, ':person/name', 'Ann'],
    ]);
    expect(await eav(db, ':avet', ':person/friend', [':person/email', 'ann@x'])).toEqual([
      [ids.b, ':person/friend', ids.a],
    ]);
    // As in DataScript: a lookup ref that finds nothing is an error, not an empty answer.
    await expect(d.datoms(db, ':eavt', [':person/email', 'nobody'])).rejects.toMatchObject({
      code: 'lookup-ref/not-found',
    });
  });

  it('seeks forwards and backwards and ranges over AVET', async () => {
    const { db, ids } = await people();
    const fwd = await d.seekDatoms(db, ':avet', ':person/age', 25);
    expect(fwd.slice(0, 2).map((x) => x.v)).toEqual([30, 40]);
    const back = await d.rseekDatoms(db, ':avet', ':person/age', 35);
    expect(back.slice(0, 2).map((x) => x.v)).toEqual([30, 20]);
    const range = await d.indexRange(db, { attrid: ':person/age', start: 20, end: 30 });
    expect(range.map((x) => x.e)).toEqual([ids.b, ids.a]);
    await expect(d.indexRange(db, { attrid: ':person/name', start: 'A' })).rejects.toMatchObject({
      code: 'index-range/not-indexed',
    });
  });

  it('entity reads attributes, reverse references and its database', async () => {
    const { db, ids } = await people();
    const ann = (await d.entity(db, ids.a))!;
    expect(ann.get(':person/name')).toBe('Ann');
    expect(ann.get('person/age')).toBe(30);
    expect(ann.keys().sort()).toEqual([':person/age', ':person/email', ':person/name']);
    const friendsOf = ann.get(':person/_friend') as d.EntityView[];
    expect(friendsOf.map((f) => f.id)).toEqual([ids.b]);
    expect(await d.entityDb(ann)).toBe(db);
    expect(await d.entity(db, [':person/email', 'nobody'])).toBeNull();
  });

  it('reports metrics', async () => {
    const { db, ids } = await people();
    const m = await d.metrics(db);
    expect(m['per-attr-counts']).toMatchObject({ 'person/age': 3, 'person/name': 3 });
    expect((m['per-entity-counts'] as Record<string, number>)[String(ids.a)]).toBe(3);
    expect(m.count).toBe((await d.datoms(db, ':eavt')).length);
    expect(m['temporal-count']).toBe(0);
  });

  it('gives tempids, uuids and the version', async () => {
    const t1 = await d.tempid(':db.part/user');
    const t2 = await d.tempid(':db.part/user');
    expect(t1).toBeLessThan(0);
    expect(t2).toBeLessThan(t1);
    expect(String(d.randomUuid())).toMatch(/^[0-9a-f-]{36}$/);
    expect(() => d.uuid('nope')).toThrow(expect.objectContaining({ code: 'api/invalid-argument' }));
    expect(await d.datahikeVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('loads exported datoms keeping entity ids and instants', async () => {
    const { db } = await people();
    const exported = (await d.datoms(await d.history(db), ':eavt')).map((x) => [
      x.e,
      x.a,
      x.v,
      x.tx,
      x.added,
    ]);
    const conn = await freshConn(PERSON_SCHEMA.map((a) => a));
    const schemaEids = new Set((await d.datoms(await d.db(conn), ':eavt')).map((x) => x.e));
    const data = exported.filter(([e]) => !schemaEids.has(e as number));
    await d.loadEntities(conn, data);
    const copy = await d.db(conn);
    expect(await eav(copy, ':aevt', ':person/name')).toEqual(
      await eav(db, ':aevt', ':person/name'),
    );
  });
});
