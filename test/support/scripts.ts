/**
 * How a test starts one of its child scripts: the bundle the global setup made
 * (compile-scripts.ts), else (or with DATAHIKE_TEST_TSX=1) the TypeScript source through tsx.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { inject } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** Node's arguments that run `script` (a path to a .ts file), before the script's own. */
export function nodeArgs(script: string): string[] {
  const out = inject('compiledScripts');
  if (out !== undefined && process.env.DATAHIKE_TEST_TSX !== '1') {
    const bundle = join(out, relative(ROOT, script)).replace(/\.ts$/, '.mjs');
    if (existsSync(bundle)) return [bundle];
  }
  return ['--import', 'tsx', script];
}
