/**
 * Ported from Datahike's test/datahike/test/time_variance_test.cljc and
 * test/datahike/test/as_of_resolution_test.cljc: `history`, `asOf` and `since`, alone
 * and nested as Datahike 0.6+ nests them (every order, each view any number of times).
 * As-of includes its time point, since excludes it. Not ported: the printed form of
 * Datahike's view records (`#datahike/AsOfDB {…}`; views travel as handles here, see
 * test/wire) and `valid-at` (Datahike's bitemporal extension).
 */

import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { rejects, rows, setupConn, TX0 } from './helpers.js';

const SCHEMA = [
  {
    'db/ident': ':name',
    'db/valueType': ':db.type/string',
    'db/unique': ':db.unique/identity',
    'db/index': true,
    'db/cardinality': ':db.cardinality/one',
  },
  { 'db/ident': ':age', 'db/valueType': ':db.type/long', 'db/cardinality': ':db.cardinality/one' },
  { name: 'Alice', age: 25 },
  { name: 'Bob', age: 35 },
];

const conn = (extra: Record<string, unknown> = {}) =>
  setupConn({ 'schema-flexibility': ':write', 'initial-tx': SCHEMA, ...extra });

type View = (db: d.DbView) => Promise<d.DbView>;

/**
 * Every composition of the given views in which each appears once or twice, in every
 * order (Datahike's `vary-db-ops`).
 */
function compositions(views: View[]): View[][] {
  const out: View[][] = [];
  const grow = (seq: number[], counts: number[]) => {
    if (counts.every((c) => c > 0)) out.push(seq.map((i) => views[i]!));
    views.forEach((_, i) => {
      if (counts[i]! < 2)
        grow(
          [...seq, i],
          counts.map((c, j) => (j === i ? c + 1 : c)),
        );
    });
  };
  grow(
    [],
    views.map(() => 0),
  );
  return out;
}

async function apply(db: d.DbView, seq: View[]): Promise<d.DbView> {
  let out = db;
  for (const v of seq) out = await v(out);
  return out;
}

