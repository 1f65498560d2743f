/** A datahike server in its own process, for the benchmarks and the tests that need one. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchServer {
  readonly url: string;
  readonly child: ChildProcess;
  /** The server process's resident memory, in bytes (read from /proc: Linux only, else NaN). */
  rss(): number;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * Runs `node <args>` (a `serve` command) with the server's port chosen by the system
 * unless `env` names one, and resolves once it listens.
 */
export async function spawnServer(
  args: readonly string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<BenchServer> {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, DATAHIKE_PORT: '0', DATAHIKE_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise((r) => child.on('exit', r));
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (b) => {
      err += String(b);
      const m = /server on (http:\/\/\S+)/.exec(err);
      if (m !== null) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`the server exited: ${err}`)));
  });
  return {
    url,
    child,
    rss() {
      try {
        const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return kb === null ? Number.NaN : Number(kb[1]) * 1024;
      } catch {
        return Number.NaN;
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The compiled server (`.bench-out`), its databases under `dataDir`. */
export function startServer(dataDir: string, env: Record<string, string> = {}) {
  const main = join(import.meta.dirname, '..', 'src', 'cli', 'main.js');
  return spawnServer([main, 'serve'], { DATAHIKE_DATA_DIR: dataDir, ...env });
}
