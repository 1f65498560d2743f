/**
 * Who a request comes from and what it may do.
 *
 * Credentials: the server's `:token` (every right, as before), scoped `:tokens` (each
 * `{:token "…" :name "ci" :read ["*"] :write ["app-*"] :admin []}`), and JWT bearer tokens
 * (`:jwt {:secret "…"}` for HS256, or `{:jwks-file "keys.json"}` / `{:jwks-url "https://…"}`,
 * with optional `:issuer`, `:audience` and `:claim`), whose claim (default `datahike`) holds
 * `{"read": […], "write": […], "admin": […]}`. Each list holds database-name patterns (`*`
 * matches any run of characters). `admin` (create, delete, gc) includes `write` (commits),
 * which includes `read` (connecting, queries, database values). Which right a function
 * needs is in the API table (`right`).
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyRequest } from 'fastify';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { Right } from '../api/index.js';
import { DatahikeError, isKeyword, printValue } from '../values/index.js';

export type { Right };

/** Database-name patterns per right, as configured (before the implications). */
export interface Grant {
  readonly read: readonly string[];
  readonly write: readonly string[];
  readonly admin: readonly string[];
}

export interface ScopedToken extends Grant {
  readonly name: string;
  readonly token: string;
}

export interface JwtConfig {
  readonly secret?: string;
  readonly jwksFile?: string;
  readonly jwksUrl?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** The claim holding the grant (default `datahike`). */
  readonly claim: string;
}

export interface CredentialsConfig {
  readonly tokens: readonly ScopedToken[];
  readonly jwt: JwtConfig | undefined;
}

export interface Principal {
  /** Stable for one credential: a token's name, `jwt:<sub>`, or `dev` in dev mode. */
  readonly id: string;
  /** The server's `:token`, or dev mode: every right on every database. */
  readonly full: boolean;
  readonly grant: Grant;
}

const NONE: Grant = { read: [], write: [], admin: [] };

function configError(message: string): never {
  throw new DatahikeError('server/config', message, {});
}

function nameOf(k: unknown): string {
  return isKeyword(k) ? k.fqn : typeof k === 'string' ? k.replace(/^:/, '') : printValue(k);
}

function field(m: ReadonlyMap<unknown, unknown>, name: string): unknown {
  for (const [k, v] of m) if (nameOf(k) === name) return v;
  return undefined;
}

function patterns(where: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.some((p) => typeof p !== 'string'))
    configError(`${where} must be a vector of database-name patterns, got ${printValue(v)}.`);
  return list as string[];
}

function optionalString(where: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0) configError(`${where} must be a non-empty string.`);
  return v;
}

