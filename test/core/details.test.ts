import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { eav, freshConn, PERSON_SCHEMA } from './helpers.js';

describe('details users rely on', () => {
  it('takes an ident as :db/id and as a reference value', async () => {
    const conn = await freshConn([
      ...PERSON_SCHEMA,
      {
        'db/ident': ':person/status',
        'db/valueType': ':db.type/ref',
        'db/cardinality': ':db.cardinality/one',
      },
    ]);
    await d.transact(conn, [{ 'db/ident': ':status/active' }]);
    await d.transact(conn, [{ 'db/id': ':status/active', 'db/doc': 'Currently active' }]);
    const { tempids } = await d.transact(conn, [
      { 'db/id': 'p', 'person/status': ':status/active' },
    ]);
    const db = await d.db(conn);
    const status = (await d.entity(db, ':status/active'))!;
    expect(status.get(':db/doc')).toBe('Currently active');
    expect((await d.entity(db, tempids.p))!.get(':person/status')).toBeInstanceOf(d.EntityView);
    await expect(
      d.transact(conn, [{ 'db/id': ':status/unknown', 'db/doc': 'x' }]),
    ).rejects.toMatchObject({
      code: 'transact/unknown-ident',
    });
  });

  it('serialises entities with nested components and references by id', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const { tempids } = await d.transact(conn, [
      {
        'db/id': 'a',
        'person/name': 'A',
        'person/address': { 'address/city': 'Rome' },
        'person/spouse': 'b',
      },
      { 'db/id': 'b', 'person/name': 'B' },
    ]);
    const json = (await d.entity(await d.db(conn), tempids.a))!.toJSON();
    expect(json).toMatchObject({
      'db/id': tempids.a,
      'person/name': 'A',
      'person/spouse': { 'db/id': tempids.b },
      'person/address': { 'address/city': 'Rome' },
    });
    const address = (await d.entity(await d.db(conn), tempids.a))!.get(
      ':person/address',
    ) as d.EntityView;
    // A component's reverse reference is its one owner.
    expect((address.get(':person/_address') as d.EntityView).id).toBe(tempids.a);
  });

  it('queries history views by index and filters them', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const { tempids } = await d.transact(conn, [{ 'db/id': 'x', 'person/age': 1 }]);
    await d.transact(conn, [{ 'db/id': tempids.x, 'person/age': 2 }]);
    const h = await d.history(await d.db(conn));
    const ages = await d.datoms(h, ':avet', ':person/age');
    expect(ages.map((x) => [x.v, x.added])).toEqual([
      [1, true],
      [1, false],
      [2, true],
    ]);
    const onlyRetractions = await d.filter(h, (_db, datom) => !datom.added);
    expect((await d.datoms(onlyRetractions, ':eavt', tempids.x)).map((x) => x.v)).toEqual([1]);
    expect(
      (await d.seekDatoms(h, ':aevt', ':person/age')).filter((x) => x.a === ':person/age'),
    ).toHaveLength(3);
  });

  it('keeps committing when a listener throws', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    try {
      await d.listen(conn, () => {
        throw new Error('listener bug');
      });
      const r = await d.transact(conn, [{ 'person/name': 'still works' }]);
      expect(r['tx-data'].some((x) => x.v === 'still works')).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(errors).toHaveLength(1);
  });

  it('accepts an EDN map with :tx-data and :tx-meta', async () => {
    const conn = await freshConn([
      ...PERSON_SCHEMA,
      {
        'db/ident': ':tx/by',
        'db/valueType': ':db.type/string',
        'db/cardinality': ':db.cardinality/one',
      },
    ]);
    const r = await d.transact(conn, '{:tx-data [{:person/name "E"}] :tx-meta {:tx/by "edn"}}');
    expect((r['tx-meta'] as Record<string, unknown>)['tx/by']).toBe('edn');
    expect((await d.entity(await d.db(conn), r.tempids['db/current-tx']))!.get(':tx/by')).toBe(
      'edn',
    );
  });

  it('keeps big numbers, decimals, keywords and escaped colons exact', async () => {
    const conn = await freshConn([
      {
        'db/ident': ':big',
        'db/valueType': ':db.type/bigint',
        'db/cardinality': ':db.cardinality/one',
      },
      {
        'db/ident': ':dec',
        'db/valueType': ':db.type/bigdec',
        'db/cardinality': ':db.cardinality/one',
      },
      {
        'db/ident': ':kw',
        'db/valueType': ':db.type/keyword',
        'db/cardinality': ':db.cardinality/one',
      },
      {
        'db/ident': ':text',
        'db/valueType': ':db.type/string',
        'db/cardinality': ':db.cardinality/one',
      },
    ]);
    const { tempids } = await d.transact(
      conn,
      '[{:db/id "x" :big 123456789012345678901234567890N :dec 3.14159265358979323846M :kw :a/b :text ":not-a-keyword"}]',
    );
    await d.transact(conn, [{ 'db/id': tempids.x, text: '\\:escaped' }]);
    const e = (await d.entity(await d.db(conn), tempids.x))!;
    expect(e.get(':big')).toBe(123456789012345678901234567890n);
    expect(String(e.get(':dec'))).toBe('3.14159265358979323846');
    expect(e.get(':kw')).toBe(':a/b');
    expect(e.get(':text')).toBe(':escaped');
  });

  it('lets schema-on-read declare only cardinality and uniqueness', async () => {
    const conn = await freshConn(
      [
        { 'db/ident': ':tags', 'db/cardinality': ':db.cardinality/many' },
        { 'db/ident': ':handle', 'db/unique': ':db.unique/identity' },
      ],
      { 'schema-flexibility': ':read' },
    );
    const { tempids } = await d.transact(conn, [
      { 'db/id': 'x', handle: 'h', tags: ['a', 'b'], anything: { 'nested-ok': 1 } },
    ]);
    const again = await d.transact(conn, [{ 'db/id': 'y', handle: 'h', tags: ['c'] }]);
    expect(again.tempids.y).toBe(tempids.x);
    expect((await eav(await d.db(conn), ':eavt', tempids.x, ':tags')).map((x) => x[2])).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('uses tempids from tempid() in tx-data', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const t = await d.tempid(':db.part/user');
    const r = await d.transact(conn, [[':db/add', t, ':person/name', 'T']]);
    expect(r.tempids[String(t)]).toBeGreaterThan(0);
  });

  it('rejects bad arguments with api/invalid-argument', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const db = await d.db(conn);
    await expect(d.datoms(db, ':evat')).rejects.toMatchObject({ code: 'api/invalid-argument' });
    await expect(d.asOf(db, 5)).rejects.toMatchObject({ code: 'api/invalid-argument' });
    await expect(d.datoms({} as d.DbView, ':eavt')).rejects.toMatchObject({
      code: 'api/invalid-argument',
    });
    await expect(d.transact({} as d.LocalConnection, [])).rejects.toMatchObject({
      code: 'api/invalid-argument',
    });
    await expect(d.transact(conn, { nope: [] } as never)).rejects.toMatchObject({
      code: 'api/invalid-argument',
    });
    // A string names no entity (as in DataScript); a map is no entity id at all.
    expect(await d.entity(db, 'not an id')).toBeNull();
    await expect(d.entity(db, { a: 1 } as never)).rejects.toMatchObject({
      code: 'entity-id/invalid',
    });
  });
});
