/**
 * Ported from DataScript's test/datascript/test/transact.cljc and Datahike's
 * test/datahike/test/transact_test.cljc. Adapted to Datahike's semantics: every
 * transaction also asserts its `:db/txInstant` (left out of the datom sets compared
 * here), transaction ids start at 536870912 (tx0). Not ported: transaction functions
 * stored under `:db/fn` and called by ident (DataScript only; Datahike's test is
 * disabled).
 */

import { describe, expect, it } from 'vitest';
import { Datom } from '../../src/index/datom.js';
import * as d from '../../src/index.js';
import { keyword } from '../../src/values/index.js';
import {
  allDatoms,
  dbWith,
  dbWithAll,
  eav,
  emptyDbWith,
  rejects,
  rows,
  setupConn,
  TX0,
  withTx,
} from './helpers.js';

const AKA = { aka: { 'db/cardinality': ':db.cardinality/many' } };

describe('db-with', async () => {
  const db = await dbWithAll(
    emptyDbWith(AKA),
    [[':db/add', 1, ':name', 'Ivan']],
    [[':db/add', 1, ':name', 'Petr']],
    [[':db/add', 1, ':aka', 'Devil']],
    [[':db/add', 1, ':aka', 'Tupen']],
  );

  it('keeps the last value of a cardinality-one attribute and every value of a many one', async () => {
    expect(await rows(d.q('[:find ?v :where [1 :name ?v]]', db))).toEqual(new Set([['Petr']]));
    expect(await rows(d.q('[:find ?v :where [1 :aka ?v]]', db))).toEqual(
      new Set([['Devil'], ['Tupen']]),
    );
  });

  it('retracts values', async () => {
    const r = await dbWithAll(
      db,
      [[':db/retract', 1, ':name', 'Petr']],
      [[':db/retract', 1, ':aka', 'Devil']],
    );
    expect(await rows(d.q('[:find ?v :where [1 :name ?v]]', r))).toEqual(new Set());
    expect(await rows(d.q('[:find ?v :where [1 :aka ?v]]', r))).toEqual(new Set([['Tupen']]));
    expect((await d.entity(r, 1))!.toJSON()).toEqual({ 'db/id': 1, aka: ['Tupen'] });
  });

  it('cannot retract what is not there', async () => {
    const r = await dbWith(db, [[':db/retract', 1, ':name', 'Ivan']]);
    expect(await rows(d.q('[:find ?v :where [1 :name ?v]]', r))).toEqual(new Set([['Petr']]));
  });

  it('skips nils in tx-data', async () => {
    const r = await dbWith(emptyDbWith(), [
      [':db/add', 1, ':attr', 2],
      null,
      [':db/add', 3, ':attr', 4],
    ]);
    expect(eav(await d.datoms(r, ':eavt')).filter(([e]) => (e as number) < TX0)).toEqual([
      [1, ':attr', 2],
      [3, ':attr', 4],
    ]);
  });
});

describe('re-asserting a datom (Datahike issue 457)', () => {
  const added = async (db: d.DbView, tx: unknown) =>
    (await withTx(db, tx))['tx-data']
      .filter((x) => x.a !== ':db/txInstant')
      .map((x) => [x.e, x.a, x.v, x.added]);

  it('is a no-op for one value, many values, tuples and bytes', async () => {
    const one = await dbWith(emptyDbWith(), [[':db/add', 1, ':name', 'Ivan']]);
    expect(await added(one, [[':db/add', 1, ':name', 'Ivan']])).toEqual([]);
    expect((await added(one, [[':db/add', 1, ':name', 'Petr']])).filter((x) => x[3])).toEqual([
      [1, ':name', 'Petr', true],
    ]);
    const many = await dbWith(emptyDbWith(AKA), [
      [':db/add', 1, ':aka', 'a'],
      [':db/add', 1, ':aka', 'b'],
      [':db/add', 1, ':aka', 'c'],
    ]);
    expect(await added(many, [[':db/add', 1, ':aka', 'b']])).toEqual([]);
    expect(await added(many, [[':db/add', 1, ':aka', 'd']])).toEqual([[1, ':aka', 'd', true]]);
    const coord = emptyDbWith({
      coord: {
        'db/valueType': ':db.type/tuple',
        'db/tupleTypes': [':db.type/long', ':db.type/keyword'],
        'db/cardinality': ':db.cardinality/one',
      },
    });
    const tdb = await dbWith(coord, [[':db/add', 1, ':coord', [100, ':west']]]);
    expect(await added(tdb, [[':db/add', 1, ':coord', [100, ':west']]])).toEqual([]);
    expect(
      (await added(tdb, [[':db/add', 1, ':coord', [200, ':east']]])).filter((x) => x[3]),
    ).toEqual([[1, ':coord', [200, ':east'], true]]);
    const bytes = await dbWith(emptyDbWith(), [[':db/add', 1, ':blob', new Uint8Array([1, 2, 3])]]);
    expect(await added(bytes, [[':db/add', 1, ':blob', new Uint8Array([1, 2, 3])]])).toEqual([]);
  });
});

