/**
 * The SQLite backend: a store is one database file (WAL mode, synchronous = FULL) holding
 * the tables `blobs` (blobs by key) and `log` (branch logs), through `better-sqlite3`.
 * Several handles, in one process or several, can share the file.
 */

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DatahikeError, type ErrorCode } from '../values/index.js';
import type { Backend, LogRecord, Store, StoreOptions } from './store.js';

const BUSY_TIMEOUT_MS = 5000;

function dbPath(options: StoreOptions): string {
  const value = options.path;
  if (typeof value !== 'string' || value === '')
    throw new DatahikeError(
      'config/invalid',
      'A SQLite store config needs path: the database file (created with its folders).',
      { backend: options.backend, id: options.id },
    );
  return path.resolve(value);
}

/** Errors that mean the file cannot be used (permissions, disk, locks, not a database). */
function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string')
    return (
      /^SQLITE_(CANTOPEN|PERM|READONLY|IOERR|FULL|BUSY|LOCKED|NOTADB|CORRUPT|AUTH)/.test(code) ||
      /^E(ACCES|PERM|ROFS|NOENT|NOTDIR|NOSPC|ISDIR|EXIST)$/.test(code)
    );
  // better-sqlite3 reports a missing folder as a TypeError without a code.
  return err instanceof TypeError && /cannot open database/i.test(err.message);
}

/** What a failure of SQLite or the file system means for the store, by its code. */
function failureOf(err: unknown): { code: ErrorCode; advice: string } {
  const code = String((err as { code?: unknown }).code ?? '');
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(code))
    return {
      code: 'store/corrupt',
      advice: 'the file is damaged or not a SQLite database: restore it from a backup',
    };
  if (/^SQLITE_FULL/.test(code) || /^E(NOSPC|DQUOT)$/.test(code))
    return {
      code: 'store/full',
      advice:
        'the disk is full and nothing of the failed write was kept: free space, and this process writes again',
    };
  if (/^SQLITE_IOERR/.test(code) || code === 'EIO')
    return {
      code: 'store/io',
      advice: 'an I/O error: the disk or file system is failing, check the system log',
    };
  return {
    code: 'store/unavailable',
    advice:
      'check that the path is right, that its folder is writable by this process and that the disk has room',
  };
}

function rethrow(file: string, err: unknown): never {
  if (!isUnavailable(err)) throw err;
  const { code, advice } = failureOf(err);
  throw new DatahikeError(
    code,
    `The SQLite store at ${file} cannot be used (${(err as Error).message}): ${advice}.`,
    { backend: 'sqlite', path: file },
    err,
  );
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function openFile(file: string, mustExist: boolean): Database.Database {
  return new Database(file, { fileMustExist: mustExist, timeout: BUSY_TIMEOUT_MS });
}

/** WAL lets readers and a writer share the file; FULL makes each commit durable. */
function configure(db: Database.Database): Database.Database {
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function hasTables(db: Database.Database): boolean {
  return (
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'blobs'").get() !==
    undefined
  );
}

/** The store's own tables: anything else in the file is someone else's. */
const STORE_TABLES = ['blobs', 'log'];

function otherTables(db: Database.Database): boolean {
  const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
    name: string;
  }[];
  return rows.some((r) => !STORE_TABLES.includes(r.name));
}

const SQLITE_HEADER = 'SQLite format 3\0';

/**
 * Whether the file at `file` holds something a store must not be created over: bytes that
 * are not SQLite, or a SQLite database with tables of its own. A missing or empty file, or
 * an empty database, is fine.
 */
function holdsOtherData(file: string): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (!stat.isFile()) return true;
  if (stat.size === 0) return false;
  const head = Buffer.alloc(16);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 16, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head.toString('latin1') !== SQLITE_HEADER) return true;
  const db = openFile(file, true);
  try {
    return otherTables(db);
  } finally {
    db.close();
  }
}

