/**
 * The S3 backend: a store is a key prefix in a bucket of Amazon S3, or of any server that
 * speaks its API and honours conditional writes (`If-None-Match: *` on PutObject).
 *
 * - `<prefix>STORE` marks the store. It is written with `If-None-Match: *`, so of two
 *   racing creates one fails with `store/exists`.
 * - `<prefix>blobs/<key>`: one object per blob.
 * - `<prefix>log/<branch>/<seq>`: one object per append, holding all its records and
 *   named by the seq of its first one (12 digits, so that names sort as numbers); a
 *   reader sees the whole append or nothing of it. `<branch>` is URI-encoded: no `/`.
 * - `<prefix>log/<branch>/HEAD`: where the last append begins (checksummed), written after it. Only a
 *   hint where to start listing for the head, never trusted without that list.
 *
 * An append after seq n first checks that the log ends at n, then writes `<n + 1>` with
 * `If-None-Match: *`. Every append after n goes through that one key, so exactly one of
 * the writers that saw the log end at n wins it, and none can land after the log moved
 * on: by then `<n + 1>` exists. That holds only while a written key stays written, which
 * is why truncateLog does not delete the objects it drops but empties them (tombstones);
 * a reader takes nothing from before a tombstone.
 */

import { crc32 } from 'node:zlib';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  type ListObjectsV2CommandInput,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { DatahikeError } from '../values/index.js';
import type { Backend, LogRecord, Store, StoreOptions } from './store.js';

const MAGIC = 0x44485333; // 'DHS3'
const EMPTY = new Uint8Array(0);
/** Requests in flight at once for one getMany, put, readLog or truncateLog. */
const PARALLEL = 16;
/** How far before `from` readLog first lists for the append holding it: one list page. */
const LOOK_BEHIND = 1000;

interface Settings {
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  readonly label: string;
  readonly data: Record<string, unknown>;
  readonly client: S3ClientConfig;
}

/** A log object as listed: the seq of its first record, and whether it is a tombstone. */
interface Entry {
  readonly first: number;
  readonly key: string;
  readonly etag: string;
  readonly tombstone: boolean;
}

interface Hint {
  readonly first: number;
  readonly count: number;
  readonly etag: string;
  readonly sum: number;
}

function invalid(message: string, config: StoreOptions): DatahikeError {
  return new DatahikeError('config/invalid', message, { store: config });
}

function option(config: StoreOptions, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = config[name];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string')
      throw invalid(`The :s3 store's :${name} must be a string, got ${typeof v}.`, config);
    return v;
  }
  return undefined;
}

function millis(config: StoreOptions, name: string, fallback: number): number {
  const v = config[name] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw invalid(`The :s3 store's :${name} must be a whole number, got ${String(v)}.`, config);
  return v;
}

function settingsOf(config: StoreOptions): Settings {
  const bucket = option(config, 'bucket');
  if (bucket === undefined || bucket === '')
    throw invalid(
      'The :s3 store needs a :bucket: {:backend :s3 :bucket "my-bucket" :id "mydb"}.',
      config,
    );
  const region = option(config, 'region') ?? 'us-east-1';
  const endpoint = option(config, 'endpoint');
  const accessKeyId = option(config, 'access-key', 'access-key-id');
  const secretAccessKey = option(config, 'secret', 'secret-access-key');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined))
    throw invalid('The :s3 store needs both :access-key and :secret, or neither.', config);
  let prefix = option(config, 'prefix') ?? `${config.id}/`;
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  const maxAttempts = millis(config, 'max-attempts', 3);
  if (maxAttempts < 1) throw invalid("The :s3 store's :max-attempts must be at least 1.", config);
  return {
    bucket,
    prefix,
    region,
    label: `S3 store s3://${bucket}/${prefix}${endpoint === undefined ? '' : ` at ${endpoint}`}`,
    data: { backend: ':s3', bucket, prefix, ...(endpoint !== undefined && { endpoint }) },
    client: {
      region,
      ...(endpoint !== undefined && { endpoint, forcePathStyle: true }),
      ...(accessKeyId !== undefined &&
        secretAccessKey !== undefined && { credentials: { accessKeyId, secretAccessKey } }),
      maxAttempts,
      requestHandler: {
        connectionTimeout: millis(config, 'connection-timeout', 10_000),
        requestTimeout: millis(config, 'request-timeout', 60_000),
        throwOnRequestTimeout: true,
      },
    },
  };
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  return httpStatus(err) === 404 && (err as Error).name !== 'NoSuchBucket';
}

