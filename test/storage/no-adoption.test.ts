/**
 * A database is never created over data that is not a store, and deleting one removes only
 * what its store wrote: for the file, SQLite, PostgreSQL and S3 backends, through the API.
 */

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { type S3TestServer, startS3Server } from './s3-server.js';
import { PG, pgAvailable } from './servers.js';

const dir = mkdtempSync(join(tmpdir(), 'dh-adopt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schema = [
  {
    'db/ident': ':name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
  },
];

async function refusedWith(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code: string }).code;
  }
  return 'no error';
}

describe('the file store', () => {
  it('is not created in a folder holding other files, which stay as they were', async () => {
    const folder = join(dir, 'home');
    mkdirSync(folder);
    writeFileSync(join(folder, 'notes.txt'), 'mine');
    const cfg = { store: { backend: ':file', path: folder } };
    expect(await refusedWith(d.createDatabase(cfg))).toBe('store/not-empty');
    expect(readFileSync(join(folder, 'notes.txt'), 'utf8')).toBe('mine');
    await d.deleteDatabase(cfg);
    expect(readFileSync(join(folder, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('is not created over a file', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'data');
    expect(await refusedWith(d.createDatabase({ store: { backend: ':file', path: file } }))).toBe(
      'store/not-empty',
    );
    expect(readFileSync(file, 'utf8')).toBe('data');
  });

  it('deletes what it wrote and leaves files put beside it', async () => {
    const folder = join(dir, 'db1');
    const cfg = { store: { backend: ':file', path: folder }, 'initial-tx': schema };
    await d.createDatabase(cfg);
    writeFileSync(join(folder, 'README'), 'keep');
    await d.deleteDatabase(cfg);
    expect(readFileSync(join(folder, 'README'), 'utf8')).toBe('keep');
    expect(existsSync(join(folder, 'STORE'))).toBe(false);
    expect(existsSync(join(folder, 'blobs'))).toBe(false);
    const empty = join(dir, 'db2');
    await d.createDatabase({ store: { backend: ':file', path: empty } });
    await d.deleteDatabase({ store: { backend: ':file', path: empty } });
    expect(existsSync(empty)).toBe(false);
  });
});

describe('the SQLite store', () => {
  it('is not created over a file that is not SQLite', async () => {
    const file = join(dir, 'authorized_keys');
    writeFileSync(file, 'ssh-ed25519 AAAA… me@host\n');
    const cfg = { store: { backend: ':sqlite', path: file } };
    expect(await refusedWith(d.createDatabase(cfg))).toBe('store/not-empty');
    expect(readFileSync(file, 'utf8')).toBe('ssh-ed25519 AAAA… me@host\n');
  });

  it('is not created in a SQLite file with tables of its own; a store beside them is dropped alone', async () => {
    const file = join(dir, 'app.sqlite');
    const app = new Database(file);
    app.exec("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ann');");
    app.close();
    const cfg = { store: { backend: ':sqlite', path: file } };
    expect(await refusedWith(d.createDatabase(cfg))).toBe('store/not-empty');
    await d.deleteDatabase(cfg);
    const after = new Database(file);
    expect(after.prepare('SELECT name FROM users').all()).toEqual([{ name: 'ann' }]);
    after.close();

    const own = join(dir, 'own.sqlite');
    await d.createDatabase({ store: { backend: ':sqlite', path: own }, 'initial-tx': schema });
    const db = new Database(own);
    db.exec("CREATE TABLE extra (x TEXT); INSERT INTO extra VALUES ('y');");
    db.close();
    await d.deleteDatabase({ store: { backend: ':sqlite', path: own } });
    const left = new Database(own);
    expect(left.prepare('SELECT x FROM extra').all()).toEqual([{ x: 'y' }]);
    expect(left.prepare("SELECT name FROM sqlite_master WHERE name = 'blobs'").all()).toEqual([]);
    left.close();
  });
});

describe('the PostgreSQL store', async () => {
  const withPg = await pgAvailable();
  const table = `dh_foreign_${process.pid}`;
  const client = new pg.Client({ ...PG, database: PG.dbname });
  beforeAll(async () => {
    if (!withPg) return;
    await client.connect();
    await client.query(`CREATE TABLE ${table} (id int, name text)`);
    await client.query(`CREATE TABLE ${table}_log (id int)`);
    await client.query(`INSERT INTO ${table} VALUES (1, 'ann')`);
  });
  afterAll(async () => {
    if (!withPg) return;
    await client.query(`DROP TABLE IF EXISTS ${table}, ${table}_log`);
    await client.end();
  });

  it.skipIf(!withPg)('never drops or opens a table an application made', async () => {
    const cfg = { store: { backend: ':pg', ...PG, table } };
    expect(await refusedWith(d.createDatabase(cfg))).not.toBe('no error');
    expect(await refusedWith(d.connect(cfg))).toBe('store/not-empty');
    await d.deleteDatabase(cfg);
    expect((await client.query(`SELECT name FROM ${table}`)).rows).toEqual([{ name: 'ann' }]);
  });
});

describe('the S3 store', () => {
  let server: S3TestServer;
  let s3: S3Client;
  beforeAll(async () => {
    server = await startS3Server();
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.close();
  });
  const store = (prefix: string) => ({
    backend: ':s3',
    bucket: 'adopt',
    endpoint: server.endpoint,
    'access-key': 'test',
    secret: 'test',
    prefix,
    id: prefix,
  });
  const read = async (key: string) =>
    (await s3.send(new GetObjectCommand({ Bucket: 'adopt', Key: key }))).Body!.transformToString();

  it('is not created under a prefix holding other objects, and deletes only its own', async () => {
    await d.createDatabase({ store: store('first') }).catch(() => undefined);
    await d.deleteDatabase({ store: store('first') });
    await s3.send(new PutObjectCommand({ Bucket: 'adopt', Key: 'app/report.csv', Body: 'a,b' }));
    expect(await refusedWith(d.createDatabase({ store: store('app') }))).toBe('store/not-empty');
    expect(await read('app/report.csv')).toBe('a,b');

    await d.createDatabase({ store: store('mine'), 'initial-tx': schema });
    await s3.send(new PutObjectCommand({ Bucket: 'adopt', Key: 'mine/notes.txt', Body: 'keep' }));
    await d.deleteDatabase({ store: store('mine') });
    expect(await read('mine/notes.txt')).toBe('keep');
    expect(await d.databaseExists({ store: store('mine') })).toBe(false);
  });
});
