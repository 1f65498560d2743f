/**
 * `npm run bench`: every benchmark, ours against DataScript in the same process and run.
 * Select with arguments: `npm run bench -- transact memory`. `soak` (ten minutes) runs
 * only when named; `handles` alone is the end of `storage`, `read-pool` alone the end of `http`;
 * `rules` (recursive rules from a bound argument) is also its own suite; `growth` (the query,
 * pull and load workloads at 20k, 200k and 1M people, BENCH_GROWTH) runs only when named.
 */
import { runColdReadBenchmarks } from './coldreads.js';
import { runDurableBenchmarks } from './durable.js';
import { runHandleBenchmarks } from './handles.js';
import { runHttpBenchmarks, runReadPoolBenchmarks } from './http.js';
import { runMemoryBenchmark } from './memory.js';
import { runGrowthBenchmarks, runQueryBenchmarks, runRuleBenchmarks } from './query.js';
import { runSoakBenchmark } from './soak.js';
import { runStorageBenchmarks } from './storage.js';
import { runTransactBenchmarks } from './transact.js';
import { runVersionBenchmarks } from './versions.js';

const suites: Record<string, () => Promise<void>> = {
  transact: runTransactBenchmarks,
  memory: runMemoryBenchmark,
  query: runQueryBenchmarks,
  rules: runRuleBenchmarks,
  growth: runGrowthBenchmarks,
  storage: runStorageBenchmarks,
  durable: runDurableBenchmarks,
  http: runHttpBenchmarks,
  'read-pool': runReadPoolBenchmarks,
  handles: runHandleBenchmarks,
  soak: runSoakBenchmark,
  coldreads: runColdReadBenchmarks,
  versions: runVersionBenchmarks,
};
// `soak` runs ten minutes, `growth` loads a million people; `handles` is part of `storage`,
// `read-pool` of `http`.
const OPT_IN = new Set(['soak', 'handles', 'read-pool', 'growth']);

const chosen = process.argv.slice(2).filter((a) => a in suites);
console.log(`datahike-ts benchmarks · node ${process.version} · ${new Date().toISOString()}`);
const all = Object.keys(suites).filter((n) => !OPT_IN.has(n));
for (const name of chosen.length > 0 ? chosen : all) await suites[name]!();
