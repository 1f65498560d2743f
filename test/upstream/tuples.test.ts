/**
 * Ported from DataScript's test/datascript/test/tuples.cljc and Datahike's
 * test/datahike/test/tuples_test.cljc: composite tuples (`:db/tupleAttrs`, kept up to
 * date from their attributes), heterogeneous (`:db/tupleTypes`) and homogeneous
 * (`:db/tupleType`) tuples.
 */

import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { allDatoms, dbWith, emptyDbWith, rejects, rows, setupConn, TX0 } from './helpers.js';

const A_B = { 'a+b': { 'db/tupleAttrs': [':a', ':b'] } };
const UNIQUE_A_B = { 'a+b': { 'db/tupleAttrs': [':a', ':b'], 'db/unique': ':db.unique/identity' } };

async function conn(schema: Record<string, Record<string, unknown>>) {
  const c = await setupConn({ 'keep-history?': false });
  await d.transact(
    c,
    Object.entries(schema).map(([ident, props]) => ({ 'db/ident': `:${ident}`, ...props })),
  );
  return c;
}

/** Every datom of entities below the schema's (whose ids here start after it). */
async function data(c: d.LocalConnection, from: number): Promise<Set<unknown[]>> {
  const all = await allDatoms(await d.db(c));
  return new Set([...all].filter(([e]) => (e as number) >= from && (e as number) < TX0));
}

describe('schema', () => {
  it('accepts composite, heterogeneous and homogeneous tuples', async () => {
    const db = emptyDbWith({
      'year+session': { 'db/tupleAttrs': [':year', ':session'] },
      'semester+course+student': { 'db/tupleAttrs': [':semester', ':course', ':student'] },
      'session+student': {
        'db/tupleAttrs': [':session', ':student'],
        'db/valueType': ':db.type/tuple',
      },
      'player/location': {
        'db/valueType': ':db.type/tuple',
        'db/tupleTypes': [':db.type/long', ':db.type/long'],
      },
      tags: { 'db/valueType': ':db.type/tuple', 'db/tupleType': ':db.type/keyword' },
    });
    expect(new Set((await d.reverseSchema(db))['db.type/tuple'])).toEqual(
      new Set([
        ':year+session',
        ':semester+course+student',
        ':session+student',
        ':player/location',
        ':tags',
      ]),
    );
  });

  it('refuses composites of composites, of many-valued attributes, and bad shapes', () => {
    expect(() =>
      emptyDbWith({
        t1: { 'db/tupleAttrs': [':a', ':b'] },
        t2: { 'db/tupleAttrs': [':c', ':d', ':e', ':t1'] },
      }),
    ).toThrow(/:t2 :db\/tupleAttrs cannot depend on another tuple attribute: :t1/);
    expect(() => emptyDbWith({ t1: { 'db/tupleAttrs': ':a' } })).toThrow(
      /:db\/tupleAttrs must list 2 to 8 attributes/,
    );
    expect(() => emptyDbWith({ t1: { 'db/tupleAttrs': [] } })).toThrow(
      /:db\/tupleAttrs must list 2 to 8 attributes/,
    );
    expect(() =>
      emptyDbWith({
        t1: { 'db/tupleAttrs': [':a', ':b', ':c'], 'db/cardinality': ':db.cardinality/many' },
      }),
    ).toThrow(/has :db\/tupleAttrs, so it must be :db.cardinality\/one/);
    expect(() =>
      emptyDbWith({
        a: { 'db/cardinality': ':db.cardinality/many' },
        t1: { 'db/tupleAttrs': [':a', ':b', ':c'] },
      }),
    ).toThrow(/cannot depend on the :db.cardinality\/many attribute :a/);
    expect(() => emptyDbWith({ 'foo+bar': { 'db/valueType': ':db.type/tuple' } })).toThrow(
      /needs exactly one of :db\/tupleAttrs, :db\/tupleTypes or :db\/tupleType/,
    );
  });

  it('are checked when transacted, whatever the order of the keys (Datahike issue 754)', async () => {
    const c = await setupConn({ 'schema-flexibility': ':write' });
    await d.transact(
      c,
      [':reg/course', ':reg/semester', ':reg/student'].map((ident) => ({
        'db/ident': ident,
        'db/valueType': ':db.type/string',
        'db/cardinality': ':db.cardinality/one',
      })),
    );
    await d.transact(c, [
      {
        'db/valueType': ':db.type/tuple',
        'db/tupleAttrs': [':reg/course', ':reg/semester', ':reg/student'],
        'db/cardinality': ':db.cardinality/one',
        'db/ident': ':reg/semester+course+student',
      },
    ]);
    await d.transact(c, [
      {
        'reg/course': 'BIO-101',
        'reg/semester': '2018-fall',
        'reg/student': 'johndoe@university.edu',
      },
    ]);
    expect(
      await d.q('[:find ?t . :where [_ :reg/semester+course+student ?t]]', await d.db(c)),
    ).toEqual(['BIO-101', '2018-fall', 'johndoe@university.edu']);
    await rejects(
      d.transact(c, [
        {
          'db/ident': ':bad',
          'db/valueType': ':db.type/tuple',
          'db/tupleAttrs': [':reg/course', ':reg/semester+course+student'],
          'db/cardinality': ':db.cardinality/one',
        },
      ]),
      'schema/invalid',
      /cannot depend on another tuple attribute/,
    );
    await d.release(c);
  });
});

