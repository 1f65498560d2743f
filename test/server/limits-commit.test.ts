/**
 * Writes the server could not answer for: a transaction whose values nest deeper than a
 * report can carry is refused before it commits (nothing changes); a nested map under
 * schema on read commits as an entity; and a commit an open /listen stream cannot encode
 * (made by another process on the same store) reaches that stream as an error event
 * while the server and the stream go on.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { type AttackTarget, attackTarget, limitOf } from './limits-helpers.js';

let t: AttackTarget;
beforeAll(async () => {
  t = await attackTarget();
}, 60_000);
afterAll(() => t.stop());

const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe('transactions', () => {
  it('refuses values nested deeper than a report can carry, and commits nothing', async () => {
    const before = await t.db();
    const a = await t.post('transact', `[${t.conn} [{:name "Deep" :v ${nested(495)}}]]`);
    expect(a.status).toBe(400);
    expect(limitOf(a)).toBe('max-value-depth');
    expect(await t.db()).toBe(before);
    await t.intact();
  });

  it('commits a nested map under schema on read as an entity of its own', async () => {
    const cfg = '{:store {:backend :memory :id "nested"} :schema-flexibility :read}';
    await t.post('create-database', `[${cfg}]`);
    const conn = (await t.post('connect', `[${cfg}]`)).text;
    const a = await t.post('transact', `[${conn} [{:name "x" :friend {:name "y"}}]]`);
    expect(a.status).toBe(200);
    const db = (await t.post('db', `[${conn}]`)).text;
    const r = await t.post(
      'q',
      `["[:find ?n . :where [?e :name \\"x\\"] [?e :friend ?f] [?f :name ?n]]" ${db}]`,
    );
    expect(r.text).toBe('"y"');
    await t.intact();
  });
});

describe('/listen', () => {
  it('sends a commit its format cannot encode as an error event, and goes on', async () => {
    const cfg = '{:store {:backend :file :id "listened"} :schema-flexibility :read}';
    await t.post('create-database', `[${cfg}]`);
    const conn = (await t.post('connect', `[${cfg}]`)).text;
    const res = await fetch(`${t.url}/listen`, {
      method: 'POST',
      headers: { 'content-type': 'application/edn', accept: 'application/edn' },
      body: `[${conn}]`,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let seen = '';
    const until = async (text: string) => {
      while (!seen.includes(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before ${text}: ${seen}`);
        seen += Buffer.from(value).toString('utf8');
      }
    };
    await until('event: ready');
    // Another process writes to the same store a value no answer can carry.
    const local = await d.connect({
      store: { backend: ':file', id: 'listened', path: join(t.dataDir, 'listened') },
      'schema-flexibility': ':read',
    });
    let deep: unknown = 1;
    for (let i = 0; i < 600; i++) deep = [deep];
    await d.transact(local, [{ name: 'Far', v: deep }]);
    await d.release(local);
    await until('event: error');
    expect(seen).toContain('wire/unencodable');
    // The stream and the server go on.
    const a = await t.post('transact', `[${conn} [{:name "Near"}]]`);
    expect(a.status).toBe(200);
    await until('event: tx');
    await reader.cancel();
    await t.intact();
  });
});

describe(':max-answer-bytes', () => {
  let small: AttackTarget;
  beforeAll(async () => {
    small = await attackTarget({ DATAHIKE_MAX_ANSWER_BYTES: '4096' });
  }, 60_000);
  afterAll(() => small.stop());

  it('refuses a larger answer with 413 naming the limit, but never a committed write', async () => {
    const big = Array.from({ length: 200 }, (_, i) => `{:name "n${i}" :note "${'x'.repeat(50)}"}`);
    const cfg = '{:store {:backend :memory :id "big"} :schema-flexibility :read}';
    await small.post('create-database', `[${cfg}]`);
    const conn = (await small.post('connect', `[${cfg}]`)).text;
    // The report would be larger than the limit: the commit is answered all the same.
    const w = await small.post('transact', `[${conn} [${big.join(' ')}]]`);
    expect(w.status).toBe(200);
    expect(w.text).toContain(':tx-data []');
    const db = (await small.post('db', `[${conn}]`)).text;
    const r = await small.post('q', `["[:find ?n ?x :where [?e :name ?n] [?e :note ?x]]" ${db}]`);
    expect(r.status).toBe(413);
    expect(limitOf(r)).toBe('max-answer-bytes');
    const count = await small.post('q', `["[:find (count ?e) . :where [?e :note]]" ${db}]`);
    expect(count.text).toBe('200');
    await small.intact();
  });
});