function corrupt(s: Settings, key: string, why: string): DatahikeError {
  return new DatahikeError('store/corrupt', `The log object ${key} in the ${s.label} ${why}.`, {
    ...s.data,
    key,
  });
}

const seqName = (seq: number) => String(seq).padStart(12, '0');

function encodeAppend(records: readonly Uint8Array[]): Uint8Array {
  const buf = Buffer.allocUnsafe(records.reduce((n, r) => n + 4 + r.length, 8));
  buf.writeUInt32BE(MAGIC, 0);
  buf.writeUInt32BE(records.length, 4);
  let at = 8;
  for (const r of records) {
    buf.writeUInt32BE(r.length, at);
    buf.set(r, at + 4);
    at += 4 + r.length;
  }
  return buf;
}

/** The records of an append object; none for a tombstone. */
function decodeAppend(s: Settings, key: string, first: number, bytes: Uint8Array): LogRecord[] {
  if (bytes.length === 0) return [];
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (buf.length < 8 || buf.readUInt32BE(0) !== MAGIC)
    throw corrupt(s, key, 'is not an append of records');
  const count = buf.readUInt32BE(4);
  const records: LogRecord[] = [];
  let at = 8;
  for (let i = 0; i < count; i++) {
    const end = at + 4 + (at + 4 <= buf.length ? buf.readUInt32BE(at) : 0);
    if (at + 4 > buf.length || end > buf.length) throw corrupt(s, key, 'is cut short');
    records.push({ seq: first + i, bytes: buf.subarray(at + 4, end) });
    at = end;
  }
  if (at !== buf.length || count === 0) throw corrupt(s, key, 'has a malformed length');
  return records;
}

/** A hint's checksum: a damaged count would misplace the end of the log. */
function hintSum(h: Omit<Hint, 'sum'>): number {
  return crc32(`${h.first} ${h.count} ${h.etag}`);
}

function makeHint(first: number, count: number, etag: string): Hint {
  return { first, count, etag, sum: hintSum({ first, count, etag }) };
}

/** The hint, when it is whole; null (list instead) when missing, damaged or not one. */
function parseHint(bytes: Uint8Array | null): Hint | null {
  if (bytes === null) return null;
  try {
    const h = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<Hint>;
    return Number.isSafeInteger(h.first) &&
      Number.isSafeInteger(h.count) &&
      typeof h.etag === 'string' &&
      h.sum === hintSum(h as Hint)
      ? (h as Hint)
      : null;
  } catch {
    return null;
  }
}