describe('datoms in tx-data', () => {
  it('keep their transaction number', async () => {
    const db = await dbWith(emptyDbWith(), [
      new Datom(1, keyword('name'), 'Oleg', TX0),
      new Datom(1, keyword('age'), 17, TX0 + 1),
      [':db/add', 1, ':aka', 'x', TX0 + 1],
    ]);
    expect((await d.datoms(db, ':eavt', 1)).map((x) => [x.e, x.a, x.v, x.tx])).toEqual([
      [1, ':age', 17, TX0 + 1],
      [1, ':aka', 'x', TX0 + 1],
      [1, ':name', 'Oleg', TX0],
    ]);
  });

  it('retract when not added', async () => {
    const db = await dbWith(emptyDbWith(), [
      new Datom(1, keyword('name'), 'Oleg', TX0),
      new Datom(1, keyword('age'), 17, TX0),
      new Datom(1, keyword('name'), 'Oleg', -TX0),
    ]);
    expect((await d.datoms(db, ':eavt', 1)).map((x) => [x.e, x.a, x.v, x.tx])).toEqual([
      [1, ':age', 17, TX0],
    ]);
  });

  it('cannot name a transaction after this one', async () => {
    await rejects(dbWith(emptyDbWith(), [[':db/add', 1, ':aka', 'x', TX0 + 5]]), 'transact/syntax');
  });
});

describe('retraction functions', async () => {
  const db = await dbWith(emptyDbWith({ ...AKA, friend: { 'db/valueType': ':db.type/ref' } }), [
    { 'db/id': 1, name: 'Ivan', age: 15, aka: ['X', 'Y', 'Z'], friend: 2 },
    { 'db/id': 2, name: 'Petr', age: 37 },
  ]);
  const of = (x: d.DbView, e: number) => rows(d.q(`[:find ?a ?v :where [${e} ?a ?v]]`, x));

  it('retract an entity, and the references to it', async () => {
    const r = await dbWith(db, [[':db.fn/retractEntity', 1]]);
    expect(await of(r, 1)).toEqual(new Set());
    expect(await of(r, 2)).toEqual(
      new Set([
        [':name', 'Petr'],
        [':age', 37],
      ]),
    );
    expect(await allDatoms(await dbWith(db, [[':db/retractEntity', 1]]))).toEqual(
      await allDatoms(r),
    );
    expect(await rows(d.q('[:find ?e :where [1 :friend ?e]]', db))).toEqual(new Set([[2]]));
    const r2 = await dbWith(db, [[':db.fn/retractEntity', 2]]);
    expect(await rows(d.q('[:find ?e :where [1 :friend ?e]]', r2))).toEqual(new Set());
  });

  it('retract an attribute', async () => {
    const r = await dbWith(db, [[':db.fn/retractAttribute', 1, ':name']]);
    expect(await of(r, 1)).toEqual(
      new Set([
        [':age', 15],
        [':aka', 'X'],
        [':aka', 'Y'],
        [':aka', 'Z'],
        [':friend', 2],
      ]),
    );
    expect(await of(r, 2)).toEqual(
      new Set([
        [':name', 'Petr'],
        [':age', 37],
      ]),
    );
    const r2 = await dbWith(db, [[':db.fn/retractAttribute', 1, ':aka']]);
    expect(await of(r2, 1)).toEqual(
      new Set([
        [':name', 'Ivan'],
        [':age', 15],
        [':friend', 2],
      ]),
    );
    // [:db/retract e a] does the same for attributes that are not components.
    expect(await allDatoms(await dbWith(db, [[':db/retract', 1, ':name']]))).toEqual(
      await allDatoms(r),
    );
    expect(await allDatoms(await dbWith(db, [[':db/retract', 1, ':aka']]))).toEqual(
      await allDatoms(r2),
    );
  });

  it('retract without a value (DataScript issue 339)', async () => {
    const db2 = await dbWith(emptyDbWith({ ...AKA, friend: { 'db/valueType': ':db.type/ref' } }), [
      { 'db/id': 1, name: 'Ivan', age: 15, aka: ['X', 'Y', 'Z'], friend: 2 },
      { 'db/id': 2, name: 'Petr', age: 37, 'employed?': true, 'married?': false },
    ]);
    const r = await dbWith(db2, [
      [':db/retract', 1, ':name'],
      [':db/retract', 1, ':aka'],
      [':db/retract', 2, ':employed?'],
      [':db/retract', 2, ':married?'],
    ]);
    expect(await allDatoms(r)).toEqual(
      new Set([
        [1, ':age', 15],
        [1, ':friend', 2],
        [2, ':name', 'Petr'],
        [2, ':age', 37],
      ]),
    );
    const r2 = await dbWith(db2, [[':db/retract', 2, ':employed?', false]]);
    expect(eav(await d.datoms(r2, ':eavt', 2, ':employed?'))).toEqual([[2, ':employed?', true]]);
  });
});

