/**
 * Ported from DataScript's test/datascript/test/explode.cljc and Datahike's
 * test/datahike/test/explode_test.cljc: entity maps with collections of values, nested
 * maps and reverse attributes become datoms. Entity ids follow Datahike: the outer map's
 * tempid is allocated before a nested one's (DataScript allocates the nested one first).
 */

import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { allDatoms, dbWith, dbWithAll, emptyDbWith, rejects, rows, setupConn } from './helpers.js';

describe('collections of values', () => {
  for (const [label, coll] of [
    ['vector', ['Devil', 'Tupen']],
    ['set', new Set(['Devil', 'Tupen'])],
  ] as const) {
    it(`assert each value of a ${label}`, async () => {
      const conn = await setupConn({
        'initial-tx': [
          {
            'db/ident': ':aka',
            'db/valueType': ':db.type/string',
            'db/cardinality': ':db.cardinality/many',
          },
          {
            'db/ident': ':also',
            'db/valueType': ':db.type/string',
            'db/cardinality': ':db.cardinality/many',
          },
        ],
      });
      await d.transact(conn, {
        'tx-data': [{ 'db/id': -1, name: 'Ivan', age: 16, aka: coll, also: 'ok' }],
      });
      const db = await d.db(conn);
      // The schema entities are 1 and 2, so the first new entity is 3.
      expect(await rows(d.q('[:find ?n ?a :where [3 :name ?n] [3 :age ?a]]', db))).toEqual(
        new Set([['Ivan', 16]]),
      );
      expect(await rows(d.q('[:find ?v :where [3 :also ?v]]', db))).toEqual(new Set([['ok']]));
      expect(await rows(d.q('[:find ?v :where [3 :aka ?v]]', db))).toEqual(
        new Set([['Devil'], ['Tupen']]),
      );
      await d.release(conn);
    });
  }

  it('assert each value of an EDN list or set', async () => {
    for (const coll of ['("Devil" "Tupen")', '#{"Devil" "Tupen"}']) {
      const db = await dbWith(
        emptyDbWith({ aka: { 'db/cardinality': ':db.cardinality/many' } }),
        `[{:db/id -1 :name "Ivan" :aka ${coll}}]`,
      );
      expect(await rows(d.q('[:find ?v :where [1 :aka ?v]]', db))).toEqual(
        new Set([['Devil'], ['Tupen']]),
      );
    }
  });
});

describe('references', () => {
  const db0 = emptyDbWith({
    children: { 'db/valueType': ':db.type/ref', 'db/cardinality': ':db.cardinality/many' },
  });
  const names = '[:find ?n :where [_ :children ?e] [?e :name ?n]]';

  it('to tempids in a collection', async () => {
    for (const children of ['[-2 -3]', '#{-2 -3}', '(-2 -3)']) {
      const db = await dbWith(
        db0,
        `[{:db/id -1, :name "Ivan", :children ${children}} {:db/id -2, :name "Petr"} {:db/id -3, :name "Evgeny"}]`,
      );
      expect(await rows(d.q(names, db))).toEqual(new Set([['Petr'], ['Evgeny']]));
    }
  });

  it('given backwards', async () => {
    const db = await dbWith(db0, [
      { 'db/id': -1, name: 'Ivan' },
      { 'db/id': -2, name: 'Petr', _children: -1 },
      { 'db/id': -3, name: 'Evgeny', _children: -1 },
    ]);
    expect(await rows(d.q(names, db))).toEqual(new Set([['Petr'], ['Evgeny']]));
  });

  it('backwards need a reference attribute', async () => {
    await rejects(
      dbWith(emptyDbWith({ parent: { 'db/cardinality': ':db.cardinality/one' } }), [
        { name: 'Sergey', _parent: 1 },
      ]),
      'transact/syntax',
      /Reverse attribute :_parent needs :parent to be a reference/,
    );
  });
});

const everything = '[:find ?e ?a ?v :where [?e ?a ?v] [(not= ?a :db/txInstant)]]';

