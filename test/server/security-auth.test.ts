/**
 * Issue 14, "who may do what": the server's :token (every right), scoped :tokens and JWT
 * bearer tokens (HS256 here; a JWKS file below, in process), each right checked on every
 * route including /listen; releases and deletes of one client against another's handles;
 * and the configurations that must not start.
 */

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseEdn } from '../../src/edn/index.js';
import * as d from '../../src/index.js';
import { Authenticator, credentialsConfig } from '../../src/server/auth.js';
import { type ServerProcess, startServerProcess } from '../client/server-process.js';
import { call, Reference } from './security.js';

const dir = mkdtempSync(join(tmpdir(), 'dh-sec-auth-'));
const SECRET = 'a-jwt-secret-of-at-least-32-characters!';
const ADMIN = { authorization: 'token the-full-token' };
const READER = { authorization: 'token reader-token-0123456789' };
const READER2 = { token: 'reader2-token-0123456789' };
const WRITER = { authorization: 'Bearer writer-token-0123456789' };
const CONFIG = `{:token "the-full-token"
 :tokens [{:name "reader" :token "reader-token-0123456789" :read ["people*"]}
          {:name "reader2" :token "reader2-token-0123456789" :read ["people*"]}
          {:name "writer" :token "writer-token-0123456789" :write ["people"]}]
 :jwt {:secret "${SECRET}" :issuer "tests"}}`;

let server: ServerProcess;
let url: string;
let reference: Reference;
const people = '{:store {:backend :file :id "people"} :schema-flexibility :read}';
const other = '{:store {:backend :file :id "other"} :schema-flexibility :read}';

beforeAll(async () => {
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'server.edn'), CONFIG);
  server = await startServerProcess(
    { DATAHIKE_DATA_DIR: join(dir, 'data') },
    dir,
    join(dir, 'server.edn'),
  );
  url = server.url;
  reference = new Reference(url, ADMIN);
  await reference.create();
  for (const cfg of [people, other])
    expect((await call(url, '/create-database', [cfg], ADMIN)).status).toBe(200);
}, 30_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => reference.check());

const jwt = (claims: Record<string, unknown>, secret = SECRET, exp = '5m') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('tests')
    .setSubject('someone')
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));

async function listenStatus(conn: unknown, headers: Record<string, string>): Promise<number> {
  const args = Buffer.from(JSON.stringify([conn])).toString('base64url');
  const ac = new AbortController();
  const res = await fetch(`${url}/listen?args=${args}`, {
    headers: { 'content-type': 'application/json', ...headers },
    signal: ac.signal,
  });
  ac.abort();
  return res.status;
}

