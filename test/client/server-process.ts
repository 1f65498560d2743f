/** A datahike server in its own process (`serve` from the checkout), for the client tests. */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BenchServer, spawnServer } from '../../bench/server.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** The tsx loader by its location, so that the server may run in another directory. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export type ServerProcess = BenchServer;

/** Starts `serve` with these environment variables, in `cwd` (default: the checkout). */
export function startServerProcess(
  env: Record<string, string>,
  cwd = ROOT,
): Promise<ServerProcess> {
  return spawnServer(['--import', TSX, join(ROOT, 'src', 'cli', 'main.ts'), 'serve'], env, cwd);
}
