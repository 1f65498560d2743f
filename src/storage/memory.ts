/**
 * The process-wide memory backend: stores live, shared by id inside the process, holding
 * values as they are (no serialisation), as Datahike's memory store does.
 */

import { DatahikeError } from '../values/index.js';

export class MemoryStore {
  private readonly blobs = new Map<string, unknown>();
  private readonly refs = new Map<string, unknown>();

  constructor(readonly id: string) {}

  get(key: string): unknown {
    return this.blobs.get(key);
  }

  put(entries: Iterable<readonly [string, unknown]>): void {
    for (const [k, v] of entries) this.blobs.set(k, v);
  }

  has(key: string): boolean {
    return this.blobs.has(key);
  }

  delete(keys: Iterable<string>): void {
    for (const k of keys) this.blobs.delete(k);
  }

  keys(): IterableIterator<string> {
    return this.blobs.keys();
  }

  /** The names of the references set (to anything but undefined). */
  refNames(): string[] {
    return [...this.refs].filter(([, v]) => v !== undefined).map(([k]) => k);
  }

  readRef(name: string): unknown {
    return this.refs.get(name);
  }

  /** Sets a named reference if it still holds `expected`; false when it moved. */
  casRef(name: string, expected: unknown, next: unknown): boolean {
    if (this.refs.get(name) !== expected) return false;
    this.refs.set(name, next);
    return true;
  }
}

const stores = new Map<string, MemoryStore>();

export const memoryStores = {
  create(id: string): MemoryStore {
    if (stores.has(id))
      throw new DatahikeError(
        'store/exists',
        `A memory store with id ${JSON.stringify(id)} already exists: use another id, or connect to it.`,
        { backend: ':memory', id },
      );
    const store = new MemoryStore(id);
    stores.set(id, store);
    return store;
  },

  get(id: string): MemoryStore | undefined {
    return stores.get(id);
  },

  delete(id: string): boolean {
    return stores.delete(id);
  },
};
