/**
 * Reads of memory stores run on the server's event loop, where nothing can stop them
 * from outside: the engine spends a budget as it goes (`:max-read-rows`, the server's
 * `:timeout`), so memory bombs and runaways end as a 400 or 503 before they take the
 * process's memory. Against a server process with a small budget; after each attack
 * the server answers, the reference database reads back whole, and so does the memory
 * database the attacks read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, type AttackTarget, attackTarget, codeOf, limitOf } from './limits-helpers.js';

const MEM = '{:store {:backend :memory :id "bombs"}}';
const CHAIN = 2000;
const ROWS = 100_000;

let t: AttackTarget;
let conn: string;
const db = async () => (await t.post('db', `[${conn}]`)).text;
const q = async (query: string, ...inputs: string[]) =>
  t.post('q', `[${JSON.stringify(query)} ${await db()} ${inputs.join(' ')}]`);

function refusedFor(a: Answer, limit: string): void {
  expect(a.status).toBe(400);
  expect(codeOf(a)).toBe('limit/exceeded');
  expect(limitOf(a)).toBe(limit);
}

function stoppedInTime(a: Answer): void {
  expect(a.status).toBe(503);
  expect(['query/timeout', 'server/timeout']).toContain(codeOf(a));
}

beforeAll(async () => {
  t = await attackTarget({ DATAHIKE_MAX_READ_ROWS: String(ROWS), DATAHIKE_TIMEOUT: '1500' });
  expect((await t.post('create-database', `[${MEM}]`)).status).toBe(200);
  conn = (await t.post('connect', `[${MEM}]`)).text;
  const schema =
    '[{:db/ident :next :db/valueType :db.type/ref :db/cardinality :db.cardinality/one} {:db/ident :n :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}]';
  expect((await t.post('transact', `[${conn} ${schema}]`)).status).toBe(200);
  // A chain of entities, each pointing to the next.
  const chain = Array.from(
    { length: CHAIN },
    (_, i) => `{:db/id ${-(i + 1)} :n ${i}${i + 1 < CHAIN ? ` :next ${-(i + 2)}` : ''}}`,
  ).join(' ');
  expect((await t.post('transact', `[${conn} [${chain}]]`)).status).toBe(200);
}, 60_000);
afterAll(() => t.stop());

/** The server is up, the reference database whole and the memory one still holds its chain. */
async function intact(): Promise<void> {
  await t.intact();
  const a = await q('[:find (count ?e) . :where [?e :n]]');
  expect(a).toEqual({ status: 200, text: String(CHAIN) });
}

describe('memory stores: reads that would take the memory', () => {
  it('answers a read within the budget', async () => {
    const a = await q('[:find (count ?x) . :where [(range 50000) [?x ...]]]');
    expect(a).toEqual({ status: 200, text: '50000' });
    await intact();
  });

  it('refuses rows that each hold a large collection', async () => {
    const a = await q('[:find ?i :where [(range 1000) [?i ...]] [(range ?i 900000) ?r]]');
    refusedFor(a, 'max-read-rows');
    await intact();
  });

  it('refuses a cartesian product of two large bindings, from :where or from the inputs', async () => {
    refusedFor(
      await q('[:find ?a ?b :where [(range 1000) [?a ...]] [(range 1000) [?b ...]]]'),
      'max-read-rows',
    );
    const xs = `[${Array.from({ length: 1000 }, (_, i) => i).join(' ')}]`;
    refusedFor(
      await q('[:find (count ?a) . :in $ [?a ...] [?b ...] :where [(< ?a ?b)]]', xs, xs),
      'max-read-rows',
    );
    // Patterns joined on nothing: every entity with every entity.
    refusedFor(await q('[:find (count ?a) . :where [?a :n] [?b :n]]'), 'max-read-rows');
    await intact();
  });

  it('refuses a collection binding that makes more rows than the budget', async () => {
    refusedFor(await q('[:find (count ?x) . :where [(range 1000000) [?x ...]]]'), 'max-read-rows');
    await intact();
  });

  it('refuses strings that grow round by round in a rule', async () => {
    const rules =
      '[[(grow ?s) [(ground "aaaaaaaaaaaaaaaa") ?s]] [(grow ?t) (grow ?s) [(str ?s ?s) ?t]]]';
    const a = await q('[:find (count ?s) . :in $ % :where (grow ?s)]', rules);
    expect(a.status).toBe(400);
    expect(['max-read-rows', 'max-string']).toContain(limitOf(a));
    await intact();
  });

  it('refuses pulls that together reach more entities than the budget', async () => {
    const heads = `[${Array.from({ length: 100 }, (_, i) => `[:n ${i}]`).join(' ')}]`;
    const a = await t.post('pull-many', `[${await db()} [:n {:next ...}] ${heads}]`);
    refusedFor(a, 'max-read-rows');
    // In :find too.
    refusedFor(
      await q('[:find (pull ?e [:n {:next ...}]) :where [?e :n ?n] [(< ?n 100)]]'),
      'max-read-rows',
    );
    await intact();
  });
});

describe('memory stores: reads that would hold the event loop', () => {
  it('stops a rule that never stops growing at the deadline', async () => {
    const rules = '[[(nat ?x) [(ground 0) ?x]] [(nat ?y) (nat ?x) [(inc ?x) ?y]]]';
    stoppedInTime(await q('[:find (count ?x) . :in $ % :where (nat ?x)]', rules));
    await intact();
  });
});
