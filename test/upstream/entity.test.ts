/**
 * Ported from DataScript's test/datascript/test/entity.cljc and Datahike's
 * test/datahike/test/entity_test.cljc. An entity of the public API reads attributes with
 * `get`, lists them with `keys`, prints as EDN (`toEdn`, `String(e)`, `console.log`) and
 * as JSON; many-valued attributes come back as arrays.
 */

import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseEdn } from '../../src/edn/index.js';
import * as d from '../../src/index.js';
import { dbWith, emptyDbWith, rejects } from './helpers.js';

type Entity = d.EntityView;

async function ent(db: d.DbView, eid: unknown): Promise<Entity> {
  const e = await d.entity(db, eid);
  expect(e, `entity ${String(eid)}`).not.toBeNull();
  return e!;
}

/** `(into {} e)`: attribute → value, without :db/id; references as their ids. */
function intoMap(e: Entity): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const id = (x: unknown) =>
    x !== null && typeof x === 'object' && 'id' in x ? (x as Entity).id : x;
  for (const k of e.keys()) {
    const v = e.get(k);
    out[k.slice(1)] = Array.isArray(v) ? new Set(v.map(id)) : id(v);
  }
  return out;
}

const ids = (v: unknown) => new Set((v as Entity[]).map((x) => x.id));

describe('an entity', async () => {
  const db = await dbWith(emptyDbWith({ aka: { 'db/cardinality': ':db.cardinality/many' } }), [
    { 'db/id': 1, name: 'Ivan', age: 19, aka: ['X', 'Y'] },
    { 'db/id': 2, name: 'Ivan', sex: 'male', aka: ['Z'] },
    [':db/add', 3, ':huh?', false],
  ]);

  it('reads its attributes', async () => {
    const e = await ent(db, 1);
    expect(e.id).toBe(1);
    expect(e.get(':db/id')).toBe(1);
    expect(await d.entityDb(e)).toBe(db);
    expect(e.get(':name')).toBe('Ivan');
    expect(e.get('name')).toBe('Ivan');
    expect(e.get(':age')).toBe(19);
    expect(new Set(e.get(':aka') as string[])).toEqual(new Set(['X', 'Y']));
    expect(e.keys()).toContain(':age');
    expect(e.keys()).not.toContain(':not-found');
    expect(e.get(':not-found')).toBeUndefined();
  });

  it('gives every attribute', async () => {
    expect(intoMap(await ent(db, 1))).toEqual({ name: 'Ivan', age: 19, aka: new Set(['X', 'Y']) });
    expect(intoMap(await ent(db, 2))).toEqual({ name: 'Ivan', sex: 'male', aka: new Set(['Z']) });
    const e3 = await ent(db, 3);
    expect(intoMap(e3)).toEqual({ 'huh?': false });
    expect(e3.get(':huh?')).toBe(false);
  });

  it('prints as its attributes, never its database', async () => {
    // DataScript prints only the attributes read so far ({:db/id 1} at first); an entity
    // here prints every attribute.
    const e = await ent(db, 1);
    const edn = e.toEdn();
    expect(parseEdn(edn)).toEqual(parseEdn('{:db/id 1, :name "Ivan", :age 19, :aka #{"X" "Y"}}'));
    expect(edn).toMatch(/^\{:db\/id 1, /);
    expect(edn).toContain(':name "Ivan"');
    expect(edn).toContain(':age 19');
    expect(edn).toMatch(/:aka #\{("X" "Y"|"Y" "X")\}/);
    expect(String(e)).toBe(edn);
    expect(inspect(e)).toBe(`#datahike/Entity ${edn}`);
    expect(inspect({ e })).not.toContain('indices');
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      'db/id': 1,
      name: 'Ivan',
      age: 19,
      aka: ['X', 'Y'],
    });
  });
});