describe('credentials', () => {
  it('without one, or with a wrong one, every API route is 401', async () => {
    const conn = (await call(url, '/connect', [people], ADMIN)).body;
    const wrong: Record<string, string>[] = [
      {},
      { token: 'wrong' },
      { authorization: 'Bearer a.b.c' },
    ];
    for (const headers of wrong) {
      for (const [route, args] of [
        ['/connect', [people]],
        ['/q', ['[:find ?e :where [?e :x]]', conn]],
        ['/transact', [conn, [{ x: 1 }]]],
        ['/delete-database', [people]],
      ] as const)
        expect((await call(url, route, args, headers)).status, `${route}`).toBe(401);
      expect(await listenStatus(conn, headers)).toBe(401);
    }
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('a read token reads the databases its patterns name, and nothing more', async () => {
    const conn = (await call(url, '/connect', [people], READER)).body;
    const db = (await call(url, '/db', [conn], READER)).body;
    expect((await call(url, '/q', ['[:find ?e :where [?e :x]]', db], READER)).status).toBe(200);
    expect(await listenStatus(conn, READER)).toBe(200);
    const refused = [
      ['/transact', [conn, [{ x: 1 }]]],
      ['/create-database', ['{:store {:backend :file :id "people2"}}']],
      ['/delete-database', [people]],
      ['/gc-storage', [conn]],
      ['/connect', [other]],
    ] as const;
    for (const [route, args] of refused) {
      const a = await call(url, route, args, READER);
      expect(a.status, route).toBe(403);
      expect(a.body.error.code).toBe('server/forbidden');
    }
    // A handle of a database it may not read, taken from another client.
    const otherConn = (await call(url, '/connect', [other], ADMIN)).body;
    const otherDb = (await call(url, '/db', [otherConn], ADMIN)).body;
    expect((await call(url, '/q', ['[:find ?e :where [?e :x]]', otherDb], READER)).status).toBe(
      403,
    );
    expect(await listenStatus(otherConn, READER)).toBe(403);
    // Two databases in one query: every one must be readable.
    expect(
      (await call(url, '/q', ['[:find ?e :in $ $2 :where [?e :x]]', db, otherDb], READER)).status,
    ).toBe(403);
  });

  it('a write token commits where it may write', async () => {
    const conn = (await call(url, '/connect', [people], WRITER)).body;
    expect((await call(url, '/transact', [conn, [{ x: 1 }]], WRITER)).status).toBe(200);
    expect((await call(url, '/connect', [other], WRITER)).status).toBe(403);
    expect((await call(url, '/delete-database', [people], WRITER)).status).toBe(403);
  });

  it('JWTs grant what their claim says, when signed with the secret and still valid', async () => {
    const reader = { authorization: `Bearer ${await jwt({ datahike: { read: ['people'] } })}` };
    const conn = (await call(url, '/connect', [people], reader)).body;
    expect(conn).toBeInstanceOf(Array);
    expect((await call(url, '/transact', [conn, [{ x: 2 }]], reader)).status).toBe(403);
    const admin = { authorization: `Bearer ${await jwt({ datahike: { admin: ['scratch-*'] } })}` };
    const scratch = '{:store {:backend :memory :id "scratch-1"}}';
    expect((await call(url, '/create-database', [scratch], admin)).status).toBe(200);
    expect((await call(url, '/delete-database', [scratch], admin)).status).toBe(200);
    for (const bad of [
      await jwt({ datahike: { read: ['*'] } }, 'another-secret-of-at-least-32-characters'),
      await jwt({ datahike: { read: ['*'] } }, SECRET, '-1m'),
      // alg none: a token anyone can make.
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"datahike":{"admin":["*"]},"iss":"tests"}').toString('base64url')}.`,
    ])
      expect(
        (await call(url, '/connect', [people], { authorization: `Bearer ${bad}` })).status,
      ).toBe(401);
  });
});

describe('a remote peer', () => {
  it('passes a JWT as its :token, and gets the refusals as errors with their codes', async () => {
    const token = await jwt({ datahike: { read: ['people'] } });
    const remote = {
      store: { backend: ':file', id: 'people' },
      'remote-peer': { backend: ':datahike-server', url, token, format: ':json' },
    };
    const conn = await d.connect(remote);
    expect(await d.q('[:find (count ?e) . :where [?e :x]]', await d.db(conn))).toBeGreaterThan(0);
    await expect(d.transact(conn, [{ x: 3 }])).rejects.toMatchObject({ code: 'server/forbidden' });
    await d.release(conn);
  });
});

describe('clients apart', () => {
  it("one client's release does not close another client's connection", async () => {
    const conn = (await call(url, '/connect', [people], READER)).body;
    for (let i = 0; i < 5; i++) await call(url, '/release', [conn, true], READER2);
    const db = await call(url, '/db', [conn], READER);
    expect(db.status).toBe(200);
  });

  it('a deleted database answers the handles still naming it with a clear error', async () => {
    const doomed = '{:store {:backend :file :id "people-doomed"} :schema-flexibility :read}';
    expect((await call(url, '/create-database', [doomed], ADMIN)).status).toBe(200);
    const conn = (await call(url, '/connect', [doomed], READER)).body;
    expect((await call(url, '/delete-database', [doomed], READER)).status).toBe(403);
    expect((await call(url, '/delete-database', [doomed], ADMIN)).status).toBe(200);
    const after = await call(url, '/db', [conn], READER);
    expect(after.status).toBe(404);
    expect(after.body.error.message).toMatch(/was deleted/);
  });
});

describe('configurations that do not start', () => {
  const ROOT = join(import.meta.dirname, '..', '..');
  const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  /** Runs `serve` and gives its exit code and standard error (it must exit by itself). */
  const start = (env: Record<string, string>, config?: string) =>
    new Promise<{ code: number | null; err: string }>((resolve) => {
      const args = ['--import', TSX, join(ROOT, 'src', 'cli', 'main.ts'), 'serve'];
      if (config !== undefined) {
        const path = join(dir, `bad-${Math.random().toString(36).slice(2)}.edn`);
        writeFileSync(path, config);
        args.push(path);
      }
      const child = spawn(process.execPath, args, {
        cwd: dir,
        env: { ...process.env, DATAHIKE_PORT: '0', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr!.on('data', (b) => {
        err += String(b);
        if (/server on http/.test(err)) child.kill();
      });
      child.on('exit', (code) => resolve({ code, err }));
    });

  it('dev mode with a credential, from the file or the environment, is an error', async () => {
    const both = await start({}, '{:dev-mode true :token "t"}');
    expect(both.code).not.toBe(0);
    expect(both.err).toMatch(/Dev mode/);
    const env = await start(
      { DATAHIKE_DEV_MODE: 'true' },
      '{:tokens [{:token "0123456789abcdefgh" :read ["*"]}]}',
    );
    expect(env.err).toMatch(/Dev mode/);
    const token = await start({ DATAHIKE_TOKEN: 'x' }, '{:dev-mode true}');
    expect(token.err).toMatch(/Dev mode/);
  });

  it('dev mode listens on loopback only', async () => {
    const open = await start({ DATAHIKE_HOST: '0.0.0.0' });
    expect(open.code).not.toBe(0);
    expect(open.err).toMatch(/loopback only/);
  });
});

describe('JWKS', () => {
  it('verifies tokens signed with a key of a JWKS file, and refuses others', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
    const file = join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [jwk] }));
    const auth = new Authenticator(
      undefined,
      credentialsConfig(undefined, parseEdn(`{:jwks-file ${JSON.stringify(file)}}`)),
      false,
    );
    const sign = (key: Parameters<SignJWT['sign']>[0]) =>
      new SignJWT({ datahike: { read: ['a*'] } })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('svc')
        .setExpirationTime('1m')
        .sign(key);
    const request = (t: string) => ({ headers: { authorization: `Bearer ${t}` } }) as never;
    const p = await auth.principal(request(await sign(privateKey)));
    expect(p).toMatchObject({ id: 'jwt:svc', full: false, grant: { read: ['a*'] } });
    await expect(auth.principal(request(await sign(other.privateKey)))).rejects.toMatchObject({
      code: 'server/unauthorized',
    });
  });
});
