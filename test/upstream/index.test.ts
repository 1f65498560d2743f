/**
 * Ported from DataScript's test/datascript/test/index.cljc and Datahike's
 * test/datahike/test/index_test.cljc: `datoms`, `seekDatoms`, `rseekDatoms` and
 * `indexRange` (Datahike's map form and DataScript's positional one). Not ported:
 * DataScript's `find-datom` (not in Datahike's API; `datoms(...)[0]` is it) and
 * Datahike's tests of its index internals (slices, replace comparators).
 */

import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { dbWith, eav, emptyDbWith, rejects, setupConn } from './helpers.js';

const PEOPLE = [
  [':db/add', 1, ':name', 'Petr'],
  [':db/add', 1, ':age', 44],
  [':db/add', 2, ':name', 'Ivan'],
  [':db/add', 2, ':age', 25],
  [':db/add', 3, ':name', 'Sergey'],
  [':db/add', 3, ':age', 11],
];

const user = (x: d.DatomObject[]) => eav(x).filter(([, a]) => a !== ':db/txInstant');

describe('datoms', async () => {
  const db = await dbWith(emptyDbWith({ age: { 'db/index': true } }), PEOPLE);

  it('come in index order, AVET holding only indexed attributes', async () => {
    expect(user(await d.datoms(db, ':aevt'))).toEqual([
      [1, ':age', 44],
      [2, ':age', 25],
      [3, ':age', 11],
      [1, ':name', 'Petr'],
      [2, ':name', 'Ivan'],
      [3, ':name', 'Sergey'],
    ]);
    expect(user(await d.datoms(db, ':eavt'))).toEqual([
      [1, ':age', 44],
      [1, ':name', 'Petr'],
      [2, ':age', 25],
      [2, ':name', 'Ivan'],
      [3, ':age', 11],
      [3, ':name', 'Sergey'],
    ]);
    expect(user(await d.datoms(db, ':avet'))).toEqual([
      [3, ':age', 11],
      [2, ':age', 25],
      [1, ':age', 44],
    ]);
  });

  it('match leading components, given as arguments or as a map', async () => {
    expect(eav(await d.datoms(db, ':eavt', 1))).toEqual([
      [1, ':age', 44],
      [1, ':name', 'Petr'],
    ]);
    expect(eav(await d.datoms(db, ':eavt', 1, ':age'))).toEqual([[1, ':age', 44]]);
    expect(eav(await d.datoms(db, ':avet', ':age'))).toEqual([
      [3, ':age', 11],
      [2, ':age', 25],
      [1, ':age', 44],
    ]);
    expect(eav(await d.datoms(db, { index: ':eavt', components: [1, ':age'] }))).toEqual([
      [1, ':age', 44],
    ]);
  });

  it('of AVET need an indexed attribute', async () => {
    await d.datoms(db, ':avet');
    for (const components of [[':name'], [':alias'], [':name', 'Ivan'], [':name', 'Ivan', 1]])
      await rejects(
        d.datoms(db, ':avet', ...components),
        'index-range/not-indexed',
        /should be marked as :db\/index true/,
      );
  });

  it('check their components', async () => {
    await rejects(
      d.datoms(db, ':eavt', 1, 'name'),
      'api/invalid-argument',
      /attribute component must be a keyword/,
    );
    await rejects(d.datoms(db, ':eavt', 'Ivan'), 'entity-id/invalid');
    await rejects(
      d.datoms(db, ':eavt', 1, ':age', 44, 'tx'),
      'api/invalid-argument',
      /transaction component/,
    );
    await rejects(
      d.datoms(db, ':eavt', 1, ':age', 44, 536870913, 5),
      'api/invalid-argument',
      /up to 4 components/,
    );
    await rejects(
      d.datoms(db, ':eavt', 285873023227265),
      'entity-id/invalid',
      /Highest supported entity id/,
    );
  });

  it('compare vector values element by element (DataScript issue 470)', async () => {
    const pdb = await dbWith(emptyDbWith({ path: { 'db/index': true } }), [
      { 'db/id': 1, path: [1, 2] },
      { 'db/id': 2, path: [1, 2, 3] },
    ]);
    for (const [value, expected] of [
      [[1], []],
      [[1, 1], []],
      [[1, 2], [1]],
      [[1, 3], []],
      [[1, 2, 2], []],
      [[1, 2, 3], [2]],
      [[1, 2, 4], []],
      [[1, 2, 3, 4], []],
    ] as const)
      expect(
        (await d.datoms(pdb, ':avet', ':path', value)).map((x) => x.e),
        JSON.stringify(value),
      ).toEqual(expected);
  });
});

