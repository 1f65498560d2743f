/**
 * A store that keeps blobs and branch logs in memory and honours the store contract
 * (src/storage/store.ts) exactly: the simulator's ground truth, as a disk would be. Every
 * operation finishes in a microtask, without timers or I/O, so that a run driven by a
 * seed takes the same course every time. Handles opened on one `LogStoreData` share it,
 * as processes share a disk.
 */

import type { Backend, LogRecord, Store, StoreOptions } from '../../../src/storage/store.js';
import { DatahikeError } from '../../../src/values/index.js';

/** What a store holds, shared by its handles. */
export class LogStoreData {
  readonly blobs = new Map<string, Uint8Array>();
  readonly logs = new Map<string, LogRecord[]>();
  readonly watchers = new Set<{ branch: string; onChange: () => void }>();

  /** The records of a branch: the log as it stands (truncation drops from the front). */
  log(branch: string): LogRecord[] {
    let log = this.logs.get(branch);
    if (log === undefined) this.logs.set(branch, (log = []));
    return log;
  }
}

const copy = (b: Uint8Array) => new Uint8Array(b);

export class LogStore implements Store {
  readonly label: string;
  private closed = false;

  constructor(
    readonly data: LogStoreData,
    name = 'memory log store',
    private readonly onDestroy: () => void = () => undefined,
  ) {
    this.label = name;
  }

  private check(): void {
    if (this.closed)
      throw new DatahikeError('store/closed', `The ${this.label} has been closed.`, {});
  }

  async get(key: string): Promise<Uint8Array | null> {
    this.check();
    const b = this.data.blobs.get(key);
    return b === undefined ? null : copy(b);
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    this.check();
    return keys.map((k) => {
      const b = this.data.blobs.get(k);
      return b === undefined ? null : copy(b);
    });
  }

  async put(entries: readonly (readonly [string, Uint8Array])[]): Promise<void> {
    this.check();
    for (const [k, v] of entries) this.data.blobs.set(k, copy(v));
  }

  async has(key: string): Promise<boolean> {
    this.check();
    return this.data.blobs.has(key);
  }

  async delete(keys: readonly string[]): Promise<void> {
    this.check();
    for (const k of keys) this.data.blobs.delete(k);
  }

  async keys(): Promise<string[]> {
    this.check();
    return [...this.data.blobs.keys()];
  }

  async lastRecord(branch: string): Promise<LogRecord | null> {
    this.check();
    const log = this.data.log(branch);
    const last = log[log.length - 1];
    return last === undefined ? null : { seq: last.seq, bytes: copy(last.bytes) };
  }

  async readLog(branch: string, from: number, to?: number): Promise<LogRecord[]> {
    this.check();
    return this.data
      .log(branch)
      .filter((r) => r.seq >= from && (to === undefined || r.seq <= to))
      .map((r) => ({ seq: r.seq, bytes: copy(r.bytes) }));
  }

  async append(branch: string, afterSeq: number, records: readonly Uint8Array[]): Promise<boolean> {
    this.check();
    return appendNow(this.data, branch, afterSeq, records);
  }

  async truncateLog(branch: string, beforeSeq: number): Promise<void> {
    this.check();
    const log = this.data.log(branch);
    const keep = log.filter((r, i) => r.seq >= beforeSeq || i === log.length - 1);
    this.data.logs.set(branch, keep);
  }

  async branches(): Promise<string[]> {
    this.check();
    return [...this.data.logs].filter(([, log]) => log.length > 0).map(([b]) => b);
  }

  watch(branch: string, onChange: () => void): () => void {
    const w = { branch, onChange };
    this.data.watchers.add(w);
    return () => this.data.watchers.delete(w);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async destroy(): Promise<void> {
    this.data.blobs.clear();
    this.data.logs.clear();
    this.closed = true;
    this.onDestroy();
  }
}

/** The compare-and-set append, at once (also for an append the network delivers late). */
export function appendNow(
  data: LogStoreData,
  branch: string,
  afterSeq: number,
  records: readonly Uint8Array[],
): boolean {
  const log = data.log(branch);
  const end = log[log.length - 1]?.seq ?? 0;
  if (end !== afterSeq) return false;
  for (const [i, r] of records.entries()) log.push({ seq: afterSeq + 1 + i, bytes: copy(r) });
  if (records.length > 0)
    // Notifications come later, as through the file system or the network.
    for (const w of data.watchers) if (w.branch === branch) setImmediate(w.onChange);
  return true;
}

/** A backend over named `LogStoreData`s (for the contract suite). */
export function logStoreBackend(): Backend {
  const stores = new Map<string, LogStoreData>();
  return {
    async exists(c: StoreOptions) {
      return stores.has(c.id);
    },
    async create(c: StoreOptions) {
      if (stores.has(c.id)) throw new DatahikeError('store/exists', `Store ${c.id} exists.`, {});
      const data = new LogStoreData();
      stores.set(c.id, data);
      return new LogStore(data, undefined, () => stores.delete(c.id));
    },
    async open(c: StoreOptions) {
      const data = stores.get(c.id);
      if (data === undefined) throw new DatahikeError('store/not-found', `No store ${c.id}.`, {});
      return new LogStore(data, undefined, () => stores.delete(c.id));
    },
    async destroy(c: StoreOptions) {
      stores.delete(c.id);
    },
  };
}
