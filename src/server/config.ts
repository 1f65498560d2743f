/**
 * The server's configuration: an EDN file as Datahike writes it (`{:port 4444 :level :info
 * :dev-mode false :token "…" :access-control-allow-origin ["http://localhost:8080"] :cache
 * {:get {:max-age 3600}}}`) plus our keys, overridden by `DATAHIKE_*` environment
 * variables. Every key is checked: an unknown key or a wrong type stops the start with a
 * message that names it.
 */

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseEdn } from '../edn/index.js';
import { DatahikeError, isKeyword, type Keyword, printValue } from '../values/index.js';
import { type CredentialsConfig, credentialsConfig } from './auth.js';
import { isLoopbackName } from './dev-mode.js';
import { type StoresConfig, storesConfig } from './store-policy.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  readonly level: LogLevel;
  readonly devMode: boolean;
  readonly token: string | undefined;
  /** Allowed origins: exact strings, or regular expressions written `/…/` in the file. */
  readonly allowOrigins: readonly (string | RegExp)[];
  /** `Cache-Control: max-age` for cacheable GET answers; undefined: none are cacheable. */
  readonly cacheMaxAge: number | undefined;
  /** The data is public: cacheable answers may be kept by shared caches. */
  readonly cachePublic: boolean;
  /** Largest request body, in bytes. */
  readonly bodyLimit: number;
  /** Longest a request may run, in ms (a query's own `timeout` may be shorter). */
  readonly timeoutMs: number;
  /** Where file-store databases created without a `:path` go. */
  readonly dataDir: string;
  /** Which stores clients may name (`:stores`, `:upstreams`). */
  readonly stores: StoresConfig;
  /** Scoped credentials besides `:token` (`:tokens`, `:jwt`). */
  readonly credentials: CredentialsConfig;
  /** Largest answer, in bytes of its encoding (413 beyond). */
  readonly maxAnswerBytes: number;
  /** Rows (and values) one read may make in all (see `ReadBudget`). */
  readonly maxReadRows: number;
  /** How long a client may take to send a request's headers, in ms. */
  readonly headersTimeoutMs: number;
  /** How long a client may take to send a whole request (headers and body), in ms. */
  readonly requestTimeoutMs: number;
  /** Open /listen streams per credential. */
  readonly maxListenStreams: number;
  /** Databases one credential may have created and not deleted (on this server's run). */
  readonly maxDatabases: number;
  /** Threads answering reads of durable stores; 0: every read on the event loop. */
  readonly readWorkers: number;
  /** Heap (old generation) of each read worker, in MB. */
  readonly workerMemoryMb: number;
  /** Requests per second and burst per credential; undefined: no rate limit. */
  readonly rateLimit: { readonly perSecond: number; readonly burst: number } | undefined;
}

export const DEFAULTS: ServerConfig = {
  port: 4444,
  host: '127.0.0.1',
  level: 'info',
  devMode: true,
  token: undefined,
  allowOrigins: ['http://localhost', 'http://localhost:8080'],
  cacheMaxAge: undefined,
  cachePublic: false,
  bodyLimit: 10 * 1024 * 1024,
  timeoutMs: 30_000,
  dataDir: './data',
  stores: storesConfig(undefined, undefined, './data'),
  credentials: { tokens: [], jwt: undefined },
  maxAnswerBytes: 64 * 1024 * 1024,
  maxReadRows: 10_000_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  maxListenStreams: 100,
  maxDatabases: 1000,
  rateLimit: undefined,
  readWorkers: Math.max(1, availableParallelism()),
  workerMemoryMb: 512,
};

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function bad(message: string, data: Record<string, unknown> = {}): never {
  throw new DatahikeError('server/config', message, data);
}

function name(k: unknown): string {
  return isKeyword(k) ? k.fqn : typeof k === 'string' ? k.replace(/^:/, '') : printValue(k);
}

function int(key: string, v: unknown, min: number, max: number): number {
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
    bad(`:${key} must be a whole number from ${min} to ${max}, got ${printValue(v)}.`, { key });
  return n;
}

function bool(key: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return bad(`:${key} must be true or false, got ${printValue(v)}.`, { key });
}

function str(key: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0)
    bad(`:${key} must be a non-empty string, got ${printValue(v)}.`, { key });
  return v;
}

function origin(v: unknown): string | RegExp {
  if (typeof v !== 'string')
    bad(`:access-control-allow-origin lists strings, got ${printValue(v)}.`);
  const m = /^\/(.*)\/$/.exec(v);
  if (m === null) return v;
  try {
    return new RegExp(`^(?:${m[1]})$`);
  } catch (err) {
    return bad(`:access-control-allow-origin has a bad pattern ${v}: ${(err as Error).message}`);
  }
}

