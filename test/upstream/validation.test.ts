/**
 * Ported from DataScript's test/datascript/test/validation.cljc and Datahike's
 * test/datahike/test/validation_test.cljc: malformed tx-data is refused with a
 * DatahikeError, and a failed transaction changes nothing. Forms that JavaScript cannot
 * write (a map with a number key, a regex) are given as EDN or as the JS object.
 */

import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { allDatoms, dbWith, emptyDbWith, rejects } from './helpers.js';

describe('tx-data', () => {
  const db = emptyDbWith({
    profile: { 'db/valueType': ':db.type/ref' },
    id: { 'db/unique': ':db.unique/identity' },
  });

  it('needs a valid :db/id', async () => {
    await rejects(
      dbWith(db, [{ 'db/id': /x/, name: 'Ivan' }]),
      'transact/syntax',
      /as an entity id/,
    );
    await rejects(
      dbWith(db, '[{:db/id 1.5 :name "Ivan"}]'),
      'transact/syntax',
      /Entity id 1.5 is not valid/,
    );
  });

  it('needs keyword attributes', async () => {
    await rejects(
      dbWith(db, [[':db/add', -1, null, 'Ivan']]),
      'transact/syntax',
      /Attribute must be a keyword/,
    );
    await rejects(
      dbWith(db, [[':db/add', -1, 17, 'Ivan']]),
      'transact/syntax',
      /Attribute must be a keyword/,
    );
    await rejects(
      dbWith(db, '[{:db/id -1 17 "Ivan"}]'),
      'transact/syntax',
      /keys must be attributes/,
    );
  });

  it('cannot store nil', async () => {
    for (const tx of [
      [[':db/add', -1, ':name', null]],
      [{ 'db/id': -1, name: null }],
      [[':db/add', -1, ':id', null]],
      [
        { 'db/id': -1, id: 'A' },
        { 'db/id': -1, id: null },
      ],
    ])
      await rejects(dbWith(db, tx), 'transact/nil-value', /Cannot assert nil/);
  });

  it('needs an entity where one goes', async () => {
    await rejects(dbWith(db, [[':db/add', null, ':name', 'Ivan']]), 'transact/syntax');
    await rejects(dbWith(db, '[[:db/add {} :name "Ivan"]]'), 'transact/syntax');
    await rejects(dbWith(db, [[':db/add', -1, ':profile', /regexp/]]), 'transact/wrong-type');
    await rejects(dbWith(db, [{ 'db/id': -1, profile: /regexp/ }]), 'transact/wrong-type');
  });

  it('needs known operations, forms and tempids in :db/add only', async () => {
    await rejects(dbWith(db, [['aaa', ':name', 'Ivan']]), 'transact/syntax', /Unknown operation/);
    await rejects(
      dbWith(db, [':db/add', 'aaa', ':name', 'Ivan']),
      'transact/syntax',
      /Bad entity type/,
    );
    await rejects(
      dbWith(db, [[':db/retract', -1, ':name', 'Ivan']]),
      'transact/syntax',
      /tempids are allowed in :db\/add only/,
    );
    await rejects(dbWith(db, { profile: 'aaa' }), 'api/invalid-argument', /needs tx-data/);
  });
});

describe('unique values', async () => {
  const db = await dbWith(emptyDbWith({ name: { 'db/unique': ':db.unique/value' } }), [
    [':db/add', 1, ':name', 'Ivan'],
    [':db/add', 2, ':name', 'Petr'],
  ]);

  it('belong to one entity', async () => {
    await rejects(
      dbWith(db, [[':db/add', 3, ':name', 'Ivan']]),
      'transact/unique',
      /already belongs to entity 1/,
    );
    await rejects(dbWith(db, '[{:db/add 3 :name "Petr"}]'), 'transact/unique');
    const ok = await dbWith(db, [[':db/add', 3, ':name', 'Igor']]);
    expect(await allDatoms(ok)).toContainEqual([3, ':name', 'Igor']);
    expect(await allDatoms(await dbWith(db, [[':db/add', 3, ':nick', 'Ivan']]))).toContainEqual([
      3,
      ':nick',
      'Ivan',
    ]);
  });

  it('a failed transaction leaves the database as it was', async () => {
    const conn = await d.connect(
      await d.createDatabase({
        store: { backend: ':memory', id: `validation-${process.pid}` },
        'schema-flexibility': ':read',
      }),
    );
    await d.transact(conn, [
      { 'db/ident': ':name', 'db/unique': ':db.unique/value' },
      { name: 'Ivan' },
    ]);
    const before = await d.db(conn);
    await rejects(d.transact(conn, [{ 'db/id': -1, x: 1 }, { name: 'Ivan' }]), 'transact/unique');
    expect(await allDatoms(await d.db(conn))).toEqual(await allDatoms(before));
    await d.release(conn);
  });
});
