/**
 * `npm run bench`: every benchmark, ours against DataScript in the same process and run.
 * Select with arguments: `npm run bench -- transact memory`.
 */
import { runHandleBenchmarks } from './handles.js';
import { runHttpBenchmarks } from './http.js';
import { runMemoryBenchmark } from './memory.js';
import { runQueryBenchmarks } from './query.js';
import { runStorageBenchmarks } from './storage.js';
import { runTransactBenchmarks } from './transact.js';

const suites: Record<string, () => Promise<void>> = {
  transact: runTransactBenchmarks,
  memory: runMemoryBenchmark,
  query: runQueryBenchmarks,
  storage: runStorageBenchmarks,
  http: runHttpBenchmarks,
  handles: runHandleBenchmarks,
};

const chosen = process.argv.slice(2).filter((a) => a in suites);
console.log(`datahike-ts benchmarks · node ${process.version} · ${new Date().toISOString()}`);
for (const name of chosen.length > 0 ? chosen : Object.keys(suites)) await suites[name]!();