describe('tuple values (Datahike)', () => {
  it('of one type hold up to 8 values of it', async () => {
    const c = await setupConn({ 'schema-flexibility': ':write' });
    await d.transact(c, [
      {
        'db/ident': ':prices',
        'db/valueType': ':db.type/tuple',
        'db/tupleType': ':db.type/number',
        'db/cardinality': ':db.cardinality/one',
      },
    ]);
    await d.transact(c, [{ prices: [1, 2, 3, 4, 5, 6, 7, 8] }]);
    // :db.type/number takes fractions too
    await d.transact(c, [{ prices: [1.5, 2.5, 3] }]);
    await rejects(
      d.transact(c, [{ prices: [1, 2, 3, 4, 5, 6, 'fdsfdsf'] }]),
      'transact/wrong-type',
    );
    await rejects(d.transact(c, [{ prices: ['a', 'b', 'fdsfdsf'] }]), 'transact/wrong-type');
    await rejects(
      d.transact(c, [{ prices: [1, 2, 3, 4, 5, 6, 7, 8, 9] }]),
      'transact/wrong-type',
      /at most 8/,
    );
    await d.transact(c, [[':db/add', 100, ':prices', [100, 200, 300]]]);
    expect(await rows(d.q('[:find ?v :where [100 :prices ?v]]', await d.db(c)))).toEqual(
      new Set([[[100, 200, 300]]]),
    );
    await d.release(c);
  });

  it('of given types hold a value of each', async () => {
    const c = await setupConn({ 'schema-flexibility': ':write' });
    await d.transact(c, [
      {
        'db/ident': ':coord',
        'db/valueType': ':db.type/tuple',
        'db/tupleTypes': [':db.type/long', ':db.type/keyword'],
        'db/cardinality': ':db.cardinality/one',
      },
    ]);
    await d.transact(c, [{ coord: [100, ':coord/west'] }]);
    await rejects(
      d.transact(c, [{ coord: [100, ':coord/west', 9] }]),
      'transact/wrong-type',
      /a tuple of 2 elements/,
    );
    await rejects(d.transact(c, [{ coord: [100, 9] }]), 'transact/wrong-type');
    await d.transact(c, [[':db/add', 100, ':coord', [100, ':coord/west']]]);
    expect(await rows(d.q('[:find ?v :where [_ :coord ?v]]', await d.db(c)))).toEqual(
      new Set([[[100, ':coord/west']]]),
    );
    await d.release(c);
  });

  it('go with retractEntity and can be retracted by value', async () => {
    const c = await setupConn({ 'schema-flexibility': ':write' });
    await d.transact(c, [
      {
        'db/ident': ':taglist',
        'db/valueType': ':db.type/tuple',
        'db/tupleType': ':db.type/string',
        'db/cardinality': ':db.cardinality/one',
      },
      {
        'db/ident': ':expense/id',
        'db/valueType': ':db.type/string',
        'db/unique': ':db.unique/identity',
        'db/cardinality': ':db.cardinality/one',
      },
      {
        'db/ident': ':driver/live-location',
        'db/valueType': ':db.type/tuple',
        'db/tupleTypes': [':db.type/instant', ':db.type/float', ':db.type/float'],
        'db/cardinality': ':db.cardinality/one',
      },
      {
        'db/ident': ':coords',
        'db/valueType': ':db.type/tuple',
        'db/tupleTypes': [':db.type/float', ':db.type/float', ':db.type/float'],
        'db/cardinality': ':db.cardinality/one',
      },
    ]);
    await d.transact(c, [
      { 'expense/id': 'exp-123', taglist: ['', 'tag139878778372080000', 'tag139879675144920000'] },
    ]);
    await d.transact(c, [[':db.fn/retractEntity', [':expense/id', 'exp-123']]]);
    expect(await rows(d.q('[:find ?v :where [_ :taglist ?v]]', await d.db(c)))).toEqual(new Set());
    const at = new Date('2025-12-15T05:39:53.898Z');
    await d.transact(c, [{ 'db/id': 7, 'driver/live-location': [at, 15.6683, 73.7185] }]);
    expect(
      await rows(d.q('[:find ?v :where [_ :driver/live-location ?v]]', await d.db(c))),
    ).toEqual(new Set([[[at, 15.6683, 73.7185]]]));
    await d.transact(c, [[':db.fn/retractEntity', 7]]);
    expect(
      await rows(d.q('[:find ?v :where [_ :driver/live-location ?v]]', await d.db(c))),
    ).toEqual(new Set());
    await d.transact(c, [[':db/add', 100, ':coords', [1.0, 2.0, 3.0]]]);
    await d.transact(c, [[':db/retract', 100, ':coords', [1.0, 2.0, 3.0]]]);
    expect(await rows(d.q('[:find ?v :where [100 :coords ?v]]', await d.db(c)))).toEqual(new Set());
    await d.release(c);
  });
});

