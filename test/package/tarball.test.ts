/**
 * The package as a new user gets it: this checkout built and packed (`npm pack`), installed
 * into an empty app with `--engine-strict` (every package's `engines` admits this Node) and
 * without the optional peers (pg, better-sqlite3, @aws-sdk/client-s3), then used there:
 * ESM and CommonJS, a memory and a file database, the server from the package's `bin`,
 * the error that names the missing package for a PostgreSQL or SQLite config, and the
 * README-style program type-checked under `--strict` against the shipped declarations.
 *
 * The build goes to a temp folder (not dist/, which `npm start` may be running from).
 * npm runs with `--prefer-offline`: the packages come from the local cache when it has them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Each test runs programs (node, tsc) on a machine that may be busy.
vi.setConfig({ testTimeout: 180_000 });

const ROOT = join(import.meta.dirname, '..', '..');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const OPTIONAL_PEERS = ['pg', 'better-sqlite3', '@aws-sdk/client-s3'];

const tmp = mkdtempSync(join(tmpdir(), 'datahike-tarball-'));
const stage = join(tmp, 'stage');
const app = join(tmp, 'app');
let packed: { filename: string; files: { path: string }[] };
let server: ChildProcess | undefined;

/** The environment without the npm_* variables of an `npm test` around this run. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** Runs a program to its end (asynchronously: a blocked worker would miss vitest's calls). */
async function run(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd, env: cleanEnv() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { code, stdout, stderr };
}

/** `run`, failing with the program's output unless it succeeded. */
async function succeed(command: string, args: string[], cwd: string): Promise<string> {
  const r = await run(command, args, cwd);
  if (r.code !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const node = (file: string) => run(process.execPath, [file], app);

beforeAll(async () => {
  mkdirSync(stage);
  mkdirSync(app);
  await succeed(
    process.execPath,
    [TSC, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')],
    ROOT,
  );
  mkdirSync(join(stage, 'docs'));
  for (const f of ['package.json', 'README.md', 'LICENSE', 'docs/api.md'])
    copyFileSync(join(ROOT, f), join(stage, f));
  // Built above: the package's own prepack would build into this checkout's dist/.
  const out = await succeed(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp],
    stage,
  );
  packed = JSON.parse(out)[0];
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'app', private: true, type: 'module' }),
  );
  await succeed(
    'npm',
    [
      'install',
      '--engine-strict',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(tmp, packed.filename),
    ],
    app,
  );
}, 600_000);

