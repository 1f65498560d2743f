/**
 * Ported from DataScript's test/datascript/test/lookup_refs.cljc and Datahike's
 * test/datahike/test/lookup_refs_test.cljc: the entity, transaction and index parts.
 * Lookup refs given to queries (`:in`, inline in patterns) are ported with the query
 * suites (test/upstream/query-*.test.ts).
 */

import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { dbWith, eav, emptyDbWith, entityMap, rejects } from './helpers.js';

const UNIQUE = { 'db/unique': ':db.unique/identity' };

describe('entities by lookup ref', async () => {
  const db = await dbWith(
    emptyDbWith({ name: UNIQUE, email: { 'db/unique': ':db.unique/value' } }),
    [
      { 'db/id': 1, name: 'Ivan', email: '@1', age: 35 },
      { 'db/id': 2, name: 'Petr', email: '@2', age: 22 },
    ],
  );
  const ivan = { 'db/id': 1, name: 'Ivan', email: '@1', age: 35 };

  it('find the entity with the value, or nothing', async () => {
    expect(await entityMap(db, [':name', 'Ivan'])).toEqual(ivan);
    expect(await entityMap(db, [':email', '@1'])).toEqual(ivan);
    expect(await entityMap(db, [':name', 'Sergey'])).toBeNull();
    expect(await entityMap(db, [':name', null])).toBeNull();
  });

  it('must have two elements and a unique attribute', async () => {
    await rejects(
      d.entity(db, [':name']),
      'lookup-ref/malformed',
      /Lookup ref should contain 2 elements: \[:name\]/,
    );
    await rejects(
      d.entity(db, [':name', 1, 2]),
      'lookup-ref/malformed',
      /should contain 2 elements: \[:name 1 2\]/,
    );
    await rejects(
      d.entity(db, [':age', 10]),
      'lookup-ref/not-unique',
      /\[:age 10\] uses :age, which is not :db\/unique/,
    );
  });
});

describe('lookup refs in transactions', async () => {
  const db = await dbWith(
    emptyDbWith({ name: UNIQUE, friend: { 'db/valueType': ':db.type/ref' } }),
    [
      { 'db/id': 1, name: 'Ivan' },
      { 'db/id': 2, name: 'Petr' },
    ],
  );
  const entityAfter = async (tx: unknown) => entityMap(await dbWith(db, tx), 1);
  const friendOf2 = { 'db/id': 1, name: 'Ivan', friend: { 'db/id': 2 } };

  it('name the entity of an assertion, in lists and maps, forward and reverse', async () => {
    expect(await entityAfter([[':db/add', [':name', 'Ivan'], ':age', 35]])).toEqual({
      'db/id': 1,
      name: 'Ivan',
      age: 35,
    });
    expect(await entityAfter([{ 'db/id': [':name', 'Ivan'], age: 35 }])).toEqual({
      'db/id': 1,
      name: 'Ivan',
      age: 35,
    });
    expect(await entityAfter([[':db/add', 1, ':friend', [':name', 'Petr']]])).toEqual(friendOf2);
    expect(await entityAfter([{ 'db/id': 1, friend: [':name', 'Petr'] }])).toEqual(friendOf2);
    expect(await entityAfter([{ 'db/id': 2, _friend: [':name', 'Ivan'] }])).toEqual(friendOf2);
  });

  it('are resolved against the database as the transaction has made it so far', async () => {
    expect(
      await entityAfter([
        [':db/add', 3, ':name', 'Oleg'],
        [':db/add', 1, ':friend', [':name', 'Oleg']],
      ]),
    ).toEqual({ 'db/id': 1, name: 'Ivan', friend: { 'db/id': 3 } });
  });

  it('work in :db/cas, as the entity, the old value and the new', async () => {
    expect(await entityAfter([[':db.fn/cas', [':name', 'Ivan'], ':name', 'Ivan', 'Oleg']])).toEqual(
      {
        'db/id': 1,
        name: 'Oleg',
      },
    );
    expect(
      await entityAfter([
        [':db/add', 1, ':friend', 1],
        [':db.fn/cas', 1, ':friend', [':name', 'Ivan'], 2],
      ]),
    ).toEqual(friendOf2);
    expect(
      await entityAfter([
        [':db/add', 1, ':friend', 1],
        [':db.fn/cas', 1, ':friend', 1, [':name', 'Petr']],
      ]),
    ).toEqual(friendOf2);
  });

  it('work in retractions', async () => {
    expect(
      await entityAfter([
        [':db/add', 1, ':age', 35],
        [':db/retract', [':name', 'Ivan'], ':age', 35],
      ]),
    ).toEqual({ 'db/id': 1, name: 'Ivan' });
    expect(
      await entityAfter([
        [':db/add', 1, ':friend', 2],
        [':db/retract', 1, ':friend', [':name', 'Petr']],
      ]),
    ).toEqual({ 'db/id': 1, name: 'Ivan' });
    expect(
      await entityAfter([
        [':db/add', 1, ':age', 35],
        [':db.fn/retractAttribute', [':name', 'Ivan'], ':age'],
      ]),
    ).toEqual({ 'db/id': 1, name: 'Ivan' });
    expect(await entityAfter([[':db.fn/retractEntity', [':name', 'Ivan']]])).toBeNull();
  });

  it('that find nothing are an error in assertions', async () => {
    await rejects(
      dbWith(db, [{ 'db/id': [':name', 'Oleg'], age: 10 }]),
      'lookup-ref/not-found',
      /\[:name "Oleg"\]/,
    );
    await rejects(
      dbWith(db, [[':db/add', [':name', 'Oleg'], ':age', 10]]),
      'lookup-ref/not-found',
      /\[:name "Oleg"\]/,
    );
  });
});