describe('composite tuples', () => {
  it('follow their attributes, transaction by transaction', async () => {
    const c = await conn({
      ...Object.fromEntries(
        [':a', ':b', ':c', ':d'].map((a) => [
          a.slice(1),
          { 'db/valueType': ':db.type/string', 'db/cardinality': ':db.cardinality/one' },
        ]),
      ),
      'a+b': {
        'db/valueType': ':db.type/tuple',
        'db/tupleAttrs': [':a', ':b'],
        'db/cardinality': ':db.cardinality/one',
      },
      'a+c+d': {
        'db/valueType': ':db.type/tuple',
        'db/tupleAttrs': [':a', ':c', ':d'],
        'db/cardinality': ':db.cardinality/one',
      },
    });
    const e = 100;
    const step = async (tx: unknown[], expected: unknown[][]) => {
      await d.transact(c, tx);
      expect(await data(c, e)).toEqual(new Set(expected.map((x) => [e, ...x])));
    };
    await step(
      [[':db/add', e, ':a', 'a']],
      [
        [':a', 'a'],
        [':a+b', ['a', null]],
        [':a+c+d', ['a', null, null]],
      ],
    );
    await step(
      [[':db/add', e, ':b', 'b']],
      [
        [':a', 'a'],
        [':b', 'b'],
        [':a+b', ['a', 'b']],
        [':a+c+d', ['a', null, null]],
      ],
    );
    await step(
      [[':db/add', e, ':a', 'A']],
      [
        [':a', 'A'],
        [':b', 'b'],
        [':a+b', ['A', 'b']],
        [':a+c+d', ['A', null, null]],
      ],
    );
    await step(
      [
        [':db/add', e, ':c', 'c'],
        [':db/add', e, ':d', 'd'],
      ],
      [
        [':a', 'A'],
        [':b', 'b'],
        [':a+b', ['A', 'b']],
        [':c', 'c'],
        [':d', 'd'],
        [':a+c+d', ['A', 'c', 'd']],
      ],
    );
    await step(
      [[':db/add', e, ':a', 'a']],
      [
        [':a', 'a'],
        [':b', 'b'],
        [':a+b', ['a', 'b']],
        [':c', 'c'],
        [':d', 'd'],
        [':a+c+d', ['a', 'c', 'd']],
      ],
    );
    await step(
      [
        [':db/add', e, ':a', 'A'],
        [':db/add', e, ':b', 'B'],
        [':db/add', e, ':c', 'C'],
        [':db/add', e, ':d', 'D'],
      ],
      [
        [':a', 'A'],
        [':b', 'B'],
        [':a+b', ['A', 'B']],
        [':c', 'C'],
        [':d', 'D'],
        [':a+c+d', ['A', 'C', 'D']],
      ],
    );
    await step(
      [[':db/retract', e, ':a', 'A']],
      [
        [':b', 'B'],
        [':a+b', [null, 'B']],
        [':c', 'C'],
        [':d', 'D'],
        [':a+c+d', [null, 'C', 'D']],
      ],
    );
    await step(
      [[':db/retract', e, ':b', 'B']],
      [
        [':c', 'C'],
        [':d', 'D'],
        [':a+c+d', [null, 'C', 'D']],
      ],
    );
    await rejects(
      d.transact(c, [{ 'db/id': e, 'a+b': ['A', 'B'] }]),
      'transact/composite-tuple',
      /Can’t modify tuple attrs directly/,
    );
    await d.release(c);
  });

  it('follow their attributes under schema on read (DataScript)', async () => {
    let db = emptyDbWith({
      'a+b': { 'db/tupleAttrs': [':a', ':b'] },
      'a+c+d': { 'db/tupleAttrs': [':a', ':c', ':d'] },
    });
    db = await dbWith(db, [[':db/add', 1, ':a', 'a']]);
    expect(await allDatoms(db)).toEqual(
      new Set([
        [1, ':a', 'a'],
        [1, ':a+b', ['a', null]],
        [1, ':a+c+d', ['a', null, null]],
      ]),
    );
  });

  it('may be asserted with the value they have, not with another (DataScript)', async () => {
    let db = emptyDbWith(A_B);
    db = await dbWith(db, [{ 'db/id': 1, a: 'a', b: 'b', 'a+b': ['a', 'b'] }]);
    expect(await allDatoms(db)).toEqual(
      new Set([
        [1, ':a', 'a'],
        [1, ':b', 'b'],
        [1, ':a+b', ['a', 'b']],
      ]),
    );
    for (const m of [
      { 'db/id': 2, a: 'x', b: 'y', 'a+b': ['a', 'b'] },
      { 'db/id': 2, 'a+b': ['a', 'b'], a: 'x', b: 'y' },
      { 'db/id': 2, a: 'a', b: 'b', 'a+b': ['a'] },
      { 'db/id': 2, a: 'a', b: 'b', 'a+b': ['a', null] },
      { 'db/id': 1, a: 'x', 'a+b': ['a', 'b'] },
      { 'db/id': 1, 'a+b': ['a', 'B'] },
      { 'db/id': 1, a: 'a', b: 'b', 'a+b': ['a'] },
      { 'db/id': 1, a: 'a', b: 'b', 'a+b': ['a', null] },
    ])
      await rejects(
        dbWith(db, [m]),
        'transact/composite-tuple',
        /Can’t modify tuple attrs directly/,
      );
    db = await dbWith(db, [{ 'db/id': 1, 'a+b': ['a', 'b'] }]);
    db = await dbWith(db, [{ 'db/id': 1, b: 'B', 'a+b': ['a', 'B'] }]);
    db = await dbWith(db, [{ 'db/id': 1, 'a+b': ['A', 'B'], a: 'A' }]);
    expect(await allDatoms(db)).toEqual(
      new Set([
        [1, ':a', 'A'],
        [1, ':b', 'B'],
        [1, ':a+b', ['A', 'B']],
      ]),
    );
  });

  it('are never asserted or retracted by hand otherwise', async () => {
    const db = emptyDbWith({
      'a+b': { 'db/valueType': ':db.type/tuple', 'db/tupleAttrs': [':a', ':b'] },
    });
    const db1 = await dbWith(db, [[':db/add', 100, ':a', 'a']]);
    await rejects(dbWith(db, [[':db/add', 100, ':a+b', [null, null]]]), 'transact/composite-tuple');
    await rejects(dbWith(db1, [[':db/add', 100, ':a+b', ['a', null]]]), 'transact/composite-tuple');
    await rejects(
      dbWith(db, [
        [':db/add', 100, ':a', 'a'],
        [':db/add', 100, ':a+b', ['a', null]],
      ]),
      'transact/composite-tuple',
    );
    await rejects(
      dbWith(db1, [[':db/retract', 100, ':a+b', ['a', null]]]),
      'transact/composite-tuple',
    );
  });
});

