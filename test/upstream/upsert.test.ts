/**
 * Ported from DataScript's test/datascript/test/upsert.cljc and Datahike's
 * test/datahike/test/upsert_test.cljc: an entity that asserts a `:db.unique/identity`
 * value someone has becomes that entity. DataScript's `:ref` attribute there is
 * `{:db/unique :db.unique/identity :db/type :db.type/ref}` (a typo: it is no reference);
 * here it is the reference the cases mean. Datahike's file-store variants are run on
 * the memory store (the stores are tested in test/storage).
 */

import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import {
  allDatoms,
  dbWith,
  emptyDbWith,
  entityMap,
  rejects,
  rows,
  setupConn,
  TX0,
  withTx,
} from './helpers.js';

const UNIQUE = { 'db/unique': ':db.unique/identity' };

describe('upserts', async () => {
  const db = await dbWith(
    emptyDbWith({
      name: UNIQUE,
      email: UNIQUE,
      slugs: { ...UNIQUE, 'db/cardinality': ':db.cardinality/many' },
      ref: { ...UNIQUE, 'db/valueType': ':db.type/ref' },
    }),
    [
      { 'db/id': 1, name: 'Ivan', email: '@1' },
      { 'db/id': 2, name: 'Petr', email: '@2', ref: 3 },
      { 'db/id': 3, name: 'Dima', email: '@3', ref: 4 },
      { 'db/id': 4, name: 'Olga', email: '@4', ref: 1 },
    ],
  );
  const pull = (tx: d.TransactionReport<d.Db>, e: number) =>
    d.pull(tx['db-after'], '[* {:ref [:db/id]}]', e).then((m) => {
      const r = m as Record<string, unknown> | null;
      if (r?.ref !== undefined) r.ref = (r.ref as { 'db/id': number })['db/id'];
      return r;
    });
  const tempids = (tx: d.TransactionReport<d.Db>) => {
    const { 'db/current-tx': _, ...rest } = tx.tempids;
    return rest;
  };
  const ivan35 = { 'db/id': 1, name: 'Ivan', email: '@1', age: 35 };

  it('without a tempid', async () => {
    for (const m of [
      { name: 'Ivan', age: 35 },
      { name: 'Ivan', email: '@1', age: 35 },
    ]) {
      const tx = await withTx(db, [m]);
      expect(await pull(tx, 1)).toEqual(ivan35);
      expect(tempids(tx)).toEqual({});
    }
  });

  it('with a tempid, number or string', async () => {
    let tx = await withTx(db, [{ 'db/id': -1, name: 'Ivan', age: 35 }]);
    expect(await pull(tx, 1)).toEqual(ivan35);
    expect(tempids(tx)).toEqual({ '-1': 1 });
    tx = await withTx(db, [
      { 'db/id': '1', name: 'Ivan', age: 35 },
      [':db/add', '2', ':name', 'Oleg'],
      [':db/add', '2', ':email', '@2'],
    ]);
    expect(await pull(tx, 1)).toEqual(ivan35);
    expect(await pull(tx, 2)).toEqual({ 'db/id': 2, name: 'Oleg', email: '@2', ref: 3 });
    expect(tempids(tx)).toEqual({ '1': 1, '2': 2 });
    tx = await withTx(db, [{ 'db/id': -1, name: 'Ivan', email: '@1', age: 35 }]);
    expect(await pull(tx, 1)).toEqual(ivan35);
    expect(tempids(tx)).toEqual({ '-1': 1 });
  });

  it('of two maps to one entity, with one or two tempids', async () => {
    let tx = await withTx(db, [
      { 'db/id': -1, name: 'Ivan', age: 35 },
      { 'db/id': -1, name: 'Ivan', age: 36 },
    ]);
    expect(await pull(tx, 1)).toEqual({ ...ivan35, age: 36 });
    expect(tempids(tx)).toEqual({ '-1': 1 });
    tx = await withTx(db, [
      { 'db/id': -1, name: 'Ivan', age: 35 },
      { 'db/id': -2, name: 'Ivan', age: 36 },
    ]);
    expect(await pull(tx, 1)).toEqual({ ...ivan35, age: 36 });
    expect(tempids(tx)).toEqual({ '-1': 1, '-2': 1 });
  });

  it('with the existing id, or a lookup ref to it', async () => {
    for (const m of [
      { 'db/id': 1, name: 'Ivan', age: 35 },
      { 'db/id': 1, name: 'Ivan', email: '@1', age: 35 },
      { 'db/id': [':name', 'Ivan'], name: 'Ivan', email: '@1', age: 35 },
    ]) {
      const tx = await withTx(db, [m]);
      expect(await pull(tx, 1)).toEqual(ivan35);
      expect(tempids(tx)).toEqual({});
    }
  });

  it('conflicts with another id', async () => {
    for (const id of [2, 5])
      await rejects(
        withTx(db, [{ 'db/id': id, name: 'Ivan', age: 36 }]),
        'transact/unique',
        /already belongs to entity 1/,
      );
    await rejects(
      withTx(db, [{ 'db/id': ':db/current-tx', name: 'Ivan', age: 35 }]),
      'transact/unique',
    );
  });

  it('by a value nobody has updates the entity found by the other', async () => {
    const tx = await withTx(db, [{ name: 'Ivan', email: '@5', age: 35 }]);
    expect(await pull(tx, 1)).toEqual({ ...ivan35, email: '@5' });
    expect(tempids(tx)).toEqual({});
  });

  it('by two values of two entities conflicts', async () => {
    await rejects(
      withTx(db, [{ name: 'Ivan', email: '@2', age: 35 }]),
      'transact/upsert-conflict',
      /resolves to both entity 1 and entity 2/,
    );
  });

  it('over an entity made in the same transaction', async () => {
    for (const tx of [
      [
        { name: 'Igor', age: 35 },
        { name: 'Igor', age: 36 },
      ],
      [
        { 'db/id': -1, name: 'Igor', age: 35 },
        { 'db/id': -1, name: 'Igor', age: 36 },
      ],
      [
        { 'db/id': -1, name: 'Igor', age: 35 },
        { 'db/id': -2, name: 'Igor', age: 36 },
      ],
    ]) {
      const r = await withTx(db, tx);
      expect(await pull(r, 5)).toEqual({ 'db/id': 5, name: 'Igor', age: 36 });
      expect(Object.values(tempids(r)).every((x) => x === 5)).toBe(true);
    }
  });

  it('by values of a unique cardinality-many attribute', async () => {
    const tx = await withTx(db, [
      { name: 'Ivan', slugs: 'ivan1' },
      { name: 'Petr', slugs: 'petr1' },
    ]);
    const tx2 = await withTx(tx['db-after'], [{ name: 'Ivan', slugs: ['ivan1', 'ivan2'] }]);
    expect(await pull(tx, 1)).toEqual({ 'db/id': 1, name: 'Ivan', email: '@1', slugs: ['ivan1'] });
    expect(await pull(tx2, 1)).toEqual({
      'db/id': 1,
      name: 'Ivan',
      email: '@1',
      slugs: ['ivan1', 'ivan2'],
    });
    await rejects(
      withTx(tx['db-after'], [{ slugs: ['ivan1', 'petr1'] }]),
      'transact/upsert-conflict',
    );
  });

  it('by a reference, as an id or a lookup ref', async () => {
    for (const [ref, e, age, owner] of [
      [3, 2, 36, { name: 'Petr', email: '@2' }],
      [4, 3, 37, { name: 'Dima', email: '@3' }],
      [1, 4, 38, { name: 'Olga', email: '@4' }],
      [[':name', 'Dima'], 2, 36, { name: 'Petr', email: '@2' }],
      [[':name', 'Olga'], 3, 37, { name: 'Dima', email: '@3' }],
      [[':name', 'Ivan'], 4, 38, { name: 'Olga', email: '@4' }],
    ] as const) {
      const tx = await withTx(db, [{ ref, age }]);
      expect(await pull(tx, e)).toEqual({
        'db/id': e,
        ...owner,
        ref: typeof ref === 'number' ? ref : { Dima: 3, Olga: 4, Ivan: 1 }[ref[1]],
        age,
      });
    }
  });

  it('not by a reference to a tempid (DataScript issue 464)', async () => {
    for (const [a, b] of [
      [-1, -2],
      ['A', 'B'],
    ]) {
      const tx = await withTx(db, [
        { 'db/id': a, name: 'Igor' },
        { 'db/id': b, name: 'Anna', ref: a },
      ]);
      expect(await pull(tx, 5)).toEqual({ 'db/id': 5, name: 'Igor' });
      expect(await pull(tx, 6)).toEqual({ 'db/id': 6, name: 'Anna', ref: 5 });
    }
  });
});