describe('retracting what is not there', async () => {
  const db = await dbWith(emptyDbWith({ name: { 'db/unique': ':db.unique/identity' } }), [
    [':db/add', 1, ':name', 'Ivan'],
  ]);
  const all = async (x: d.DbView) =>
    eav(await d.datoms(x, ':eavt')).filter(([e]) => (e as number) < TX0);

  it('changes nothing', async () => {
    for (const op of [
      [':db/retract', 2, ':name', 'Petr'],
      [':db.fn/retractAttribute', 2, ':name'],
      [':db.fn/retractEntity', 2],
      [':db/retractEntity', 2],
      [':db/retract', [':name', 'Petr'], ':name', 'Petr'],
      [':db.fn/retractAttribute', [':name', 'Petr'], ':name'],
      [':db.fn/retractEntity', [':name', 'Petr']],
    ])
      expect(await all(await dbWith(db, [op])), JSON.stringify(op)).toEqual([[1, ':name', 'Ivan']]);
  });

  it('twice is the same as once', async () => {
    for (const op of [
      [':db/retract', 1, ':name', 'Ivan'],
      [':db.fn/retractAttribute', 1, ':name'],
      [':db.fn/retractEntity', 1],
      [':db/retractEntity', 1],
      [':db/retract', [':name', 'Ivan'], ':name', 'Ivan'],
      [':db.fn/retractAttribute', [':name', 'Ivan'], ':name'],
      [':db.fn/retractEntity', [':name', 'Ivan']],
    ]) {
      expect(await all(await dbWith(db, [op])), JSON.stringify(op)).toEqual([]);
      expect(await all(await dbWith(db, [op, op])), JSON.stringify(op)).toEqual([]);
    }
  });
});

describe('transact on a connection', () => {
  it('applies transactions one after the other', async () => {
    const conn = await setupConn({
      'initial-tx': [{ 'db/ident': ':aka', 'db/cardinality': ':db.cardinality/many' }],
    });
    await d.transact(conn, [[':db/add', 1, ':name', 'Ivan']]);
    await d.transact(conn, [[':db/add', 1, ':name', 'Petr']]);
    await d.transact(conn, [[':db/add', 1, ':aka', 'Devil']]);
    await d.transact(conn, [[':db/add', 1, ':aka', 'Tupen']]);
    const db = await d.db(conn);
    expect(await rows(d.q('[:find ?v :where [1 :name ?v]]', db))).toEqual(new Set([['Petr']]));
    expect(await rows(d.q('[:find ?v :where [1 :aka ?v]]', db))).toEqual(
      new Set([['Devil'], ['Tupen']]),
    );
    await d.release(conn);
  });
});