type Setter = (c: Mutable, v: unknown) => void;
type Mutable = { -readonly [K in keyof ServerConfig]: ServerConfig[K] } & {
  /** Read once the data folder is known. */
  raw: { stores?: unknown; upstreams?: unknown; tokens?: unknown; jwt?: unknown };
};

const KEYS: Record<string, Setter> = {
  port: (c, v) => {
    c.port = int('port', v, 0, 65535);
  },
  host: (c, v) => {
    c.host = str('host', v);
  },
  level: (c, v) => {
    const l = name(v);
    if (!LEVELS.includes(l as LogLevel))
      bad(`:level must be one of ${LEVELS.map((x) => `:${x}`).join(' ')}, got ${printValue(v)}.`);
    c.level = l as LogLevel;
  },
  'dev-mode': (c, v) => {
    c.devMode = bool('dev-mode', v);
  },
  token: (c, v) => {
    c.token = str('token', v);
  },
  'access-control-allow-origin': (c, v) => {
    const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v;
    if (!Array.isArray(list))
      bad(`:access-control-allow-origin must be a vector of origins, got ${printValue(v)}.`);
    c.allowOrigins = list.map(origin);
  },
  cache: (c, v) => {
    const get = v instanceof Map ? (v as Map<unknown, unknown>).get(kw(v, 'get')) : undefined;
    const maxAge = get instanceof Map ? get.get(kw(get, 'max-age')) : undefined;
    if (maxAge === undefined)
      bad(`:cache must look like {:get {:max-age 3600}}, got ${printValue(v)}.`);
    c.cacheMaxAge = int('cache :get :max-age', maxAge, 0, 31_536_000);
    const pub = (get as Map<unknown, unknown>).get(kw(get, 'public'));
    c.cachePublic = pub === undefined ? false : bool('cache :get :public', pub);
  },
  'body-limit': (c, v) => {
    c.bodyLimit = int('body-limit', v, 1024, 2 ** 31 - 1);
  },
  timeout: (c, v) => {
    c.timeoutMs = int('timeout', v, 1, 24 * 3600 * 1000);
  },
  'data-dir': (c, v) => {
    c.dataDir = str('data-dir', v);
  },
  stores: (c, v) => {
    c.raw.stores = typeof v === 'string' ? parseEdn(v) : v;
  },
  upstreams: (c, v) => {
    c.raw.upstreams = typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v;
  },
  tokens: (c, v) => {
    c.raw.tokens = v;
  },
  jwt: (c, v) => {
    c.raw.jwt = v;
  },
  'max-answer-bytes': (c, v) => {
    c.maxAnswerBytes = int('max-answer-bytes', v, 1024, 2 ** 31 - 1);
  },
  'max-read-rows': (c, v) => {
    c.maxReadRows = int('max-read-rows', v, 1000, Number.MAX_SAFE_INTEGER);
  },
  'headers-timeout': (c, v) => {
    c.headersTimeoutMs = int('headers-timeout', v, 100, 3600 * 1000);
  },
  'request-timeout': (c, v) => {
    c.requestTimeoutMs = int('request-timeout', v, 100, 24 * 3600 * 1000);
  },
  'max-listen-streams': (c, v) => {
    c.maxListenStreams = int('max-listen-streams', v, 0, 1_000_000);
  },
  'max-databases': (c, v) => {
    c.maxDatabases = int('max-databases', v, 0, 1_000_000_000);
  },
  'read-workers': (c, v) => {
    c.readWorkers = int('read-workers', v, 0, 256);
  },
  'worker-memory-mb': (c, v) => {
    c.workerMemoryMb = int('worker-memory-mb', v, 16, 1024 * 1024);
  },
  'rate-limit': (c, v) => {
    const get = (k: string) => (v instanceof Map ? v.get(kw(v, k)) : undefined);
    if (!(v instanceof Map) || get('per-second') === undefined)
      bad(`:rate-limit must look like {:per-second 50 :burst 100}, got ${printValue(v)}.`);
    const perSecond = int('rate-limit :per-second', get('per-second'), 1, 1_000_000);
    const burst =
      get('burst') === undefined
        ? perSecond
        : int('rate-limit :burst', get('burst'), 1, 10_000_000);
    c.rateLimit = { perSecond, burst };
  },
  // Jetty's option in Datahike's file; the server never blocks its caller.
  'join?': () => undefined,
};

/** The map's key with this name (keyword or string keys). */
function kw(m: unknown, key: string): unknown {
  for (const k of (m as Map<unknown, unknown>).keys()) if (name(k) === key) return k;
  return undefined;
}

const NUMERIC_KEYS = new Set([
  'port',
  'body-limit',
  'timeout',
  'max-answer-bytes',
  'max-read-rows',
  'headers-timeout',
  'request-timeout',
  'max-listen-streams',
  'max-databases',
  'read-workers',
  'worker-memory-mb',
]);

