/**
 * Ported from DataScript's test/datascript/test/components.cljc and Datahike's
 * test/datahike/test/components_test.cljc: `:db/isComponent` references print (touch)
 * in full, go with their owner on `:db.fn/retractEntity` and `:db.fn/retractAttribute`,
 * and their reverse is one entity. Datahike's test/datahike/test/transact_test.cljc
 * `test-retract-component` is here too.
 */

import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { dbWith, emptyDbWith, rejects, rows } from './helpers.js';

describe('schema', () => {
  it('requires a reference type and a boolean', () => {
    expect(() => emptyDbWith({ profile: { 'db/isComponent': true } })).toThrow(
      /:db\/isComponent requires :db\/valueType :db.type\/ref/,
    );
    expect(() =>
      emptyDbWith({ profile: { 'db/isComponent': 'aaa', 'db/valueType': ':db.type/ref' } }),
    ).toThrow(/:db\/isComponent must be true or false/);
  });
});

describe('a cardinality-one component', async () => {
  const db = await dbWith(
    emptyDbWith({ profile: { 'db/valueType': ':db.type/ref', 'db/isComponent': true } }),
    [
      { 'db/id': 1, name: 'Ivan', profile: 3 },
      { 'db/id': 3, email: '@3' },
      { 'db/id': 4, email: '@4' },
    ],
  );

  it('is shown in full with its owner', async () => {
    expect((await d.entity(db, 1))!.toJSON()).toEqual({
      'db/id': 1,
      name: 'Ivan',
      profile: { 'db/id': 3, email: '@3' },
    });
    const db2 = await dbWith(db, [[':db/add', 3, ':profile', 4]]);
    expect((await d.entity(db2, 1))!.toJSON()).toEqual({
      'db/id': 1,
      name: 'Ivan',
      profile: { 'db/id': 3, email: '@3', profile: { 'db/id': 4, email: '@4' } },
    });
  });

  it('is retracted with its owner', async () => {
    const gone = await dbWith(db, [[':db.fn/retractEntity', 1]]);
    expect(await rows(d.q('[:find ?a ?v :where [1 ?a ?v]]', gone))).toEqual(new Set());
    expect(await rows(d.q('[:find ?a ?v :where [3 ?a ?v]]', gone))).toEqual(new Set());
  });

  it('is retracted with the attribute', async () => {
    const gone = await dbWith(db, [[':db.fn/retractAttribute', 1, ':profile']]);
    expect(await rows(d.q('[:find ?a ?v :where [3 ?a ?v]]', gone))).toEqual(new Set());
    const also = await dbWith(db, [[':db/retractAttribute', 1, ':profile']]);
    expect(await rows(d.q('[:find ?a ?v :where [3 ?a ?v]]', also))).toEqual(new Set());
  });

  it('has its owner as its reverse', async () => {
    const owner = (await d.entity(db, 3))!.get(':_profile') as { toJSON(): unknown };
    expect(owner.toJSON()).toEqual({
      'db/id': 1,
      name: 'Ivan',
      profile: { 'db/id': 3, email: '@3' },
    });
  });
});

describe('cardinality-many components', async () => {
  const db = await dbWith(
    emptyDbWith({
      profile: {
        'db/valueType': ':db.type/ref',
        'db/cardinality': ':db.cardinality/many',
        'db/isComponent': true,
      },
    }),
    [
      { 'db/id': 1, name: 'Ivan', profile: [3, 4] },
      { 'db/id': 3, email: '@3' },
      { 'db/id': 4, email: '@4' },
    ],
  );
  const q = '[:find ?a ?v :in $ [?e ...] :where [?e ?a ?v]]';

  it('are shown in full with their owner', async () => {
    expect((await d.entity(db, 1))!.toJSON()).toEqual({
      'db/id': 1,
      name: 'Ivan',
      profile: [
        { 'db/id': 3, email: '@3' },
        { 'db/id': 4, email: '@4' },
      ],
    });
  });

  it('are retracted with their owner and with the attribute', async () => {
    expect(await rows(d.q(q, await dbWith(db, [[':db.fn/retractEntity', 1]]), [1, 3, 4]))).toEqual(
      new Set(),
    );
    expect(
      await rows(d.q(q, await dbWith(db, [[':db.fn/retractAttribute', 1, ':profile']]), [3, 4])),
    ).toEqual(new Set());
  });

  it('have their owner as their reverse', async () => {
    const owner = (await d.entity(db, 3))!.get(':_profile') as { id: number };
    expect(owner.id).toBe(1);
  });
});

describe('retracting components (Datahike)', async () => {
  const db = await dbWith(
    emptyDbWith({
      name: { 'db/unique': ':db.unique/identity' },
      room: {
        'db/valueType': ':db.type/ref',
        'db/cardinality': ':db.cardinality/many',
        'db/isComponent': true,
      },
    }),
    [
      { name: ':house1', room: [{ name: ':kitchen' }, { name: ':bath' }] },
      { name: ':house2', room: [{ name: ':office' }, { name: ':attic' }] },
    ],
  );
  const names = async (x: d.DbView) =>
    new Set((await d.q('[:find [?name ...] :where [_ :name ?name]]', x)) as string[]);

  it('goes with the owner', async () => {
    expect(await names(await dbWith(db, [[':db.fn/retractEntity', [':name', ':house1']]]))).toEqual(
      new Set([':house2', ':office', ':attic']),
    );
  });

  it('goes with :db.fn/retractAttribute', async () => {
    const x = await dbWith(db, [[':db.fn/retractAttribute', [':name', ':house1'], ':room']]);
    expect((await d.entity(x, [':name', ':house1']))!.get(':room')).toBeUndefined();
    expect(await names(x)).toEqual(new Set([':house1', ':house2', ':office', ':attic']));
  });

  it('stays with :db/retract, which only removes the reference', async () => {
    const one = await dbWith(db, [
      [':db/retract', [':name', ':house1'], ':room', [':name', ':kitchen']],
    ]);
    const rooms = (await d.entity(one, [':name', ':house1']))!.get(':room') as {
      get(a: string): unknown;
    }[];
    expect(rooms.map((r) => r.get(':name'))).toEqual([':bath']);
    expect(await d.entity(one, [':name', ':kitchen'])).not.toBeNull();

    const all = await dbWith(db, [[':db/retract', [':name', ':house1'], ':room']]);
    expect((await d.entity(all, [':name', ':house1']))!.get(':room')).toBeUndefined();
    expect(await names(all)).toEqual(
      new Set([':house1', ':kitchen', ':bath', ':house2', ':office', ':attic']),
    );
  });

  it('checks the arity of :db.fn/retractAttribute', async () => {
    await rejects(dbWith(db, [[':db.fn/retractAttribute', 1, ':room', 'x']]), 'transact/syntax');
  });
});
