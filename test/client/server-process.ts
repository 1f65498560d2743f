/** A datahike server in its own process (`serve` from the checkout), for the client tests. */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BenchServer, spawnServer } from '../../bench/server.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** The tsx loader by its location, so that the server may run in another directory. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export type ServerProcess = BenchServer;

/**
 * Starts `serve` with these environment variables, in `cwd` (default: the checkout), with
 * a config file if one is given.
 */
export function startServerProcess(
  env: Record<string, string>,
  cwd = ROOT,
  configFile?: string,
): Promise<ServerProcess> {
  const serve = [join(ROOT, 'src', 'cli', 'main.ts'), 'serve'];
  if (configFile !== undefined) serve.push(configFile);
  return spawnServer(['--import', TSX, ...serve], env, cwd);
}