/** Opens the file if it holds a store; null when there is no file or no store in it. */
function openExisting(file: string): Database.Database | null {
  if (!fs.existsSync(file)) return null;
  const db = openFile(file, true);
  try {
    if (hasTables(db)) return db;
  } catch (err) {
    db.close();
    throw err;
  }
  db.close();
  return null;
}

async function exists(options: StoreOptions): Promise<boolean> {
  const file = dbPath(options);
  try {
    const db = openExisting(file);
    db?.close();
    return db !== null;
  } catch (err) {
    rethrow(file, err);
  }
}

/**
 * Creates a folder and its missing parents one level at a time: Node 20's recursive
 * mkdirSync loops forever on a path it cannot create, such as one under /proc.
 */
function makeFolders(dir: string): void {
  if (fs.existsSync(dir)) return;
  makeFolders(path.dirname(dir));
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

function removeFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
}

/** Removes the store: its tables when the file holds other tables too, else the file. */
function removeStore(file: string): void {
  const db = openExisting(file);
  if (db === null) return;
  let others: boolean;
  try {
    others = otherTables(db);
    if (others) db.exec('DROP TABLE IF EXISTS blobs; DROP TABLE IF EXISTS log;');
  } finally {
    db.close();
  }
  if (!others) removeFiles(file);
}

interface BlobRow {
  key: string;
  val: Buffer;
}

interface LogRow {
  seq: number;
  val: Buffer;
}

function prepare(db: Database.Database) {
  return {
    get: db.prepare<[string], Buffer>('SELECT val FROM blobs WHERE key = ?').pluck(),
    getMany: db.prepare<[string], BlobRow>(
      'SELECT key, val FROM blobs WHERE key IN (SELECT value FROM json_each(?))',
    ),
    put: db.prepare<[string, Buffer]>('INSERT OR IGNORE INTO blobs (key, val) VALUES (?, ?)'),
    has: db.prepare<[string], number>('SELECT 1 FROM blobs WHERE key = ?').pluck(),
    delete: db.prepare<[string]>('DELETE FROM blobs WHERE key IN (SELECT value FROM json_each(?))'),
    keys: db.prepare<[], string>('SELECT key FROM blobs').pluck(),
    last: db.prepare<[string], LogRow>(
      'SELECT seq, val FROM log WHERE branch = ? ORDER BY seq DESC LIMIT 1',
    ),
    maxSeq: db
      .prepare<[string], number>('SELECT coalesce(max(seq), 0) FROM log WHERE branch = ?')
      .pluck(),
    read: db.prepare<[string, number, number], LogRow>(
      'SELECT seq, val FROM log WHERE branch = ? AND seq >= ? AND seq <= ? ORDER BY seq',
    ),
    insertLog: db.prepare<[string, number, Buffer]>(
      'INSERT INTO log (branch, seq, val) VALUES (?, ?, ?)',
    ),
    truncate: db.prepare<{ branch: string; before: number }>(
      `DELETE FROM log WHERE branch = @branch AND seq < @before
         AND seq < (SELECT max(seq) FROM log WHERE branch = @branch)`,
    ),
    branches: db.prepare<[], string>('SELECT DISTINCT branch FROM log').pluck(),
  };
}

class SqliteStore implements Store {
  readonly label: string;
  private readonly statements: ReturnType<typeof prepare>;
  private readonly putAll: (entries: readonly (readonly [string, Uint8Array])[]) => void;
  private readonly appendAll: (
    branch: string,
    afterSeq: number,
    records: readonly Uint8Array[],
  ) => boolean;

