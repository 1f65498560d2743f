/**
 * The README runs: its shell and TypeScript blocks, read from README.md when the test runs,
 * are executed as written, in order, in one temp folder, against the server `npm start`
 * runs (on a free port and a temp data folder, through its documented DATAHIKE_* overrides).
 *
 * - One substitution: the server's documented address `localhost:4444` becomes the test
 *   server's (ports are chosen free). `import … from 'datahike-ts'` resolves to the
 *   package's own source (a tsconfig `paths` entry in the temp folder).
 * - A clojure block whose first line is `;; <file>` is that file, written first.
 * - A line ending in `// → X` (TypeScript) or `# → X` (shell) says the block prints X:
 *   some later output line must end with X (JSON compared up to the order of a `!set`).
 * - Consecutive TypeScript blocks whose first line names a file (`// writer.ts: …`) are
 *   programs that run until stopped: they run together and stop once their outputs appeared.
 *   A shell block that starts a server (`serve`) is stopped once that server answers /health.
 * - Project commands (the `npm …` lines of "Two commands" and "Development"): `npm start`
 *   is the server above; every other one is an npm script that CI (`.ci/run`) runs, except
 *   the benchmark: `npm test` cannot run inside itself and `npm ci` would replace the
 *   modules this test runs on.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig } from '../src/server/config.js';

const ROOT = join(import.meta.dirname, '..');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const DOCUMENTED_ADDRESS = /(?:localhost|127\.0\.0\.1):4444/g;

interface Block {
  readonly lang: string;
  readonly code: string;
  readonly section: string;
  /** Its position among the README's blocks. */
  readonly n: number;
}

function readmeBlocks(): Block[] {
  const blocks: Block[] = [];
  let section = '';
  let open: { lang: string; lines: string[] } | null = null;
  for (const line of readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n')) {
    if (open === null) {
      if (line.startsWith('#')) section = line.replace(/^#+\s*/, '');
      const fence = /^```(\w+)\s*$/.exec(line);
      if (fence !== null) open = { lang: fence[1]!, lines: [] };
    } else if (line === '```') {
      blocks.push({
        lang: open.lang,
        code: `${open.lines.join('\n')}\n`,
        section,
        n: blocks.length,
      });
      open = null;
    } else open.lines.push(line);
  }
  return blocks;
}

const blocks = readmeBlocks();
const isProjectCommands = (b: Block) =>
  b.lang === 'sh' &&
  b.code
    .trim()
    .split('\n')
    .every((l) => /^npm (ci|start|test|run) ?/.test(l));
const programName = (b: Block) => /^\/\/ (\S+\.ts):/.exec(b.code)?.[1];
const fileName = (b: Block) => /^;; ([^\s:]+)/.exec(b.code)?.[1];

/** What a block says it prints: the text after `// →` or `# →` at the end of a line. */
function statedOutputs(b: Block): string[] {
  const marker = b.lang === 'ts' ? '// → ' : '# → ';
  return b.code
    .split('\n')
    .filter((l) => l.includes(marker))
    .map((l) => l.slice(l.lastIndexOf(marker) + marker.length).trim());
}

/** JSON with the members of `["!set", […]]` in a fixed order, or undefined if not JSON. */
function normalJson(text: string): string | undefined {
  const sortSets = (x: unknown): unknown => {
    if (!Array.isArray(x)) return x;
    const items = x.map(sortSets);
    if (items[0] === '!set' && Array.isArray(items[1]))
      return ['!set', [...(items[1] as unknown[])].map((m) => JSON.stringify(m)).sort()];
    return items;
  };
  try {
    return JSON.stringify(sortSets(JSON.parse(text)));
  } catch {
    return undefined;
  }
}

function endsWith(line: string, expected: string): boolean {
  const tail = line.trimEnd().slice(-expected.length);
  if (tail === expected) return true;
  const a = normalJson(tail);
  return a !== undefined && a === normalJson(expected);
}

/** The stated outputs not (yet) printed, in order: each on a line after the previous one's. */
function missing(stdout: string, expected: readonly string[]): string[] {
  const lines = stdout.split('\n');
  let at = 0;
  for (let i = 0; i < expected.length; i++) {
    while (at < lines.length && !endsWith(lines[at]!, expected[i]!)) at++;
    if (at === lines.length) return expected.slice(i);
    at++;
  }
  return [];
}

interface Running {
  readonly child: ChildProcess;
  out: string;
  err: string;
  readonly exited: Promise<number | null>;
  /** Resolves once `ready(out, err)` holds (checked on every output), or rejects at exit. */
  until(ready: (out: string, err: string) => boolean): Promise<void>;
  /** Stops the process and everything it started. */
  stop(): Promise<void>;
}

function run(command: string, args: string[], cwd: string, env: Record<string, string>): Running {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const waiters = new Set<() => void>();
  const r: Running = {
    child,
    out: '',
    err: '',
    exited: new Promise((resolve) => child.on('exit', resolve)),
    until(ready) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (ready(r.out, r.err)) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
        void r.exited.then((code) => {
          check();
          reject(new Error(`exited with ${code} before it was ready:\n${r.out}\n${r.err}`));
        });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // Already gone.
        }
      }
      await r.exited;
    },
  };
  child.stdout!.on('data', (b) => {
    r.out += String(b);
    for (const w of [...waiters]) w();
  });
  child.stderr!.on('data', (b) => {
    r.err += String(b);
    for (const w of [...waiters]) w();
  });
  return r;
}

