/**
 * Child processes for the fault tests: the scripts in fault-scripts/, bundled once per run
 * (test/support/compile-scripts.ts), talking back in JSON lines; killed after each test if
 * still alive.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, expect } from 'vitest';
import { nodeArgs } from '../support/scripts.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const SCRIPTS = join(HERE, 'fault-scripts');
/** How long any child may live; they also stop themselves after this. */
export const LIFETIME_MS = 60_000;
/** How long to wait for a line or an exit before calling the test failed. */
export const WAIT_MS = 30_000;

export type Line = Record<string, any>;

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly lines: Line[];
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The first line (already read, or to come) that `pred` accepts. */
  waitFor(pred: (l: Line) => boolean, what: string): Promise<Line>;
}

const running = new Set<ChildProcess>();

afterEach(() => {
  for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  running.clear();
});

export function run(script: string, args: readonly (string | number)[], stdin = false): Child {
  const proc = spawn(process.execPath, [...nodeArgs(join(SCRIPTS, script)), ...args.map(String)], {
    cwd: ROOT,
    stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  const lines: Line[] = [];
  const waiters: (() => void)[] = [];
  let closed = false;
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  createInterface({ input: proc.stdout! }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text));
    } catch {
      lines.push({ raw: text });
    }
    wake();
  });
  const child: Child = {
    name: `${script} ${args.join(' ')}`,
    proc,
    lines,
    stderr: '',
    exited: new Promise((resolve) =>
      proc.on('close', (code, signal) => {
        closed = true;
        running.delete(proc);
        wake();
        resolve({ code, signal });
      }),
    ),
    waitFor(pred, what) {
      const deadline = Date.now() + WAIT_MS;
      return new Promise((resolve, reject) => {
        const look = () => {
          const found = lines.find(pred);
          if (found !== undefined) return resolve(found);
          if (closed || Date.now() > deadline)
            return reject(
              new Error(
                `${child.name}: no ${what} (${closed ? 'exited' : 'timed out'}); last lines ${JSON.stringify(lines.slice(-3)).slice(0, 2000)}; stderr ${child.stderr.slice(-2000)}`,
              ),
            );
          waiters.push(look);
          setTimeout(look, Math.max(0, deadline - Date.now()) + 1).unref();
        };
        look();
      });
    },
  };
  proc.stderr!.on('data', (chunk) => {
    child.stderr += String(chunk);
  });
  return child;
}

export async function exitOf(
  child: Child,
): Promise<{ code: number | null; signal: string | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${child.name} did not exit`)), WAIT_MS);
  });
  try {
    return await Promise.race([child.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for a child to finish by itself, with code 0 and no error line. */
export async function finished(child: Child): Promise<Line[]> {
  const { code, signal } = await exitOf(child);
  expect(
    child.lines.filter((l) => 'error' in l || 'raw' in l),
    `${child.name} printed errors; stderr: ${child.stderr.slice(-2000)}`,
  ).toEqual([]);
  expect({ code, signal }, `${child.name} failed; stderr: ${child.stderr.slice(-2000)}`).toEqual({
    code: 0,
    signal: null,
  });
  return child.lines;
}
