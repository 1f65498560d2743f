/**
 * Issue 14: JWT bearer tokens verified by a JWKS the server fetches from a URL (`:jwt
 * {:jwks-url …}`), served here by a local HTTP server whose keys the test rotates. A token
 * whose key the set does not hold (an unknown kid, a rotated-out key, a key of another
 * type, a set that cannot be fetched) is 401, never a 500 or a pass.
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseEdn } from '../../src/edn/index.js';
import { Authenticator, credentialsConfig } from '../../src/server/auth.js';

type Key = Awaited<ReturnType<typeof generateKeyPair>>;

let keys: JWK[] = [];
let fetches = 0;
let jwksServer: Server;
let jwksUrl: string;
let k1: Key;
let k2: Key;

beforeAll(async () => {
  k1 = await generateKeyPair('RS256');
  k2 = await generateKeyPair('ES256');
  jwksServer = createServer((req, res) => {
    fetches++;
    if (req.url !== '/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((ok) => jwksServer.listen(0, '127.0.0.1', ok));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
});
afterAll(() => new Promise<void>((ok) => jwksServer.close(() => ok())));
afterEach(() => vi.useRealTimers());

const jwk = async (key: Key, kid: string, alg: string) => ({
  ...(await exportJWK(key.publicKey)),
  kid,
  alg,
  use: 'sig',
});

const sign = (key: Parameters<SignJWT['sign']>[0], kid: string, alg = 'RS256') =>
  new SignJWT({ datahike: { read: ['app-*'], write: ['app-log'] } })
    .setProtectedHeader({ alg, kid })
    .setSubject('svc')
    .setIssuer('https://login.test/')
    .setExpirationTime('5m')
    .sign(key);

function authenticator(url = jwksUrl): Authenticator {
  const jwt = parseEdn(`{:jwks-url ${JSON.stringify(url)} :issuer "https://login.test/"}`);
  return new Authenticator(undefined, credentialsConfig(undefined, jwt), false);
}

const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } }) as never;
const refused = { code: 'server/unauthorized' };

describe('JWKS by URL', () => {
  it('grants what the claim says to a token signed by a key of the set', async () => {
    keys = [await jwk(k1, 'k1', 'RS256')];
    const auth = authenticator();
    const p = await auth.principal(bearer(await sign(k1.privateKey, 'k1')));
    expect(p).toMatchObject({
      id: 'jwt:svc',
      full: false,
      grant: { read: ['app-*'], write: ['app-log'], admin: [] },
    });
  });

  it('refuses an unknown kid, a forged signature and a token of another algorithm', async () => {
    keys = [await jwk(k1, 'k1', 'RS256')];
    const auth = authenticator();
    const stranger = await generateKeyPair('RS256');
    await expect(
      auth.principal(bearer(await sign(stranger.privateKey, 'k9'))),
    ).rejects.toMatchObject(refused);
    await expect(
      auth.principal(bearer(await sign(stranger.privateKey, 'k1'))),
    ).rejects.toMatchObject(refused);
    // HS256 "signed" with the public key's text: the set's key is RSA, so no key fits.
    const pem = JSON.stringify(await exportJWK(k1.publicKey));
    await expect(
      auth.principal(bearer(await sign(new TextEncoder().encode(pem), 'k1', 'HS256'))),
    ).rejects.toMatchObject(refused);
  });

  it('follows a key rotation: the new key is fetched, the retired one refused', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    keys = [await jwk(k1, 'k1', 'RS256')];
    const auth = authenticator();
    await auth.principal(bearer(await sign(k1.privateKey, 'k1')));
    // The issuer rotates to k2 and retires k1.
    keys = [await jwk(k2, 'k2', 'ES256')];
    const withK2 = await sign(k2.privateKey, 'k2', 'ES256');
    // Past the set's cooldown, an unknown kid makes the server fetch the set again.
    vi.setSystemTime(Date.now() + 60_000);
    const before = fetches;
    expect(await auth.principal(bearer(withK2))).toMatchObject({ id: 'jwt:svc' });
    expect(fetches).toBe(before + 1);
    vi.setSystemTime(Date.now() + 60_000);
    await expect(auth.principal(bearer(await sign(k1.privateKey, 'k1')))).rejects.toMatchObject(
      refused,
    );
  });

  it('is 401 when the set cannot be fetched or is not a key set', async () => {
    keys = [await jwk(k1, 'k1', 'RS256')];
    const token = await sign(k1.privateKey, 'k1');
    const missing = authenticator(jwksUrl.replace('/jwks.json', '/nothing-here'));
    await expect(missing.principal(bearer(token))).rejects.toMatchObject(refused);
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((ok) => closed.close(() => ok()));
    const down = authenticator(`http://127.0.0.1:${port}/jwks.json`);
    await expect(down.principal(bearer(token))).rejects.toMatchObject(refused);
    keys = [{ kty: 'nonsense' } as JWK];
    await expect(authenticator().principal(bearer(token))).rejects.toMatchObject(refused);
  });
});