describe('history', () => {
  it('holds every value, also of a retracted entity, in every nesting', async () => {
    const c = await conn();
    const tx0 = (await d.db(c)).maxTx;
    const alice = (await d.entity(await d.db(c), [':name', 'Alice']))!.id;
    expect(
      await rows(d.q('[:find ?n ?a :where [?e :name ?n] [?e :age ?a]]', await d.db(c))),
    ).toEqual(
      new Set([
        ['Alice', 25],
        ['Bob', 35],
      ]),
    );
    await d.transact(c, [{ 'db/id': [':name', 'Alice'], age: 30 }]);
    const ages = '[:find ?a :in $ ?e :where [?e :age ?a]]';
    expect(await rows(d.q(ages, await d.db(c), alice))).toEqual(new Set([[30]]));
    expect(await rows(d.q(ages, await d.history(await d.db(c)), alice))).toEqual(
      new Set([[30], [25]]),
    );

    const tx1 = (await d.db(c)).maxTx;
    await d.transact(c, [[':db/retractEntity', [':name', 'Alice']]]);
    const db = await d.db(c);
    expect(await d.entity(db, [':name', 'Alice'])).toBeNull();

    const history: View = (x) => d.history(x);
    const asOf0: View = (x) => d.asOf(x, tx0);
    const since1: View = (x) => d.since(x, tx1);
    for (const seq of compositions([history]))
      expect(await rows(d.q(ages, await apply(db, seq), alice))).toEqual(new Set([[30], [25]]));
    for (const seq of compositions([history, asOf0]))
      expect(await rows(d.q(ages, await apply(db, seq), alice))).toEqual(new Set([[25]]));
    // As Datahike's test has it: the lookup ref resolves in the view (Alice is retracted now).
    for (const seq of compositions([history, asOf0]))
      expect(await rows(d.q(ages, await apply(db, seq), [':name', 'Alice']))).toEqual(
        new Set([[25]]),
      );
    for (const seq of compositions([history, since1]))
      expect(await rows(d.q(ages, await apply(db, seq), alice))).toEqual(new Set([[30]]));

    for (const seq of compositions([history])) {
      const h = await apply(db, seq);
      expect(
        await rows(d.q('[:find ?n ?a :where [?r :age ?a _ false] [?r :name ?n _ false]]', h)),
      ).toEqual(
        new Set([
          ['Alice', 25],
          ['Alice', 30],
        ]),
      );
      expect(
        await rows(
          d.q('[:find ?a ?op :in $ ?e :where [?e :age ?a ?t ?op] [?t :db/txInstant ?d]]', h, alice),
        ),
      ).toEqual(
        new Set([
          [25, true],
          [25, false],
          [30, true],
          [30, false],
        ]),
      );
    }
    await d.release(c);
  });

  it('answers questions about when, with the transaction instants', async () => {
    const c = await conn();
    const alice = (await d.entity(await d.db(c), [':name', 'Alice']))!.id;
    await d.transact(c, [{ 'db/id': [':name', 'Alice'], age: 30 }]);
    const between = (await d.db(c)).maxTx;
    const date = (await d.pull(await d.db(c), '[:db/txInstant]', between))!['db/txInstant'] as Date;
    await d.transact(c, {
      'tx-data': [{ 'db/id': [':name', 'Alice'], age: 35 }],
      'tx-meta': { 'db/txInstant': new Date(date.getTime() + 10) },
    });
    const h = await d.history(await d.db(c));
    expect(
      await rows(d.q('[:find ?a :in $ ?e :where [?e :age ?a]]', await d.db(c), alice)),
    ).toEqual(new Set([[35]]));
    const fd = new Date(date.getTime() + 5);
    for (const pred of ['before?', '<'])
      expect(
        await rows(
          d.q(
            `[:find ?a :in $ ?e ?fd :where [?e :age ?a ?tx] [?tx :db/txInstant ?t] [(${pred} ?t ?fd)]]`,
            h,
            alice,
            fd,
          ),
        ),
      ).toEqual(new Set([[25], [30]]));
    await d.release(c);
  });

  it('leaves out :db/noHistory attributes', async () => {
    const c = await setupConn({
      'schema-flexibility': ':write',
      'initial-tx': [
        {
          'db/ident': ':name',
          'db/cardinality': ':db.cardinality/one',
          'db/valueType': ':db.type/string',
          'db/unique': ':db.unique/identity',
        },
        {
          'db/ident': ':age',
          'db/cardinality': ':db.cardinality/one',
          'db/valueType': ':db.type/long',
          'db/noHistory': true,
        },
        { name: 'Alice', age: 25 },
        { name: 'Bob', age: 35 },
      ],
    });
    const q = '[:find ?n ?a :where [?e :name ?n] [?e :age ?a]]';
    expect(await rows(d.q(q, await d.history(await d.db(c))))).toEqual(
      new Set([
        ['Alice', 25],
        ['Bob', 35],
      ]),
    );
    await d.transact(c, [[':db/retractEntity', [':name', 'Alice']]]);
    expect(await rows(d.q(q, await d.history(await d.db(c))))).toEqual(new Set([['Bob', 35]]));
    expect(
      await rows(d.q('[:find ?n :where [?e :name ?n]]', await d.history(await d.db(c)))),
    ).toEqual(new Set([['Alice'], ['Bob']]));
    await d.release(c);
  });

  it('records every upsert, as datoms of each index', async () => {
    const c = await setupConn({ 'schema-flexibility': ':read', 'initial-tx': SCHEMA });
    const q = '[:find ?a ?t ?op :where [?e :name "Alice"] [?e :age ?a ?t ?op]]';
    const h = async () => d.history(await d.db(c));
    expect(
      (await d.datoms(await h(), { index: ':aevt', components: [':age', [':name', 'Alice']] })).map(
        (x) => [x.e, x.a, x.v, x.tx, x.added],
      ),
    ).toEqual([[3, ':age', 25, TX0 + 1, true]]);
    await d.transact(c, [[':db/add', [':name', 'Alice'], ':age', 30]]);
    expect(await rows(d.q(q, await d.db(c)))).toEqual(new Set([[30, TX0 + 2, true]]));
    await d.transact(c, [[':db/add', [':name', 'Alice'], ':age', 35]]);
    await d.transact(c, [[':db/add', [':name', 'Alice'], ':age', 25]]);
    await d.transact(c, [[':db/retract', [':name', 'Alice'], ':age', 25]]);
    expect(await rows(d.q(q, await d.db(c)))).toEqual(new Set());
    const events = [
      [25, TX0 + 1, true],
      [25, TX0 + 2, false],
      [30, TX0 + 2, true],
      [30, TX0 + 3, false],
      [35, TX0 + 3, true],
      [35, TX0 + 4, false],
      [25, TX0 + 4, true],
      [25, TX0 + 5, false],
    ];
    expect(await rows(d.q(q, await h()))).toEqual(new Set(events));
    const all = async (index: string) =>
      new Set(
        (await d.datoms(await h(), { index, components: [] }))
          .filter((x) => x.e < TX0)
          .map((x) => [x.e, x.a, x.v, x.tx, x.added]),
      );
    const schemaDatoms = [
      [1, ':db/cardinality', ':db.cardinality/one', TX0 + 1, true],
      [1, ':db/ident', ':name', TX0 + 1, true],
      [1, ':db/index', true, TX0 + 1, true],
      [1, ':db/unique', ':db.unique/identity', TX0 + 1, true],
      [1, ':db/valueType', ':db.type/string', TX0 + 1, true],
      [2, ':db/cardinality', ':db.cardinality/one', TX0 + 1, true],
      [2, ':db/ident', ':age', TX0 + 1, true],
      [2, ':db/valueType', ':db.type/long', TX0 + 1, true],
    ];
    const entityDatoms = [
      ...events.map(([v, t, op]) => [3, ':age', v, t, op]),
      [3, ':name', 'Alice', TX0 + 1, true],
      [4, ':age', 35, TX0 + 1, true],
      [4, ':name', 'Bob', TX0 + 1, true],
    ];
    expect(await all(':eavt')).toEqual(new Set([...schemaDatoms, ...entityDatoms]));
    expect(await all(':aevt')).toEqual(new Set([...schemaDatoms, ...entityDatoms]));
    expect(await all(':avet')).toEqual(
      new Set([
        [3, ':name', 'Alice', TX0 + 1, true],
        [4, ':name', 'Bob', TX0 + 1, true],
        [2, ':db/ident', ':age', TX0 + 1, true],
        [1, ':db/ident', ':name', TX0 + 1, true],
      ]),
    );
    await d.release(c);
  });

  it('has no duplicates of a datom asserted once', async () => {
    const c = await setupConn({ 'schema-flexibility': ':write' });
    await d.transact(c, [
      {
        'db/ident': ':name',
        'db/cardinality': ':db.cardinality/one',
        'db/index': true,
        'db/unique': ':db.unique/identity',
        'db/valueType': ':db.type/string',
      },
      {
        'db/ident': ':sibling',
        'db/cardinality': ':db.cardinality/many',
        'db/valueType': ':db.type/ref',
      },
      {
        'db/ident': ':age',
        'db/cardinality': ':db.cardinality/one',
        'db/valueType': ':db.type/long',
      },
    ]);
    await d
      .transact(c, [
        { name: 'Alice', age: 25 },
        {
          name: 'Charlie',
          age: 45,
          sibling: [
            [':name', 'Alice'],
            [':name', 'Charlie'],
          ],
        },
      ])
      .catch(async () => {
        // Lookup refs to entities made in the same transaction do not resolve: make them first.
        await d.transact(c, [
          { name: 'Alice', age: 25 },
          { name: 'Charlie', age: 45 },
        ]);
        await d.transact(c, [
          {
            name: 'Charlie',
            sibling: [
              [':name', 'Alice'],
              [':name', 'Charlie'],
            ],
          },
        ]);
      });
    const h = await d.history(await d.db(c));
    const found = await d.datoms(h, ':eavt', [':name', 'Alice'], ':name', 'Alice');
    expect(found.length).toBe(1);
    expect(found.filter((x) => x.added).length).toBe(1);
    await d.release(c);
  });
});