describe('redefining ids', () => {
  it('by upserting a tempid to the entity it already names', async () => {
    const db = await dbWith(emptyDbWith({ name: UNIQUE }), [{ 'db/id': -1, name: 'Ivan' }]);
    const tx = await withTx(db, [
      { 'db/id': -1, age: 35 },
      { 'db/id': -1, name: 'Ivan', age: 36 },
    ]);
    expect(await allDatoms(tx['db-after'])).toEqual(
      new Set([
        [1, ':age', 36],
        [1, ':name', 'Ivan'],
      ]),
    );
    expect(tx.tempids).toEqual({ '-1': 1, 'db/current-tx': TX0 + 2 });
  });

  it('conflicts when one tempid upserts to two entities', async () => {
    const db = await dbWith(emptyDbWith({ name: UNIQUE }), [
      { 'db/id': -1, name: 'Ivan' },
      { 'db/id': -2, name: 'Oleg' },
    ]);
    await rejects(
      withTx(db, [
        { 'db/id': -1, name: 'Ivan', age: 35 },
        { 'db/id': -1, name: 'Oleg', age: 36 },
      ]),
      'transact/upsert-conflict',
      /resolves to both entity 1 and entity 2/,
    );
    await rejects(
      withTx(db, [
        [':db/add', -1, ':name', 'Ivan'],
        [':db/add', -1, ':age', 35],
        [':db/add', -1, ':name', 'Oleg'],
        [':db/add', -1, ':age', 36],
      ]),
      'transact/upsert-conflict',
    );
  });
});

