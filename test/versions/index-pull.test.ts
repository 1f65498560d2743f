/**
 * indexPull walks :avet or :aevt within one attribute from a start, forwards or backwards,
 * skipping and limiting, and pulls the entity of each datom it meets: the same entities, in
 * the same order, as the index's datoms read with `seekDatoms`/`rseekDatoms`; on memory and
 * file stores (nodes loaded lazily) and on views.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';

const schema = [
  {
    'db/ident': ':name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
  },
  {
    'db/ident': ':age',
    'db/valueType': ':db.type/long',
    'db/cardinality': ':db.cardinality/one',
    'db/index': true,
  },
  {
    'db/ident': ':tag',
    'db/valueType': ':db.type/keyword',
    'db/cardinality': ':db.cardinality/many',
  },
];

let n = 0;
const stores = {
  memory: () => ({ store: { backend: ':memory', id: `ipull-${process.pid}-${++n}` } }),
  file: () => ({
    store: { backend: ':file', path: mkdtempSync(join(tmpdir(), 'dh-ipull-')) },
    'flush-threshold': 50,
    'store-cache-size': 4,
  }),
};

/** 120 people aged 0..39 (three of each age), in shuffled order. */
async function people(kind: keyof typeof stores): Promise<d.Connection> {
  const cfg = await d.createDatabase({ ...stores[kind](), 'initial-tx': schema });
  const conn = await d.connect(cfg);
  const rows = Array.from({ length: 120 }, (_, i) => ({
    name: `p${i}`,
    age: (i * 7) % 40,
    tag: [':a', i % 2 === 0 ? ':even' : ':odd'],
  }));
  for (let i = 0; i < rows.length; i += 30)
    await d.transact(
      conn,
      rows.slice(i, i + 30).map((r) => ({ ':name': r.name, ':age': r.age, ':tag': r.tag })),
    );
  return conn;
}

/** indexPull on :avet. */
const avet = (
  db: d.Database,
  selector: string,
  start: unknown[],
  more: Record<string, unknown> = {},
) => d.indexPull(db, { index: ':avet', selector, start, ...more });

describe.each(Object.keys(stores) as (keyof typeof stores)[])('indexPull on a %s store', (kind) => {
  it('pulls the entities of the AVET datoms from a value on, as seekDatoms orders them', async () => {
    const conn = await people(kind);
    const db = await d.db(conn);
    const seek = (await d.seekDatoms(db, ':avet', ':age', 30)).filter((x) => x.a === ':age');
    const expected = await d.pullMany(
      db,
      '[:name :age]',
      seek.map((x) => x.e),
    );
    expect(await avet(db, '[:name :age]', [':age', 30])).toEqual(expected);
    // Offset and limit count datoms.
    expect(await avet(db, '[:name :age]', [':age', 30], { offset: 4, limit: 5 })).toEqual(
      expected.slice(4, 9),
    );
    await d.release(conn);
  });

  it('walks backwards from the start to the attribute first datom', async () => {
    const conn = await people(kind);
    const db = await d.db(conn);
    const back = (await d.rseekDatoms(db, ':avet', ':age', 5)).filter((x) => x.a === ':age');
    const expected = await d.pullMany(
      db,
      '[:age]',
      back.map((x) => x.e),
    );
    expect(expected.map((p) => p?.age)).toEqual([
      5, 5, 5, 4, 4, 4, 3, 3, 3, 2, 2, 2, 1, 1, 1, 0, 0, 0,
    ]);
    expect(await avet(db, '[:age]', [':age', 5], { reverse: true })).toEqual(expected);
    expect(await avet(db, '[:age]', [':age', 5], { reverse: true, offset: 2, limit: 2 })).toEqual(
      expected.slice(2, 4),
    );
    await d.release(conn);
  });

  it('walks AEVT of an attribute, one pull per datom, from an entity on', async () => {
    const conn = await people(kind);
    const db = await d.db(conn);
    const tags = await d.datoms(db, ':aevt', ':tag');
    const from = tags[10]!.e;
    const expected = tags.filter((x) => x.e >= from).map((x) => ({ name: undefined, e: x.e }));
    const pulled = await d.indexPull(db, {
      index: ':aevt',
      selector: '[:db/id]',
      start: [':tag', from],
    });
    expect(pulled.map((p) => p?.['db/id'])).toEqual(expected.map((x) => x.e));
    await d.release(conn);
  });

  it('reads views: as of an earlier transaction only the people there were', async () => {
    const conn = await people(kind);
    const log = await d.txRange(conn);
    const early = await d.asOf(await d.db(conn), log.at(-3)!.t);
    const all = await d.indexPull(early, { index: ':avet', selector: '[:name]', start: [':age'] });
    expect(all).toHaveLength(60);
    await d.release(conn);
  });
});

describe('indexPull arguments', () => {
  it('refuses other indices, a start without attribute and an unindexed AVET attribute', async () => {
    const conn = await people('memory');
    const db = await d.db(conn);
    const call = (o: Record<string, unknown>) => avet(db, '[*]', [':age'], { ...o } as never);
    await expect(call({ index: ':eavt' })).rejects.toMatchObject({ code: 'api/invalid-argument' });
    await expect(call({ start: [] })).rejects.toMatchObject({ code: 'api/invalid-argument' });
    await expect(call({ start: [':name'] })).rejects.toMatchObject({
      code: 'index-range/not-indexed',
    });
    await expect(call({ limit: -1 })).rejects.toMatchObject({ code: 'api/invalid-argument' });
    await d.release(conn);
  });
});