describe('lookup refs to many-valued references', async () => {
  const db = await dbWith(
    emptyDbWith({
      name: UNIQUE,
      friends: { 'db/valueType': ':db.type/ref', 'db/cardinality': ':db.cardinality/many' },
    }),
    [
      { 'db/id': 1, name: 'Ivan' },
      { 'db/id': 2, name: 'Petr' },
      { 'db/id': 3, name: 'Oleg' },
      { 'db/id': 4, name: 'Sergey' },
    ],
  );
  const friends = async (tx: unknown) => entityMap(await dbWith(db, tx), 1);
  const of = (...ids: number[]) => ({
    'db/id': 1,
    name: 'Ivan',
    friends: new Set(ids.map((i) => ({ 'db/id': i }))),
  });

  it('are one value or a collection of them', async () => {
    expect(await friends([[':db/add', 1, ':friends', [':name', 'Petr']]])).toEqual(of(2));
    expect(
      await friends([
        [':db/add', 1, ':friends', [':name', 'Petr']],
        [':db/add', 1, ':friends', [':name', 'Oleg']],
      ]),
    ).toEqual(of(2, 3));
    expect(await friends([{ 'db/id': 1, friends: [':name', 'Petr'] }])).toEqual(of(2));
    expect(await friends([{ 'db/id': 1, friends: [[':name', 'Petr']] }])).toEqual(of(2));
    expect(
      await friends([
        {
          'db/id': 1,
          friends: [
            [':name', 'Petr'],
            [':name', 'Oleg'],
          ],
        },
      ]),
    ).toEqual(of(2, 3));
    expect(await friends([{ 'db/id': 1, friends: [2, [':name', 'Oleg']] }])).toEqual(of(2, 3));
    expect(await friends([{ 'db/id': 1, friends: [[':name', 'Petr'], 3] }])).toEqual(of(2, 3));
  });

  it('work backwards', async () => {
    expect(await friends([{ 'db/id': 2, _friends: [':name', 'Ivan'] }])).toEqual(of(2));
    expect(await friends([{ 'db/id': 2, _friends: [[':name', 'Ivan']] }])).toEqual(of(2));
    expect(
      await friends([
        {
          'db/id': 2,
          _friends: [
            [':name', 'Ivan'],
            [':name', 'Oleg'],
          ],
        },
      ]),
    ).toEqual(of(2));
  });
});