async function mapLimit<T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class S3Store implements Store {
  readonly label: string;
  private readonly client: S3Client;
  private closed = false;

  constructor(private readonly s: Settings) {
    this.label = s.label;
    this.client = new S3Client(s.client);
  }

  /** Runs one operation, reporting any failure of S3 or of the network as unavailable. */
  private async guard<T>(what: string, f: () => Promise<T>): Promise<T> {
    if (this.closed)
      throw new DatahikeError('store/closed', `The ${this.label} has been closed.`, this.s.data);
    try {
      return await f();
    } catch (err) {
      if (err instanceof DatahikeError) throw err;
      const status = httpStatus(err);
      const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      throw new DatahikeError(
        'store/unavailable',
        `Cannot ${what} in the ${this.label} (${status === undefined ? '' : `HTTP ${status}, `}${why})`,
        this.s.data,
        err,
      );
    }
  }

  private blobKey(key: string): string {
    return `${this.s.prefix}blobs/${key}`;
  }

  private logDir(branch: string): string {
    return `${this.s.prefix}log/${encodeURIComponent(branch)}/`;
  }

  private async readObject(key: string): Promise<{ bytes: Uint8Array; etag: string } | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.s.bucket, Key: key }));
      return { bytes: (await out.Body?.transformToByteArray()) ?? EMPTY, etag: out.ETag ?? '' };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  private async read(key: string): Promise<Uint8Array | null> {
    return (await this.readObject(key))?.bytes ?? null;
  }

  /**
   * Writes an object and returns its ETag; with `onlyNew`, null when the key exists. A
   * conditional put the SDK had to send again may have landed the first time: then the
   * key holds these very bytes, and the write counts as done.
   */
  private async write(key: string, body: Uint8Array, onlyNew = false): Promise<string | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await this.client.send(
          new PutObjectCommand({
            Bucket: this.s.bucket,
            Key: key,
            Body: body,
            ...(onlyNew && { IfNoneMatch: '*' }),
          }),
        );
        return out.ETag ?? '';
      } catch (err) {
        const status = httpStatus(err);
        // S3's answer to a conditional put racing another one still in flight: try again.
        if (onlyNew && status === 409 && attempt < 5) {
          await sleep(10 * 2 ** attempt);
          continue;
        }
        if (!onlyNew || status !== 412) throw err;
        const attempts = (err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
        if (attempts === 1) return null;
        const there = await this.readObject(key);
        return there !== null && Buffer.compare(there.bytes, body) === 0 ? there.etag : null;
      }
    }
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.s.bucket, Key: key }));
      return true;
    } catch (err) {
      if (httpStatus(err) === 404) return false;
      throw err;
    }
  }

  private async *list(
    input: Omit<ListObjectsV2CommandInput, 'Bucket'>,
  ): AsyncGenerator<{ key: string; size: number; etag: string }> {
    for await (const page of paginateListObjectsV2(
      { client: this.client },
      { Bucket: this.s.bucket, ...input },
    ))
      for (const o of page.Contents ?? [])
        yield { key: o.Key!, size: o.Size ?? 0, etag: o.ETag ?? '' };
  }

  private async remove(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.s.bucket,
          Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = out.Errors?.[0];
      if (failed !== undefined)
        throw new Error(`cannot delete ${failed.Key}: ${failed.Code} ${failed.Message}`);
    }
  }

  /** The branch's log objects that begin after seq `after`, in order. */
  private async *entries(branch: string, after: number): AsyncGenerator<Entry> {
    const dir = this.logDir(branch);
    for await (const o of this.list({ Prefix: dir, StartAfter: dir + seqName(after) })) {
      const name = o.key.slice(dir.length);
      if (/^\d{12}$/.test(name))
        yield { first: Number(name), key: o.key, etag: o.etag, tombstone: o.size === 0 };
    }
  }

  /** The first log object and the last live one that begin after seq `after`. */
  private async scan(branch: string, after: number): Promise<{ first?: Entry; last?: Entry }> {
    let first: Entry | undefined;
    let last: Entry | undefined;
    for await (const e of this.entries(branch, after)) {
      first ??= e;
      if (!e.tombstone) last = e;
    }
    return { first, last };
  }

  private async records(e: Entry): Promise<LogRecord[]> {
    const bytes = await this.read(e.key);
    if (bytes === null) throw corrupt(this.s, e.key, 'has gone while being read');
    return decodeAppend(this.s, e.key, e.first, bytes);
  }

  /** The branch's last append and the seq it ends at (with its records when read). */
  private async tail(
    branch: string,
  ): Promise<{ entry: Entry; end: number; records?: LogRecord[] } | null> {
    const hint = parseHint(await this.read(`${this.logDir(branch)}HEAD`));
    let found = hint === null ? undefined : await this.scan(branch, hint.first - 1);
    // A hint must name a listed append exactly; one left behind by an earlier store under
    // the same prefix might not.
    if (hint === null || found?.first?.first !== hint.first || found.first.etag !== hint.etag)
      found = await this.scan(branch, 0);
    const entry = found?.last;
    if (entry === undefined) return null;
    if (hint !== null && entry.first === hint.first && entry.etag === hint.etag)
      return { entry, end: hint.first + hint.count - 1 };
    const records = await this.records(entry);
    if (records.length === 0) throw corrupt(this.s, entry.key, 'is the head, yet empty');
    return { entry, end: records[records.length - 1]!.seq, records };
  }

  get(key: string): Promise<Uint8Array | null> {
    return this.guard(`read blob ${key}`, () => this.read(this.blobKey(key)));
  }

  getMany(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    return this.guard(`read ${keys.length} blobs`, () =>
      mapLimit(keys, (k) => this.read(this.blobKey(k))),
    );
  }

  put(entries: readonly (readonly [string, Uint8Array])[]): Promise<void> {
    return this.guard(`write ${entries.length} blobs`, async () => {
      await mapLimit(entries, ([k, v]) => this.write(this.blobKey(k), v));
    });
  }

  has(key: string): Promise<boolean> {
    return this.guard(`look up blob ${key}`, () => this.exists(this.blobKey(key)));
  }

  delete(keys: readonly string[]): Promise<void> {
    return this.guard(`delete ${keys.length} blobs`, () =>
      this.remove(keys.map((k) => this.blobKey(k))),
    );
  }

  keys(): Promise<string[]> {
    return this.guard('list the blobs', async () => {
      const dir = this.blobKey('');
      const keys: string[] = [];
      for await (const o of this.list({ Prefix: dir })) keys.push(o.key.slice(dir.length));
      return keys;
    });
  }

  lastRecord(branch: string): Promise<LogRecord | null> {
    return this.guard(`read the head of branch ${branch}`, async () => {
      const t = await this.tail(branch);
      if (t === null) return null;
      const records = t.records ?? (await this.records(t.entry));
      return records[records.length - 1] ?? null;
    });
  }

  readLog(branch: string, from: number, to = Number.POSITIVE_INFINITY): Promise<LogRecord[]> {
    return this.guard(`read the log of branch ${branch}`, async () => {
      if (to < from) return [];
      // The objects that may hold from..to: from the last one beginning at or before
      // `from`, and from the last tombstone on.
      const covering = async (after: number) => {
        const out: Entry[] = [];
        let seen = false;
        for await (const e of this.entries(branch, after)) {
          if (e.first > to) break;
          if (e.first <= from) seen = true;
          if (e.first <= from || e.tombstone) out.length = 0;
          if (!e.tombstone) out.push(e);
        }
        return { out, seen };
      };
      const after = Math.max(0, from - LOOK_BEHIND);
      let { out, seen } = await covering(after);
      // The append holding `from` may begin before the first page listed.
      if (!seen && after > 0) ({ out } = await covering(0));
      const read = await mapLimit(out, (e) => this.records(e));
      let records: LogRecord[] = [];
      for (const [i, rs] of read.entries()) {
        // Emptied since listed: truncated, and so is everything before it.
        if (rs.length === 0) {
          records = [];
          continue;
        }
        const last = records[records.length - 1];
        if (last !== undefined && rs[0]!.seq !== last.seq + 1)
          throw corrupt(this.s, out[i]!.key, `does not follow seq ${last.seq}`);
        records.push(...rs);
      }
      return records.filter((r) => r.seq >= from && r.seq <= to);
    });
  }

  append(branch: string, afterSeq: number, records: readonly Uint8Array[]): Promise<boolean> {
    return this.guard(`append to branch ${branch}`, async () => {
      const t = await this.tail(branch);
      if ((t?.end ?? 0) !== afterSeq) return false;
      if (records.length === 0) return true;
      const dir = this.logDir(branch);
      const etag = await this.write(dir + seqName(afterSeq + 1), encodeAppend(records), true);
      if (etag === null) return false;
      const hint = makeHint(afterSeq + 1, records.length, etag);
      // The append has landed whether or not its hint does.
      await this.write(`${dir}HEAD`, Buffer.from(JSON.stringify(hint))).catch(() => {});
      return true;
    });
  }

  truncateLog(branch: string, beforeSeq: number): Promise<void> {
    return this.guard(`truncate the log of branch ${branch}`, async () => {
      const listed: Entry[] = [];
      for await (const e of this.entries(branch, 0)) {
        listed.push(e);
        if (e.first > beforeSeq) break;
      }
      // An append ends where the next begins; the last one listed (maybe the head) stays.
      const dropped = listed.filter(
        (e, i) => !e.tombstone && i + 1 < listed.length && listed[i + 1]!.first <= beforeSeq,
      );
      await mapLimit(dropped, (e) => this.write(e.key, EMPTY));
    });
  }

  branches(): Promise<string[]> {
    return this.guard('list the branches', async () => {
      const dir = `${this.s.prefix}log/`;
      const names: string[] = [];
      for await (const page of paginateListObjectsV2(
        { client: this.client },
        { Bucket: this.s.bucket, Prefix: dir, Delimiter: '/' },
      ))
        for (const p of page.CommonPrefixes ?? [])
          names.push(decodeURIComponent(p.Prefix!.slice(dir.length, -1)));
      return names;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
  }

  async destroy(): Promise<void> {
    await this.removeAll();
    await this.close();
  }

  isStore(): Promise<boolean> {
    return this.guard('look for the store', () => this.exists(`${this.s.prefix}STORE`));
  }

  /** Makes the bucket if it is missing and marks the store; `store/exists` if marked. */
  init(id: string): Promise<void> {
    return this.guard('create the store', async () => {
      const Bucket = this.s.bucket;
      try {
        await this.client.send(new HeadBucketCommand({ Bucket }));
      } catch (err) {
        if (httpStatus(err) !== 404) throw err;
        try {
          await this.client.send(
            new CreateBucketCommand({
              Bucket,
              ...(this.s.region !== 'us-east-1' && {
                CreateBucketConfiguration: {
                  LocationConstraint: this.s.region as BucketLocationConstraint,
                },
              }),
            }),
          );
        } catch (err) {
          if ((err as Error).name !== 'BucketAlreadyOwnedByYou') throw err;
        }
      }
      // Objects under the prefix that a store did not write: never adopted.
      // (`STORE` sorts before `blobs/` and `log/`: a marked store is not listed through.)
      for await (const o of this.list({ Prefix: this.s.prefix })) {
        if (o.key === `${this.s.prefix}STORE`) break;
        if (!this.isOwnKey(o.key))
          throw new DatahikeError(
            'store/not-empty',
            `The ${this.label} holds objects that are not a datahike store: a store is created only under an empty prefix.`,
            this.s.data,
          );
      }
      const marker = Buffer.from(JSON.stringify({ format: 1, id }));
      if ((await this.write(`${this.s.prefix}STORE`, marker, true)) === null)
        throw new DatahikeError(
          'store/exists',
          `A database already exists in the ${this.label}: connect to it, or delete it first.`,
          this.s.data,
        );
    });
  }

  /** Whether a key under the prefix is one a store writes (its blobs, its logs, its marker). */
  private isOwnKey(key: string): boolean {
    const rest = key.slice(this.s.prefix.length);
    return rest === 'STORE' || rest.startsWith('blobs/') || rest.startsWith('log/');
  }

  /**
   * Deletes the objects of the store if it is there (other objects under the prefix stay),
   * its marker last, so that an interrupted destroy leaves a store that can be destroyed again.
   */
  removeAll(): Promise<void> {
    return this.guard('destroy the store', async () => {
      const marker = `${this.s.prefix}STORE`;
      if (!(await this.exists(marker))) return;
      const keys: string[] = [];
      for await (const o of this.list({ Prefix: this.s.prefix }))
        if (o.key !== marker && this.isOwnKey(o.key)) keys.push(o.key);
      await this.remove(keys);
      await this.remove([marker]);
    });
  }
}

async function withStore<T>(config: StoreOptions, f: (s: S3Store) => Promise<T>): Promise<T> {
  const store = new S3Store(settingsOf(config));
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

export const s3Backend: Backend = {
  exists(config) {
    return withStore(config, (s) => s.isStore());
  },

  async create(config) {
    const store = new S3Store(settingsOf(config));
    try {
      await store.init(config.id);
      return store;
    } catch (err) {
      await store.close();
      throw err;
    }
  },

  async open(config) {
    const settings = settingsOf(config);
    const store = new S3Store(settings);
    try {
      if (!(await store.isStore()))
        throw new DatahikeError(
          'store/not-found',
          `No database in the ${settings.label}: create it with createDatabase first.`,
          settings.data,
        );
      return store;
    } catch (err) {
      await store.close();
      throw err;
    }
  },

  destroy(config) {
    return withStore(config, (s) => s.removeAll());
  },
};
