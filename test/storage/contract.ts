/**
 * The store contract suite: every backend runs these same tests (src/storage/store.ts).
 * `setup` returns the backend and a fresh config naming a store that does not exist yet.
 */
import { describe, expect, it } from 'vitest';
import type { Backend, Store, StoreOptions } from '../../src/storage/store.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

export function storeContract(
  name: string,
  setup: () => Promise<{ backend: Backend; config: StoreOptions }>,
  opts: { skip?: boolean } = {},
): void {
  describe.skipIf(opts.skip === true)(`${name} store contract`, () => {
    async function fresh(): Promise<{ backend: Backend; config: StoreOptions; store: Store }> {
      const { backend, config } = await setup();
      const store = await backend.create(config);
      return { backend, config, store };
    }

    it('creates, finds, refuses to create twice, destroys', async () => {
      const { backend, config } = await setup();
      expect(await backend.exists(config)).toBe(false);
      await expect(backend.open(config)).rejects.toMatchObject({ code: 'store/not-found' });
      const store = await backend.create(config);
      expect(await backend.exists(config)).toBe(true);
      await expect(backend.create(config)).rejects.toMatchObject({ code: 'store/exists' });
      await store.destroy();
      expect(await backend.exists(config)).toBe(false);
    });

    it('stores blobs by key', async () => {
      const { store } = await fresh();
      try {
        expect(await store.get('a')).toBeNull();
        await store.put([
          ['a', bytes('alpha')],
          ['b/c', bytes('beta')],
        ]);
        expect(text(await store.get('a'))).toBe('alpha');
        expect((await store.getMany(['b/c', 'x', 'a'])).map(text)).toEqual(['beta', null, 'alpha']);
        expect(await store.has('a')).toBe(true);
        expect(await store.has('x')).toBe(false);
        // Writing a key again with the same bytes is harmless.
        await store.put([['a', bytes('alpha')]]);
        expect((await store.keys()).sort()).toEqual(['a', 'b/c']);
        await store.delete(['a', 'missing']);
        expect(await store.get('a')).toBeNull();
        expect(await store.keys()).toEqual(['b/c']);
      } finally {
        await store.destroy();
      }
    });

    it('keeps large and empty blobs intact', async () => {
      const { store } = await fresh();
      try {
        const big = new Uint8Array(3 * 1024 * 1024);
        for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
        await store.put([
          ['big', big],
          ['empty', new Uint8Array(0)],
        ]);
        expect(Buffer.from((await store.get('big'))!).equals(Buffer.from(big))).toBe(true);
        expect((await store.get('empty'))!.length).toBe(0);
      } finally {
        await store.destroy();
      }
    });

    it('appends to branch logs with compare-and-set', async () => {
      const { store } = await fresh();
      try {
        expect(await store.lastRecord('db')).toBeNull();
        expect(await store.branches()).toEqual([]);
        expect(await store.append('db', 0, [bytes('one')])).toBe(true);
        expect(await store.append('db', 0, [bytes('other')])).toBe(false);
        expect(await store.append('db', 1, [bytes('two'), bytes('three')])).toBe(true);
        expect(await store.append('db', 1, [bytes('late')])).toBe(false);
        expect(await store.append('db', 7, [bytes('ahead')])).toBe(false);
        const last = await store.lastRecord('db');
        expect(last?.seq).toBe(3);
        expect(text(last!.bytes)).toBe('three');
        const all = await store.readLog('db', 1);
        expect(all.map((r) => [r.seq, text(r.bytes)])).toEqual([
          [1, 'one'],
          [2, 'two'],
          [3, 'three'],
        ]);
        expect((await store.readLog('db', 2, 2)).map((r) => r.seq)).toEqual([2]);
        expect(await store.readLog('db', 4)).toEqual([]);
        expect(await store.append('other', 0, [bytes('x')])).toBe(true);
        expect((await store.branches()).sort()).toEqual(['db', 'other']);
        await store.truncateLog('db', 3);
        expect((await store.readLog('db', 3)).map((r) => r.seq)).toEqual([3]);
        expect((await store.lastRecord('db'))?.seq).toBe(3);
        expect(await store.append('db', 3, [bytes('four')])).toBe(true);
        expect((await store.lastRecord('db'))?.seq).toBe(4);
      } finally {
        await store.destroy();
      }
    });

    it('lets exactly one of many racing appends win', async () => {
      const { store } = await fresh();
      try {
        await store.append('db', 0, [bytes('base')]);
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.append('db', 1, [bytes(`w${i}`)])),
        );
        expect(results.filter((r) => r).length).toBe(1);
        expect((await store.readLog('db', 1)).length).toBe(2);
      } finally {
        await store.destroy();
      }
    });

    it('shows what one handle wrote to another handle on the same store', async () => {
      const { backend, config, store } = await fresh();
      const other = await backend.open(config);
      try {
        await store.put([['k', bytes('v')]]);
        await store.append('db', 0, [bytes('head')]);
        expect(text(await other.get('k'))).toBe('v');
        expect(text((await other.lastRecord('db'))!.bytes)).toBe('head');
        // The second handle is a second writer: its stale append fails.
        await store.append('db', 1, [bytes('next')]);
        expect(await other.append('db', 1, [bytes('stale')])).toBe(false);
        expect(await other.append('db', 2, [bytes('fresh')])).toBe(true);
        expect(text((await store.lastRecord('db'))!.bytes)).toBe('fresh');
      } finally {
        await other.close();
        await store.destroy();
      }
    });

    it('keeps its data across close and open', async () => {
      const { backend, config, store } = await fresh();
      await store.put([['k', bytes('v')]]);
      await store.append('db', 0, [bytes('head')]);
      await store.close();
      const again = await backend.open(config);
      try {
        expect(text(await again.get('k'))).toBe('v');
        expect((await again.lastRecord('db'))?.seq).toBe(1);
      } finally {
        await again.destroy();
      }
    });
  });
}
