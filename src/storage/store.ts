/**
 * The store contract every backend implements (DESIGN.md section 3).
 *
 * A store holds two kinds of things:
 *
 * - Immutable blobs by key: index nodes, index roots. A key is written once; writing it
 *   again with the same bytes is harmless. `put` resolves only when the blobs are durable.
 * - Branch logs: per branch (`db` by default) an append-only sequence of records numbered
 *   1, 2, 3, … The last record is the branch head. `append(branch, afterSeq, records)` is
 *   the compare-and-set that serialises writers: it adds the records only if the log still
 *   ends at `afterSeq`, atomically (all of them or none), durably, and otherwise returns
 *   false without writing anything. A reader never sees a record half written.
 *
 * Bytes in, bytes out: what the blobs and records mean is the commit layer's business.
 *
 * When `append` throws, nothing was appended, unless the error is `store/commit-unknown`
 * (`appendOutcomeUnknown`): the request may have reached the store before the connection
 * broke, so the records may be in the log or may still arrive. The commit layer finds out
 * by reading the log and, when they are not there, by taking their place itself.
 */

import { DatahikeError, isDatahikeError } from '../values/index.js';

export interface LogRecord {
  readonly seq: number;
  readonly bytes: Uint8Array;
}

export interface Store {
  /** Names the store in errors and logs (`file store /var/db`, `postgresql table dh`). */
  readonly label: string;

  get(key: string): Promise<Uint8Array | null>;
  /** Several blobs in one round trip where the backend can; nulls for missing keys. */
  getMany(keys: readonly string[]): Promise<(Uint8Array | null)[]>;
  /** Writes blobs; durable when the promise resolves. */
  put(entries: readonly (readonly [string, Uint8Array])[]): Promise<void>;
  has(key: string): Promise<boolean>;
  delete(keys: readonly string[]): Promise<void>;
  /** Every blob key (for garbage collection). */
  keys(): Promise<string[]>;

  /** The last record of a branch log (its head), or null when the branch has none. */
  lastRecord(branch: string): Promise<LogRecord | null>;
  /** Records with `from <= seq <= to` (to: the end), in order, without gaps. */
  readLog(branch: string, from: number, to?: number): Promise<LogRecord[]>;
  /**
   * Appends records numbered `afterSeq + 1, …` if the log ends at `afterSeq` (0: empty);
   * false, writing nothing, when it does not (another writer moved it).
   */
  append(branch: string, afterSeq: number, records: readonly Uint8Array[]): Promise<boolean>;
  /** Drops the records before `seq` (garbage collection); never the last one. */
  truncateLog(branch: string, beforeSeq: number): Promise<void>;
  /** Branches that have a log. */
  branches(): Promise<string[]>;

  /**
   * Calls `onChange` when a branch log may have grown (best effort: file watching,
   * LISTEN/NOTIFY, or nothing); returns the function that stops watching.
   */
  watch?(branch: string, onChange: () => void): () => void;

  /** Releases connections and handles; the data stays. */
  close(): Promise<void>;
  /** Removes the store and everything in it (deleteDatabase); closes it. */
  destroy(): Promise<void>;
}

/**
 * A store config as the backend sees it: Datahike's keys without their colon (`path`,
 * `host`, `dbtype`, …), keyword values as their name without the colon (`dbtype:
 * 'postgresql'`), plus the normalised `backend` and `id`.
 */
export interface StoreOptions {
  readonly backend: string;
  readonly id: string;
  readonly [key: string]: unknown;
}

/** How a backend finds, creates and opens its stores from a normalised store config. */
export interface Backend<C extends StoreOptions = StoreOptions> {
  /** Whether a store exists at the place the config names. */
  exists(config: C): Promise<boolean>;
  /** Creates an empty store; fails with `store/exists` when one is already there. */
  create(config: C): Promise<Store>;
  /** Opens an existing store; fails with `store/not-found` when there is none. */
  open(config: C): Promise<Store>;
  /** Removes the store if there is one. */
  destroy(config: C): Promise<void>;
}

/** The error of an append that may or may not have gone in (see the contract above). */
export function appendOutcomeUnknown(label: string, cause: unknown): DatahikeError {
  const why = cause instanceof Error ? ` (${cause.message})` : '';
  return new DatahikeError(
    'store/commit-unknown',
    `The ${label} stopped answering after an append was sent${why}: it may or may not have gone in.`,
    { store: label },
    cause,
  );
}

/** Codes of store failures that may pass (unreachable, failing I/O, full), not damage. */
const TRANSIENT = new Set(['store/unavailable', 'store/commit-unknown', 'store/io', 'store/full']);

/** Whether the store may answer again soon: reads then answer from the last state known. */
export function isTransientStoreError(err: unknown): boolean {
  return isDatahikeError(err) && TRANSIENT.has(err.code);
}