it('merges tempids that assert the same new identity, whatever the order (DataScript issue 285)', async () => {
  const db1 = await dbWith(emptyDbWith({ name: UNIQUE }), [
    [':db/add', -1, ':age', 42],
    [':db/add', -2, ':likes', 'Pizza'],
    [':db/add', -1, ':name', 'Bob'],
    [':db/add', -2, ':name', 'Bob'],
  ]);
  expect(await entityMap(db1, 1)).toEqual({ 'db/id': 1, name: 'Bob', likes: 'Pizza', age: 42 });
  const db2 = await dbWith(emptyDbWith({ name: UNIQUE }), [
    [':db/add', -1, ':age', 42],
    [':db/add', -2, ':likes', 'Pizza'],
    [':db/add', -2, ':name', 'Bob'],
    [':db/add', -1, ':name', 'Bob'],
  ]);
  // Datahike and DataScript number by the tempid that asserts the identity first.
  expect(await entityMap(db2, 2)).toEqual({ 'db/id': 2, name: 'Bob', likes: 'Pizza', age: 42 });
});

it('resolves a string tempid used as a reference (DataScript issue 403)', async () => {
  const db = await dbWith(emptyDbWith({ name: UNIQUE, ref: { 'db/valueType': ':db.type/ref' } }), [
    { name: 'Alice' },
  ]);
  const expected = new Set([
    [1, ':name', 'Alice'],
    [2, ':age', 36],
    [2, ':ref', 1],
  ]);
  for (const tx of [
    [
      { 'db/id': 'user', name: 'Alice' },
      { age: 36, ref: 'user' },
    ],
    [[':db/add', 'user', ':name', 'Alice'], { age: 36, ref: 'user' }],
    [
      { 'db/id': -1, name: 'Alice' },
      { age: 36, ref: -1 },
    ],
    [[':db/add', -1, ':name', 'Alice'], { age: 36, ref: -1 }],
  ])
    expect(await allDatoms(await dbWith(db, tx))).toEqual(expected);
});

