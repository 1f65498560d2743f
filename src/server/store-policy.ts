/**
 * Which stores the server's clients may name (`:stores` in the server config), and the
 * config a client's request is rewritten to before anything touches a store.
 *
 * - `:memory` stores: allowed unless `:memory false`.
 * - `:file` and `:sqlite`: a path is accepted only when its real path (symlinks resolved,
 *   also for the part that does not exist yet) lies strictly under one of the kind's
 *   `:roots` (default: the data folder). The store is then opened at that real path, so
 *   what was checked is what is used. A store named by `:id` alone lives in the data folder.
 * - `:jdbc` (PostgreSQL) and `:s3`: host, port and database, or bucket, endpoint, region
 *   and prefix, must match one of the configured `:profiles`; the user, password and keys
 *   always come from the profile, never from the client.
 * - A `:writer` forwards only to one of the server's `:upstreams`.
 *
 * A refusal (`server/forbidden`, 403) says what the rule is, never what the server found
 * there: it is decided before any file is looked at or any connection made.
 */

import { mkdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { type DatabaseConfig, normaliseConfig } from '../connection/index.js';
import { parseEdn } from '../edn/index.js';
import { DatahikeError, isKeyword, type Keyword, keyword, printValue } from '../values/index.js';

export interface PgProfile {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly dbname: string;
  /** Every option of the profile (user, password, …), as backend options. */
  readonly options: ReadonlyMap<Keyword, unknown>;
}

export interface S3Profile {
  readonly name: string;
  readonly bucket: string;
  readonly endpoint: string | undefined;
  readonly region: string | undefined;
  /** Stores of this profile live under this key prefix ('' or ending in '/'). */
  readonly prefix: string;
  readonly options: ReadonlyMap<Keyword, unknown>;
}

export interface StoresConfig {
  /** Where a :file or :sqlite store named by :id alone lives (it must still lie under a root). */
  readonly dataDir: string;
  readonly memory: boolean;
  /** Absolute roots; null: the kind is not allowed. */
  readonly file: readonly string[] | null;
  readonly sqlite: readonly string[] | null;
  readonly jdbc: readonly PgProfile[];
  readonly s3: readonly S3Profile[];
  /** Servers a `:writer` may forward to (normalised URLs). */
  readonly upstreams: readonly string[];
}

/** What a config names, once the policy accepted it. */
export interface Confined {
  /** The config to run the call with. */
  readonly config: Map<unknown, unknown>;
  readonly normalised: DatabaseConfig;
  /** The store itself: kind and location (a real path, a server and table, a bucket and prefix). */
  readonly identity: string;
  /** The database's name, which credentials' patterns are matched against. */
  readonly name: string;
  /** The store map as the client wrote it (answers hand it back, not the server's paths). */
  readonly asGiven: unknown;
}

const K = {
  store: keyword('store'),
  backend: keyword('backend'),
  path: keyword('path'),
  id: keyword('id'),
  host: keyword('host'),
  port: keyword('port'),
  dbname: keyword('dbname'),
  database: keyword('database'),
  bucket: keyword('bucket'),
  endpoint: keyword('endpoint'),
  region: keyword('region'),
  prefix: keyword('prefix'),
  writer: keyword('writer'),
  url: keyword('url'),
};

function configError(message: string): never {
  throw new DatahikeError('server/config', message, {});
}

function forbidden(message: string): never {
  throw new DatahikeError('server/forbidden', message, {});
}

function nameOf(k: unknown): string {
  return isKeyword(k) ? k.fqn : typeof k === 'string' ? k.replace(/^:/, '') : printValue(k);
}

function field(m: ReadonlyMap<unknown, unknown>, name: string): unknown {
  for (const [k, v] of m) if (nameOf(k) === name) return v;
  return undefined;
}

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (isKeyword(v)) return v.fqn;
  return typeof v === 'string' ? v : String(v);
}