afterAll(async () => {
  if (server !== undefined && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.on('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(tmp, { recursive: true, force: true });
}, 60_000); // a server stopping and an installed app's folder removed, on a loaded machine

describe('the packed package', () => {
  it('holds the build, its declarations, README, API reference and LICENSE, and no source maps or sources', () => {
    const paths = packed.files.map((f) => f.path);
    for (const f of [
      'LICENSE',
      'README.md',
      'docs/api.md',
      'package.json',
      'dist/index.js',
      'dist/index.d.ts',
    ])
      expect(paths).toContain(f);
    expect(
      paths.filter((p) => p.endsWith('.map') || p.startsWith('src/') || p.includes('.build-stamp')),
    ).toEqual([]);
  });

  it('installs under --engine-strict without the optional peers and without compiling anything', () => {
    const modules = join(app, 'node_modules');
    for (const peer of OPTIONAL_PEERS) expect(existsSync(join(modules, peer)), peer).toBe(false);
    const compiled = readdirSync(modules, { recursive: true, encoding: 'utf8' }).filter((p) =>
      /(^|\/)build\/Release$/.test(p),
    );
    expect(compiled).toEqual([]);
  });

  it('runs a memory and a file database, and names the package a PostgreSQL or SQLite config needs', async () => {
    writeFileSync(
      join(app, 'example.mjs'),
      `import * as d from 'datahike-ts';
import { join } from 'node:path';
const schema = [{ 'db/ident': ':name', 'db/valueType': ':db.type/string', 'db/cardinality': ':db.cardinality/one' }];
const names = async (conn) => JSON.stringify([...(await d.q('[:find ?n :where [_ :name ?n]]', await d.db(conn))) ]);
const mem = { store: { backend: ':memory', id: 'm' }, 'initial-tx': schema };
await d.createDatabase(mem);
const m = await d.connect(mem);
await d.transact(m, [{ name: 'Ada' }]);
console.log('memory', await names(m));
const file = { store: { backend: ':file', path: join(process.cwd(), 'file-db') }, 'initial-tx': schema };
await d.createDatabase(file);
let f = await d.connect(file);
await d.transact(f, [{ name: 'Bo' }]);
await d.release(f);
f = await d.connect(file);
console.log('file', await names(f));
await d.release(f);
for (const store of [
  { backend: ':jdbc', dbtype: 'postgresql', dbname: 'app' },
  { backend: ':pg', dbname: 'app' },
  { backend: ':sqlite', path: join(process.cwd(), 'app.sqlite') },
]) {
  try {
    await d.createDatabase({ store });
    console.log(store.backend, 'created');
  } catch (e) {
    console.log(store.backend, e.code, e.message);
  }
}
`,
    );
    const r = await node('example.mjs');
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual(['memory [["Ada"]]', 'file [["Bo"]]']);
    expect(lines[2]).toMatch(/^:jdbc config\/missing-package .*npm i pg$/);
    expect(lines[3]).toMatch(/^:pg config\/missing-package .*npm i pg$/);
    expect(lines[4]).toMatch(/^:sqlite config\/missing-package .*npm i better-sqlite3$/);
  });

  it('works from CommonJS: require gives the same API', async () => {
    writeFileSync(
      join(app, 'example.cjs'),
      `const d = require('datahike-ts');
(async () => {
  const config = { store: { backend: ':memory', id: 'cjs' } };
  await d.createDatabase(config);
  const conn = await d.connect(config);
  await d.transact(conn, [{ 'db/ident': ':color' }]);
  console.log('cjs', await d.q('[:find ?i . :where [_ :db/ident ?i] [(= ?i :color)]]', await d.db(conn)));
})();
`,
    );
    const r = await node('example.cjs');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('cjs :color');
  });

  it('type-checks a program under --strict against the shipped declarations, ESM and CommonJS', async () => {
    writeFileSync(
      join(app, 'typed.ts'),
      `import * as d from 'datahike-ts';
import { DatahikeError, type Connection, type TransactionReport } from 'datahike-ts';
const config = { store: { backend: ':memory', id: 'typed' } };
await d.createDatabase(config);
const conn: Connection = await d.connect(config);
const report: TransactionReport = await d.transact(conn, [{ 'db/ident': ':color' }]);
const n: number = report['tx-data'].length;
try {
  await d.connect({ store: { backend: ':memory', id: 'absent' } });
} catch (e) {
  if (e instanceof DatahikeError) console.log(e.code, n);
}
`,
    );
    writeFileSync(
      join(app, 'typed.cts'),
      `import d = require('datahike-ts');
void d.createDatabase({ store: { backend: ':memory', id: 'typed-cjs' } });
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          target: 'es2022',
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
        },
        files: ['typed.ts', 'typed.cts'],
      }),
    );
    const r = await run(process.execPath, [TSC, '-p', app], app);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe("the package's server", () => {
  it('starts from the bin and answers /health', async () => {
    server = spawn(join(app, 'node_modules', '.bin', 'datahike-ts'), ['serve'], {
      cwd: app,
      env: cleanEnv({
        DATAHIKE_PORT: '0',
        DATAHIKE_HOST: '127.0.0.1',
        DATAHIKE_DATA_DIR: join(app, 'data'),
      }),
    });
    let err = '';
    const address = await new Promise<string>((resolve, reject) => {
      server!.stderr!.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        const m = /server on (http:\/\/\S+)/.exec(err);
        if (m !== null) resolve(m[1]!);
      });
      server!.on('exit', (code) => reject(new Error(`the server exited (${code}): ${err}`)));
    });
    const health = await fetch(`${address}/health`);
    expect(health.status).toBe(200);
  });
});