const dir = mkdtempSync(join(tmpdir(), 'dh-readme-'));
const bin = join(dir, '.bin');
/** The environment blocks run in: `dthk` on the PATH, servers on free loopback ports. */
const env = {
  PATH: `${bin}:${process.env.PATH}`,
  DATAHIKE_PORT: '0',
  DATAHIKE_HOST: '127.0.0.1',
};
let server: Running;
let address = '';

beforeAll(async () => {
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'dthk'),
    `#!/bin/sh\nexec "${process.execPath}" --import "${TSX}" "${join(ROOT, 'src', 'cli', 'main.ts')}" "$@"\n`,
    { mode: 0o755 },
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { paths: { 'datahike-ts': [join(ROOT, 'src', 'index.ts')] } },
    }),
  );
  for (const b of blocks) {
    const name = b.lang === 'clojure' ? fileName(b) : undefined;
    if (name !== undefined) writeFileSync(join(dir, name), b.code);
  }
  server = run('npm', ['start'], ROOT, {
    DATAHIKE_PORT: '0',
    DATAHIKE_DATA_DIR: join(dir, 'data'),
  });
  await server.until((_out, err) => /server on http:\/\/\S+/.test(err));
  address = /server on http:\/\/(\S+)/.exec(server.err)![1]!;
  // `npm start` first builds dist/ when it is missing or older than src/.
}, 300_000);

afterAll(async () => {
  await server?.stop();
});

const substituted = (code: string) => code.replace(DOCUMENTED_ADDRESS, address);

async function runShell(b: Block): Promise<void> {
  const p = run('bash', ['-e', '-o', 'pipefail', '-c', substituted(b.code)], dir, env);
  const expected = statedOutputs(b);
  // A block that starts a server ends once that server answers.
  const served = p
    .until((_out, err) => /server on http:\/\/\S+/.test(err))
    .then(async () => {
      const url = /server on (http:\/\/\S+)/.exec(p.err)![1]!;
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(missing(p.out, expected)).toEqual([]);
      await p.stop();
      return 'served' as const;
    });
  served.catch(() => undefined);
  const outcome = await Promise.race([p.exited, served]);
  if (outcome !== 'served') {
    expect(outcome, `exit code; output:\n${p.out}\n${p.err}`).toBe(0);
    expect(missing(p.out, expected)).toEqual([]);
  }
}

function writeProgram(b: Block): string {
  const file = join(dir, `block-${b.n}.mts`);
  writeFileSync(file, substituted(b.code));
  return file;
}

