import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileBackend } from '../../src/storage/file.js';
import { storeContract } from './contract.js';

const root = mkdtempSync(join(tmpdir(), 'dh-file-store-'));
let n = 0;

storeContract('file', async () => ({
  backend: fileBackend,
  config: { backend: 'file', id: `t${++n}`, path: join(root, `store-${n}`) },
}));
