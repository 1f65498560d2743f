import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { eav, freshConn, PERSON_SCHEMA } from './helpers.js';

const TX0 = 536870912;

describe('transact: forms', () => {
  it('adds an entity map and reports datoms, tempids and tx-meta', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const r = await d.transact(conn, [
      { 'db/id': 'alice', 'person/name': 'Alice', 'person/age': 30 },
    ]);
    const alice = r.tempids.alice!;
    expect(alice).toBeGreaterThan(0);
    const tx = r.tempids['db/current-tx']!;
    expect(tx).toBe(TX0 + 2);
    const added = r['tx-data'].filter((x) => x.e === alice).map((x) => [x.a, x.v, x.tx, x.added]);
    expect(added).toEqual([
      [':person/name', 'Alice', tx, true],
      [':person/age', 30, tx, true],
    ]);
    const instant = r['tx-data'].find((x) => x.a === ':db/txInstant');
    expect(instant?.e).toBe(tx);
    expect(instant?.v).toBeInstanceOf(Date);
    const meta = r['tx-meta'] as Record<string, unknown>;
    expect(meta['db/txInstant']).toEqual(instant?.v);
    expect(typeof meta['db/commitId']).toBe('string');
    expect(r['db-after']).toBe(await d.db(conn));
    expect(r['db-before']).not.toBe(r['db-after']);
  });

  it('accepts list forms with negative and string tempids, and EDN text', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const r = await d.transact(conn, [
      [':db/add', -1, ':person/name', 'Bob'],
      [':db/add', 'carol', ':person/name', 'Carol'],
      [':db/add', -1, ':person/friend', 'carol'],
    ]);
    expect(r.tempids['-1']).toBeDefined();
    expect(r.tempids.carol).toBeDefined();
    const r2 = await d.transact(
      conn,
      '[{:db/id "dan" :person/name "Dan" :person/friend [-7]} [:db/add -7 :person/name "Eve"]]',
    );
    const db = await d.db(conn);
    expect(await eav(db, ':eavt', r2.tempids.dan, ':person/friend')).toEqual([
      [r2.tempids.dan, ':person/friend', r2.tempids['-7']],
    ]);
    expect((await d.entity(db, r.tempids['-1']))?.get(':person/friend')).toHaveLength(1);
  });

  it('replaces cardinality-one values, accumulates cardinality-many and elides redundant assertions', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const { tempids } = await d.transact(conn, [
      { 'db/id': 'x', 'person/name': 'A', 'person/nick': ['a', 'b'] },
    ]);
    const e = tempids.x!;
    const r = await d.transact(conn, [
      { 'db/id': e, 'person/name': 'B', 'person/nick': ['b', 'c'] },
    ]);
    const changes = r['tx-data'].filter((x) => x.e === e).map((x) => [x.a, x.v, x.added]);
    expect(changes).toEqual([
      [':person/name', 'A', false],
      [':person/name', 'B', true],
      [':person/nick', 'c', true],
    ]);
    const db = await d.db(conn);
    expect(await eav(db, ':eavt', e)).toEqual([
      [e, ':person/name', 'B'],
      [e, ':person/nick', 'a'],
      [e, ':person/nick', 'b'],
      [e, ':person/nick', 'c'],
    ]);
    const again = await d.transact(conn, [[':db/add', e, ':person/name', 'B']]);
    expect(again['tx-data'].filter((x) => x.e === e)).toEqual([]);
  });

  it('retracts values, whole attributes, and treats missing facts as no-ops', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const { tempids } = await d.transact(conn, [
      { 'db/id': 'x', 'person/name': 'A', 'person/nick': ['a', 'b', 'c'] },
    ]);
    const e = tempids.x!;
    await d.transact(conn, [[':db/retract', e, ':person/nick', 'a']]);
    expect(await eav(await d.db(conn), ':eavt', e, ':person/nick')).toEqual([
      [e, ':person/nick', 'b'],
      [e, ':person/nick', 'c'],
    ]);
    await d.transact(conn, [[':db/retract', e, ':person/nick']]);
    expect(await eav(await d.db(conn), ':eavt', e, ':person/nick')).toEqual([]);
    const r = await d.transact(conn, [[':db/retract', e, ':person/name', 'not there']]);
    expect(r['tx-data'].filter((x) => x.e === e)).toEqual([]);
  });

  it('resolves lookup refs and idents in entity and value positions', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    await d.transact(conn, [
      { 'person/email': 'a@x', 'person/name': 'A' },
      { 'person/email': 'b@x', 'person/name': 'B' },
      { 'db/ident': ':color/red' },
      {
        'db/ident': ':person/color',
        'db/valueType': ':db.type/ref',
        'db/cardinality': ':db.cardinality/one',
      },
    ]);
    await d.transact(conn, [
      [':db/add', [':person/email', 'a@x'], ':person/friend', [':person/email', 'b@x']],
      { 'db/id': [':person/email', 'b@x'], 'person/color': ':color/red', 'person/age': 40 },
    ]);
    const db = await d.db(conn);
    const a = await d.entity(db, [':person/email', 'a@x']);
    const friends = a?.get(':person/friend') as d.EntityView[];
    expect(friends.map((f) => f.get(':person/name'))).toEqual(['B']);
    const b = await d.entity(db, [':person/email', 'b@x']);
    expect((b!.get(':person/color') as d.EntityView).get(':db/ident')).toBe(':color/red');
    expect(b?.get(':person/age')).toBe(40);
  });

  it('expands nested maps, components and reverse references', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const r = await d.transact(conn, [
      {
        'db/id': 'p',
        'person/name': 'P',
        'person/address': { 'address/city': 'Berlin' },
        'person/friend': [{ 'person/name': 'F1' }, { 'person/name': 'F2' }],
        'person/_spouse': [{ 'person/name': 'S' }],
      },
    ]);
    const db = await d.db(conn);
    const p = (await d.entity(db, r.tempids.p))!;
    expect((p.get(':person/address') as d.EntityView).get(':address/city')).toBe('Berlin');
    expect(
      (p.get(':person/friend') as d.EntityView[]).map((f) => f.get(':person/name')).sort(),
    ).toEqual(['F1', 'F2']);
    const spouses = p.get(':person/_spouse') as d.EntityView[];
    expect(spouses.map((s) => s.get(':person/name'))).toEqual(['S']);
    const json = p.toJSON();
    expect(json['person/address']).toMatchObject({ 'address/city': 'Berlin' });
  });

  it('retractEntity removes the entity, its components and references to it', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const r = await d.transact(conn, [
      {
        'db/id': 'p',
        'person/name': 'P',
        'person/address': { 'db/id': 'addr', 'address/city': 'Oslo' },
      },
      { 'db/id': 'q', 'person/name': 'Q', 'person/friend': ['p'] },
    ]);
    const { p, q, addr } = r.tempids as Record<string, number>;
    await d.transact(conn, [[':db/retractEntity', p]]);
    const db = await d.db(conn);
    expect(await eav(db, ':eavt', p)).toEqual([]);
    expect(await eav(db, ':eavt', addr)).toEqual([]);
    expect(await eav(db, ':eavt', q)).toEqual([[q, ':person/name', 'Q']]);
    await d.transact(conn, [[':db.fn/retractEntity', q]]);
    expect(await eav(await d.db(conn), ':eavt', q)).toEqual([]);
  });

  it('compare-and-swap succeeds on the expected value and fails otherwise', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const { tempids } = await d.transact(conn, [{ 'db/id': 'x', 'person/age': 1 }]);
    const e = tempids.x!;
    await d.transact(conn, [[':db/cas', e, ':person/age', 1, 2]]);
    expect((await d.entity(await d.db(conn), e))?.get(':person/age')).toBe(2);
    await expect(d.transact(conn, [[':db.fn/cas', e, ':person/age', 1, 3]])).rejects.toMatchObject({
      code: 'transact/cas',
    });
    await d.transact(conn, [[':db/cas', e, ':person/name', null, 'new']]);
    expect((await d.entity(await d.db(conn), e))?.get(':person/name')).toBe('new');
  });

  it('runs JavaScript transaction functions with :db.fn/call', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const { tempids } = await d.transact(conn, [{ 'db/id': 'x', 'person/age': 41 }]);
    const inc = (_db: d.DbView, e: number) => [[':db/add', e, ':person/age', 42]];
    await d.transact(conn, [[':db.fn/call', inc, tempids.x]]);
    expect((await d.entity(await d.db(conn), tempids.x))?.get(':person/age')).toBe(42);
  });

  it('puts tx metadata on the transaction entity', async () => {
    const conn = await freshConn([
      ...PERSON_SCHEMA,
      {
        'db/ident': ':tx/source',
        'db/valueType': ':db.type/string',
        'db/cardinality': ':db.cardinality/one',
      },
    ]);
    const r1 = await d.transact(conn, [
      { 'person/name': 'A' },
      { 'db/id': 'datomic.tx', 'tx/source': 'import' },
    ]);
    const tx1 = r1.tempids['db/current-tx']!;
    expect((await d.entity(await d.db(conn), tx1))?.get(':tx/source')).toBe('import');
    const r2 = await d.transact(conn, {
      'tx-data': [{ 'person/name': 'B' }],
      'tx-meta': { 'tx/source': 'api' },
    });
    const tx2 = r2.tempids['db/current-tx']!;
    expect((await d.entity(await d.db(conn), tx2))?.get(':tx/source')).toBe('api');
    expect((r2['tx-meta'] as Record<string, unknown>)['tx/source']).toBe('api');
    const r3 = await d.transact(conn, [[':db/add', ':db/current-tx', ':tx/source', 'list']]);
    expect(
      (await d.entity(await d.db(conn), r3.tempids['db/current-tx'])!)?.get(':tx/source'),
    ).toBe('list');
  });
});

