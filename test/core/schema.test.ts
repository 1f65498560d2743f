import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { eav, freshConn, PERSON_SCHEMA } from './helpers.js';

const attr = (ident: string, type: string, extra: Record<string, unknown> = {}) => ({
  'db/ident': ident,
  'db/valueType': type,
  'db/cardinality': ':db.cardinality/one',
  ...extra,
});

describe('schema', () => {
  it('returns the schema and reverse schema', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const db = await d.db(conn);
    const s = await d.schema(db);
    expect(s['person/email']).toMatchObject({
      'db/ident': ':person/email',
      'db/valueType': ':db.type/string',
      'db/cardinality': ':db.cardinality/one',
      'db/unique': ':db.unique/identity',
    });
    expect(typeof s['person/email']!['db/id']).toBe('number');
    const r = await d.reverseSchema(db);
    // As Datahike's: :db/index holds every attribute in AVET, :db/ident every attribute.
    expect(r['db/index']).toEqual(
      expect.arrayContaining([':person/age', ':person/email', ':person/friend', ':person/ssn']),
    );
    expect(r['db/index']).not.toContain(':person/name');
    expect(r['db/ident']).toHaveLength(Object.keys(s).length);
    expect(r['db.unique/value']).toEqual([':person/ssn']);
    expect(r['db.cardinality/many']?.sort()).toEqual([':person/friend', ':person/nick']);
    expect(r['db.unique/identity']).toEqual([':person/email']);
  });

  it('requires valueType and cardinality under schema-on-write and checks their values', async () => {
    const conn = await freshConn();
    await expect(
      d.transact(conn, [{ 'db/ident': ':x', 'db/valueType': ':db.type/string' }]),
    ).rejects.toMatchObject({
      code: 'schema/invalid',
    });
    await expect(d.transact(conn, [attr(':x', ':db.type/strung')])).rejects.toMatchObject({
      code: 'schema/invalid',
    });
    await expect(
      d.transact(conn, [attr(':x', ':db.type/string', { 'db/isComponent': true })]),
    ).rejects.toMatchObject({
      code: 'schema/invalid',
    });
    await expect(
      d.transact(conn, [attr(':x', ':db.type/string', { 'db/unique': ':db.unique/sometimes' })]),
    ).rejects.toMatchObject({ code: 'schema/invalid' });
  });

  it('accepts every value type and rejects values of the wrong type', async () => {
    const types: [string, unknown, unknown][] = [
      [':db.type/string', 's', 1],
      [':db.type/long', 42, 'x'],
      [':db.type/double', 1.5, 'x'],
      [':db.type/float', 2.5, true],
      [':db.type/boolean', false, 0],
      [':db.type/keyword', ':a/b', 'plain'],
      [':db.type/instant', new Date(0), 0],
      [
        ':db.type/uuid',
        d.uuid('550e8400-e29b-41d4-a716-446655440000'),
        '550e8400-e29b-41d4-a716-446655440000',
      ],
      [':db.type/bigint', 12345678901234567890n, 'x'],
      [':db.type/bytes', new Uint8Array([1, 2]), [1, 2]],
      [':db.type/number', 12345678901234567890n, 'x'],
    ];
    const conn = await freshConn(types.map(([t], i) => attr(`:a${i}`, t)));
    for (const [i, [, good, bad]] of types.entries()) {
      await d.transact(conn, [{ [`a${i}`]: good }]);
      await expect(d.transact(conn, [{ [`a${i}`]: bad }])).rejects.toMatchObject({
        code: 'transact/wrong-type',
      });
    }
    const db = await d.db(conn);
    const values = await Promise.all(
      types.map(async (_, i) => (await d.datoms(db, ':aevt', `:a${i}`))[0]?.v),
    );
    expect(values[5]).toBe(':a/b');
    expect(values[7]).toBe('550e8400-e29b-41d4-a716-446655440000');
    expect(values[8]).toBe(12345678901234567890n);
  });

  it('stores longs beyond 2^53 as bigints', async () => {
    const conn = await freshConn([attr(':n', ':db.type/long')]);
    await d.transact(conn, [{ n: 2n ** 60n }, { n: 7n }]);
    const vs = (await d.datoms(await d.db(conn), ':aevt', ':n')).map((x) => x.v);
    expect(vs).toContain(2n ** 60n);
    expect(vs).toContain(7);
  });

  it('allows cardinality one → many, and many → one only when no entity has several values', async () => {
    const conn = await freshConn([attr(':tag', ':db.type/string')]);
    const { tempids } = await d.transact(conn, [{ 'db/id': 'x', tag: 'a' }]);
    await d.transact(conn, [{ 'db/ident': ':tag', 'db/cardinality': ':db.cardinality/many' }]);
    await d.transact(conn, [[':db/add', tempids.x, ':tag', 'b']]);
    expect(await eav(await d.db(conn), ':eavt', tempids.x)).toHaveLength(2);
    await expect(
      d.transact(conn, [{ 'db/ident': ':tag', 'db/cardinality': ':db.cardinality/one' }]),
    ).rejects.toMatchObject({ code: 'schema/invalid-change' });
  });

  it('rejects adding uniqueness over duplicate values and accepts it over distinct ones', async () => {
    const conn = await freshConn([
      attr(':code', ':db.type/string'),
      attr(':other', ':db.type/string'),
    ]);
    await d.transact(conn, [{ code: 'a' }, { code: 'a' }, { other: 'x' }, { other: 'y' }]);
    await expect(
      d.transact(conn, [{ 'db/ident': ':code', 'db/unique': ':db.unique/value' }]),
    ).rejects.toMatchObject({ code: 'schema/invalid-change' });
    await d.transact(conn, [{ 'db/ident': ':other', 'db/unique': ':db.unique/identity' }]);
    const db = await d.db(conn);
    // The attribute is now indexed: its existing datoms are in AVET.
    expect((await d.datoms(db, ':avet', ':other')).map((x) => x.v)).toEqual(['x', 'y']);
    expect((await d.entity(db, [':other', 'y']))?.get(':other')).toBe('y');
  });

  it('rejects changing the type of an attribute in use', async () => {
    const conn = await freshConn([attr(':n', ':db.type/long')]);
    await d.transact(conn, [{ n: 1 }]);
    await expect(
      d.transact(conn, [{ 'db/ident': ':n', 'db/valueType': ':db.type/string' }]),
    ).rejects.toMatchObject({ code: 'schema/invalid-change' });
  });

  it('uses an attribute declared earlier in the same transaction', async () => {
    const conn = await freshConn();
    await d.transact(conn, [attr(':fresh', ':db.type/string'), { fresh: 'value' }]);
    expect(await eav(await d.db(conn), ':aevt', ':fresh')).toHaveLength(1);
  });
});

