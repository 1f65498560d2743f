/**
 * Vitest global setup: the scripts that tests start as child processes (the `scripts/` and
 * `fault-scripts/` folders under test/storage and test/connection) bundled once per run with
 * esbuild, so that each child starts as plain `node script.mjs` instead of loading tsx and
 * compiling src/ again (under load that cost seconds per process). Dependencies stay
 * external and resolve from the repository's node_modules. Tests find the bundles through
 * `nodeArgs` (scripts.ts); without them (another runner) children run through tsx.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';

const ROOT = join(import.meta.dirname, '..', '..');
const FOLDERS = ['test/storage/scripts', 'test/storage/fault-scripts', 'test/connection/scripts'];

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the bundled child scripts are (same relative paths, `.mjs`). */
    compiledScripts: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const out = join(ROOT, '.test-out', String(process.pid));
  mkdirSync(out, { recursive: true });
  const entryPoints = FOLDERS.flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(ROOT, dir, f)),
  );
  await build({
    entryPoints,
    outdir: out,
    outbase: ROOT,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  project.provide('compiledScripts', out);
  return () => rmSync(out, { recursive: true, force: true });
}
