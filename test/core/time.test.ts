import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { eav, freshConn, PERSON_SCHEMA } from './helpers.js';

async function timeline() {
  const conn = await freshConn(PERSON_SCHEMA);
  const r1 = await d.transact(conn, [{ 'db/id': 'x', 'person/name': 'v1', 'person/age': 1 }]);
  const e = r1.tempids.x!;
  const r2 = await d.transact(conn, [{ 'db/id': e, 'person/name': 'v2' }]);
  const r3 = await d.transact(conn, [[':db/retract', e, ':person/age', 1]]);
  const r4 = await d.transact(conn, [{ 'db/id': e, 'person/name': 'v1' }]);
  const tx = (r: d.TransactionReport) => r.tempids['db/current-tx']!;
  return { conn, e, t1: tx(r1), t2: tx(r2), t3: tx(r3), t4: tx(r4), r1, r2 };
}

describe('time travel', () => {
  it('asOf sees the database right after a transaction', async () => {
    const { conn, e, t1, t2, t3, t4 } = await timeline();
    const db = await d.db(conn);
    expect(await eav(await d.asOf(db, t1), ':eavt', e)).toEqual([
      [e, ':person/age', 1],
      [e, ':person/name', 'v1'],
    ]);
    expect(await eav(await d.asOf(db, t2), ':eavt', e)).toEqual([
      [e, ':person/age', 1],
      [e, ':person/name', 'v2'],
    ]);
    expect(await eav(await d.asOf(db, t3), ':eavt', e)).toEqual([[e, ':person/name', 'v2']]);
    expect(await eav(await d.asOf(db, t4), ':eavt', e)).toEqual([[e, ':person/name', 'v1']]);
    // The asserting transaction of a value is its original one.
    const asOf1 = await d.datoms(await d.asOf(db, t1), ':eavt', e, ':person/name');
    expect(asOf1[0]?.tx).toBe(t1);
  });

  it('asOf accepts a Date (the last transaction at or before it) and a database value', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const day = (n: number) => new Date(Date.UTC(2020, 0, n));
    const at = async (n: number, name: string) =>
      (
        await d.transact(conn, [
          { 'person/email': 'x@y', 'person/name': name },
          [':db/add', ':db/current-tx', ':db/txInstant', day(n)],
        ])
      ).tempids['db/current-tx']!;
    const t1 = await at(1, 'first');
    await at(10, 'second');
    const db = await d.db(conn);
    const name = async (view: d.DbView) =>
      (await d.entity(view, [':person/email', 'x@y']))?.get(':person/name');
    expect(await name(await d.asOf(db, day(1)))).toBe('first');
    expect(await name(await d.asOf(db, day(5)))).toBe('first');
    expect(await name(await d.asOf(db, day(10)))).toBe('second');
    expect(
      await d.entity(await d.asOf(db, new Date(Date.UTC(2019, 0, 1))), [':person/email', 'x@y']),
    ).toBeNull();
    const pinned = await d.asOf(db, t1);
    expect(await name(await d.asOf(db, pinned))).toBe('first');
  });

  it('since keeps only datoms added after the time point', async () => {
    const { conn, e, t2 } = await timeline();
    const db = await d.db(conn);
    expect(await eav(await d.since(db, t2), ':eavt', e)).toEqual([[e, ':person/name', 'v1']]);
  });

  it('history holds every assertion and retraction', async () => {
    const { conn, e, t1, t2, t3, t4 } = await timeline();
    const h = await d.history(await d.db(conn));
    const events = (await d.datoms(h, ':eavt', e)).map((x) => [x.a, x.v, x.tx, x.added]);
    expect(events).toEqual([
      [':person/age', 1, t1, true],
      [':person/age', 1, t3, false],
      [':person/name', 'v1', t1, true],
      [':person/name', 'v1', t2, false],
      [':person/name', 'v1', t4, true],
      [':person/name', 'v2', t2, true],
      [':person/name', 'v2', t4, false],
    ]);
  });

  it('refuses time travel when history is off, and skips :db/noHistory attributes', async () => {
    const conn = await freshConn(PERSON_SCHEMA, { 'keep-history?': false });
    await expect(d.history(await d.db(conn))).rejects.toMatchObject({ code: 'db/no-history' });
    const conn2 = await freshConn([
      {
        'db/ident': ':counter',
        'db/valueType': ':db.type/long',
        'db/cardinality': ':db.cardinality/one',
        'db/noHistory': true,
      },
    ]);
    const { tempids } = await d.transact(conn2, [{ 'db/id': 'c', counter: 1 }]);
    await d.transact(conn2, [{ 'db/id': tempids.c, counter: 2 }]);
    const h = await d.history(await d.db(conn2));
    expect((await d.datoms(h, ':eavt', tempids.c)).map((x) => [x.v, x.added])).toEqual([[2, true]]);
  });

  it('filter hides datoms and reports itself filtered', async () => {
    const { conn, e } = await timeline();
    const db = await d.db(conn);
    const noNames = await d.filter(db, (_db, datom) => datom.a !== ':person/name');
    expect(await d.isFiltered(noNames)).toBe(true);
    expect(await d.isFiltered(db)).toBe(false);
    expect(await eav(noNames, ':eavt', e)).toEqual([]);
    expect((await d.entity(noNames, e))?.get(':person/name')).toBeUndefined();
  });

  it('withDb and dbWith apply a transaction without committing', async () => {
    const { conn, e } = await timeline();
    const db = await d.db(conn);
    const report = await d.withDb(db, [{ 'db/id': e, 'person/name': 'speculative' }]);
    expect((await d.entity(report['db-after'], e))?.get(':person/name')).toBe('speculative');
    const after = await d.dbWith(db, [{ 'db/id': e, 'person/age': 99 }]);
    expect((await d.entity(after, e))?.get(':person/age')).toBe(99);
    expect(await d.db(conn)).toBe(db);
  });
});