describe(':db/cas', () => {
  it('swaps a cardinality-one value when the old one matches', async () => {
    const conn = await setupConn();
    await d.transact(conn, [[':db/cas', 1, ':weight', null, 100]]);
    const weight = async () => (await d.entity(await d.db(conn), 1))!.get(':weight');
    expect(await weight()).toBe(100);
    await d.transact(conn, [[':db/add', 1, ':weight', 200]]);
    await d.transact(conn, [[':db.fn/cas', 1, ':weight', 200, 300]]);
    expect(await weight()).toBe(300);
    await d.transact(conn, [[':db/cas', 1, ':weight', 300, 400]]);
    expect(await weight()).toBe(400);
    await rejects(
      d.transact(conn, [[':db.fn/cas', 1, ':weight', 200, 210]]),
      'transact/cas',
      /expected 200, found 400/,
    );
    await d.release(conn);
  });

  it('adds to a cardinality-many attribute when the old value is among its values', async () => {
    const conn = await setupConn({
      'initial-tx': [{ 'db/ident': ':label', 'db/cardinality': ':db.cardinality/many' }],
    });
    await d.transact(conn, [[':db/add', 1, ':label', ':x']]);
    await d.transact(conn, [[':db/add', 1, ':label', ':y']]);
    await d.transact(conn, [[':db.fn/cas', 1, ':label', ':y', ':z']]);
    expect(new Set((await d.entity(await d.db(conn), 1))!.get(':label') as string[])).toEqual(
      new Set([':x', ':y', ':z']),
    );
    await rejects(
      d.transact(conn, [[':db.fn/cas', 1, ':label', ':s', ':t']]),
      'transact/cas',
      /expected :s/,
    );
    await d.release(conn);
  });

  it('takes nil as "no value yet"', async () => {
    const conn = await setupConn();
    await d.transact(conn, [[':db/add', 1, ':name', 'Ivan']]);
    await d.transact(conn, [[':db.fn/cas', 1, ':age', null, 42]]);
    expect((await d.entity(await d.db(conn), 1))!.get(':age')).toBe(42);
    await rejects(
      d.transact(conn, [[':db.fn/cas', 1, ':age', null, 4711]]),
      'transact/cas',
      /expected nil/,
    );
    await d.release(conn);
  });

  it('refuses a tempid and a nil new value', async () => {
    const conn = await setupConn();
    await rejects(
      d.transact(conn, [
        [':db/add', -1, ':name', 'Ivan'],
        [':db.fn/cas', -1, ':attr', null, ':val'],
      ]),
      'transact/syntax',
      /tempids are allowed in :db\/add only/,
    );
    await rejects(d.transact(conn, [[':db/cas', 1, ':attr', null, null]]), 'transact/nil-value');
    await d.release(conn);
  });

  it('compares bytes by content (Datahike)', async () => {
    const conn = await setupConn({ 'schema-flexibility': ':write' });
    await d.transact(conn, [
      {
        'db/ident': ':ba',
        'db/valueType': ':db.type/bytes',
        'db/cardinality': ':db.cardinality/one',
      },
      {
        'db/ident': ':bam',
        'db/valueType': ':db.type/bytes',
        'db/cardinality': ':db.cardinality/many',
      },
    ]);
    await d.transact(conn, [
      { 'db/id': 1, ba: new Uint8Array([1, 2, 3]), bam: [new Uint8Array([1, 2, 3])] },
    ]);
    await d.transact(conn, [
      [':db.fn/cas', 1, ':ba', new Uint8Array([1, 2, 3]), new Uint8Array([9])],
    ]);
    await d.transact(conn, [
      [':db.fn/cas', 1, ':bam', new Uint8Array([1, 2, 3]), new Uint8Array([8])],
    ]);
    await rejects(
      d.transact(conn, [[':db.fn/cas', 1, ':ba', new Uint8Array([7, 7]), new Uint8Array([1])]]),
      'transact/cas',
    );
    await d.release(conn);
  });
});

describe('transaction functions', () => {
  it('expand into tx-data, get the database and fail with their own message', async () => {
    const conn = await setupConn({
      'initial-tx': [{ 'db/ident': ':aka', 'db/cardinality': ':db.cardinality/many' }],
    });
    await d.transact(conn, [{ 'db/id': 1, name: 'Ivan', age: 31 }]);
    const birthday = (db: unknown, eid: number, age: number) => {
      if (!(db instanceof Object)) throw new Error('no database');
      if (age < 0) throw new Error(`No entity with age: ${age}`);
      return [{ 'db/id': eid, age: age + 1 }, [':db/add', eid, ':had-birthday', true]];
    };
    await rejects(
      d.transact(conn, [[':db.fn/call', birthday, 1, -1]]),
      'transact/fn-failed',
      /No entity with age: -1/,
    );
    const { 'db-after': after } = await d.transact(conn, [[':db.fn/call', birthday, 1, 31]]);
    const e = (await d.entity(after, 1))!;
    expect(e.get(':age')).toBe(32);
    expect(e.get(':had-birthday')).toBe(true);

    // An entity map without :db/id gets a new id (DataScript issue 474).
    const r = await d.transact(conn, [[':db.fn/call', () => [{ name: 'Oleg' }]]]);
    expect((await d.entity(r['db-after'], 2))!.get(':name')).toBe('Oleg');
    const r2 = await d.transact(conn, [[':db.fn/call', () => [{ 'db/id': -1, name: 'Vera' }]]]);
    expect((await d.entity(r2['db-after'], r2.tempids['-1']!))!.get(':name')).toBe('Vera');
    await d.release(conn);
  });
});