describe('asOf', () => {
  it('is the database right after a transaction or at an instant', async () => {
    const c = await conn();
    const first = (await d.db(c)).maxTx;
    const firstDate = (await d.pull(await d.db(c), '[:db/txInstant]', first))![
      'db/txInstant'
    ] as Date;
    const q = '[:find ?a :in $ ?e :where [?e :age ?a ?tx]]';
    const alice = (await d.entity(await d.db(c), [':name', 'Alice']))!.id;
    // A later instant than the first transaction's (two may fall in one millisecond).
    const later = { 'db/txInstant': new Date(firstDate.getTime() + 10) };
    await d.transact(c, {
      'tx-data': [{ 'db/id': [':name', 'Alice'], age: 30 }],
      'tx-meta': later,
    });
    expect(await rows(d.q(q, await d.asOf(await d.db(c), firstDate), alice))).toEqual(
      new Set([[25]]),
    );
    expect(await rows(d.q(q, await d.asOf(await d.db(c), first), alice))).toEqual(new Set([[25]]));
    const find = '[:find ?a :in $ ?n :where [?e :name ?n] [?e :age ?a]]';
    expect(await rows(d.q(find, await d.asOf(await d.db(c), first), 'Alice'))).toEqual(
      new Set([[25]]),
    );
    await d.transact(c, [[':db/retractEntity', [':name', 'Alice']]]);
    // Later changes do not show in an as-of of an earlier transaction...
    expect(await rows(d.q(find, await d.asOf(await d.db(c), first), 'Alice'))).toEqual(
      new Set([[25]]),
    );
    // ...and the retraction shows from its own transaction on.
    expect(
      await rows(d.q(find, await d.asOf(await d.db(c), (await d.db(c)).maxTx), 'Alice')),
    ).toEqual(new Set());
    await d.release(c);
  });

  it('refuses a time point before the first transaction (Datahike issue 572)', async () => {
    const c = await conn();
    await rejects(d.asOf(await d.db(c), 42), 'api/invalid-argument', /at least 536870912/);
    await d.release(c);
  });

  it('shows the state after a transaction that retracted and asserted in one go', async () => {
    for (const many of [false, true]) {
      const c = await setupConn({ 'schema-flexibility': ':write' });
      await d.transact(c, [
        {
          'db/ident': ':name',
          'db/cardinality': ':db.cardinality/one',
          'db/unique': ':db.unique/identity',
          'db/valueType': ':db.type/string',
        },
        {
          'db/ident': ':aka',
          'db/cardinality': many ? ':db.cardinality/many' : ':db.cardinality/one',
          'db/valueType': ':db.type/string',
        },
      ]);
      const { 'tx-data': data } = await d.transact(c, [{ name: 'Michal', aka: 'Tupen' }]);
      const michal = data.find((x) => x.v === 'Michal')!.e;
      const { tempids } = await d.transact(c, [
        [':db/retract', michal, ':aka', 'Tupen'],
        [':db/add', michal, ':aka', 'Devil'],
        [':db/retract', michal, ':aka', 'Tupen'],
      ]);
      await d.transact(c, [[':db/retract', michal, ':aka', 'Devil']]);
      const asOf = await d.asOf(await d.db(c), tempids['db/current-tx']!);
      expect(await d.pull(asOf, '[:aka]', michal)).toEqual({ aka: many ? ['Devil'] : 'Devil' });
      expect(await d.pull(await d.db(c), '[:aka]', michal)).toBeNull();
      await d.release(c);
    }
  });
});

