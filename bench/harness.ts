/** Timing and reporting shared by the benchmarks: warm up, sample, take the median. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Sample {
  name: string;
  oursMs: number;
  peerMs: number;
  /** The time Datahike publishes for the shape (its JVM planner), where it publishes one. */
  publishedMs?: number;
}

export interface BenchOptions {
  warmups: number;
  samples: number;
}

export const OPTIONS: BenchOptions = {
  warmups: Number(process.env.BENCH_WARMUPS ?? 5),
  samples: Number(process.env.BENCH_SAMPLES ?? 7),
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Progress on the terminal: one line per benchmark, rewritten as samples finish. */
export function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
}

/** The median time of `fn`; `prepare`, untimed, makes what each run of it starts from. */
export async function time<T = undefined>(
  label: string,
  fn: (prepared: T) => unknown | Promise<unknown>,
  opts = OPTIONS,
  prepare: () => T | Promise<T> = () => undefined as T,
): Promise<number> {
  for (let i = 0; i < opts.warmups; i++) {
    progress(`${label}: warm-up ${i + 1}/${opts.warmups}`);
    await fn(await prepare());
  }
  const times: number[] = [];
  for (let i = 0; i < opts.samples; i++) {
    progress(`${label}: sample ${i + 1}/${opts.samples}`);
    const prepared = await prepare();
    const t0 = performance.now();
    await fn(prepared);
    times.push(performance.now() - t0);
  }
  progress('');
  return median(times);
}

export function report(
  title: string,
  peer: string,
  samples: Sample[],
  runs: number = OPTIONS.samples,
): void {
  console.log(
    `\n${title} (median of ${runs} runs; ratio = ${peer} time / our time, higher is better)`,
  );
  const w = Math.max(...samples.map((s) => s.name.length), 10);
  const published = samples.some((s) => s.publishedMs !== undefined);
  const digits = (ms: number) => (ms < 10 ? 2 : 1);
  console.log(
    `${'benchmark'.padEnd(w)}  ${'ours ms'.padStart(10)}  ${`${peer} ms`.padStart(14)}  ${'ratio'.padStart(7)}${published ? '  Datahike JVM ms (published)' : ''}`,
  );
  for (const s of samples)
    console.log(
      `${s.name.padEnd(w)}  ${s.oursMs.toFixed(digits(s.oursMs)).padStart(10)}  ${s.peerMs.toFixed(digits(s.peerMs)).padStart(14)}  ${(s.peerMs / s.oursMs).toFixed(2).padStart(6)}x${s.publishedMs === undefined ? '' : `  ${String(s.publishedMs).padStart(8)}`}`,
    );
}

/** Runs a compiled bench script (`./name.js`) in a fresh node process; its JSON answer on stdout. */
export function runScript<T>(name: string, args: readonly string[]): Promise<T> {
  const script = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${name} exited with ${code}: ${out}`));
      else
        try {
          resolve(JSON.parse(out) as T);
        } catch (err) {
          reject(err);
        }
    });
  });
}