describe('nested maps', () => {
  const cases = (many: boolean) => {
    const schema = {
      profile: many
        ? { 'db/valueType': ':db.type/ref', 'db/cardinality': ':db.cardinality/many' }
        : { 'db/valueType': ':db.type/ref' },
    };
    return async (tx: unknown, expected: unknown[][]) =>
      expect(await rows(d.q(everything, await dbWith(emptyDbWith(schema), tx)))).toEqual(
        new Set(expected),
      );
  };

  it('become entities of their own', async () => {
    const check = cases(false);
    await check(
      [{ 'db/id': 5, name: 'Ivan', profile: { 'db/id': 7, email: '@2' } }],
      [
        [5, ':name', 'Ivan'],
        [5, ':profile', 7],
        [7, ':email', '@2'],
      ],
    );
    await check(
      [{ name: 'Ivan', profile: { email: '@2' } }],
      [
        [1, ':name', 'Ivan'],
        [1, ':profile', 2],
        [2, ':email', '@2'],
      ],
    );
    // DataScript issue 59; DataScript numbers the nested map first.
    await check(
      [{ profile: { email: '@2' } }],
      [
        [1, ':profile', 2],
        [2, ':email', '@2'],
      ],
    );
    await check(
      [{ email: '@2', _profile: { name: 'Ivan' } }],
      [
        [1, ':email', '@2'],
        [2, ':name', 'Ivan'],
        [2, ':profile', 1],
      ],
    );
  });

  it('of many-valued attributes, one or several', async () => {
    const check = cases(true);
    await check(
      [{ 'db/id': 5, name: 'Ivan', profile: { 'db/id': 7, email: '@2' } }],
      [
        [5, ':name', 'Ivan'],
        [5, ':profile', 7],
        [7, ':email', '@2'],
      ],
    );
    await check(
      [
        {
          'db/id': 5,
          name: 'Ivan',
          profile: [
            { 'db/id': 7, email: '@2' },
            { 'db/id': 8, email: '@3' },
          ],
        },
      ],
      [
        [5, ':name', 'Ivan'],
        [5, ':profile', 7],
        [7, ':email', '@2'],
        [5, ':profile', 8],
        [8, ':email', '@3'],
      ],
    );
    await check(
      [{ name: 'Ivan', profile: { email: '@2' } }],
      [
        [1, ':name', 'Ivan'],
        [1, ':profile', 2],
        [2, ':email', '@2'],
      ],
    );
    await check(
      [{ name: 'Ivan', profile: [{ email: '@2' }, { email: '@3' }] }],
      [
        [1, ':name', 'Ivan'],
        [1, ':profile', 2],
        [2, ':email', '@2'],
        [1, ':profile', 3],
        [3, ':email', '@3'],
      ],
    );
    // DataScript issue 467: a set of maps.
    await check('[{:name "Ivan" :profile #{{:email "@2"}}}]', [
      [1, ':name', 'Ivan'],
      [1, ':profile', 2],
      [2, ':email', '@2'],
    ]);
    await check('[{:name "Ivan" :profile ({:email "@2"} {:email "@3"})}]', [
      [1, ':name', 'Ivan'],
      [1, ':profile', 2],
      [2, ':email', '@2'],
      [1, ':profile', 3],
      [3, ':email', '@3'],
    ]);
    await check(
      [{ email: '@2', _profile: { name: 'Ivan' } }],
      [
        [1, ':email', '@2'],
        [2, ':name', 'Ivan'],
        [2, ':profile', 1],
      ],
    );
    await check(
      [{ email: '@2', _profile: [{ name: 'Ivan' }, { name: 'Petr' }] }],
      [
        [1, ':email', '@2'],
        [2, ':name', 'Ivan'],
        [2, ':profile', 1],
        [3, ':name', 'Petr'],
        [3, ':profile', 1],
      ],
    );
  });
});

describe('nested maps under an existing entity', () => {
  for (const [label, comp] of [
    [
      'many components',
      {
        'db/valueType': ':db.type/ref',
        'db/cardinality': ':db.cardinality/many',
        'db/isComponent': true,
      },
    ],
    [
      'many references',
      { 'db/valueType': ':db.type/ref', 'db/cardinality': ':db.cardinality/many' },
    ],
    ['one component', { 'db/valueType': ':db.type/ref', 'db/isComponent': true }],
    ['one reference', { 'db/valueType': ':db.type/ref' }],
  ] as const) {
    it(`get a fresh id (${label})`, async () => {
      const many = 'db/cardinality' in comp;
      const db = await dbWithAll(
        emptyDbWith({ comp }),
        [{ 'db/id': -1, name: 'Name' }],
        [{ 'db/id': 1, comp: many ? [{ name: 'C' }] : { name: 'C' } }],
      );
      expect(await allDatoms(db)).toEqual(
        new Set([
          [1, ':comp', 2],
          [1, ':name', 'Name'],
          [2, ':name', 'C'],
        ]),
      );
    });
  }
});
