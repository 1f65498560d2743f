/** A datahike server in its own process (`serve` from the checkout), for the client tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..', '..');
/** The tsx loader by its location, so that the server may run in another directory. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
}

/** Starts `serve` with these environment variables, in `cwd` (default: the checkout). */
export async function startServerProcess(
  env: Record<string, string>,
  cwd = ROOT,
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', TSX, join(ROOT, 'src', 'cli', 'main.ts'), 'serve'],
    {
      cwd,
      env: { ...process.env, DATAHIKE_PORT: '0', DATAHIKE_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
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
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
