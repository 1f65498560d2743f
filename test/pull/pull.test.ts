import { beforeAll, describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { freshConn } from '../core/helpers.js';

const SCHEMA = [
  {
    'db/ident': ':name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
  },
  {
    'db/ident': ':email',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/identity',
  },
  {
    'db/ident': ':alias',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/many',
  },
  {
    'db/ident': ':friend',
    'db/valueType': ':db.type/ref',
    'db/cardinality': ':db.cardinality/many',
  },
  {
    'db/ident': ':child',
    'db/valueType': ':db.type/ref',
    'db/cardinality': ':db.cardinality/many',
  },
  {
    'db/ident': ':address',
    'db/valueType': ':db.type/ref',
    'db/cardinality': ':db.cardinality/one',
    'db/isComponent': true,
  },
  {
    'db/ident': ':city',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
  },
];

let db: d.DbView;
let id: Record<string, number>;

beforeAll(async () => {
  const conn = await freshConn(SCHEMA);
  const r = await d.transact(conn, [
    {
      'db/id': 'a',
      name: 'A',
      email: 'a@x',
      alias: ['a1', 'a2', 'a3'],
      friend: ['b'],
      child: ['c1', 'c2'],
      address: { city: 'Oslo' },
    },
    { 'db/id': 'b', name: 'B', friend: ['c'] },
    { 'db/id': 'c', name: 'C', friend: ['a'] },
    { 'db/id': 'c1', name: 'C1', child: ['g'] },
    { 'db/id': 'c2', name: 'C2' },
    { 'db/id': 'g', name: 'G' },
  ]);
  id = r.tempids as Record<string, number>;
  db = await d.db(conn);
});

describe('pull', () => {
  it('pulls attributes, many-valued ones as arrays, and :db/id', async () => {
    expect(await d.pull(db, '[:name :alias :db/id]', id.a)).toEqual({
      name: 'A',
      alias: ['a1', 'a2', 'a3'],
      'db/id': id.a,
    });
    expect(await d.pull(db, [':name', ':missing'], id.b)).toEqual({ name: 'B' });
  });

  it('returns references as ids, nested maps with a sub-pattern, and components whole under *', async () => {
    expect(await d.pull(db, '[:friend]', id.a)).toEqual({ friend: [{ 'db/id': id.b }] });
    expect(await d.pull(db, '[{:friend [:name]}]', id.a)).toEqual({ friend: [{ name: 'B' }] });
    const all = (await d.pull(db, '[*]', id.a))!;
    expect(all).toMatchObject({
      'db/id': id.a,
      name: 'A',
      email: 'a@x',
      friend: [{ 'db/id': id.b }],
    });
    expect(all.address).toMatchObject({ city: 'Oslo' });
    expect(await d.pull(db, '[* {:friend [:name]}]', id.a)).toMatchObject({
      name: 'A',
      friend: [{ name: 'B' }],
    });
  });

  it('follows reverse references', async () => {
    expect(await d.pull(db, '[:name :_friend]', id.b)).toEqual({
      name: 'B',
      _friend: [{ 'db/id': id.a }],
    });
    expect(await d.pull(db, '[{:_child [:name]}]', id.g)).toEqual({ _child: [{ name: 'C1' }] });
    const addressId = (
      (await d.pull(db, '[{:address [:db/id]}]', id.a)) as { address: { 'db/id': number } }
    ).address['db/id'];
    // The reverse of a component is its single owner.
    expect(await d.pull(db, '[{:_address [:name]}]', addressId)).toEqual({
      _address: { name: 'A' },
    });
  });

  it('recurses with ... until a cycle, or to a depth', async () => {
    const cyc = await d.pull(db, '[:name {:friend ...}]', id.a);
    expect(cyc).toEqual({
      name: 'A',
      // The root is pulled once more; then B, met before on the path, is its id.
      friend: [
        {
          name: 'B',
          friend: [{ name: 'C', friend: [{ name: 'A', friend: [{ 'db/id': id.b }] }] }],
        },
      ],
    });
    const one = await d.pull(db, '[:name {:child 1}]', id.a);
    expect(one).toEqual({
      name: 'A',
      // At the depth asked for, the recursive attribute is left out.
      child: [{ name: 'C1' }, { name: 'C2' }],
    });
  });

  it('applies :as, :limit, :default and :xform in list and vector syntax', async () => {
    expect(
      await d.pull(db, '[(:name :as "who") (:alias :limit 2) (:nick :default "none")]', id.a),
    ).toEqual({
      who: 'A',
      alias: ['a1', 'a2'],
      nick: 'none',
    });
    expect(
      await d.pull(
        db,
        [
          [':alias', ':limit', 1],
          [':name', ':xform', (s: string) => s.toLowerCase()],
        ],
        id.a,
      ),
    ).toEqual({
      alias: ['a1'],
      name: 'a',
    });
    expect(await d.pull(db, '[(limit :alias 1) (default :nick 0)]', id.a)).toEqual({
      alias: ['a1'],
      nick: 0,
    });
    expect(await d.pull(db, '[(:alias :limit nil)]', id.a)).toEqual({ alias: ['a1', 'a2', 'a3'] });
  });

  it('accepts lookup refs, the map form, and gives null for what does not exist', async () => {
    expect(await d.pull(db, '[:name]', [':email', 'a@x'])).toEqual({ name: 'A' });
    expect(await d.pull(db, { selector: '[:name]', eid: id.b })).toEqual({ name: 'B' });
    expect(await d.pull(db, '[:name]', [':email', 'nobody'])).toBeNull();
    expect(await d.pull(db, '[:name]', 123456)).toBeNull();
    expect(await d.pullMany(db, '[:name]', [id.a, 123456, id.c])).toEqual([
      { name: 'A' },
      null,
      { name: 'C' },
    ]);
  });

  it('rejects malformed patterns', async () => {
    await expect(d.pull(db, '[(:name :frobnicate 1)]', id.a)).rejects.toMatchObject({
      code: 'pull/invalid-pattern',
    });
    await expect(d.pull(db, '{:name 1}', id.a)).rejects.toMatchObject({
      code: 'pull/invalid-pattern',
    });
    await expect(d.pull(db, '[{:friend "x"}]', id.a)).rejects.toMatchObject({
      code: 'pull/invalid-pattern',
    });
    await expect(d.pull(db, '[(:alias :limit -1)]', id.a)).rejects.toMatchObject({
      code: 'pull/invalid-pattern',
    });
  });
});
