/**
 * Ported from Datahike, test/datahike/test/query_cache_test.cljc: a query result never
 * outlives a change to what it reads, through attributes read only by pull (retracted,
 * added, updated), wildcard pulls, patterns from inputs and attributes in :where; and
 * decimals of equal value but different scale keep their own scale.
 *
 * There is no result cache here (only parsed queries are cached), so these hold by
 * construction; they are kept as the regression tests they are upstream.
 *
 * Differs: a decimal keeps its value, not its scale (`1.50M` is `1.5M`), so the last case
 * checks values where upstream checks the printed scale.
 */

import { describe, expect, it } from 'vitest';
import { BigDec } from '../../src/values/index.js';
import { api, conn, edn, q } from './query-helpers.js';

async function labelled() {
  const c = await conn();
  await api.transact(
    c,
    `[{:db/ident :c/id :db/valueType :db.type/string :db/unique :db.unique/identity :db/cardinality :db.cardinality/one}
      {:db/ident :c/labels :db/valueType :db.type/string :db/cardinality :db.cardinality/many}
      {:db/ident :c/note :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]`,
  );
  return c;
}

const pulled = async (query: string, db: unknown, ...inputs: unknown[]) =>
  ((await q(query, db, ...inputs)) as Map<unknown, unknown>[])[0]!;

describe('results follow the database', () => {
  it('after changes to attributes only a pull reads', async () => {
    const c = await labelled();
    const query = '[:find [(pull ?c [:c/id :c/labels :c/note]) ...] :where [?c :c/id]]';
    await api.transact(c, '[{:c/id "t1" :c/labels ["a" "b"] :c/note "old"}]');
    await q(query, await api.db(c));
    let db = (await api.transact(c, '[[:db/retract [:c/id "t1"] :c/labels "a"]]')).dbAfter;
    expect((await pulled(query, db)).get(edn(':c/labels'))).toEqual(['b']);
    db = (await api.transact(c, '[{:c/id "t1" :c/labels ["c"]}]')).dbAfter;
    expect(new Set((await pulled(query, db)).get(edn(':c/labels')) as string[])).toEqual(
      new Set(['b', 'c']),
    );
    db = (await api.transact(c, '[{:c/id "t1" :c/note "new"}]')).dbAfter;
    expect((await pulled(query, db)).get(edn(':c/note'))).toBe('new');
    expect(
      (await pulled('[:find [(pull ?c [*]) ...] :where [?c :c/id]]', db)).get(edn(':c/note')),
    ).toBe('new');
    expect(
      (
        await pulled(
          '[:find [(pull ?c ?pattern) ...] :in $ ?pattern :where [?c :c/id]]',
          db,
          edn('[:c/id :c/note]'),
        )
      ).get(edn(':c/note')),
    ).toBe('new');
  });

  it('after changes to attributes in :where', async () => {
    const c = await labelled();
    await api.transact(c, '[{:c/id "t1" :c/labels ["a" "b"]} {:c/id "t2" :c/labels ["x"]}]');
    const query = '[:find [(pull ?c [:c/id :c/labels]) ...] :where [?c :c/id]]';
    expect(((await q(query, await api.db(c))) as unknown[]).length).toBe(2);
    const { dbAfter } = await api.transact(c, '[[:db/retract [:c/id "t2"] :c/id "t2"]]');
    expect(((await q(query, dbAfter)) as unknown[]).length).toBe(1);
  });

  // Decimals here keep their value, not their scale (1.50M reads back as 1.5M), so what
  // upstream checks as text is checked as the value each query got.
  it('keeps the value of each decimal', async () => {
    const db = await api.db(await conn());
    const run = async (s: string) =>
      String(
        (
          (await q(
            '{:find [?v] :in [$ ?p ?f] :where [[(?f ?p) ?v]]}',
            db,
            BigDec.parse(s),
            (x: unknown) => x,
          )) as unknown[][]
        )
          .values()
          .next().value![0],
      );
    for (const s of ['0.001', '0.001000', '1.5', '1.50', '1.500'])
      expect(await run(s)).toBe(String(BigDec.parse(s)));
    expect(await run('0.001000')).toBe('0.001');
  });
});