describe('transaction functions that query', () => {
  it('answer a Promise of their tx-data, awaited before the transaction (DataScript test-db-fn)', async () => {
    const conn = await setupConn();
    await d.transact(conn, [{ 'db/id': 1, name: 'Petr', age: 31 }]);
    const incAge = async (db: d.Db, name: string) => {
      const found = await d.q(
        '[:find ?e ?age :in $ ?name :where [?e :name ?name] [?e :age ?age]]',
        db,
        name,
      );
      const hit = [...(found as unknown[][])][0] as [number, number] | undefined;
      if (hit === undefined) throw new Error(`No entity with name: ${name}`);
      return [{ 'db/id': hit[0], age: hit[1] + 1 }, [':db/add', hit[0], ':had-birthday', true]];
    };
    await rejects(
      d.transact(conn, [[':db.fn/call', incAge, 'Bob']]),
      'transact/fn-failed',
      /No entity with name: Bob/,
    );
    const { 'db-after': after } = await d.transact(conn, [[':db.fn/call', incAge, 'Petr']]);
    const e = (await d.entity(after, 1))!;
    expect(e.get(':age')).toBe(32);
    expect(e.get(':had-birthday')).toBe(true);
    // A function answering a call of another, on a database value.
    const twice = async () => [
      [':db.fn/call', incAge, 'Petr'],
      [':db/add', 1, ':nick', 'P'],
    ];
    const db2 = await d.dbWith(after, [[':db.fn/call', twice]]);
    expect((await d.entity(db2, 1))!.get(':age')).toBe(33);
    expect((await d.entity(db2, 1))!.get(':nick')).toBe('P');
    await d.release(conn);
  });
});