describe('lookup refs in index access', async () => {
  const db = await dbWith(
    emptyDbWith({
      name: UNIQUE,
      friends: { 'db/valueType': ':db.type/ref', 'db/cardinality': ':db.cardinality/many' },
    }),
    [
      { 'db/id': 1, name: 'Ivan', friends: [2, 3] },
      { 'db/id': 2, name: 'Petr', friends: 3 },
      { 'db/id': 3, name: 'Oleg' },
    ],
  );

  it('name entities and reference values in datoms', async () => {
    for (const [index, components, expected] of [
      [
        ':eavt',
        [[':name', 'Ivan']],
        [
          [1, ':friends', 2],
          [1, ':friends', 3],
          [1, ':name', 'Ivan'],
        ],
      ],
      [
        ':eavt',
        [[':name', 'Ivan'], ':friends'],
        [
          [1, ':friends', 2],
          [1, ':friends', 3],
        ],
      ],
      [':eavt', [[':name', 'Ivan'], ':friends', [':name', 'Petr']], [[1, ':friends', 2]]],
      [
        ':aevt',
        [':friends', [':name', 'Ivan']],
        [
          [1, ':friends', 2],
          [1, ':friends', 3],
        ],
      ],
      [':aevt', [':friends', [':name', 'Ivan'], [':name', 'Petr']], [[1, ':friends', 2]]],
      [
        ':avet',
        [':friends', [':name', 'Oleg']],
        [
          [1, ':friends', 3],
          [2, ':friends', 3],
        ],
      ],
      [':avet', [':friends', [':name', 'Oleg'], [':name', 'Ivan']], [[1, ':friends', 3]]],
    ] as const)
      expect(eav(await d.datoms(db, index, ...components)), JSON.stringify(components)).toEqual(
        expected,
      );
  });

  it('seek the same datoms as the ids they name', async () => {
    for (const [index, refs, ids] of [
      [':eavt', [[':name', 'Ivan']], [1]],
      [':eavt', [[':name', 'Ivan'], ':name'], [1, ':name']],
      [':eavt', [[':name', 'Ivan'], ':friends', [':name', 'Oleg']], [1, ':friends', 3]],
      [':aevt', [':friends', [':name', 'Petr']], [':friends', 2]],
      [':aevt', [':friends', [':name', 'Ivan'], [':name', 'Oleg']], [':friends', 1, 3]],
      [':avet', [':friends', [':name', 'Oleg']], [':friends', 3]],
      [':avet', [':friends', [':name', 'Oleg'], [':name', 'Petr']], [':friends', 3, 2]],
    ] as const)
      expect(await d.seekDatoms(db, index, ...refs)).toEqual(await d.seekDatoms(db, index, ...ids));
  });

  it('bound index ranges of references', async () => {
    for (const [start, end, expected] of [
      [
        [':name', 'Oleg'],
        [':name', 'Oleg'],
        [
          [1, ':friends', 3],
          [2, ':friends', 3],
        ],
      ],
      [[':name', 'Petr'], [':name', 'Petr'], [[1, ':friends', 2]]],
      [
        [':name', 'Petr'],
        [':name', 'Oleg'],
        [
          [1, ':friends', 2],
          [1, ':friends', 3],
          [2, ':friends', 3],
        ],
      ],
    ] as const) {
      expect(eav(await d.indexRange(db, ':friends', start, end))).toEqual(expected);
      expect(eav(await d.indexRange(db, { attrid: ':friends', start, end }))).toEqual(expected);
    }
  });

  it('that find nothing are an error, not an empty answer', async () => {
    await rejects(d.datoms(db, ':eavt', [':name', 'Nobody']), 'lookup-ref/not-found');
    await rejects(d.datoms(db, ':avet', ':friends', [':name', 'Nobody']), 'lookup-ref/not-found');
    await rejects(d.seekDatoms(db, ':eavt', ':no-such-ident'), 'entity-id/unknown-ident');
  });
});
