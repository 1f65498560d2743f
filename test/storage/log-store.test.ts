/** The simulator's stores keep the store contract, like every real backend. */

import { createFileBackend } from '../../src/storage/file.js';
import { storeContract } from './contract.js';
import { logStoreBackend } from './sim/log-store.js';
import { MemoryFs } from './sim/memory-fs.js';

let n = 0;
const backend = logStoreBackend();
storeContract('simulated memory', async () => ({
  backend,
  config: { backend: 'sim', id: `sim-${++n}` },
}));

// And the file store on the simulator's file system in memory.
const fsBackend = createFileBackend(new MemoryFs().ops);
storeContract('file store on the simulated file system', async () => ({
  backend: fsBackend,
  config: { backend: 'file', id: `fs-${++n}`, path: `/stores/fs-${n}` },
}));