describe('transact: upserts and uniqueness', () => {
  it('upserts through a unique identity attribute', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const r1 = await d.transact(conn, [{ 'person/email': 'a@x', 'person/name': 'A' }]);
    const e = r1['tx-data'].find((x) => x.a === ':person/email')!.e;
    const r2 = await d.transact(conn, [
      { 'db/id': 'again', 'person/email': 'a@x', 'person/age': 5 },
    ]);
    expect(r2.tempids.again).toBe(e);
    expect(await eav(await d.db(conn), ':eavt', e)).toEqual([
      [e, ':person/age', 5],
      [e, ':person/email', 'a@x'],
      [e, ':person/name', 'A'],
    ]);
  });

  it('merges two tempids that assert the same new identity value', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const r = await d.transact(conn, [
      { 'db/id': 'one', 'person/email': 'n@x', 'person/name': 'N' },
      { 'db/id': 'two', 'person/email': 'n@x', 'person/age': 3 },
    ]);
    expect(r.tempids.one).toBe(r.tempids.two);
    expect(await eav(await d.db(conn), ':avet', ':person/email', 'n@x')).toEqual([
      [r.tempids.one, ':person/email', 'n@x'],
    ]);
  });

  it('rejects a tempid that upserts to two different entities', async () => {
    const conn = await freshConn([
      ...PERSON_SCHEMA,
      {
        'db/ident': ':person/handle',
        'db/valueType': ':db.type/string',
        'db/cardinality': ':db.cardinality/one',
        'db/unique': ':db.unique/identity',
      },
    ]);
    await d.transact(conn, [{ 'person/email': 'a@x' }, { 'person/handle': 'b' }]);
    await expect(
      d.transact(conn, [{ 'person/email': 'a@x', 'person/handle': 'b' }]),
    ).rejects.toMatchObject({
      code: 'transact/upsert-conflict',
    });
  });

  it('rejects unique value conflicts and leaves the database unchanged', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    await d.transact(conn, [{ 'person/ssn': '123', 'person/name': 'A' }]);
    const before = await d.db(conn);
    const err = await d
      .transact(conn, [{ 'person/ssn': '123', 'person/name': 'B' }])
      .catch((e) => e);
    expect(err).toBeInstanceOf(d.DatahikeError);
    expect(err.code).toBe('transact/unique');
    expect(err.data.value).toBe('123');
    expect(await d.db(conn)).toBe(before);
    expect(await eav(before, ':aevt', ':person/name')).toHaveLength(1);
  });
});

