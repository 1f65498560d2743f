/**
 * Ported from DataScript's test/datascript/test/ident.cljc and Datahike's
 * test/datahike/test/ident_test.cljc: an entity's `:db/ident` stands for it in queries,
 * transactions (entity position, value position, `{:db/id :ident}`), `entity` and `pull`.
 */

import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { dbWith, emptyDbWith } from './helpers.js';

describe('idents', async () => {
  const db = await dbWith(emptyDbWith({ ref: { 'db/valueType': ':db.type/ref' } }), [
    [':db/add', 1, ':db/ident', ':ent1'],
    [':db/add', 2, ':db/ident', ':ent2'],
    [':db/add', 2, ':ref', 1],
  ]);

  it('name entities in queries', async () => {
    expect(await d.q('[:find ?v . :where [:ent2 :ref ?v]]', db)).toBe(1);
    expect(await d.q('[:find ?f . :where [?f :ref :ent1]]', db)).toBe(2);
  });

  it('name entities in transactions', async () => {
    const db2 = await dbWith(db, [[':db/add', ':ent1', ':ref', ':ent2']]);
    expect(((await d.entity(db2, ':ent1'))!.get(':ref') as { id: number }).id).toBe(2);
  });

  it('name entities in the :db/id of a map', async () => {
    const db2 = await dbWith(db, [{ 'db/id': ':ent2', name: 'two' }]);
    expect((await d.entity(db2, 2))!.get(':name')).toBe('two');
    expect((await d.entity(db2, ':ent2'))!.get(':name')).toBe('two');
  });

  it('name entities given their ident earlier in the same transaction', async () => {
    // Upstream resolves idents against the database the transaction has built so far.
    const db2 = await dbWith(db, [
      { 'db/id': -1, 'db/ident': ':ent3' },
      { 'db/id': ':ent3', name: 'three' },
      [':db/add', -2, ':ref', ':ent3'],
    ]);
    expect(await d.q('[:find ?n . :where [:ent3 :name ?n]]', db2)).toBe('three');
    expect(await d.q('[:find ?f . :where [?f :ref :ent3] [:ent3 :name]]', db2)).toBeTypeOf(
      'number',
    );
  });

  it('name entities for entity and pull', async () => {
    const e = (await d.entity(db, ':ent1'))!;
    expect(e.keys()).toEqual([':db/ident']);
    expect(e.get(':db/ident')).toBe(':ent1');
    expect(await d.pull(db, '[*]', ':ent1')).toEqual({ 'db/id': 1, 'db/ident': ':ent1' });
  });
});

describe(':db/ident in :db/id (Datahike, Datomic compatibility)', () => {
  it('updates the entity the ident names', async () => {
    const db = await dbWith(emptyDbWith({ name: { 'db/cardinality': ':db.cardinality/one' } }), [
      { 'db/ident': ':my.entity', name: 'Initial' },
    ]);
    expect((await d.entity(db, ':my.entity'))!.get(':name')).toBe('Initial');
    const db2 = await dbWith(db, [{ 'db/id': ':my.entity', name: 'Updated' }]);
    expect((await d.entity(db2, ':my.entity'))!.get(':name')).toBe('Updated');
    expect((await d.entity(db2, [':db/ident', ':my.entity']))!.get(':name')).toBe('Updated');
  });
});