/** `:tokens` and `:jwt` of a server config. */
export function credentialsConfig(tokens: unknown, jwt: unknown): CredentialsConfig {
  const list = tokens ?? [];
  if (!Array.isArray(list))
    configError(
      `:tokens must be a vector of maps {:token "…" :read […]}, got ${printValue(tokens)}.`,
    );
  const scoped = list.map((t, i): ScopedToken => {
    if (!(t instanceof Map))
      configError(`:tokens entry ${i} must be a map {:token "…" :read […]}.`);
    for (const k of t.keys())
      if (!['token', 'name', 'read', 'write', 'admin'].includes(nameOf(k)))
        configError(
          `Unknown key :${nameOf(k)} in :tokens entry ${i}: use :token :name :read :write :admin.`,
        );
    const token = optionalString(`:tokens entry ${i} :token`, field(t, 'token'));
    if (token === undefined) configError(`:tokens entry ${i} needs a :token.`);
    if (token.length < 16)
      configError(`:tokens entry ${i}: a token must have at least 16 characters.`);
    return {
      token,
      name: optionalString(`:tokens entry ${i} :name`, field(t, 'name')) ?? `token-${i + 1}`,
      read: patterns(`:tokens entry ${i} :read`, field(t, 'read')),
      write: patterns(`:tokens entry ${i} :write`, field(t, 'write')),
      admin: patterns(`:tokens entry ${i} :admin`, field(t, 'admin')),
    };
  });
  let jwtConfig: JwtConfig | undefined;
  if (jwt !== undefined) {
    if (!(jwt instanceof Map))
      configError(':jwt must be a map like {:secret "…"} or {:jwks-url "…"}.');
    for (const k of jwt.keys())
      if (!['secret', 'jwks-file', 'jwks-url', 'issuer', 'audience', 'claim'].includes(nameOf(k)))
        configError(
          `Unknown key :${nameOf(k)} in :jwt: use :secret, :jwks-file or :jwks-url, and :issuer :audience :claim.`,
        );
    const c: JwtConfig = {
      secret: optionalString(':jwt :secret', field(jwt, 'secret')),
      jwksFile: optionalString(':jwt :jwks-file', field(jwt, 'jwks-file')),
      jwksUrl: optionalString(':jwt :jwks-url', field(jwt, 'jwks-url')),
      issuer: optionalString(':jwt :issuer', field(jwt, 'issuer')),
      audience: optionalString(':jwt :audience', field(jwt, 'audience')),
      claim: optionalString(':jwt :claim', field(jwt, 'claim')) ?? 'datahike',
    };
    const sources = [c.secret, c.jwksFile, c.jwksUrl].filter((x) => x !== undefined).length;
    if (sources !== 1) configError(':jwt needs exactly one of :secret, :jwks-file and :jwks-url.');
    if (c.secret !== undefined && c.secret.length < 32)
      configError(
        ':jwt :secret must have at least 32 characters (HS256 keys as long as the hash).',
      );
    if (c.jwksUrl !== undefined && !/^https?:\/\//.test(c.jwksUrl))
      configError(':jwt :jwks-url must be an http(s) URL.');
    jwtConfig = c;
  }
  return { tokens: scoped, jwt: jwtConfig };
}

/** Constant-time comparison of a presented token with a configured one. */
function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The credential a request carries: `token: <t>`, or `Authorization: token|Bearer <t>`. */
export function presentedCredential(req: FastifyRequest): string | undefined {
  const direct = req.headers.token;
  if (typeof direct === 'string') return direct;
  const auth = req.headers.authorization;
  if (typeof auth !== 'string') return undefined;
  const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(auth);
  return m?.[1];
}

/** Whether `name` matches a pattern where `*` is any run of characters (no backtracking blow-up). */
export function globMatches(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === name[n]) {
      p++;
      n++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = n;
    } else if (star >= 0) {
      p = star + 1;
      n = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Whether the principal holds `right` on the database `name`. */
export function allows(p: Principal, right: Right, name: string): boolean {
  if (p.full) return true;
  const lists =
    right === 'read'
      ? [p.grant.read, p.grant.write, p.grant.admin]
      : right === 'write'
        ? [p.grant.write, p.grant.admin]
        : [p.grant.admin];
  return lists.some((l) => l.some((pattern) => globMatches(pattern, name)));
}

function unauthorized(): DatahikeError {
  return new DatahikeError(
    'server/unauthorized',
    'This server needs a credential: send `token: <token>`, `Authorization: token <token>` or `Authorization: Bearer <jwt>`.',
    {},
  );
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function grantFromClaim(claim: unknown): Grant {
  if (claim === null || typeof claim !== 'object' || Array.isArray(claim)) return NONE;
  const c = claim as Record<string, unknown>;
  const list = (v: unknown) =>
    Array.isArray(v)
      ? v.filter((x): x is string => typeof x === 'string')
      : typeof v === 'string'
        ? [v]
        : [];
  return { read: list(c.read), write: list(c.write), admin: list(c.admin) };
}

export class Authenticator {
  private readonly keys: JWTVerifyGetKey | Uint8Array | undefined;

  constructor(
    private readonly token: string | undefined,
    private readonly credentials: CredentialsConfig,
    private readonly devMode: boolean,
  ) {
    const jwt = credentials.jwt;
    if (jwt?.secret !== undefined) this.keys = new TextEncoder().encode(jwt.secret);
    else if (jwt?.jwksFile !== undefined) {
      let set: unknown;
      try {
        set = JSON.parse(readFileSync(jwt.jwksFile, 'utf8'));
      } catch (err) {
        configError(`Cannot read the :jwt :jwks-file ${jwt.jwksFile}: ${(err as Error).message}`);
      }
      this.keys = createLocalJWKSet(set as never);
    } else if (jwt?.jwksUrl !== undefined) this.keys = createRemoteJWKSet(new URL(jwt.jwksUrl));
  }

  /** Whether any credential is configured. */
  get configured(): boolean {
    return (
      this.token !== undefined || this.credentials.tokens.length > 0 || this.keys !== undefined
    );
  }

  /** The principal of a request, or `server/unauthorized`. */
  async principal(req: FastifyRequest): Promise<Principal> {
    if (this.devMode) return { id: 'dev', full: true, grant: NONE };
    const given = presentedCredential(req);
    if (given === undefined) throw unauthorized();
    if (this.token !== undefined && tokenMatches(given, this.token))
      return { id: 'token', full: true, grant: NONE };
    // Every scoped token is compared, so the time taken does not say which one came close.
    let found: ScopedToken | undefined;
    for (const t of this.credentials.tokens) if (tokenMatches(given, t.token)) found ??= t;
    if (found !== undefined) return { id: `token:${found.name}`, full: false, grant: found };
    if (this.keys !== undefined && JWT_SHAPE.test(given)) return this.verifyJwt(given);
    throw unauthorized();
  }

  private async verifyJwt(token: string): Promise<Principal> {
    const jwt = this.credentials.jwt!;
    let payload: JWTPayload;
    try {
      const options = {
        ...(jwt.issuer !== undefined && { issuer: jwt.issuer }),
        ...(jwt.audience !== undefined && { audience: jwt.audience }),
      };
      payload =
        this.keys instanceof Uint8Array
          ? (await jwtVerify(token, this.keys, { ...options, algorithms: ['HS256'] })).payload
          : (await jwtVerify(token, this.keys!, options)).payload;
    } catch {
      throw unauthorized();
    }
    return {
      id: `jwt:${payload.sub ?? ''}`,
      full: false,
      grant: grantFromClaim(payload[jwt.claim]),
    };
  }
}

/** `server/forbidden` unless the principal holds `right` on every database named. */
export function checkRight(
  p: Principal,
  right: Right,
  names: Iterable<string>,
  route: string,
): void {
  for (const name of names)
    if (!allows(p, right, name))
      throw new DatahikeError(
        'server/forbidden',
        `This credential has no ${right} right on database ${JSON.stringify(name)} (${route} needs ${right}).`,
        { route, right, database: name },
      );
}