/** The URL as compared: origin and path without a trailing slash. */
export function normaliseUrl(u: string): string | undefined {
  try {
    const url = new URL(u);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

function portOf(v: unknown, fallback: number): number | undefined {
  if (v === undefined || v === null) return fallback;
  const n = typeof v === 'string' ? Number(v) : typeof v === 'bigint' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

function keywordMap(m: ReadonlyMap<unknown, unknown>): Map<Keyword, unknown> {
  return new Map([...m].map(([k, v]) => [keyword(nameOf(k)), v]));
}

function roots(kind: string, v: unknown, dataDir: string): string[] {
  if (v === true) return [dataDir];
  if (!(v instanceof Map)) configError(`:stores :${kind} must be a map like {:roots ["./data"]}.`);
  const list = field(v, 'roots');
  if (list === undefined) return [dataDir];
  if (!Array.isArray(list) || list.some((r) => typeof r !== 'string' || r.length === 0))
    configError(`:stores :${kind} :roots must be a vector of folders, got ${printValue(list)}.`);
  return (list as string[]).map((r) => resolve(r));
}

function profiles<P>(
  kind: string,
  v: unknown,
  make: (name: string, m: Map<Keyword, unknown>) => P,
) {
  if (!(v instanceof Map))
    configError(`:stores :${kind} must be a map like {:profiles {:main {…}}}.`);
  const ps = field(v, 'profiles');
  if (!(ps instanceof Map) || ps.size === 0)
    configError(`:stores :${kind} needs :profiles, a map of names to store options.`);
  return [...ps].map(([n, p]) => {
    if (!(p instanceof Map)) configError(`:stores :${kind} profile ${nameOf(n)} must be a map.`);
    return make(nameOf(n), keywordMap(p));
  });
}

/** The `:stores` and `:upstreams` of a server config (undefined: the defaults). */
export function storesConfig(stores: unknown, upstreams: unknown, dataDir: string): StoresConfig {
  const ups = upstreams === undefined ? [] : upstreams;
  if (
    !Array.isArray(ups) ||
    ups.some((u) => typeof u !== 'string' || normaliseUrl(u) === undefined)
  )
    configError(`:upstreams must be a vector of http(s) URLs, got ${printValue(upstreams)}.`);
  const upstreamUrls = (ups as string[]).map((u) => normaliseUrl(u)!);
  if (stores === undefined)
    return {
      dataDir,
      memory: true,
      file: [dataDir],
      sqlite: [dataDir],
      jdbc: [],
      s3: [],
      upstreams: upstreamUrls,
    };
  if (!(stores instanceof Map))
    configError(
      `:stores must be a map like {:file {:roots ["./data"]}}, got ${printValue(stores)}.`,
    );
  const out = {
    dataDir,
    memory: true,
    file: null as string[] | null,
    sqlite: null as string[] | null,
    jdbc: [] as PgProfile[],
    s3: [] as S3Profile[],
    upstreams: upstreamUrls,
  };
  for (const [k, v] of stores) {
    const kind = nameOf(k);
    if (kind === 'memory') {
      if (typeof v !== 'boolean') configError(':stores :memory must be true or false.');
      out.memory = v;
    } else if (kind === 'file' || kind === 'sqlite') out[kind] = roots(kind, v, dataDir);
    else if (kind === 'jdbc' || kind === 'pg' || kind === 'postgresql')
      out.jdbc.push(
        ...profiles(kind, v, (name, m) => {
          const dbname = text(m.get(K.dbname) ?? m.get(K.database));
          const port = portOf(m.get(K.port), 5432);
          if (dbname === undefined || port === undefined)
            configError(`:stores :${kind} profile ${name} needs a :dbname (and a numeric :port).`);
          return { name, host: text(m.get(K.host)) ?? '127.0.0.1', port, dbname, options: m };
        }),
      );
    else if (kind === 's3')
      out.s3.push(
        ...profiles(kind, v, (name, m) => {
          const bucket = text(m.get(K.bucket));
          if (bucket === undefined) configError(`:stores :s3 profile ${name} needs a :bucket.`);
          let prefix = text(m.get(K.prefix)) ?? '';
          if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
          return {
            name,
            bucket,
            endpoint: endpointOf(m.get(K.endpoint)),
            region: text(m.get(K.region)),
            prefix,
            options: m,
          };
        }),
      );
    else
      configError(
        `Unknown store kind :${kind} in :stores: use :memory, :file, :sqlite, :jdbc or :s3.`,
      );
  }
  return out;
}

function endpointOf(v: unknown): string | undefined {
  const t = text(v);
  return t === undefined ? undefined : t.replace(/\/+$/, '');
}

/**
 * The real path of `p` (absolute): symlinks resolved in the part that exists, the rest
 * (not created yet) appended as written.
 */
export function realPathOf(p: string): string {
  const rest: string[] = [];
  let at = resolve(p);
  for (;;) {
    try {
      return join(realpathSync(at), ...rest.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const up = dirname(at);
      if (up === at) return resolve(p);
      rest.push(basename(at));
      at = up;
    }
  }
}

/** The root `real` lies strictly under, with the path relative to it. */
function underRoot(real: string, rootList: readonly string[]): string | undefined {
  for (const root of rootList) {
    const r = realPathOf(root);
    const rel = relative(r, real);
    if (rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep))
      return rel.split(sep).join('/');
  }
  return undefined;
}

const FOLDER_ID = /^[A-Za-z0-9_.-]+$/;
/** Characters of such an id: a file name has at most 255 bytes, and the store adds to it. */
const MAX_FOLDER_ID = 200;

export class StorePolicy {
  constructor(readonly stores: StoresConfig) {}

  /**
   * The config a create, connect, exists or delete call runs with, or `server/forbidden`.
   * `arg` is the config as the request carried it (a map, or EDN text).
   */
  confine(arg: unknown): Confined {
    const given = typeof arg === 'string' ? parseEdn(arg) : (arg ?? new Map());
    // The connection layer's own checks first: a malformed config is a 400 as before.
    const normalised = normaliseConfig(given);
    const cfg = given as Map<unknown, unknown>;
    const storeGiven = field(cfg, 'store');
    const store = storeGiven instanceof Map ? keywordMap(storeGiven) : new Map<Keyword, unknown>();
    this.checkWriter(normalised);
    const kind = normalised.store.kind;
    let placed: { store: Map<Keyword, unknown>; identity: string; name: string };
    if (kind === 'memory') {
      if (!this.stores.memory) forbidden('This server does not let clients use :memory stores.');
      placed = { store, identity: `memory:${normalised.store.id}`, name: normalised.store.id };
    } else if (kind === 'file' || kind === 'sqlite')
      placed = this.placeFile(kind, normalised, store);
    else if (kind === 'postgresql') placed = this.placePg(store);
    else if (kind === 's3') placed = this.placeS3(normalised, store);
    else forbidden(`This server does not let clients use :${normalised.store.backend} stores.`);
    const config = new Map<unknown, unknown>([...cfg].filter(([k]) => nameOf(k) !== 'store'));
    config.set(K.store, placed.store);
    return {
      config,
      normalised: normaliseConfig(config),
      identity: placed.identity,
      name: placed.name,
      asGiven: storeGiven,
    };
  }

  private checkWriter(c: DatabaseConfig): void {
    const spec = c.extra.get(K.writer);
    if (spec === undefined || spec === null || !(spec instanceof Map)) return;
    const backend = field(spec, 'backend');
    if (backend === undefined || (isKeyword(backend) && backend.fqn === 'self')) return;
    const url = field(spec, 'url');
    const normal = typeof url === 'string' ? normaliseUrl(url) : undefined;
    if (normal === undefined || !this.stores.upstreams.includes(normal))
      forbidden(
        'This server forwards a :writer only to the servers its config names (:upstreams); this one is not among them.',
      );
  }

  private placeFile(kind: 'file' | 'sqlite', c: DatabaseConfig, store: Map<Keyword, unknown>) {
    const rootList = this.stores[kind];
    if (rootList === null || rootList.length === 0)
      forbidden(`This server does not let clients use :${kind} stores.`);
    const path = store.get(K.path);
    let real: string;
    if (path === undefined) {
      // Named by :id alone: a folder (or file) of that name in the data folder.
      const id = c.store.id;
      if (!FOLDER_ID.test(id) || id === '.' || id === '..' || id.length > MAX_FOLDER_ID)
        forbidden(
          `A :${kind} store named by :id alone gets a folder of that name on the server, so the :id may hold letters, digits, '_', '-' and '.' only (at most ${MAX_FOLDER_ID}), and may not be '.' or '..'.`,
        );
      mkdirSync(this.stores.dataDir, { recursive: true });
      real = join(realPathOf(this.stores.dataDir), kind === 'sqlite' ? `${id}.sqlite` : id);
    } else {
      if (typeof path !== 'string' || path.length === 0)
        throw new DatahikeError(
          'config/invalid',
          `The :${kind} store's :path must be a string.`,
          {},
        );
      try {
        real = realPathOf(path);
      } catch {
        // A folder on the way that cannot be read, a symlink loop: the same answer as outside.
        real = '';
      }
    }
    const name = real === '' ? undefined : underRoot(real, rootList);
    if (name === undefined)
      forbidden(
        `This server keeps :${kind} stores in the folders its config names (:stores {:${kind} {:roots […]}}): give a :path inside one of them, or an :id alone.`,
      );
    const placed = new Map(store);
    placed.set(K.path, real);
    // Without an :id the store's id would be its real path, which handles would show: it is
    // its name below the root instead (the id an :id-alone store in the data folder has).
    // An :id equal to the path is that default id as a client computed it (a :writer sends it).
    const id = text(placed.get(K.id));
    if (id === undefined || (typeof path === 'string' && (id === resolve(path) || id === real)))
      placed.set(K.id, name);
    return { store: placed, identity: `${kind}:${real}`, name };
  }

  private placePg(store: Map<Keyword, unknown>) {
    const host = text(store.get(K.host)) ?? '127.0.0.1';
    const port = portOf(store.get(K.port), 5432);
    const dbname = text(store.get(K.dbname) ?? store.get(K.database)) ?? 'postgres';
    const profile = this.stores.jdbc.find(
      (p) => p.host === host && p.port === port && p.dbname === dbname,
    );
    if (profile === undefined)
      forbidden(
        'This server lets clients use the PostgreSQL servers and databases its config names (:stores {:jdbc {:profiles …}}) only; this one is not among them.',
      );
    const allowed = new Set([
      'query-timeout-ms',
      'backend',
      'dbtype',
      'id',
      'table',
      'host',
      'port',
      'dbname',
      'database',
      'user',
      'password',
    ]);
    for (const k of store.keys())
      if (!allowed.has(k.fqn))
        forbidden(`A client may not set :${k.fqn} of a PostgreSQL store on this server.`);
    // The server's connection settings and credentials, the client's table and id.
    const placed = new Map(profile.options);
    for (const k of ['backend', 'dbtype', 'id', 'table', 'query-timeout-ms'].map((n) => keyword(n)))
      if (store.has(k)) placed.set(k, store.get(k));
    const table = text(store.get(keyword('table'))) ?? 'datahike';
    return {
      store: placed,
      identity: `postgresql:${profile.host}:${profile.port}/${profile.dbname}/${table}`,
      name: table,
    };
  }

  private placeS3(c: DatabaseConfig, store: Map<Keyword, unknown>) {
    const bucket = text(store.get(K.bucket));
    const endpoint = endpointOf(store.get(K.endpoint));
    const region = text(store.get(K.region));
    let prefix = text(store.get(K.prefix)) ?? `${c.store.id}/`;
    if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
    const profile = this.stores.s3.find(
      (p) =>
        p.bucket === bucket &&
        p.endpoint === endpoint &&
        (region === undefined || p.region === region) &&
        prefix.startsWith(p.prefix) &&
        prefix.length > p.prefix.length,
    );
    if (profile === undefined)
      forbidden(
        'This server lets clients use the S3 buckets, endpoints and prefixes its config names (:stores {:s3 {:profiles …}}) only; this store is not among them.',
      );
    const allowed = new Set([
      'backend',
      'bucket',
      'endpoint',
      'region',
      'prefix',
      'id',
      'access-key',
      'access-key-id',
      'secret',
      'secret-access-key',
      'max-attempts',
      'connection-timeout',
      'request-timeout',
    ]);
    for (const k of store.keys())
      if (!allowed.has(k.fqn))
        forbidden(`A client may not set :${k.fqn} of an S3 store on this server.`);
    const placed = new Map(profile.options);
    placed.delete(K.prefix);
    for (const k of ['backend', 'id', 'max-attempts', 'connection-timeout', 'request-timeout'].map(
      (n) => keyword(n),
    ))
      if (store.has(k)) placed.set(k, store.get(k));
    placed.set(K.prefix, prefix);
    return {
      store: placed,
      identity: `s3:${endpoint ?? 'aws'}/${bucket}/${prefix}`,
      name: prefix.slice(profile.prefix.length).replace(/\/$/, ''),
    };
  }
}

/** The client's own store map in an answer that hands a config back (create-database). */
export function asGivenAnswer(result: unknown, confined: Confined): unknown {
  if (!(result instanceof Map) || confined.asGiven === undefined) return result;
  const out = new Map(result);
  for (const k of out.keys()) if (nameOf(k) === 'store') out.set(k, confined.asGiven);
  return out;
}