const ENV: Record<string, string> = {
  DATAHIKE_PORT: 'port',
  DATAHIKE_HOST: 'host',
  DATAHIKE_LEVEL: 'level',
  DATAHIKE_DEV_MODE: 'dev-mode',
  DATAHIKE_TOKEN: 'token',
  DATAHIKE_ALLOW_ORIGIN: 'access-control-allow-origin',
  DATAHIKE_CACHE_MAX_AGE: 'cache-max-age',
  DATAHIKE_BODY_LIMIT: 'body-limit',
  DATAHIKE_TIMEOUT: 'timeout',
  DATAHIKE_DATA_DIR: 'data-dir',
  DATAHIKE_STORES: 'stores',
  DATAHIKE_UPSTREAMS: 'upstreams',
  DATAHIKE_MAX_ANSWER_BYTES: 'max-answer-bytes',
  DATAHIKE_MAX_READ_ROWS: 'max-read-rows',
  DATAHIKE_HEADERS_TIMEOUT: 'headers-timeout',
  DATAHIKE_REQUEST_TIMEOUT: 'request-timeout',
  DATAHIKE_MAX_LISTEN_STREAMS: 'max-listen-streams',
  DATAHIKE_MAX_DATABASES: 'max-databases',
  DATAHIKE_RATE_LIMIT: 'rate-limit-per-second',
  DATAHIKE_READ_WORKERS: 'read-workers',
  DATAHIKE_WORKER_MEMORY_MB: 'worker-memory-mb',
};

/** The configuration from an EDN map (keyword keys) and the environment. */
export function serverConfig(
  file: ReadonlyMap<unknown, unknown> | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  const c: Mutable = { ...DEFAULTS, raw: {} };
  let devModeGiven = false;
  for (const [k, v] of file ?? []) {
    const key = name(k);
    const set = KEYS[key];
    if (set === undefined)
      bad(
        `Unknown server config key :${key}. Known keys: ${Object.keys(KEYS)
          .map((x) => `:${x}`)
          .join(' ')}.`,
        { key },
      );
    set(c, v);
    if (key === 'dev-mode') devModeGiven = true;
  }
  for (const [variable, key] of Object.entries(ENV)) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    if (key === 'cache-max-age') c.cacheMaxAge = int(variable, Number(raw), 0, 31_536_000);
    else if (key === 'rate-limit-per-second') {
      const perSecond = int(variable, Number(raw), 1, 1_000_000);
      c.rateLimit = { perSecond, burst: perSecond };
    } else {
      const numeric = NUMERIC_KEYS.has(key);
      KEYS[key]!(c, numeric ? Number(raw) : raw);
      if (key === 'dev-mode') devModeGiven = true;
    }
  }
  c.dataDir = resolve(c.dataDir);
  c.stores = storesConfig(c.raw.stores, c.raw.upstreams, c.dataDir);
  c.credentials = credentialsConfig(c.raw.tokens, c.raw.jwt);
  const credentials =
    c.token !== undefined || c.credentials.tokens.length > 0 || c.credentials.jwt !== undefined;
  // Dev mode never silently drops configured credentials, whichever source asked for it.
  if (c.devMode && devModeGiven && credentials)
    bad(
      'Dev mode (:dev-mode true or DATAHIKE_DEV_MODE) answers without any credential, but credentials are configured (:token, :tokens or :jwt): remove one or the other.',
    );
  // Credentials given and dev mode not asked for: requests must carry one.
  if (credentials && !devModeGiven) c.devMode = false;
  if (!c.devMode && !credentials)
    bad(
      'Without :dev-mode the server needs a :token (or DATAHIKE_TOKEN), :tokens or :jwt to check requests.',
    );
  if (c.devMode && !isLoopbackName(c.host))
    bad(
      `Dev mode (no credential) listens on loopback only, not on ${c.host}: give the server a :token (or :tokens, :jwt) to listen there.`,
      { key: 'host' },
    );
  // Node requires the headers to be due no later than the whole request.
  if (c.headersTimeoutMs > c.requestTimeoutMs) c.headersTimeoutMs = c.requestTimeoutMs;
  const { raw: _raw, ...config } = c;
  return config;
}

/** Reads and checks a config file (EDN). */
export function loadServerConfig(path: string | undefined): ServerConfig {
  if (path === undefined) return serverConfig(undefined);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return bad(`Cannot read the server config ${path}: ${(err as Error).message}`, { path });
  }
  const data = parseEdn(text);
  if (!(data instanceof Map)) bad(`The server config ${path} must be an EDN map {…}.`, { path });
  return serverConfig(data as Map<Keyword, unknown>);
}
