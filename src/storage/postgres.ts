/**
 * The PostgreSQL backend: a store is a pair of tables, `<table>` (blobs by key) and
 * `<table>_log` (branch logs). `watch` uses LISTEN/NOTIFY on the channel `<table>_log`,
 * which every successful append notifies with its branch.
 *
 * Every store on one server (host, port, database, user) shares one `pg` pool and one
 * LISTEN connection (`PgServer`), so that a process can hold hundreds of per-tenant
 * databases within the server's connection limit.
 */

import { createHash } from 'node:crypto';
import pg from 'pg';
import { DatahikeError } from '../values/index.js';
import {
  appendOutcomeUnknown,
  type Backend,
  type LogRecord,
  type Store,
  type StoreOptions,
} from './store.js';

interface PgConfig {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string | undefined;
  readonly table: string;
  /** How long a statement may go without an answer before it counts as failed. */
  readonly queryTimeoutMs: number;
}

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// PostgreSQL cuts identifiers at 63 bytes, and the log table adds `_log`.
const MAX_TABLE_LENGTH = 59;
const CONNECT_TIMEOUT_MS = 5000;
// A stalled connection (a network that stops answering) fails a statement after this long.
const QUERY_TIMEOUT_MS = 30_000;
const RELISTEN_DELAY_MS = 1000;
// One INSERT carries at most this many blobs, or this many bytes (unless one blob is larger).
const PUT_ROWS = 1000;
const PUT_BYTES = 16 * 1024 * 1024;

function invalid(message: string, options: StoreOptions): DatahikeError {
  return new DatahikeError('config/invalid', message, { backend: options.backend, id: options.id });
}

function optionalString(options: StoreOptions, key: string): string | undefined {
  const value = options[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw invalid(
      `PostgreSQL store option ${key} must be a string, got ${String(value)}.`,
      options,
    );
  return value;
}

function pgConfig(options: StoreOptions): PgConfig {
  const dbtype = optionalString(options, 'dbtype');
  if (dbtype !== undefined && dbtype !== 'postgresql')
    throw invalid(
      `The PostgreSQL store supports dbtype postgresql only, got ${JSON.stringify(dbtype)}.`,
      options,
    );
  const database = optionalString(options, 'dbname') ?? optionalString(options, 'database');
  if (database === undefined || database === '')
    throw invalid(
      'A PostgreSQL store config needs dbname: the database holding the store.',
      options,
    );
  const rawPort = options.port ?? 5432;
  const port = typeof rawPort === 'string' ? Number(rawPort) : rawPort;
  if (typeof port !== 'number' || !Number.isInteger(port) || port <= 0 || port > 65535)
    throw invalid(
      `PostgreSQL store option port must be a port number, got ${String(rawPort)}.`,
      options,
    );
  const table = optionalString(options, 'table') ?? 'datahike';
  if (!TABLE_NAME.test(table) || table.length > MAX_TABLE_LENGTH)
    throw invalid(
      `Invalid PostgreSQL table name ${JSON.stringify(table)}: use letters, digits and _ only, ` +
        `not starting with a digit, at most ${MAX_TABLE_LENGTH} characters.`,
      options,
    );
  const timeout = options['query-timeout-ms'] ?? QUERY_TIMEOUT_MS;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout <= 0)
    throw invalid(
      `PostgreSQL store option query-timeout-ms must be a positive whole number of milliseconds, got ${String(timeout)}.`,
      options,
    );
  return {
    host: optionalString(options, 'host') ?? '127.0.0.1',
    port,
    database,
    user: optionalString(options, 'user') ?? 'postgres',
    password: optionalString(options, 'password'),
    table,
    queryTimeoutMs: timeout,
  };
}

function connectionOptions(cfg: PgConfig): pg.ClientConfig {
  return {
    host: cfg.host,
    port: cfg.port,
    database: cfg.database,
    user: cfg.user,
    password: cfg.password,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: cfg.queryTimeoutMs,
    keepAlive: true,
  };
}

function place(cfg: PgConfig): string {
  return `${cfg.host}:${cfg.port}/${cfg.database}`;
}

function errorData(cfg: PgConfig): Record<string, unknown> {
  return { host: cfg.host, port: cfg.port, dbname: cfg.database, user: cfg.user, table: cfg.table };
}