  constructor(
    private readonly file: string,
    private readonly db: Database.Database,
  ) {
    this.label = `sqlite store ${file}`;
    const s = prepare(db);
    this.statements = s;
    this.putAll = db.transaction((entries: readonly (readonly [string, Uint8Array])[]) => {
      for (const [key, bytes] of entries) s.put.run(key, asBuffer(bytes));
    });
    // IMMEDIATE takes the write lock before reading the log end, so no other writer can
    // move it between the check and the inserts.
    this.appendAll = db.transaction(
      (branch: string, afterSeq: number, records: readonly Uint8Array[]): boolean => {
        if (s.maxSeq.get(branch) !== afterSeq) return false;
        records.forEach((bytes, i) => {
          s.insertLog.run(branch, afterSeq + 1 + i, asBuffer(bytes));
        });
        return true;
      },
    ).immediate;
  }

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      rethrow(this.file, err);
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    return this.run(() => this.statements.get.get(key) ?? null);
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    if (keys.length === 0) return [];
    const rows = this.run(() => this.statements.getMany.all(JSON.stringify(keys)));
    const found = new Map(rows.map((row) => [row.key, row.val]));
    return keys.map((key) => found.get(key) ?? null);
  }

  async put(entries: readonly (readonly [string, Uint8Array])[]): Promise<void> {
    this.run(() => this.putAll(entries));
  }

  async has(key: string): Promise<boolean> {
    return this.run(() => this.statements.has.get(key) !== undefined);
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    this.run(() => this.statements.delete.run(JSON.stringify(keys)));
  }

  async keys(): Promise<string[]> {
    return this.run(() => this.statements.keys.all());
  }

  async lastRecord(branch: string): Promise<LogRecord | null> {
    const row = this.run(() => this.statements.last.get(branch));
    return row === undefined ? null : { seq: row.seq, bytes: row.val };
  }

  async readLog(branch: string, from: number, to?: number): Promise<LogRecord[]> {
    const rows = this.run(() =>
      this.statements.read.all(branch, from, to ?? Number.MAX_SAFE_INTEGER),
    );
    return rows.map((row) => ({ seq: row.seq, bytes: row.val }));
  }

  async append(branch: string, afterSeq: number, records: readonly Uint8Array[]): Promise<boolean> {
    return this.run(() => this.appendAll(branch, afterSeq, records));
  }

  async truncateLog(branch: string, beforeSeq: number): Promise<void> {
    this.run(() => this.statements.truncate.run({ branch, before: beforeSeq }));
  }

  async branches(): Promise<string[]> {
    return this.run(() => this.statements.branches.all());
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async destroy(): Promise<void> {
    await this.close();
    this.run(() => removeStore(this.file));
  }
}

export const sqliteBackend: Backend = {
  exists,

  async create(options) {
    const file = dbPath(options);
    let db: Database.Database;
    try {
      if (holdsOtherData(file))
        throw new DatahikeError(
          'store/not-empty',
          `${file} holds data that is not a datahike store: a SQLite store is created only in a new or empty file.`,
          { backend: options.backend, path: file },
        );
      makeFolders(path.dirname(file));
      db = configure(openFile(file, false));
    } catch (err) {
      rethrow(file, err);
    }
    try {
      const created = db
        .transaction(() => {
          if (hasTables(db)) return false;
          db.exec(`CREATE TABLE blobs (key TEXT PRIMARY KEY, val BLOB);
                   CREATE TABLE log (branch TEXT, seq INTEGER, val BLOB, PRIMARY KEY (branch, seq));`);
          return true;
        })
        .immediate();
      if (!created)
        throw new DatahikeError(
          'store/exists',
          `A SQLite store already exists at ${file}: connect to it, or use another path.`,
          { backend: options.backend, path: file },
        );
      return new SqliteStore(file, db);
    } catch (err) {
      db.close();
      rethrow(file, err);
    }
  },

  async open(options) {
    const file = dbPath(options);
    let db: Database.Database | null;
    try {
      const existing = openExisting(file);
      db = existing === null ? null : configure(existing);
    } catch (err) {
      rethrow(file, err);
    }
    if (db === null)
      throw new DatahikeError(
        'store/not-found',
        `No SQLite store at ${file}: create the database first, or check the path.`,
        { backend: options.backend, path: file },
      );
    return new SqliteStore(file, db);
  },

  async destroy(options) {
    const file = dbPath(options);
    // Only a file holding a store is removed, never some other file at that path.
    if (!(await exists(options))) return;
    try {
      removeStore(file);
    } catch (err) {
      rethrow(file, err);
    }
  },
};
