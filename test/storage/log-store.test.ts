/** The simulator's in-memory store keeps the store contract, like every real backend. */

import { storeContract } from './contract.js';
import { logStoreBackend } from './sim/log-store.js';

let n = 0;
const backend = logStoreBackend();
storeContract('simulated memory', async () => ({
  backend,
  config: { backend: 'sim', id: `sim-${++n}` },
}));