describe('tempids', () => {
  const schema = {
    name: { 'db/unique': ':db.unique/identity' },
    aka: { 'db/unique': ':db.unique/identity', 'db/cardinality': ':db.cardinality/many' },
    ref: { 'db/valueType': ':db.type/ref' },
  };

  it('get ids in order of first appearance', async () => {
    const report = await withTx(emptyDbWith(schema), [
      [':db/add', -1, ':name', 'Ivan'],
      [':db/add', -1, ':age', 19],
      [':db/add', -2, ':name', 'Petr'],
      [':db/add', -2, ':age', 22],
      [':db/add', 'Serg', ':name', 'Sergey'],
      [':db/add', 'Serg', ':age', 30],
    ]);
    expect(report.tempids).toEqual({ '-1': 1, '-2': 2, Serg: 3, 'db/current-tx': TX0 + 1 });
    expect(await allDatoms(report['db-after'])).toEqual(
      new Set([
        [1, ':name', 'Ivan'],
        [1, ':age', 19],
        [2, ':name', 'Petr'],
        [2, ':age', 22],
        [3, ':name', 'Sergey'],
        [3, ':age', 30],
      ]),
    );
    expect(
      await allDatoms(
        await dbWith(emptyDbWith(schema), [
          [':db/add', -1, ':name', 'Ivan'],
          [':db/add', -2, ':ref', -1],
        ]),
      ),
    ).toEqual(
      new Set([
        [1, ':name', 'Ivan'],
        [2, ':ref', 1],
      ]),
    );
  });

  it('resolve to existing entities by a unique identity (DataScript issue 363)', async () => {
    const a = await dbWithAll(
      emptyDbWith(schema),
      [[':db/add', -1, ':name', 'Ivan']],
      [
        [':db/add', -1, ':name', 'Ivan'],
        [':db/add', -2, ':ref', -1],
      ],
    );
    expect(await allDatoms(a)).toEqual(
      new Set([
        [1, ':name', 'Ivan'],
        [2, ':ref', 1],
      ]),
    );
    const b = await dbWithAll(
      emptyDbWith(schema),
      [[':db/add', -1, ':aka', 'Batman']],
      [
        [':db/add', -1, ':aka', 'Batman'],
        [':db/add', -2, ':ref', -1],
      ],
    );
    expect(await allDatoms(b)).toEqual(
      new Set([
        [1, ':aka', 'Batman'],
        [2, ':ref', 1],
      ]),
    );
  });

  it('as the value of a unique reference attribute (DataScript issue 295)', async () => {
    const db = await dbWith(
      emptyDbWith({ ref: { 'db/unique': ':db.unique/identity', 'db/valueType': ':db.type/ref' } }),
      [
        [':db/add', -1, ':name', 'Ivan'],
        [':db/add', -2, ':name', 'Petr'],
        [':db/add', -1, ':ref', -2],
      ],
    );
    expect(await allDatoms(db)).toEqual(
      new Set([
        [1, ':name', 'Ivan'],
        [1, ':ref', 2],
        [2, ':name', 'Petr'],
      ]),
    );
  });

  it('resolve in references, on a connection', async () => {
    const conn = await setupConn({
      'initial-tx': [
        {
          'db/ident': ':friend',
          'db/valueType': ':db.type/ref',
          'db/cardinality': ':db.cardinality/many',
        },
      ],
    });
    const tx = await d.transact(conn, [
      { name: 'Sergey', friend: [-1, -2] },
      [':db/add', -1, ':name', 'Ivan'],
      [':db/add', -2, ':name', 'Petr'],
      [':db/add', 'B', ':name', 'Boris'],
      [':db/add', 'B', ':friend', -3],
      [':db/add', -3, ':name', 'Oleg'],
      [':db/add', -3, ':friend', 'B'],
    ]);
    // The schema entity is 1 and the initial transaction tx0 + 1.
    expect(tx.tempids).toEqual({ '-1': 3, '-2': 4, B: 5, '-3': 6, 'db/current-tx': TX0 + 2 });
    const q = '[:find ?fn :in $ ?n :where [?e :name ?n] [?e :friend ?fe] [?fe :name ?fn]]';
    const db = await d.db(conn);
    expect(await rows(d.q(q, db, 'Sergey'))).toEqual(new Set([['Ivan'], ['Petr']]));
    expect(await rows(d.q(q, db, 'Boris'))).toEqual(new Set([['Oleg']]));
    expect(await rows(d.q(q, db, 'Oleg'))).toEqual(new Set([['Boris']]));
    await d.release(conn);
  });

  it('resolve when a unique reference attribute points at a tempid (Datahike)', async () => {
    const cfg = {
      'initial-tx': [
        {
          'db/ident': ':foo/match',
          'db/valueType': ':db.type/ref',
          'db/cardinality': ':db.cardinality/one',
          'db/unique': ':db.unique/identity',
        },
      ],
    };
    for (const tx of [
      [
        { 'db/id': 16, 'foo/match': -1000001 },
        { 'db/id': -1000001, 'foo/match': 16 },
      ],
      [
        { 'db/id': -1000001, 'foo/match': 16 },
        { 'db/id': 16, 'foo/match': -1000001 },
      ],
      [
        [':db/add', 16, ':foo/match', -1000001],
        [':db/add', -1000001, ':foo/match', 16],
      ],
      [
        [':db/add', -1000001, ':foo/match', 16],
        [':db/add', 16, ':foo/match', -1000001],
      ],
    ]) {
      const conn = await setupConn(cfg);
      const report = await d.transact(conn, tx);
      const id = report.tempids['-1000001'];
      expect(
        await rows(
          d.q('[:find ?e ?a ?v :where [?e ?a ?v] [(= ?a :foo/match)]]', report['db-after']),
        ),
      ).toEqual(
        new Set([
          [16, ':foo/match', id],
          [id, ':foo/match', 16],
        ]),
      );
      await d.release(conn);
    }
  });

  it('used only as a value are an error (DataScript issue 304)', async () => {
    const db = emptyDbWith({
      friend: { 'db/valueType': ':db.type/ref' },
      comp: { 'db/valueType': ':db.type/ref', 'db/isComponent': true },
      multi: { 'db/cardinality': ':db.cardinality/many' },
    });
    for (const tx of [
      [[':db/add', -1, ':friend', -2]],
      [{ 'db/id': -1, friend: -2 }],
      [{ 'db/id': -1 }, [':db/add', -2, ':friend', -1]],
      [{ 'db/id': -1, multi: [] }, [':db/add', -2, ':friend', -1]],
    ])
      await rejects(
        dbWith(db, tx),
        'transact/unknown-tempid',
        /used as a value but never as an entity id/,
      );
  });
});