describe('tuples', () => {
  it('checks homogeneous and heterogeneous tuples', async () => {
    const conn = await freshConn([
      attr(':point', ':db.type/tuple', { 'db/tupleType': ':db.type/long' }),
      attr(':pair', ':db.type/tuple', { 'db/tupleTypes': [':db.type/string', ':db.type/long'] }),
    ]);
    await d.transact(conn, [{ point: [1, 2, 3], pair: ['a', 1] }]);
    await expect(d.transact(conn, [{ point: [1, 'x'] }])).rejects.toMatchObject({
      code: 'transact/wrong-type',
    });
    await expect(d.transact(conn, [{ pair: ['a', 1, 2] }])).rejects.toMatchObject({
      code: 'transact/wrong-type',
    });
    const db = await d.db(conn);
    expect((await d.datoms(db, ':aevt', ':pair'))[0]?.v).toEqual(['a', 1]);
  });

  it('maintains composite tuples and upholds their uniqueness', async () => {
    const conn = await freshConn([
      attr(':first', ':db.type/string'),
      attr(':last', ':db.type/string'),
      attr(':first+last', ':db.type/tuple', {
        'db/tupleAttrs': [':first', ':last'],
        'db/unique': ':db.unique/value',
      }),
    ]);
    const { tempids } = await d.transact(conn, [{ 'db/id': 'x', first: 'Ada', last: 'Lovelace' }]);
    let db = await d.db(conn);
    expect((await d.entity(db, tempids.x))?.get(':first+last')).toEqual(['Ada', 'Lovelace']);
    await d.transact(conn, [[':db/retract', tempids.x, ':last', 'Lovelace']]);
    db = await d.db(conn);
    expect((await d.entity(db, tempids.x))?.get(':first+last')).toEqual(['Ada', null]);
    await d.transact(conn, [[':db/add', tempids.x, ':last', 'King']]);
    db = await d.db(conn);
    expect((await d.entity(db, [':first+last', ['Ada', 'King']]))?.id).toBe(tempids.x);
    await expect(d.transact(conn, [{ first: 'Ada', last: 'King' }])).rejects.toMatchObject({
      code: 'transact/unique',
    });
    await expect(d.transact(conn, [{ 'first+last': ['a', 'b'] }])).rejects.toMatchObject({
      code: 'transact/composite-tuple',
    });
  });
});