async function runPrograms(group: Block[]): Promise<void> {
  const running = group.map((b) => ({
    b,
    p: run(process.execPath, ['--import', TSX, writeProgram(b)], dir, env),
  }));
  try {
    if (group.length === 1 && programName(group[0]!) === undefined) {
      const { b, p } = running[0]!;
      const code = await p.exited;
      expect(code, `exit code; output:\n${p.out}\n${p.err}`).toBe(0);
      expect(missing(p.out, statedOutputs(b))).toEqual([]);
      return;
    }
    // Programs that run until stopped: done once each printed what it says it prints.
    await Promise.all(
      running.map(({ b, p }) => p.until((out) => missing(out, statedOutputs(b)).length === 0)),
    );
    for (const { p } of running) expect(p.err).toBe('');
  } finally {
    for (const { p } of running) await p.stop();
  }
}

/** The blocks to run, in order; programs that run together form one step. */
function steps(): Block[][] {
  const out: Block[][] = [];
  for (const b of blocks) {
    if (b.lang !== 'ts' && b.lang !== 'sh') continue;
    const last = out.at(-1);
    if (
      b.lang === 'ts' &&
      programName(b) !== undefined &&
      last !== undefined &&
      last[0]!.lang === 'ts' &&
      programName(last[0]!) !== undefined
    )
      last.push(b);
    else out.push([b]);
  }
  return out;
}

describe('the README', () => {
  it('has shell and TypeScript examples, and the config files they read', () => {
    expect(blocks.filter((b) => b.lang === 'ts').length).toBeGreaterThanOrEqual(6);
    expect(blocks.filter((b) => b.lang === 'sh').length).toBeGreaterThanOrEqual(4);
    expect(blocks.filter(fileName).map(fileName)).toEqual([
      'server.edn',
      'secure.edn',
      'config.edn',
      'other.edn',
    ]);
  });

  it('shows server configs that the server accepts', () => {
    for (const name of ['server.edn', 'secure.edn'])
      expect(loadServerConfig(join(dir, name)).devMode, name).toBe(false);
  });

  it('runs its project commands: npm start serves, the others are what CI runs', () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8').split('\n');
    const commands = blocks
      .filter(isProjectCommands)
      .flatMap((b) => b.code.trim().split('\n'))
      .flatMap((l) => l.replace(/#.*/, '').split('&&'))
      .map((c) => c.trim());
    expect(commands).toContain('npm start');
    for (const c of commands) {
      const script = c === 'npm test' ? 'test' : c === 'npm start' ? 'start' : c.slice(8);
      if (c !== 'npm ci') expect(scripts[script], c).toBeDefined();
      if (c !== 'npm start' && c !== 'npm run bench') expect(ci, c).toContain(c);
    }
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  for (const group of steps()) {
    const b = group[0]!;
    if (isProjectCommands(b)) continue;
    const what = group.map((x) => programName(x) ?? `block ${x.n}`).join(' and ');
    it(
      `runs ${b.lang} ${what} of “${b.section}”`,
      () => (b.lang === 'sh' ? runShell(b) : runPrograms(group)),
      120_000,
    );
  }

  it('type-checks every TypeScript block against the package', () => {
    const files = blocks
      .filter((b) => b.lang === 'ts')
      .map((b) => {
        const file = join(dir, 'typed', `block-${b.n}.mts`);
        mkdirSync(join(dir, 'typed'), { recursive: true });
        writeFileSync(file, b.code);
        return file;
      });
    const program = ts.createProgram(files, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules', '@types')],
      paths: { 'datahike-ts': [join(ROOT, 'src', 'index.ts')] },
    });
    const problems = files.flatMap((f) =>
      ts.getPreEmitDiagnostics(program, program.getSourceFile(f)).map((diag) => {
        const { line } = diag.file!.getLineAndCharacterOfPosition(diag.start!);
        return `${diag.file!.fileName}:${line + 1}: ${ts.flattenDiagnosticMessageText(diag.messageText, '\n')}`;
      }),
    );
    expect(problems).toEqual([]);
  }, 60_000);

  it('has examples/quickstart.ts (npm run example) as its quick start', () => {
    const quick = blocks.find((b) => b.section === 'Quick start' && b.lang === 'ts')!;
    const example = readFileSync(join(ROOT, 'examples', 'quickstart.ts'), 'utf8');
    const body = example.slice(example.indexOf('import'));
    expect(body.replace("from '../src/index.js'", "from 'datahike-ts'")).toBe(quick.code);
  });
});