describe('unique composite tuples', () => {
  it('refuse a second entity with the same tuple', async () => {
    let db = emptyDbWith(UNIQUE_A_B);
    db = await dbWith(db, [[':db/add', 1, ':a', 'a']]);
    db = await dbWith(db, [[':db/add', 2, ':a', 'A']]);
    await rejects(
      dbWith(db, [[':db/add', 1, ':a', 'A']]),
      'transact/unique',
      /already belongs to entity 2/,
    );
    db = await dbWith(db, [
      [':db/add', 1, ':b', 'b'],
      [':db/add', 2, ':b', 'b'],
      { 'db/id': 3, a: 'a', b: 'B' },
    ]);
    expect(await allDatoms(db)).toEqual(
      new Set([
        [1, ':a', 'a'],
        [1, ':b', 'b'],
        [1, ':a+b', ['a', 'b']],
        [2, ':a', 'A'],
        [2, ':b', 'b'],
        [2, ':a+b', ['A', 'b']],
        [3, ':a', 'a'],
        [3, ':b', 'B'],
        [3, ':a+b', ['a', 'B']],
      ]),
    );
    for (const tx of [
      [[':db/add', 1, ':a', 'A']],
      [[':db/add', 1, ':b', 'B']],
      [
        [':db/add', 1, ':a', 'A'],
        [':db/add', 1, ':b', 'B'],
      ],
    ])
      await rejects(dbWith(db, tx), 'transact/unique');
    // Both components changed at once, and a new entity with both.
    db = await dbWith(db, [{ 'db/id': 1, a: 'A', b: 'B' }]);
    expect(await d.pull(db, '[*]', 1)).toEqual({ 'db/id': 1, a: 'A', b: 'B', 'a+b': ['A', 'B'] });
    db = await dbWith(db, [{ 'db/id': 4, a: 'a', b: 'b' }]);
    expect(await d.pull(db, '[*]', 4)).toEqual({ 'db/id': 4, a: 'a', b: 'b', 'a+b': ['a', 'b'] });
  });

  it('upsert by the tuple, and by its components (DataScript issue 473)', async () => {
    let db = emptyDbWith({ ...UNIQUE_A_B, c: { 'db/unique': ':db.unique/identity' } });
    db = await dbWith(db, [
      { 'db/id': 1, a: 'A', b: 'B' },
      { 'db/id': 2, a: 'a', b: 'b' },
    ]);
    db = await dbWith(db, [
      { 'a+b': ['A', 'B'], c: 'C' },
      { 'a+b': ['a', 'b'], c: 'c' },
    ]);
    expect(await allDatoms(db)).toEqual(
      new Set([
        [1, ':a', 'A'],
        [1, ':b', 'B'],
        [1, ':a+b', ['A', 'B']],
        [1, ':c', 'C'],
        [2, ':a', 'a'],
        [2, ':b', 'b'],
        [2, ':a+b', ['a', 'b']],
        [2, ':c', 'c'],
      ]),
    );
    await rejects(dbWith(db, [{ 'a+b': ['A', 'B'], c: 'c' }]), 'transact/upsert-conflict');
    // Change a component of the entity the tuple upserted to.
    const changed = await dbWith(db, [{ 'a+b': ['A', 'B'], b: 'b', d: 'D' }]);
    expect(await d.pull(changed, '[*]', 1)).toEqual({
      'db/id': 1,
      a: 'A',
      b: 'b',
      'a+b': ['A', 'b'],
      c: 'C',
      d: 'D',
    });

    const one = await dbWith(emptyDbWith(UNIQUE_A_B), [{ a: 'A', b: 'B', name: 'Ivan' }]);
    const oleg = new Set([
      [1, ':a', 'A'],
      [1, ':b', 'B'],
      [1, ':a+b', ['A', 'B']],
      [1, ':name', 'Oleg'],
    ]);
    for (const tx of [
      [{ 'db/id': -1, a: 'A', b: 'B', name: 'Oleg' }],
      [{ a: 'A', b: 'B', name: 'Oleg' }],
      [
        [':db/add', -1, ':a', 'A'],
        [':db/add', -1, ':b', 'B'],
        [':db/add', -1, ':name', 'Oleg'],
      ],
    ])
      expect(await allDatoms(await dbWith(one, tx))).toEqual(oleg);
  });

  it('insert one entity however often it is transacted (Datahike)', async () => {
    const c = await setupConn({ 'schema-flexibility': ':write' });
    await d.transact(c, [
      ...['a', 'b', 'c'].map((x) => ({
        'db/ident': `:${x}`,
        'db/valueType': ':db.type/string',
        'db/cardinality': ':db.cardinality/one',
      })),
      {
        'db/ident': ':a+b',
        'db/valueType': ':db.type/tuple',
        'db/tupleAttrs': [':a', ':b'],
        'db/cardinality': ':db.cardinality/one',
        'db/unique': ':db.unique/identity',
      },
    ]);
    await d.transact(c, [{ a: 'x', b: 'y' }]);
    await d.transact(c, [{ a: 'x', b: 'y' }]);
    await d.transact(c, [{ a: 'x', b: 'y', c: 'xyz' }]);
    expect(
      await rows(
        d.q(
          '[:find ?a ?v :with ?t :where [?e ?a ?v ?t] [?e :a+b ["x" "y"]]]',
          await d.history(await d.db(c)),
        ),
      ),
    ).toEqual(
      new Set([
        [':a', 'x'],
        [':b', 'y'],
        [':a+b', ['x', 'y']],
        [':c', 'xyz'],
      ]),
    );
    await d.release(c);
  });

  it('name entities in lookup refs', async () => {
    let db = emptyDbWith({ ...UNIQUE_A_B, c: { 'db/unique': ':db.unique/identity' } });
    db = await dbWith(db, [
      { 'db/id': 1, a: 'A', b: 'B' },
      { 'db/id': 2, a: 'a', b: 'b' },
    ]);
    db = await dbWith(db, [
      [':db/add', [':a+b', ['A', 'B']], ':c', 'C'],
      { 'db/id': [':a+b', ['a', 'b']], c: 'c' },
    ]);
    expect(await allDatoms(db)).toEqual(
      new Set([
        [1, ':a', 'A'],
        [1, ':b', 'B'],
        [1, ':a+b', ['A', 'B']],
        [1, ':c', 'C'],
        [2, ':a', 'a'],
        [2, ':b', 'b'],
        [2, ':a+b', ['a', 'b']],
        [2, ':c', 'c'],
      ]),
    );
    await rejects(dbWith(db, [[':db/add', [':a+b', ['A', 'B']], ':c', 'c']]), 'transact/unique');
    await rejects(dbWith(db, [{ 'db/id': [':a+b', ['A', 'B']], c: 'c' }]), 'transact/unique');
    const changed = await dbWith(db, [{ 'db/id': [':a+b', ['A', 'B']], b: 'b', d: 'D' }]);
    expect(await d.pull(changed, '[*]', 1)).toEqual({
      'db/id': 1,
      a: 'A',
      b: 'b',
      'a+b': ['A', 'b'],
      c: 'C',
      d: 'D',
    });
    expect(await d.pull(changed, '[*]', [':a+b', ['a', 'b']])).toEqual({
      'db/id': 2,
      a: 'a',
      b: 'b',
      'a+b': ['a', 'b'],
      c: 'c',
    });
  });

  it('with a reference, resolve lookup refs inside the tuple (DataScript issue 452)', async () => {
    const db = await dbWith(
      emptyDbWith({
        ref: { 'db/valueType': ':db.type/ref' },
        name: { 'db/unique': ':db.unique/identity' },
        'ref+name': {
          'db/valueType': ':db.type/tuple',
          'db/tupleAttrs': [':ref', ':name'],
          'db/unique': ':db.unique/identity',
        },
      }),
      [
        { 'db/id': -1, name: 'Ivan' },
        { 'db/id': -2, name: 'Oleg' },
        { 'db/id': -3, name: 'Petr', ref: -1 },
        { 'db/id': -4, name: 'Yuri', ref: -2 },
      ],
    );
    for (const tx of [
      [{ 'ref+name': [1, 'Petr'], age: 32 }],
      [{ 'ref+name': [[':name', 'Ivan'], 'Petr'], age: 32 }],
      [
        [':db/add', -1, ':ref+name', [1, 'Petr']],
        [':db/add', -1, ':age', 32],
      ],
      [
        [':db/add', -1, ':ref+name', [[':name', 'Ivan'], 'Petr']],
        [':db/add', -1, ':age', 32],
      ],
    ])
      expect(await d.pull(await dbWith(db, tx), '[:age]', 3), JSON.stringify(tx)).toEqual({
        age: 32,
      });
    expect((await d.entity(db, [':name', 'Ivan']))!.id).toBe(1);
    expect((await d.entity(db, [':ref+name', [1, 'Petr']]))!.id).toBe(3);
    expect((await d.entity(db, [':ref+name', [[':name', 'Ivan'], 'Petr']]))!.id).toBe(3);
  });
});

