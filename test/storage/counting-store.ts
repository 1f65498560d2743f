/**
 * A store wrapper that counts blob reads and can make each one slow, as a network store
 * would be: every `get`/`getMany` (and `has`) is one round trip, and `keys` counts the
 * blobs asked for. Log calls pass through uncounted (they are the commit protocol's, not
 * the index reads'). `bench/coldreads.ts` measures with it; tests assert its counts.
 */
import type { LogRecord, Store } from '../../src/storage/store.js';

export interface ReadCounts {
  /** Blob reads sent to the store (one `getMany` is one). */
  readonly roundTrips: number;
  /** Blobs asked for over those reads. */
  readonly keys: number;
  /** The largest number of blobs one read asked for. */
  readonly largest: number;
}

export class CountingStore implements Store {
  readonly label: string;
  /** Milliseconds each blob read waits before it is sent (0: none). */
  latencyMs: number;
  private trips = 0;
  private asked = 0;
  private most = 0;
  /** Every key read, in order, with the round trip it went in (for tests that look closer). */
  readonly log: { trip: number; key: string }[] = [];

  constructor(
    readonly inner: Store,
    opts: { latencyMs?: number } = {},
  ) {
    this.label = inner.label;
    this.latencyMs = opts.latencyMs ?? 0;
  }

  /** The counts since the last `reset`. */
  get counts(): ReadCounts {
    return { roundTrips: this.trips, keys: this.asked, largest: this.most };
  }

  reset(): void {
    this.trips = this.asked = this.most = 0;
    this.log.length = 0;
  }

  private async trip(keys: readonly string[]): Promise<void> {
    const trip = ++this.trips;
    this.asked += keys.length;
    if (keys.length > this.most) this.most = keys.length;
    for (const key of keys) this.log.push({ trip, key });
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
  }

  async get(key: string): Promise<Uint8Array | null> {
    await this.trip([key]);
    return this.inner.get(key);
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    await this.trip(keys);
    return this.inner.getMany(keys);
  }

  async has(key: string): Promise<boolean> {
    await this.trip([key]);
    return this.inner.has(key);
  }

  put(entries: readonly (readonly [string, Uint8Array])[]): Promise<void> {
    return this.inner.put(entries);
  }

  delete(keys: readonly string[]): Promise<void> {
    return this.inner.delete(keys);
  }

  keys(): Promise<string[]> {
    return this.inner.keys();
  }

  lastRecord(branch: string): Promise<LogRecord | null> {
    return this.inner.lastRecord(branch);
  }

  readLog(branch: string, from: number, to?: number): Promise<LogRecord[]> {
    return this.inner.readLog(branch, from, to);
  }

  append(branch: string, afterSeq: number, records: readonly Uint8Array[]): Promise<boolean> {
    return this.inner.append(branch, afterSeq, records);
  }

  truncateLog(branch: string, beforeSeq: number): Promise<void> {
    return this.inner.truncateLog(branch, beforeSeq);
  }

  branches(): Promise<string[]> {
    return this.inner.branches();
  }

  watch(branch: string, onChange: () => void): () => void {
    return this.inner.watch?.(branch, onChange) ?? (() => undefined);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