describe('as-of resolution (Datahike)', () => {
  const connWith = async (schema: unknown[]) => {
    const c = await setupConn({ 'schema-flexibility': ':write' });
    await d.transact(c, [
      {
        'db/ident': ':name',
        'db/valueType': ':db.type/string',
        'db/cardinality': ':db.cardinality/one',
        'db/unique': ':db.unique/identity',
      },
      ...schema,
    ]);
    await d.transact(c, [{ 'db/id': -1, name: 'a' }]);
    const e = (await d.datoms(await d.db(c), ':avet', ':name', 'a'))[0]!.e;
    return { c, e };
  };
  const many = [
    {
      'db/ident': ':tag',
      'db/valueType': ':db.type/keyword',
      'db/cardinality': ':db.cardinality/many',
    },
  ];
  const one = [
    {
      'db/ident': ':score',
      'db/valueType': ':db.type/long',
      'db/cardinality': ':db.cardinality/one',
    },
  ];
  const present = async (db: d.DbView, e: number, a: string, v: unknown) =>
    (await d.datoms(db, ':eavt', e, a, v)).length > 0;
  const atLast = async (c: d.LocalConnection) => {
    const db = await d.db(c);
    return d.asOf(db, db.maxTx);
  };

  it('a value asserted and retracted in one transaction is absent', async () => {
    for (const [schema, a, v] of [
      [many, ':tag', ':x'],
      [one, ':score', 1],
    ] as const) {
      const { c, e } = await connWith([...schema]);
      await d.transact(c, [
        [':db/add', e, a, v],
        [':db/retract', e, a, v],
      ]);
      expect(await present(await d.db(c), e, a, v)).toBe(false);
      expect(await present(await atLast(c), e, a, v)).toBe(false);
      await d.release(c);
    }
  });

  it('a value retracted and asserted again in one transaction is present', async () => {
    const { c, e } = await connWith(many);
    await d.transact(c, [[':db/add', e, ':tag', ':x']]);
    await d.transact(c, [
      [':db/retract', e, ':tag', ':x'],
      [':db/add', e, ':tag', ':x'],
    ]);
    expect(await present(await d.db(c), e, ':tag', ':x')).toBe(true);
    expect(await present(await atLast(c), e, ':tag', ':x')).toBe(true);
    await d.release(c);
  });

  it('a retraction of one value does not hide another', async () => {
    const { c, e } = await connWith(one);
    await d.transact(c, [[':db/add', e, ':score', 1]]);
    await d.transact(c, [
      [':db/retract', e, ':score', 1],
      [':db/add', e, ':score', 2],
    ]);
    expect(await present(await d.db(c), e, ':score', 2)).toBe(true);
    expect(await present(await atLast(c), e, ':score', 2)).toBe(true);
    expect(await present(await atLast(c), e, ':score', 1)).toBe(false);
    await d.release(c);
  });

  it('reads history back at every point', async () => {
    const { c, e } = await connWith(many);
    const txs: number[] = [];
    for (const op of [':db/add', ':db/retract', ':db/add']) {
      await d.transact(c, [[op, e, ':tag', ':x']]);
      txs.push((await d.db(c)).maxTx);
    }
    const db = await d.db(c);
    expect(await present(await d.asOf(db, txs[0]!), e, ':tag', ':x')).toBe(true);
    expect(await present(await d.asOf(db, txs[1]!), e, ':tag', ':x')).toBe(false);
    expect(await present(await d.asOf(db, txs[2]!), e, ':tag', ':x')).toBe(true);
    await d.release(c);

    const { c: c1, e: e1 } = await connWith(one);
    const ts: number[] = [];
    for (const v of [1, 2, 3]) {
      await d.transact(c1, [[':db/add', e1, ':score', v]]);
      ts.push((await d.db(c1)).maxTx);
    }
    const db1 = await d.db(c1);
    expect(await present(await d.asOf(db1, ts[0]!), e1, ':score', 1)).toBe(true);
    expect(await present(await d.asOf(db1, ts[1]!), e1, ':score', 2)).toBe(true);
    expect(await present(await d.asOf(db1, ts[1]!), e1, ':score', 1)).toBe(false);
    expect(await present(await d.asOf(db1, ts[2]!), e1, ':score', 3)).toBe(true);
    await d.release(c1);
  });

  it('does not bring back a value churned after an earlier life', async () => {
    const { c, e } = await connWith(many);
    await d.transact(c, [[':db/add', e, ':tag', ':x']]);
    await d.transact(c, [[':db/retract', e, ':tag', ':x']]);
    await d.transact(c, [
      [':db/add', e, ':tag', ':x'],
      [':db/retract', e, ':tag', ':x'],
    ]);
    expect(await present(await d.db(c), e, ':tag', ':x')).toBe(false);
    expect(await present(await atLast(c), e, ':tag', ':x')).toBe(false);
    await d.release(c);
  });
});