describe('tuples in indices and queries', async () => {
  const db = await dbWith(emptyDbWith({ 'a+b+c': { 'db/tupleAttrs': [':a', ':b', ':c'] } }), [
    { 'db/id': 1, a: 'a', b: 'b', c: 'c' },
    { 'db/id': 2, a: 'A', b: 'b', c: 'c' },
    { 'db/id': 3, a: 'a', b: 'B', c: 'c' },
    { 'db/id': 4, a: 'A', b: 'B', c: 'c' },
    { 'db/id': 5, a: 'a', b: 'b', c: 'C' },
    { 'db/id': 6, a: 'A', b: 'b', c: 'C' },
    { 'db/id': 7, a: 'a', b: 'B', c: 'C' },
    { 'db/id': 8, a: 'A', b: 'B', c: 'C' },
  ]);
  const es = (x: d.DatomObject[]) => x.map((y) => y.e);

  it('are in AVET and compare element by element, nil first', async () => {
    expect(es(await d.datoms(db, ':avet', ':a+b+c', ['A', 'b', 'C']))).toEqual([6]);
    expect(es(await d.datoms(db, ':avet', ':a+b+c', ['A', 'b', null]))).toEqual([]);
    expect(es(await d.indexRange(db, ':a+b+c', ['A', 'B', 'C'], ['A', 'b', 'c']))).toEqual([
      8, 4, 6, 2,
    ]);
    expect(es(await d.indexRange(db, ':a+b+c', ['A', 'B', null], ['A', 'b', null]))).toEqual([
      8, 4,
    ]);
    expect(
      es(
        await d.indexRange(db, {
          attrid: ':a+b+c',
          start: ['A', 'B', null],
          end: ['A', 'b', null],
        }),
      ),
    ).toEqual([8, 4]);
  });

  it('are matched, looked up, built and taken apart in queries', async () => {
    const qdb = await dbWith(emptyDbWith(UNIQUE_A_B), [
      { 'db/id': 1, a: 'A', b: 'B' },
      { 'db/id': 2, a: 'A', b: 'b' },
      { 'db/id': 3, a: 'a', b: 'B' },
      { 'db/id': 4, a: 'a', b: 'b' },
    ]);
    expect(await rows(d.q('[:find ?e :where [?e :a+b ["a" "B"]]]', qdb))).toEqual(new Set([[3]]));
    expect(await rows(d.q('[:find ?a+b :where [[:a+b ["a" "B"]] :a+b ?a+b]]', qdb))).toEqual(
      new Set([[['a', 'B']]]),
    );
    const all = new Set([[['A', 'B']], [['A', 'b']], [['a', 'B']], [['a', 'b']]]);
    expect(
      await rows(d.q('[:find ?a+b :where [?e :a ?a] [?e :b ?b] [(tuple ?a ?b) ?a+b]]', qdb)),
    ).toEqual(all);
    expect(
      await rows(d.q('[:find ?a ?b :where [?e :a+b ?a+b] [(untuple ?a+b) [?a ?b]]]', qdb)),
    ).toEqual(
      new Set([
        ['A', 'B'],
        ['A', 'b'],
        ['a', 'B'],
        ['a', 'b'],
      ]),
    );
  });
});
