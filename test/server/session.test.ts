/**
 * The JSON session of Datahike's server test (reference section 4.4), replayed: the same
 * requests, and the same answer bytes where Datahike's shapes are sound (create-database
 * answers with our config keys, a deliberate difference: see README).
 */
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer, type Server } from '../../src/server/app.js';
import { serverConfig } from '../../src/server/config.js';
import { keyword } from '../../src/values/index.js';

const TOKEN = 'securerandompassword';
const H = {
  'content-type': 'application/json',
  accept: 'application/json',
  authorization: `token ${TOKEN}`,
};
const ID = '23196000-0000-0000-0000-000000000001';
const CONN = `["!datahike/Connection",[["!uuid","${ID}"],["!kw","db"]]]`;
let server: Server;
let url: string;

beforeAll(async () => {
  server = await createServer(
    serverConfig(
      new Map<unknown, unknown>([
        [keyword('level'), keyword('silent')],
        [keyword('token'), TOKEN],
        [keyword('data-dir'), mkdtempSync(join(tmpdir(), 'dh-session-'))],
      ]),
      {},
    ),
  );
  url = await server.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => server.close());

/** A request with a body, GET included (fetch refuses a GET body; Datahike's clients send one). */
function send(
  method: string,
  path: string,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...H, 'content-length': String(Buffer.byteLength(body)) };
    const req = request(`${url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (b) => {
        text += String(b);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

it('answers as Datahike does', async () => {
  const cfg = `"{:store {:backend :memory :id #uuid \\"${ID}\\"} :schema-flexibility :read}"`;
  const created = await send('POST', '/create-database', `[${cfg}]`);
  expect(created.status).toBe(200);
  expect(JSON.parse(created.text)).toMatchObject({
    store: { backend: ['!kw', 'memory'], id: ['!uuid', ID] },
    'keep-history?': true,
    'schema-flexibility': ['!kw', 'read'],
    branch: ['!kw', 'db'],
  });
  const connected = await send('POST', '/connect', `[${created.text}]`);
  expect(connected.text).toBe(CONN);
  const tx = await send('POST', '/transact', `[${CONN},[{"name":"Peter","age":42}]]`);
  const report = JSON.parse(tx.text);
  expect(report[0]).toBe('!datahike/TxReport');
  expect(Object.keys(report[1])).toEqual([
    'db-before',
    'db-after',
    'tx-data',
    'tempids',
    'tx-meta',
  ]);
  const cid1 = report[1]['db-after'][1]['commit-id'][1];
  expect(JSON.stringify(report[1]['db-after'])).toBe(
    `["!datahike/DB",{"store-id":[["!uuid","${ID}"],["!kw","db"]],"commit-id":["!uuid","${cid1}"],"max-eid":1,"max-tx":536870913}]`,
  );
  expect(report[1].tempids).toEqual({ 'db/current-tx': 536870913 });
  expect(Object.keys(report[1]['tx-meta'])).toEqual(['db/txInstant', 'db/commitId']);
  expect(report[1]['tx-data']).toEqual(
    expect.arrayContaining([
      ['!datahike/Datom', [1, ['!kw', 'age'], 42, 536870913, true]],
      ['!datahike/Datom', [1, ['!kw', 'name'], 'Peter', 536870913, true]],
    ]),
  );
  const db = await send('POST', '/db', `[${CONN}]`);
  expect(db.text).toBe(JSON.stringify(report[1]['db-after']));
  const q = await send(
    'GET',
    '/q',
    `["[:find ?n ?a :in $1 :where [$1 ?e :age ?a] [$1 ?e :name ?n]]",${db.text}]`,
  );
  expect(q.text).toBe('["!set",[["Peter",42]]]');
  const pull = await send('GET', '/pull', `[${db.text},[["!kw","name"],["!kw","age"]],1]`);
  expect(JSON.parse(pull.text)).toEqual({ name: 'Peter', age: 42 });
  const wildcard = await send('GET', '/pull', `[${db.text},["*"],1]`);
  expect(JSON.parse(wildcard.text)).toEqual({ 'db/id': 1, age: 42, name: 'Peter' });
  const datoms = await send('GET', '/datoms', `[${db.text},["!kw","eavt"]]`);
  expect(JSON.parse(datoms.text)).toHaveLength(3);
  const exists = await send(
    'POST',
    '/database-exists',
    `["{:store {:backend :memory :id #uuid \\"${ID}\\"}}"]`,
  );
  expect(exists.text).toBe('true');
  expect((await send('POST', '/release', `[${CONN}]`)).text).toBe('null');
  const deleted = await send(
    'POST',
    '/delete-database',
    `["{:store {:backend :memory :id #uuid \\"${ID}\\"}}"]`,
  );
  expect(deleted.text).toBe('null');
  const missing = await send(
    'POST',
    '/connect',
    `["{:store {:backend :memory :id #uuid \\"${ID}\\"}}"]`,
  );
  expect(missing.status).toBe(404);
  const schema = await send(
    'POST',
    '/create-database',
    '["{:store {:backend :memory :id \\"s\\"}}"]',
  );
  expect(schema.status).toBe(200);
  const sconn = (await send('POST', '/connect', '["{:store {:backend :memory :id \\"s\\"}}"]'))
    .text;
  const schemaTx = await send(
    'POST',
    '/transact',
    `[${sconn},[{"db/ident":"name","db/valueType":"db.type/string","db/cardinality":"db.cardinality/one"}]]`,
  );
  expect(schemaTx.status).toBe(200);
});