/** The `store/unavailable` error for a failure to reach or log into the server, else null. */
function connectionError(cfg: PgConfig, err: unknown): DatahikeError | null {
  if (!(err instanceof Error)) return null;
  let hint: string;
  if (err instanceof pg.DatabaseError) {
    const state = err.code ?? '';
    if (state.startsWith('28')) hint = `check the user (${cfg.user}) and password`;
    else if (state === '3D000')
      hint = `create the database (createdb ${cfg.database}) or correct dbname`;
    else if (/^(08|57P|53300)/.test(state))
      hint = 'the server refused or dropped the connection: check that it is up and accepting';
    else return null;
  } else if (/password/i.test(err.message)) {
    hint = `check the password for user ${cfg.user}`;
  } else if (
    typeof (err as { code?: unknown }).code === 'string' ||
    /connection terminated|timeout/i.test(err.message)
  ) {
    hint = 'check that the server is running and accepts TCP connections at that host and port';
  } else return null;
  return new DatahikeError(
    'store/unavailable',
    `PostgreSQL at ${place(cfg)} is unavailable (${err.message}): ${hint}.`,
    errorData(cfg),
    err,
  );
}

function rethrow(cfg: PgConfig, err: unknown): never {
  throw connectionError(cfg, err) ?? err;
}

