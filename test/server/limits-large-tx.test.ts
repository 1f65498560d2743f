/**
 * A large transaction and the reads beside it, on a server process: while the server
 * applies and commits a transaction of hundreds of thousands of datoms, /health answers,
 * and reads of the database as it was before (the handle a client holds, or `db` asked
 * for meanwhile) answer with the data before the transaction; afterwards the new
 * database holds all of it. Behaviour only: how long each waited is the benchmark's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackTarget, attackTarget } from './limits-helpers.js';

const ENTITIES = 100_000;

describe('a large transaction', () => {
  let t: AttackTarget;
  beforeAll(async () => {
    t = await attackTarget({ DATAHIKE_MAX_ANSWER_BYTES: String(1024 * 1024) });
  }, 60_000);
  afterAll(() => t.stop());

  for (const backend of ['file', 'memory'])
    it(`leaves /health and reads of the database before it answering (${backend} store)`, async () => {
      const cfg = `{:store {:backend :${backend} :id "large-${backend}"} :schema-flexibility :read}`;
      expect((await t.post('create-database', `[${cfg}]`)).status).toBe(200);
      const conn = (await t.post('connect', `[${cfg}]`)).text;
      expect((await t.post('transact', `[${conn} [{:n -1}]]`)).status).toBe(200);
      const before = (await t.post('db', `[${conn}]`)).text;
      const count = async (db: string) =>
        t.post('q', `["[:find (count ?e) . :where [?e :n]]" ${db}]`);
      const rows = Array.from({ length: ENTITIES }, (_, i) => `{:n ${i} :s "p${i}"}`).join(' ');
      const big = t.post('transact', `[${conn} [${rows}]]`);
      const beside = Promise.all([
        fetch(`${t.url}/health`).then((r) => r.status),
        count(before),
        t.post('db', `[${conn}]`).then((a) => count(a.text)),
      ]);
      const [health, old, current] = await beside;
      expect(health).toBe(200);
      expect(old).toEqual({ status: 200, text: '1' });
      // `db` asked for beside the transaction: the database before it, or after it, whole.
      expect([`1`, String(ENTITIES + 1)]).toContain(current.text);
      // The report is larger than the answers this server sends: it goes out without tx-data.
      const done = await big;
      expect(done.status).toBe(200);
      expect(await count((await t.post('db', `[${conn}]`)).text)).toEqual({
        status: 200,
        text: String(ENTITIES + 1),
      });
      expect(await count(before)).toEqual({ status: 200, text: '1' });
      await t.intact();
    }, 120_000);
});