describe('references', async () => {
  const db = await dbWith(
    emptyDbWith({
      father: { 'db/valueType': ':db.type/ref' },
      children: { 'db/valueType': ':db.type/ref', 'db/cardinality': ':db.cardinality/many' },
    }),
    [
      { 'db/id': 1, children: [10] },
      { 'db/id': 10, father: 1, children: [100, 101] },
      { 'db/id': 100, father: 10 },
      { 'db/id': 101, father: 10 },
    ],
  );
  const e = (id: number) => ent(db, id);

  it('come back as entities', async () => {
    expect(ids((await e(1)).get(':children'))).toEqual(new Set([10]));
    expect(ids((await e(10)).get(':children'))).toEqual(new Set([100, 101]));
    expect((await e(100)).get(':children')).toBeUndefined();
  });

  it('can be walked', async () => {
    const first = (v: unknown) => (v as Entity[])[0]!;
    expect(ids(first((await e(1)).get(':children')).get(':children'))).toEqual(new Set([100, 101]));
    const child = first((await e(10)).get(':children'));
    expect((child.get(':father') as Entity).equals(await e(10))).toBe(true);
    expect(ids(((await e(10)).get(':father') as Entity).get(':children'))).toEqual(new Set([10]));
  });

  it('can be walked backwards', async () => {
    expect((await e(1)).get(':_children')).toBeUndefined();
    expect(ids((await e(1)).get(':_father'))).toEqual(new Set([10]));
    expect(ids((await e(10)).get(':_children'))).toEqual(new Set([1]));
    expect(ids((await e(10)).get(':_father'))).toEqual(new Set([100, 101]));
    const parent = ((await e(100)).get(':_children') as Entity[])[0]!;
    expect(ids(parent.get(':_children'))).toEqual(new Set([1]));
  });
});

describe('missing references', () => {
  it('of an entity that does not exist read nothing', async () => {
    const db = emptyDbWith({
      ref: { 'db/valueType': ':db.type/ref' },
      comp: { 'db/valueType': ':db.type/ref', 'db/isComponent': true },
      multiref: { 'db/valueType': ':db.type/ref', 'db/cardinality': ':db.cardinality/many' },
      multicomp: {
        'db/valueType': ':db.type/ref',
        'db/isComponent': true,
        'db/cardinality': ':db.cardinality/many',
      },
    });
    expect(await d.entity(db, 1)).toBeNull();
    // Dangling references print as their ids.
    const db2 = await dbWith(db, [
      [':db/add', 1, ':ref', 2],
      [':db/add', 1, ':comp', 3],
      [':db/add', 1, ':multiref', 4],
      [':db/add', 1, ':multicomp', 6],
    ]);
    const e = await ent(db2, 1);
    expect(e.toJSON()).toEqual({
      'db/id': 1,
      ref: { 'db/id': 2 },
      comp: { 'db/id': 3 },
      multiref: [{ 'db/id': 4 }],
      multicomp: [{ 'db/id': 6 }],
    });
  });
});

describe('ids that name nothing', async () => {
  const db = await dbWith(emptyDbWith({ name: { 'db/unique': ':db.unique/identity' } }), [
    { 'db/id': 1, name: 'Ivan' },
    { 'db/id': 2, name: 'Oleg' },
  ]);

  it('give nil', async () => {
    expect(await d.entity(db, null)).toBeNull();
    expect(await d.entity(db, 'abc')).toBeNull();
    expect(await d.entity(db, ':keyword')).toBeNull();
    expect(await d.entity(db, [':name', 'Petr'])).toBeNull();
    // DataScript gives nil; Datahike an entity with only :db/id.
    expect(await d.entity(db, 777)).toBeNull();
  });

  it('but a lookup ref on an attribute that is not unique is an error', async () => {
    await rejects(d.entity(db, [':not-an-attr', 777]), 'lookup-ref/not-unique', /not :db\/unique/);
  });
});

describe('equality', async () => {
  const db1 = await dbWith(emptyDbWith(), [{ 'db/id': 1, name: 'Ivan' }]);
  const db2 = await dbWith(db1, []);
  const db3 = await dbWith(db2, [{ 'db/id': 2, name: 'Oleg' }]);

  it('holds for the same id in the same database value', async () => {
    const e1 = await ent(db1, 1);
    expect(e1.equals(e1)).toBe(true);
    expect(e1.equals(await ent(db1, 1))).toBe(true);
    expect(e1.equals(await ent(db2, 1))).toBe(false);
    expect(e1.equals(await ent(db3, 1))).toBe(false);
  });
});