describe('seekDatoms and rseekDatoms', async () => {
  const db = await dbWith(
    emptyDbWith({ name: { 'db/index': true }, age: { 'db/index': true } }),
    PEOPLE,
  );

  it('run to the end of the index from the components on', async () => {
    expect(eav(await d.seekDatoms(db, ':avet', ':age', 10))).toEqual([
      [3, ':age', 11],
      [2, ':age', 25],
      [1, ':age', 44],
      [2, ':name', 'Ivan'],
      [1, ':name', 'Petr'],
      [3, ':name', 'Sergey'],
    ]);
    expect(eav(await d.seekDatoms(db, ':avet', ':name', 'P'))).toEqual([
      [1, ':name', 'Petr'],
      [3, ':name', 'Sergey'],
    ]);
    expect(eav(await d.seekDatoms(db, ':avet', ':name', 'Petr'))).toEqual([
      [1, ':name', 'Petr'],
      [3, ':name', 'Sergey'],
    ]);
  });

  it('run back to the start of the index', async () => {
    expect(eav(await d.rseekDatoms(db, ':avet', ':name', 'Petr'))).toEqual([
      [1, ':name', 'Petr'],
      [2, ':name', 'Ivan'],
      [1, ':age', 44],
      [2, ':age', 25],
      [3, ':age', 11],
    ]);
    expect(eav(await d.rseekDatoms(db, ':avet', ':age', 26))).toEqual([
      [2, ':age', 25],
      [3, ':age', 11],
    ]);
    expect(eav(await d.rseekDatoms(db, ':avet', ':age', 25))).toEqual([
      [2, ':age', 25],
      [3, ':age', 11],
    ]);
    // With only the attribute, from its last datom (Datahike).
    expect(eav((await d.rseekDatoms(db, ':avet', ':age')).slice(0, 2))).toEqual([
      [1, ':age', 44],
      [2, ':age', 25],
    ]);
  });

  it('need an indexed attribute in AVET', async () => {
    await rejects(d.seekDatoms(db, ':avet', ':alias'), 'index-range/not-indexed');
    await rejects(d.rseekDatoms(db, ':avet', ':alias'), 'index-range/not-indexed');
  });

  it("of a history are each other's reverse (Datahike)", async () => {
    const conn = await setupConn({ 'schema-flexibility': ':write' });
    await d.transact(conn, [
      {
        'db/ident': ':name',
        'db/valueType': ':db.type/string',
        'db/cardinality': ':db.cardinality/one',
      },
      {
        'db/ident': ':age',
        'db/valueType': ':db.type/long',
        'db/cardinality': ':db.cardinality/one',
        'db/index': true,
      },
    ]);
    await d.transact(conn, [
      { 'db/id': 10, name: 'Petr', age: 44 },
      { 'db/id': 20, name: 'Ivan', age: 25 },
    ]);
    await d.transact(conn, [{ 'db/id': 10, age: 45 }]);
    await d.transact(conn, [{ 'db/id': 20, age: 26 }]);
    await d.transact(conn, [{ 'db/id': 10, age: 46 }]);
    const hist = await d.history(await d.db(conn));
    const row = (x: d.DatomObject) => [x.e, x.a, x.v, x.tx, x.added];
    for (const index of [':eavt', ':aevt', ':avet']) {
      const fwd = (await d.seekDatoms(hist, index)).map(row);
      expect((await d.rseekDatoms(hist, index)).map(row), index).toEqual(fwd.reverse());
    }
    expect((await d.rseekDatoms(hist, ':eavt')).some((x) => !x.added)).toBe(true);
    await d.release(conn);
  });
});

describe('indexRange', async () => {
  const db = await dbWith(emptyDbWith({ name: { 'db/index': true }, age: { 'db/index': true } }), [
    { 'db/id': 1, name: 'Ivan', age: 15 },
    { 'db/id': 2, name: 'Oleg', age: 20 },
    { 'db/id': 3, name: 'Sergey', age: 7 },
    { 'db/id': 4, name: 'Pavel', age: 45 },
    { 'db/id': 5, name: 'Petr', age: 20 },
  ]);
  const cases: [string, unknown, unknown, unknown[][]][] = [
    [':name', 'Pe', 'S', [[5, ':name', 'Petr']]],
    [
      ':name',
      'O',
      'Sergey',
      [
        [2, ':name', 'Oleg'],
        [4, ':name', 'Pavel'],
        [5, ':name', 'Petr'],
        [3, ':name', 'Sergey'],
      ],
    ],
    [
      ':name',
      null,
      'P',
      [
        [1, ':name', 'Ivan'],
        [2, ':name', 'Oleg'],
      ],
    ],
    [':name', 'R', null, [[3, ':name', 'Sergey']]],
    [
      ':name',
      null,
      null,
      [
        [1, ':name', 'Ivan'],
        [2, ':name', 'Oleg'],
        [4, ':name', 'Pavel'],
        [5, ':name', 'Petr'],
        [3, ':name', 'Sergey'],
      ],
    ],
    [
      ':age',
      15,
      20,
      [
        [1, ':age', 15],
        [2, ':age', 20],
        [5, ':age', 20],
      ],
    ],
    [
      ':age',
      7,
      45,
      [
        [3, ':age', 7],
        [1, ':age', 15],
        [2, ':age', 20],
        [5, ':age', 20],
        [4, ':age', 45],
      ],
    ],
    [
      ':age',
      0,
      100,
      [
        [3, ':age', 7],
        [1, ':age', 15],
        [2, ':age', 20],
        [5, ':age', 20],
        [4, ':age', 45],
      ],
    ],
  ];

  it('takes attribute, start and end (DataScript)', async () => {
    for (const [attr, start, end, expected] of cases)
      expect(eav(await d.indexRange(db, attr, start, end)), `${attr} ${start} ${end}`).toEqual(
        expected,
      );
  });

  it('takes {attrid, start, end} (Datahike)', async () => {
    for (const [attrid, start, end, expected] of cases)
      expect(
        eav(await d.indexRange(db, { attrid, start, end })),
        `${attrid} ${start} ${end}`,
      ).toEqual(expected);
  });

  it('needs an indexed attribute', async () => {
    await rejects(
      d.indexRange(db, ':alias', 'e', 'u'),
      'index-range/not-indexed',
      /should be marked as :db\/index true/,
    );
    await rejects(
      (d.indexRange as (...a: unknown[]) => Promise<unknown>)(db, ':age', 1),
      'api/invalid-argument',
    );
  });
});
