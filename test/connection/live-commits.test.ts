/**
 * A memory store keeps every commit reachable by id, though it keeps only some commits'
 * databases: any commit, however far from one that keeps its database, answers with the
 * database it had, history included.
 */
import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';

const SCHEMA = [
  {
    'db/ident': ':name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
  },
  {
    'db/ident': ':tag',
    'db/valueType': ':db.type/keyword',
    'db/cardinality': ':db.cardinality/many',
  },
];

async function everything(db: d.DbView, keep: boolean) {
  return {
    eavt: await d.datoms(db, ':eavt'),
    aevt: await d.datoms(db, ':aevt'),
    history: keep ? await d.datoms(await d.history(db), ':eavt') : null,
    parents: await d.parentCommitIds(db),
    schema: await d.schema(db),
    maxTx: (await d.q('[:find (max ?t) :where [?t :db/txInstant]]', db)) as unknown,
  };
}

describe.each([true, false])('a memory database (history %s)', (keepHistory) => {
  it('gives back the database of every commit, across 150 transactions', async () => {
    const cfg = { store: { backend: ':memory' as const }, 'keep-history?': keepHistory };
    const conn = await d.connect(await d.createDatabase(cfg));
    const seen: { id: d.Uuid | null; state: Awaited<ReturnType<typeof everything>> }[] = [];
    await d.transact(conn, SCHEMA);
    for (let i = 0; i < 150; i++) {
      const e = 1000 + (i % 7);
      const tx =
        i % 11 === 10
          ? [[':db/retractEntity', e]]
          : i === 75
            ? [
                {
                  'db/ident': ':later',
                  'db/valueType': ':db.type/long',
                  'db/cardinality': ':db.cardinality/one',
                },
              ]
            : [{ 'db/id': e, name: `n${i}`, tag: [`:t${i % 3}`] }];
      const report = await d.transact(conn, tx);
      const after = report['db-after'];
      seen.push({ id: await d.commitId(after), state: await everything(after, keepHistory) });
    }
    for (const { id, state } of seen) {
      const db = await d.commitAsDb(conn, id!);
      expect(await d.commitId(db)).toEqual(id);
      expect(await everything(db, keepHistory)).toEqual(state);
    }
    await d.release(conn);
  });
});