describe('since', () => {
  it('holds only what was asserted after its time point', async () => {
    const c = await conn();
    const first = (await d.db(c)).maxTx;
    const firstDate = (await d.pull(await d.db(c), '[:db/txInstant]', first))![
      'db/txInstant'
    ] as Date;
    const q = '[:find ?a :where [?e :age ?a]]';
    expect(await rows(d.q(q, await d.since(await d.db(c), firstDate)))).toEqual(new Set());
    const later = { 'db/txInstant': new Date(firstDate.getTime() + 10) };
    await d.transact(c, {
      'tx-data': [{ 'db/id': [':name', 'Alice'], age: 30 }],
      'tx-meta': later,
    });
    expect(await rows(d.q(q, await d.since(await d.db(c), firstDate)))).toEqual(new Set([[30]]));
    expect(await rows(d.q(q, await d.since(await d.db(c), first)))).toEqual(new Set([[30]]));
    await d.release(c);
  });
});

describe('nested views', () => {
  it('combine their ranges: as-of includes its point, since excludes it', async () => {
    const c = await setupConn({ 'schema-flexibility': ':read' });
    const txs: number[] = [];
    for (const v of [1, 2, 3, 4])
      txs.push((await d.transact(c, [{ 'db/id': 1, n: v }])).tempids['db/current-tx']!);
    const [t1, t2, t3, t4] = txs as [number, number, number, number];
    const db = await d.db(c);
    const ns = async (x: d.DbView) =>
      (await d.datoms(x, ':eavt', 1, ':n')).map((y) => [y.v, y.tx, y.added]);

    // State views: the values asserted in the range and still there at its end.
    expect(await ns(await d.asOf(await d.since(db, t1), t3))).toEqual([[3, t3, true]]);
    expect(await ns(await d.since(await d.asOf(db, t3), t1))).toEqual([[3, t3, true]]);
    expect(await ns(await d.since(await d.asOf(db, t3), t3))).toEqual([]);
    expect(await ns(await d.asOf(await d.asOf(db, t3), t2))).toEqual([[2, t2, true]]);
    expect(await ns(await d.asOf(await d.asOf(db, t2), t3))).toEqual([[2, t2, true]]);
    expect(await ns(await d.since(await d.since(db, t1), t3))).toEqual([[4, t4, true]]);

    // History views: every event in the range.
    expect(await ns(await d.history(await d.asOf(db, t2)))).toEqual([
      [1, t1, true],
      [1, t2, false],
      [2, t2, true],
    ]);
    expect(await ns(await d.asOf(await d.history(db), t2))).toEqual(
      await ns(await d.history(await d.asOf(db, t2))),
    );
    expect(await ns(await d.since(await d.history(db), t2))).toEqual([
      [2, t3, false],
      [3, t3, true],
      [3, t4, false],
      [4, t4, true],
    ]);
    expect(await ns(await d.history(await d.since(await d.asOf(db, t3), t1)))).toEqual([
      [1, t2, false],
      [2, t2, true],
      [2, t3, false],
      [3, t3, true],
    ]);
    expect(await ns(await d.history(await d.history(db)))).toEqual(await ns(await d.history(db)));
    expect((await d.asOf(await d.since(db, t1), t3)).maxTx).toBe(t3);

    // A filtered database cannot be wrapped (filter the time view instead).
    const f = await d.filter(db, () => true);
    await rejects(d.asOf(f, t2), 'api/invalid-argument', /not a filtered one/);
    expect(await ns(await d.filter(await d.asOf(db, t2), () => true))).toEqual([[2, t2, true]]);
    await d.release(c);
  });
});
