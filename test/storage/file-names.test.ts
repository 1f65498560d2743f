/**
 * The file store's names for blob keys and branches are a true round trip: any string,
 * non-ASCII and lone surrogates too, comes back as it was, different keys get different
 * names, and a name is a plain file name (no separator, never `.` or `..`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fileBackend } from '../../src/storage/file.js';
import { fileName, keyOf } from '../../src/storage/file-names.js';

const root = mkdtempSync(join(tmpdir(), 'dh-names-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const keys = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1 }),
  fc.string({ unit: 'grapheme', minLength: 1 }),
  fc.string({ unit: fc.constantFrom('.', '%', 'u', '/', 'a', '0', '\\', ':'), minLength: 1 }),
);

describe('file names of keys and branches', () => {
  it('round-trip every string and keep different keys apart', () => {
    fc.assert(
      fc.property(keys, keys, (a, b) => {
        const name = fileName(a);
        expect(keyOf(name)).toBe(a);
        expect(name).toMatch(/^[A-Za-z0-9_.%-]+$/);
        expect(['.', '..']).not.toContain(name);
        if (a !== b) expect(fileName(b)).not.toBe(name);
      }),
      { numRuns: 2000 },
    );
  });

  it('read names written by earlier versions (ASCII escapes)', () => {
    expect(keyOf('db%2fmain')).toBe('db/main');
    expect(keyOf('caf%e9')).toBe('café');
    expect(fileName('café')).toBe('caf%e9');
    expect(fileName('分支')).toBe('%u5206%u652f');
  });

  it('let a file store list and read branches with any name', async () => {
    const store = await fileBackend.create({ backend: 'file', id: 'n', path: join(root, 's') });
    const names = ['db', 'größe', '分支/二', '..', 'a%u0041', '🙂 x', '\ud800'];
    for (const [i, b] of names.entries())
      expect(await store.append(b, 0, [new TextEncoder().encode(`r${i}`)])).toBe(true);
    expect((await store.branches()).sort()).toEqual([...names].sort());
    for (const [i, b] of names.entries())
      expect(new TextDecoder().decode((await store.lastRecord(b))!.bytes)).toBe(`r${i}`);
    await store.close();
  });
});