describe('the current transaction', () => {
  for (const tempid of [':db/current-tx', 'datomic.tx', 'datahike.tx']) {
    it(`is named ${tempid}`, async () => {
      const conn = await setupConn({ 'keep-history?': false });
      const tx1 = await d.transact(conn, [
        { 'db/ident': ':created-at', 'db/valueType': ':db.type/ref' },
        { name: 'X', 'created-at': tempid },
        { 'db/id': tempid, prop1: 'prop1' },
        [':db/add', tempid, ':prop2', 'prop2'],
        [':db/add', -1, ':name', 'Y'],
        [':db/add', -1, ':created-at', tempid],
      ]);
      const tx = TX0 + 1;
      expect(
        await rows(
          d.q('[:find ?e ?a ?v :where [?e ?a ?v] [(not= ?a :db/txInstant)]]', await d.db(conn)),
        ),
      ).toEqual(
        new Set([
          [1, ':db/ident', ':created-at'],
          [1, ':db/valueType', ':db.type/ref'],
          [2, ':name', 'X'],
          [2, ':created-at', tx],
          [tx, ':prop1', 'prop1'],
          [tx, ':prop2', 'prop2'],
          [3, ':name', 'Y'],
          [3, ':created-at', tx],
        ]),
      );
      expect(tx1.tempids).toEqual({ '-1': 3, 'db/current-tx': tx, [tempid.replace(/^:/, '')]: tx });
      const key = tempid.replace(/^:/, '');
      const tx2 = await d.transact(conn, [[':db/add', tempid, ':prop3', 'prop3']]);
      expect(tx2.tempids[key]).toBe(TX0 + 2);
      const e2 = (await d.entity(await d.db(conn), tx2.tempids[key]))!;
      expect(e2.keys().sort()).toEqual([':db/txInstant', ':prop3']);
      const tx3 = await d.transact(conn, [{ 'db/id': tempid, prop4: 'prop4' }]);
      expect(tx3.tempids[key]).toBe(TX0 + 3);
      expect((await d.entity(await d.db(conn), TX0 + 3))!.get(':prop4')).toBe('prop4');
      await d.release(conn);
    });
  }
});

it('retracts adjacent entities in one transaction (DataScript issue 294)', async () => {
  let db: d.DbView = emptyDbWith();
  for (let i = 1; i < 10; i++) db = await dbWith(db, [{ 'db/id': i, a1: 1, a2: 2, a3: 3 }]);
  const report = await withTx(db, [
    [':db.fn/retractEntity', 1],
    [':db.fn/retractEntity', 2],
  ]);
  expect(
    report['tx-data'].filter((x) => x.a !== ':db/txInstant').map((x) => [x.e, x.a, x.v, x.added]),
  ).toEqual([
    [1, ':a1', 1, false],
    [1, ':a2', 2, false],
    [1, ':a3', 3, false],
    [2, ':a1', 1, false],
    [2, ':a2', 2, false],
    [2, ':a3', 3, false],
  ]);
});

it('refuses entity ids beyond the id range (DataScript issue 292)', async () => {
  const db = emptyDbWith({ ref: { 'db/valueType': ':db.type/ref' } });
  const message = /Highest supported entity id is 2147483647, got 285873023227265/;
  await rejects(
    dbWith(db, [[':db/add', 285873023227265, ':name', 'Valerii']]),
    'entity-id/invalid',
    message,
  );
  await rejects(
    dbWith(db, [{ 'db/id': 285873023227265, name: 'Valerii' }]),
    'entity-id/invalid',
    message,
  );
  await rejects(dbWith(db, [{ 'db/id': 1, ref: 285873023227265 }]), 'entity-id/invalid', message);
  await rejects(
    dbWith(db, [new Datom(285873023227265, keyword('name'), 1, TX0)]),
    'entity-id/invalid',
    message,
  );
});

it('orders values that are maps (DataScript issue 356)', async () => {
  const db = emptyDbWith({
    multi: { 'db/cardinality': ':db.cardinality/many' },
    index: { 'db/index': true },
  });
  const single = await dbWithAll(
    db,
    [[':db/add', 1, ':single', { map: 1 }]],
    [[':db/retract', 1, ':single', { map: 1 }]],
    [[':db/add', 1, ':single', { map: 2 }]],
    [[':db/add', 1, ':single', { map: 3 }]],
  );
  expect(await allDatoms(single)).toEqual(new Set([[1, ':single', { map: 3 }]]));
  expect(eav(await d.datoms(single, ':eavt', 1, ':single', { map: 3 }))).toEqual([
    [1, ':single', { map: 3 }],
  ]);
  expect(eav(await d.datoms(single, ':aevt', ':single', 1, { map: 3 }))).toEqual([
    [1, ':single', { map: 3 }],
  ]);
  const multi = await dbWithAll(
    db,
    [[':db/add', 1, ':multi', { map: 1 }]],
    [[':db/add', 1, ':multi', { map: 1 }]],
    [[':db/add', 1, ':multi', { map: 2 }]],
  );
  expect(await allDatoms(multi)).toEqual(
    new Set([
      [1, ':multi', { map: 1 }],
      [1, ':multi', { map: 2 }],
    ]),
  );
  expect(eav(await d.datoms(multi, ':eavt', 1, ':multi', { map: 2 }))).toEqual([
    [1, ':multi', { map: 2 }],
  ]);
  const index = await dbWithAll(
    db,
    [[':db/add', 1, ':index', { map: 1 }]],
    [[':db/add', 1, ':index', { map: 2 }]],
    [[':db/add', 1, ':index', { map: 3 }]],
  );
  expect(await allDatoms(index)).toEqual(new Set([[1, ':index', { map: 3 }]]));
  expect(eav(await d.datoms(index, ':avet', ':index', { map: 3 }, 1))).toEqual([
    [1, ':index', { map: 3 }],
  ]);
});