function quote(identifier: string): string {
  return `"${identifier}"`;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The connections a server's pool opens at most, shared by every store on that server. */
const POOL_SIZE = 10;

/**
 * One PostgreSQL server as the stores on it share it: a pool for queries and one
 * connection that LISTENs on the channels stores watch. Counted: the last store to let
 * go of it closes both.
 */
class PgServer {
  readonly pool: pg.Pool;
  private users = 0;
  /** Channel → callbacks, each called with the notification's payload (undefined: LISTEN took effect). */
  private readonly handlers = new Map<string, Set<(payload: string | undefined) => void>>();
  private listener: pg.Client | null = null;
  /** Channels LISTENed on the current listener, each with its LISTEN in flight or done. */
  private readonly listened = new Map<string, Promise<void>>();
  private connected = false;
  /** LISTEN and UNLISTEN go one at a time (a pg client takes one query at a time). */
  private commands: Promise<unknown> = Promise.resolve();
  private relisten: NodeJS.Timeout | null = null;

  constructor(
    private readonly key: string,
    private readonly cfg: PgConfig,
  ) {
    this.pool = new pg.Pool({ ...connectionOptions(cfg), max: POOL_SIZE, allowExitOnIdle: true });
    // An idle client that loses its connection is dropped by the pool; the next query reports it.
    this.pool.on('error', () => {});
  }

  /** The server of a config, shared with every other store on it; `release` when done. */
  static acquire(cfg: PgConfig): PgServer {
    // The password is part of the key: a wrong one must not ride on another store's pool.
    // So is the query timeout, which the pool's connections carry.
    const key = JSON.stringify([
      cfg.host,
      cfg.port,
      cfg.database,
      cfg.user,
      cfg.password,
      cfg.queryTimeoutMs,
    ]);
    let server = servers.get(key);
    if (server === undefined) servers.set(key, (server = new PgServer(key, cfg)));
    server.users++;
    return server;
  }

  async release(): Promise<void> {
    if (--this.users > 0) return;
    servers.delete(this.key);
    await this.stopListening();
    await this.pool.end();
  }

  /**
   * Calls `handler` with each notification on `channel`, and once the LISTEN is in
   * effect (notifications before that moment were not seen); returns the unsubscribe.
   */
  subscribe(channel: string, handler: (payload: string | undefined) => void): () => void {
    let set = this.handlers.get(channel);
    if (set === undefined) this.handlers.set(channel, (set = new Set()));
    set.add(handler);
    const pending = this.listened.get(channel);
    if (pending !== undefined) void pending.then(() => handler(undefined));
    else if (this.listener === null && this.relisten === null) void this.startListening();
    else if (this.listener !== null && this.connected) void this.listenTo(this.listener, channel);
    return () => {
      const current = this.handlers.get(channel);
      if (current === undefined || !current.delete(handler) || current.size > 0) return;
      this.handlers.delete(channel);
      const client = this.listener;
      if (this.handlers.size === 0) void this.stopListening();
      else if (client !== null && this.listened.delete(channel) && this.connected)
        this.command(client, `UNLISTEN ${quote(channel)}`).catch(() => {});
    };
  }

  private dispatch(channel: string, payload: string | undefined): void {
    for (const handler of this.handlers.get(channel) ?? []) handler(payload);
  }

  private async startListening(): Promise<void> {
    const client = new pg.Client(connectionOptions(this.cfg));
    this.listener = client;
    this.connected = false;
    this.listened.clear();
    this.commands = Promise.resolve();
    client.on('notification', (message) => {
      if (this.listener === client) this.dispatch(message.channel, message.payload);
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      if (this.listener !== client) return;
      this.connected = true;
      // Channels subscribed while connecting are iterated too (a Map iterates what is added).
      for (const channel of this.handlers.keys()) void this.listenTo(client, channel);
    } catch {
      this.lost(client);
    }
  }

  private listenTo(client: pg.Client, channel: string): Promise<void> {
    let done = this.listened.get(channel);
    if (done === undefined) {
      done = this.command(client, `LISTEN ${quote(channel)}`).then(
        () => {
          if (this.listener === client && this.listened.get(channel) === done)
            this.dispatch(channel, undefined);
        },
        () => this.lost(client),
      );
      this.listened.set(channel, done);
    }
    return done;
  }

  private command(client: pg.Client, sql: string): Promise<unknown> {
    const run = this.commands.then(() => client.query(sql));
    this.commands = run.catch(() => {});
    return run;
  }

  /** The listening connection failed: drop it and, while someone watches, listen again. */
  private lost(client: pg.Client): void {
    if (this.listener !== client) return;
    this.listener = null;
    this.connected = false;
    this.listened.clear();
    void client.end().catch(() => {});
    if (this.handlers.size === 0 || this.users === 0) return;
    this.relisten = setTimeout(() => {
      this.relisten = null;
      if (this.handlers.size > 0 && this.users > 0 && this.listener === null)
        void this.startListening();
    }, RELISTEN_DELAY_MS);
    this.relisten.unref();
  }

  private async stopListening(): Promise<void> {
    if (this.relisten !== null) clearTimeout(this.relisten);
    this.relisten = null;
    const client = this.listener;
    this.listener = null;
    this.connected = false;
    this.listened.clear();
    if (client !== null) await client.end().catch(() => {});
  }
}

const servers = new Map<string, PgServer>();

/** Runs `fn` on the shared pool of the config's server. */
async function withServer<T>(cfg: PgConfig, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const server = PgServer.acquire(cfg);
  try {
    return await fn(server.pool);
  } catch (err) {
    rethrow(cfg, err);
  } finally {
    await server.release();
  }
}

/** A pool client held for a statement or a transaction; `done` gives it back. */
interface Checkout {
  query: pg.PoolClient['query'];
  /** Returns the client to the pool; after `err` the connection is closed instead. */
  done(err?: Error): void;
}

async function checkout(pool: pg.Pool): Promise<Checkout> {
  const client = await pool.connect();
  // A connection that breaks also emits `error` on its client, which nothing listens to
  // while it is checked out, and that would end the process (the statement gets it too).
  const ignore = () => {};
  client.on('error', ignore);
  return {
    query: client.query.bind(client) as pg.PoolClient['query'],
    done(err) {
      if (err === undefined) client.off('error', ignore);
      client.release(err);
    },
  };
}

async function tableExists(queryable: pg.Pool | pg.Client, table: string): Promise<boolean> {
  const result = await queryable.query<{ found: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS found',
    [quote(table)],
  );
  return result.rows[0]!.found;
}

/**
 * Whether the table and its `_log` table have exactly the columns a store makes: a table
 * of the same name that some application made is never read, written or dropped.
 */
async function isStoreTable(queryable: pg.Pool | pg.Client, table: string): Promise<boolean> {
  const result = await queryable.query<{ t: string; cols: string }>(
    `SELECT table_name AS t, string_agg(column_name || ':' || data_type, ',' ORDER BY column_name) AS cols
       FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name IN ($1, $2)
      GROUP BY table_name`,
    [table, `${table}_log`],
  );
  const cols = new Map(result.rows.map((r) => [r.t, r.cols]));
  return (
    cols.get(table) === 'key:text,val:bytea' &&
    cols.get(`${table}_log`) === 'branch:text,seq:bigint,val:bytea'
  );
}

class PostgresStore implements Store {
  readonly label: string;
  private readonly blobs: string;
  private readonly log: string;
  private readonly channel: string;
  /** The append statement, prepared once per pooled connection (by its name). */
  private readonly appendStatement: { readonly name: string; readonly text: string };
  private readonly pool: pg.Pool;
  private readonly watchers = new Map<string, Set<() => void>>();
  private unsubscribe: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly cfg: PgConfig,
    private readonly server: PgServer,
  ) {
    this.label = `postgresql table ${cfg.table} at ${place(cfg)}`;
    this.blobs = quote(cfg.table);
    this.channel = `${cfg.table}_log`;
    this.log = quote(this.channel);
    this.pool = server.pool;
    // One statement, so one transaction: the records go in only while the log ends at
    // afterSeq, and a racing writer that inserted afterSeq + 1 first makes the primary key
    // reject this one. The notification is sent when the statement commits.
    const text = `WITH added AS (
         INSERT INTO ${this.log} (branch, seq, val)
         SELECT $1, $2::bigint + r.ord, r.val
         FROM unnest($3::bytea[]) WITH ORDINALITY AS r(val, ord)
         WHERE (SELECT coalesce(max(seq), 0) FROM ${this.log} WHERE branch = $1) = $2::bigint
         RETURNING 1
       )
       SELECT count(*)::int AS added, CASE WHEN count(*) > 0 THEN pg_notify($4, $1) END
       FROM added`;
    // Named by its text: stores of other tables on the same connections prepare their own.
    const name = `dh-append-${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    this.appendStatement = { name, text };
  }

  private async query<R extends pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      rethrow(this.cfg, err);
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    const result = await this.query<{ val: Buffer }>(
      `SELECT val FROM ${this.blobs} WHERE key = $1`,
      [key],
    );
    return result.rows[0]?.val ?? null;
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    if (keys.length === 0) return [];
    const result = await this.query<{ key: string; val: Buffer }>(
      `SELECT key, val FROM ${this.blobs} WHERE key = ANY($1::text[])`,
      [keys],
    );
    const found = new Map(result.rows.map((row) => [row.key, row.val]));
    return keys.map((key) => found.get(key) ?? null);
  }

  async put(entries: readonly (readonly [string, Uint8Array])[]): Promise<void> {
    let batch: (readonly [string, Uint8Array])[] = [];
    let size = 0;
    for (const entry of entries) {
      if (
        batch.length >= PUT_ROWS ||
        (batch.length > 0 && size + entry[1].byteLength > PUT_BYTES)
      ) {
        await this.insertBlobs(batch);
        batch = [];
        size = 0;
      }
      batch.push(entry);
      size += entry[1].byteLength;
    }
    if (batch.length > 0) await this.insertBlobs(batch);
  }

  private async insertBlobs(batch: readonly (readonly [string, Uint8Array])[]): Promise<void> {
    const rows = batch.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ');
    await this.query(
      `INSERT INTO ${this.blobs} (key, val) VALUES ${rows} ON CONFLICT (key) DO NOTHING`,
      batch.flatMap(([key, bytes]) => [key, asBuffer(bytes)]),
    );
  }

  async has(key: string): Promise<boolean> {
    const result = await this.query(`SELECT 1 FROM ${this.blobs} WHERE key = $1`, [key]);
    return result.rows.length > 0;
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.query(`DELETE FROM ${this.blobs} WHERE key = ANY($1::text[])`, [keys]);
  }

  async keys(): Promise<string[]> {
    const result = await this.query<{ key: string }>(`SELECT key FROM ${this.blobs}`);
    return result.rows.map((row) => row.key);
  }

  async lastRecord(branch: string): Promise<LogRecord | null> {
    const result = await this.query<{ seq: string; val: Buffer }>(
      `SELECT seq, val FROM ${this.log} WHERE branch = $1 ORDER BY seq DESC LIMIT 1`,
      [branch],
    );
    const row = result.rows[0];
    return row === undefined ? null : { seq: Number(row.seq), bytes: row.val };
  }

  async readLog(branch: string, from: number, to?: number): Promise<LogRecord[]> {
    const result = await this.query<{ seq: string; val: Buffer }>(
      `SELECT seq, val FROM ${this.log} WHERE branch = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq`,
      [branch, from, to ?? Number.MAX_SAFE_INTEGER],
    );
    return result.rows.map((row) => ({ seq: Number(row.seq), bytes: row.val }));
  }

  async append(branch: string, afterSeq: number, records: readonly Uint8Array[]): Promise<boolean> {
    if (records.length === 0) return ((await this.lastRecord(branch))?.seq ?? 0) === afterSeq;
    let client: Checkout;
    try {
      client = await checkout(this.pool);
    } catch (err) {
      rethrow(this.cfg, err); // nothing was sent
    }
    try {
      const result = await client.query<{ added: number }>({
        ...this.appendStatement,
        values: [branch, afterSeq, records.map(asBuffer), this.channel],
      });
      client.done();
      return result.rows[0]!.added > 0;
    } catch (err) {
      if (err instanceof pg.DatabaseError) {
        // The server answered with an error: the statement's transaction did not commit.
        client.done();
        if (err.code === '23505') return false;
        rethrow(this.cfg, err);
      }
      // The connection broke or stalled after the statement was sent: it may have committed
      // (or still commit). The connection is not reused.
      client.done(err as Error);
      throw appendOutcomeUnknown(this.label, err);
    }
  }

  async truncateLog(branch: string, beforeSeq: number): Promise<void> {
    await this.query(
      `DELETE FROM ${this.log} WHERE branch = $1 AND seq < $2
         AND seq < (SELECT max(seq) FROM ${this.log} WHERE branch = $1)`,
      [branch, beforeSeq],
    );
  }

  async branches(): Promise<string[]> {
    const result = await this.query<{ branch: string }>(`SELECT DISTINCT branch FROM ${this.log}`);
    return result.rows.map((row) => row.branch);
  }

  /**
   * Calls `onChange` after each append to the branch, from any handle, and once when the
   * LISTEN takes effect (appends before that moment were not seen).
   */
  watch(branch: string, onChange: () => void): () => void {
    let set = this.watchers.get(branch);
    if (set === undefined) this.watchers.set(branch, (set = new Set()));
    set.add(onChange);
    if (this.unsubscribe === null && !this.closed)
      this.unsubscribe = this.server.subscribe(this.channel, (payload) => this.notify(payload));
    return () => {
      const current = this.watchers.get(branch);
      if (current === undefined || !current.delete(onChange)) return;
      if (current.size === 0) this.watchers.delete(branch);
      if (this.watchers.size === 0) this.stopWatching();
    };
  }

  private notify(branch: string | undefined): void {
    for (const [watched, callbacks] of this.watchers)
      if (branch === undefined || branch === watched)
        // Queued, so that a throwing callback cannot keep the others from being called.
        for (const callback of callbacks) queueMicrotask(callback);
  }

  private stopWatching(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watchers.clear();
    this.stopWatching();
    await this.server.release();
  }

  async destroy(): Promise<void> {
    await this.query(`DROP TABLE IF EXISTS ${this.blobs}, ${this.log}`);
    await this.close();
  }
}

async function create(options: StoreOptions): Promise<Store> {
  const cfg = pgConfig(options);
  const server = PgServer.acquire(cfg);
  try {
    const client = await checkout(server.pool);
    try {
      await client.query('BEGIN');
      await client.query(`CREATE TABLE ${quote(cfg.table)} (key text PRIMARY KEY, val bytea)`);
      await client.query(
        `CREATE TABLE ${quote(`${cfg.table}_log`)} (branch text, seq bigint, val bytea, PRIMARY KEY (branch, seq))`,
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      // After an error of the server the connection is still good.
      client.done(err instanceof pg.DatabaseError ? undefined : (err as Error));
      throw err;
    }
    client.done();
  } catch (err) {
    await server.release();
    // 23505: a concurrent CREATE TABLE of the same name won the race in the catalog.
    if (err instanceof pg.DatabaseError && (err.code === '42P07' || err.code === '23505'))
      throw new DatahikeError(
        'store/exists',
        `A store already exists in PostgreSQL table ${cfg.table} at ${place(cfg)}: connect to it, or use another table.`,
        errorData(cfg),
      );
    rethrow(cfg, err);
  }
  return new PostgresStore(cfg, server);
}

async function open(options: StoreOptions): Promise<Store> {
  const cfg = pgConfig(options);
  const server = PgServer.acquire(cfg);
  let found: boolean;
  try {
    found = await tableExists(server.pool, cfg.table);
  } catch (err) {
    await server.release();
    rethrow(cfg, err);
  }
  if (!found) {
    await server.release();
    throw new DatahikeError(
      'store/not-found',
      `No store in PostgreSQL table ${cfg.table} at ${place(cfg)}: create the database first.`,
      errorData(cfg),
    );
  }
  let shaped: boolean;
  try {
    shaped = await isStoreTable(server.pool, cfg.table);
  } catch (err) {
    await server.release();
    rethrow(cfg, err);
  }
  if (!shaped) {
    await server.release();
    throw new DatahikeError(
      'store/not-empty',
      `PostgreSQL table ${cfg.table} at ${place(cfg)} is not a datahike store (its columns differ): use another table.`,
      errorData(cfg),
    );
  }
  return new PostgresStore(cfg, server);
}

export const postgresBackend: Backend = {
  async exists(options) {
    const cfg = pgConfig(options);
    return withServer(cfg, (pool) => tableExists(pool, cfg.table));
  },
  create,
  open,
  async destroy(options) {
    const cfg = pgConfig(options);
    await withServer(cfg, async (pool) => {
      if (await isStoreTable(pool, cfg.table))
        await pool.query(`DROP TABLE IF EXISTS ${quote(cfg.table)}, ${quote(`${cfg.table}_log`)}`);
    });
  },
};
