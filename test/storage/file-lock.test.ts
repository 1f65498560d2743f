/**
 * The file store's append lock when releasing it fails (its unlink gets EIO): the lock
 * file, left behind and naming this process, is taken over by the next append of this
 * process instead of locking it out of its own store (found by the simulation).
 */
import { expect, it } from 'vitest';
import { createFileBackend } from '../../src/storage/file.js';
import { MemoryFs } from './sim/memory-fs.js';

it('takes over a lock of its own that a failed release left behind', async () => {
  const fs = new MemoryFs();
  const store = await createFileBackend(fs.ops).create({
    backend: 'file',
    id: 'lock',
    path: '/stores/lock',
  });
  const bytes = (s: string) => new TextEncoder().encode(s);
  let failUnlink = true;
  fs.plan = (op) => {
    if (op === 'unlink' && failUnlink) {
      failUnlink = false;
      return { kind: 'errno', code: 'EIO' };
    }
    return undefined;
  };
  expect(await store.append('db', 0, [bytes('one')])).toBe(true);
  expect(fs.injected.get('unlink:EIO')).toBe(1);
  // Without the take-over this waited ten seconds and failed with store/locked.
  expect(await store.append('db', 1, [bytes('two')])).toBe(true);
  expect((await store.readLog('db', 1)).map((r) => new TextDecoder().decode(r.bytes))).toEqual([
    'one',
    'two',
  ]);
  await store.close();
});
