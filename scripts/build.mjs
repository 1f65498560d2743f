/**
 * Builds dist/ from src/ (`tsc -p tsconfig.build.json`) into an emptied folder, then marks
 * it built (dist/.build-stamp, written only when tsc succeeded). With `--if-stale` it
 * builds only when that mark is missing or older than a source: `npm start` runs the
 * server from dist/, and should neither run stale code nor recompile on every start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json'];

/** The latest change under `path`; a folder's own time covers files deleted or renamed in it. */
function latestChange(path) {
  const stat = statSync(path);
  let latest = stat.mtimeMs;
  if (stat.isDirectory())
    for (const name of readdirSync(path)) latest = Math.max(latest, latestChange(join(path, name)));
  return latest;
}

function isStale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return INPUTS.some((input) => latestChange(join(root, input)) > built);
}

if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (run.status !== 0) process.exit(run.status ?? 1);
writeFileSync(stamp, `${new Date().toISOString()}\n`);