it('resolves two tempids referenced before they upsert (DataScript issue 472)', async () => {
  const db = await dbWith(emptyDbWith({ name: UNIQUE, ref: { 'db/valueType': ':db.type/ref' } }), [
    { name: 'Alice' },
    { name: 'Bob' },
  ]);
  expect(
    await allDatoms(
      await dbWith(db, [
        { 'db/id': 3, ref: 'A' },
        { 'db/id': 4, ref: 'B' },
        { 'db/id': 'A', name: 'Alice' },
        { 'db/id': 'B', name: 'Bob' },
      ]),
    ),
  ).toEqual(
    new Set([
      [1, ':name', 'Alice'],
      [2, ':name', 'Bob'],
      [3, ':ref', 1],
      [4, ':ref', 2],
    ]),
  );
});

it('upserts list forms in any order', async () => {
  const db = await dbWith(emptyDbWith({ name: UNIQUE }), [{ 'db/id': -1, name: 'Ivan' }]);
  for (const tx of [
    [
      [':db/add', -1, ':name', 'Ivan'],
      [':db/add', -1, ':age', 12],
    ],
    [
      [':db/add', -1, ':age', 12],
      [':db/add', -1, ':name', 'Ivan'],
    ],
  ])
    expect(await allDatoms(await dbWith(db, tx))).toEqual(
      new Set([
        [1, ':age', 12],
        [1, ':name', 'Ivan'],
      ]),
    );
});

describe('history of upserts (Datahike)', () => {
  it('records a change and nothing for the same value', async () => {
    const conn = await setupConn({ 'schema-flexibility': ':write' });
    await d.transact(conn, [
      {
        'db/ident': ':name',
        'db/cardinality': ':db.cardinality/one',
        'db/index': true,
        'db/unique': ':db.unique/identity',
        'db/valueType': ':db.type/string',
      },
      {
        'db/ident': ':age',
        'db/cardinality': ':db.cardinality/one',
        'db/valueType': ':db.type/long',
      },
    ]);
    const count = async () =>
      (await d.datoms(await d.history(await d.db(conn)), ':eavt', [':name', 'Alice'], ':age'))
        .length;
    await d.transact(conn, [{ name: 'Alice', age: 25 }]);
    expect(await count()).toBe(1);
    await d.transact(conn, [{ 'db/id': [':name', 'Alice'], age: 25 }]);
    expect(await count()).toBe(1);
    await d.transact(conn, [{ 'db/id': [':name', 'Alice'], age: 26 }]);
    expect(await count()).toBe(3);
    await d.release(conn);
  });

  it('keeps counts right after a large transaction (Datahike)', async () => {
    const conn = await setupConn();
    await d.transact(conn, [
      {
        'db/ident': ':ent/id',
        'db/valueType': ':db.type/uuid',
        'db/cardinality': ':db.cardinality/one',
        'db/unique': ':db.unique/identity',
      },
      {
        'db/ident': ':ent/active?',
        'db/valueType': ':db.type/boolean',
        'db/cardinality': ':db.cardinality/one',
      },
      {
        'db/ident': ':meta/space-taker',
        'db/valueType': ':db.type/string',
        'db/cardinality': ':db.cardinality/one',
      },
    ]);
    const uuids = await Promise.all(Array.from({ length: 8 }, async () => await d.randomUuid()));
    await d.transact(
      conn,
      uuids.map((id) => ({ 'ent/id': id })),
    );
    await d.transact(
      conn,
      Array.from({ length: 1000 }, (_, i) => ({ 'meta/space-taker': `${i}`.padEnd(250, 'x') })),
    );
    const ids = async () =>
      ((await d.q('[:find [?e ...] :where [?e :ent/id]]', await d.db(conn))) as number[]).sort(
        (a, b) => a - b,
      );
    await d.transact(
      conn,
      (await ids()).map((e) => ({ 'db/id': e, 'ent/active?': true })),
    );
    await d.transact(
      conn,
      (await ids()).slice(0, 5).map((e) => [':db/add', e, ':ent/active?', false]),
    );
    expect(await d.q('[:find (count ?e) . :where [?e :ent/active? true]]', await d.db(conn))).toBe(
      3,
    );
    expect(
      await rows(d.q('[:find ?e :where [?e :ent/active? false]]', await d.db(conn))),
    ).toHaveProperty('size', 5);
    await d.release(conn);
  });
});
