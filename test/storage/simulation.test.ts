/**
 * The fault-injecting simulation (test/storage/sim/simulation.ts) over many seeds. A failing
 * seed prints itself and how to replay it: `SIM_SEED=<seed> npx vitest run
 * test/storage/simulation.test.ts` runs that seed alone, exactly as it ran. SIM_SEEDS=<n>
 * runs more seeds than CI does (and SIM_FROM=<first> starts elsewhere).
 */
import { expect, it } from 'vitest';
import { simulate } from './sim/simulation.js';

const single = process.env.SIM_SEED;
const from = Number(process.env.SIM_FROM ?? 1);
const seeds =
  single !== undefined
    ? [Number(single)]
    : Array.from({ length: Number(process.env.SIM_SEEDS ?? 150) }, (_, i) => from + i);

it(
  `keeps every promise under injected faults, for ${seeds.length} seed(s)`,
  async () => {
    const failures: string[] = [];
    const totals: Record<string, number> = {};
    for (const seed of seeds) {
      const result = await simulate(seed);
      for (const [k, n] of Object.entries(result.stats)) totals[k] = (totals[k] ?? 0) + n;
      if (result.violations.length > 0)
        failures.push(
          `seed ${seed}: ${result.violations.slice(0, 5).join('; ')}${result.violations.length > 5 ? ` (and ${result.violations.length - 5} more)` : ''}\n  replay: SIM_SEED=${seed} npx vitest run test/storage/simulation.test.ts`,
        );
    }
    if (single !== undefined || process.env.SIM_STATS === '1') console.log(totals);
    expect(failures, failures.join('\n')).toEqual([]);
    // The faults did happen: a run without them proves nothing.
    expect(totals.acks ?? 0).toBeGreaterThan(0);
    if (seeds.length >= 20) {
      expect(totals['commit-unknown'] ?? 0).toBeGreaterThan(0);
      expect(totals['fault append:unknown-late'] ?? 0).toBeGreaterThan(0);
      expect(totals['stale reads'] ?? 0).toBeGreaterThan(0);
    }
  },
  Math.max(120_000, seeds.length * 250),
);

it('replays a seed exactly', async () => {
  const seed = Number(single ?? 7);
  const [a, b] = [await simulate(seed), await simulate(seed)];
  expect(b.digest).toBe(a.digest);
  expect(b.stats).toEqual(a.stats);
});
