import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileBackend } from '../../src/storage/file.js';
import { storeContract } from './contract.js';

const root = mkdtempSync(join(tmpdir(), 'dh-file-store-'));
let n = 0;

storeContract('file', async () => ({
  backend: fileBackend,
  config: { backend: 'file', id: `t${++n}`, path: join(root, `store-${n}`) },
}));

describe('file store handles', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  it('write to the store at the path, also when it was deleted and created again meanwhile', async () => {
    const config = { backend: 'file', id: `t${++n}`, path: join(root, `store-${n}`) };
    const writer = await fileBackend.create(config);
    expect(await writer.append('db', 0, [bytes('one')])).toBe(true);
    expect(await writer.append('db', 1, [bytes('two')])).toBe(true);
    await fileBackend.destroy(config);
    const again = await fileBackend.create(config);
    expect(await writer.append('db', 2, [bytes('three')])).toBe(false);
    expect(await writer.append('db', 0, [bytes('new one')])).toBe(true);
    const reader = await fileBackend.open(config);
    expect((await reader.readLog('db', 1)).map((r) => new TextDecoder().decode(r.bytes))).toEqual([
      'new one',
    ]);
    await reader.close();
    await again.close();
    await writer.close();
  });
});