it('does not mistake 42 for 42.5 (DataScript issue 404)', async () => {
  const db = await dbWith(emptyDbWith(), [{ num: 42.5 }]);
  expect(await allDatoms(await dbWith(db, [[':db/retract', 1, ':num', 42]]))).toEqual(
    new Set([[1, ':num', 42.5]]),
  );
});

it('finds every unique value again whatever its type (DataScript issue 386)', async () => {
  const conn = await setupConn({
    'initial-tx': [{ 'db/ident': ':block/uid', 'db/unique': ':db.unique/identity' }],
  });
  for (const uid of [
    '2LB4tlJGy',
    '2ON453J0Z',
    '2KqLLNbPg',
    '2L0dcD7yy',
    'dTR20ficj',
    'wRmp6bXAx',
    45619,
  ])
    await d.transact(conn, [{ 'block/uid': uid }]);
  const db = await d.db(conn);
  for (const x of await d.datoms(db, ':aevt', ':block/uid'))
    expect(await d.entity(db, [x.a, x.v])).not.toBeNull();
  await d.release(conn);
});

describe('transaction metadata (Datahike)', () => {
  it('is reported, stored on the transaction entity, and can be changed', async () => {
    const conn = await setupConn();
    const tx = await d.transact(conn, {
      'tx-data': [{ name: 'Sergey', age: 5 }],
      'tx-meta': { foo: 'bar' },
    });
    const {
      'db/txInstant': _i,
      'db/commitId': _c,
      ...meta
    } = tx['tx-meta'] as Record<string, unknown>;
    expect(meta).toEqual({ foo: 'bar' });
    expect(await rows(d.q('[:find ?e ?v :where [?e :foo ?v]]', await d.db(conn)))).toEqual(
      new Set([[TX0 + 1, 'bar']]),
    );
    expect(
      (await d.pull(await d.db(conn), '[:db/txInstant]', tx.tempids['db/current-tx']!))![
        'db/txInstant'
      ],
    ).toBeInstanceOf(Date);
    await d.transact(conn, [{ 'db/id': TX0 + 1, foo: 'baz' }]);
    expect(await rows(d.q('[:find ?e ?v :where [?e :foo ?v]]', await d.db(conn)))).toEqual(
      new Set([[TX0 + 1, 'baz']]),
    );
    await d.transact(conn, [[':db/retract', TX0 + 1, ':foo', 'baz']]);
    expect(await rows(d.q('[:find ?e ?v :where [?e :foo ?v]]', await d.db(conn)))).toEqual(
      new Set(),
    );
    await d.release(conn);
  });

  it('may give the transaction its instant', async () => {
    const conn = await setupConn();
    const date = new Date('2020-01-02T03:04:05Z');
    await d.transact(conn, {
      'tx-data': [{ name: 'Sergey', age: 5 }],
      'tx-meta': { 'db/txInstant': date },
    });
    expect(
      (await d.datoms(await d.db(conn), ':eavt')).map((x) => [x.e, x.a, x.v, x.tx, x.added]),
    ).toEqual([
      [1, ':age', 5, TX0 + 1, true],
      [1, ':name', 'Sergey', TX0 + 1, true],
      [TX0 + 1, ':db/txInstant', date, TX0 + 1, true],
    ]);
    await d.release(conn);
  });

  it('needs its attributes in the schema under schema on write', async () => {
    const conn = await setupConn({
      'schema-flexibility': ':write',
      'initial-tx': [
        {
          'db/ident': ':name',
          'db/cardinality': ':db.cardinality/one',
          'db/unique': ':db.unique/identity',
          'db/valueType': ':db.type/string',
        },
        {
          'db/ident': ':age',
          'db/cardinality': ':db.cardinality/one',
          'db/valueType': ':db.type/long',
        },
      ],
    });
    await rejects(
      d.transact(conn, { 'tx-data': [{ name: 'Sergey', age: 5 }], 'tx-meta': { foo: ':bar' } }),
      'transact/schema',
      /Unknown attribute :foo/,
    );
    await d.release(conn);
  });
});