describe('transact: bad input', () => {
  it('names the attribute, value and expected type of a wrongly typed value', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    const err = await d.transact(conn, [{ 'person/age': 'old' }]).catch((e) => e);
    expect(err.code).toBe('transact/wrong-type');
    expect(err.message).toContain(':person/age');
    expect(err.message).toContain('"old"');
    expect(err.message).toContain(':db.type/long');
  });

  it('rejects unknown attributes under schema-on-write, accepts them under schema-on-read', async () => {
    const conn = await freshConn();
    await expect(d.transact(conn, [{ whatever: 1 }])).rejects.toMatchObject({
      code: 'transact/schema',
    });
    const loose = await freshConn([], { 'schema-flexibility': ':read' });
    const r = await d.transact(loose, [{ whatever: 1, tags: ['a', 'b'] }]);
    expect(r['tx-data'].filter((x) => x.a !== ':db/txInstant').map((x) => [x.a, x.v])).toEqual([
      [':whatever', 1],
      [':tags', ['a', 'b']],
    ]);
  });

  it('reports malformed lookup refs, missing lookup refs, unknown tempids and released connections', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    await expect(
      d.transact(conn, [[':db/add', [':person/email'], ':person/name', 'x']]),
    ).rejects.toMatchObject({
      code: 'lookup-ref/malformed',
    });
    await expect(
      d.transact(conn, [[':db/add', [':person/email', 'nobody'], ':person/name', 'x']]),
    ).rejects.toMatchObject({
      code: 'lookup-ref/not-found',
    });
    await expect(
      d.transact(conn, [[':db/add', [':person/name', 'x'], ':person/age', 1]]),
    ).rejects.toMatchObject({
      code: 'lookup-ref/not-unique',
    });
    await expect(
      d.transact(conn, [{ 'person/name': 'x', 'person/friend': ['ghost'] }]),
    ).rejects.toMatchObject({
      code: 'transact/unknown-tempid',
    });
    await expect(d.transact(conn, '[{:person/name "x"')).rejects.toMatchObject({
      code: 'edn/parse',
    });
    await expect(d.transact(conn, [[':db/frobnicate', 1]])).rejects.toMatchObject({
      code: 'transact/unknown-op',
    });
    await expect(d.transact(conn, [{ 'person/name': null }])).rejects.toMatchObject({
      code: 'transact/nil-value',
    });
    await d.release(conn);
    await expect(d.transact(conn, [{ 'person/name': 'x' }])).rejects.toMatchObject({
      code: 'connection/released',
    });
    await expect(d.db(conn)).rejects.toMatchObject({ code: 'connection/released' });
  });

  it('a failing transaction leaves every index as it was', async () => {
    const conn = await freshConn(PERSON_SCHEMA);
    await d.transact(conn, [{ 'person/email': 'a@x', 'person/name': 'A', 'person/nick': ['n'] }]);
    const before = await d.db(conn);
    const snapshot = async (db: d.DbView) =>
      JSON.stringify([
        await d.datoms(db, ':eavt'),
        await d.datoms(db, ':aevt'),
        await d.datoms(db, ':avet'),
      ]);
    const s0 = await snapshot(before);
    await expect(
      d.transact(conn, [
        { 'person/email': 'b@x', 'person/name': 'B' },
        [':db/retract', [':person/email', 'a@x'], ':person/nick', 'n'],
        { 'person/age': 'not a number' },
      ]),
    ).rejects.toThrow();
    expect(await d.db(conn)).toBe(before);
    expect(await snapshot(await d.db(conn))).toBe(s0);
  });
});
