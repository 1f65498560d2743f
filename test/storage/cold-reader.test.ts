/**
 * A database on a durable store, opened cold by a new process (index nodes loaded lazily
 * from the store), answers every reading function of the API as the process that wrote it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { nodeArgs } from '../support/scripts.js';
import { readEverything } from './read-everything.js';

function output(script: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs(script), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (b) => (out += String(b)));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${script} exited with ${code}`)),
    );
  });
}

const dir = mkdtempSync(join(tmpdir(), 'dh-cold-'));

describe.each([
  ['file', { backend: ':file', path: join(dir, 'file-db') }],
  ['sqlite', { backend: ':sqlite', path: join(dir, 'db.sqlite') }],
])('a %s database read by a new process', (_name, store) => {
  it('answers every reading function, metrics included, as its writer does', async () => {
    // A small flush threshold: most datoms live in flushed index nodes, not in the log.
    const cfg = { store, 'flush-threshold': 200 };
    await d.createDatabase(cfg);
    const conn = await d.connect(cfg);
    await d.transact(conn, [
      {
        'db/ident': ':n',
        'db/valueType': ':db.type/long',
        'db/cardinality': ':db.cardinality/one',
        'db/index': true,
      },
    ]);
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await d.transact(
        conn,
        Array.from({ length: 50 }, (_, j) => ({ 'db/id': -(j + 1), n: i * 50 + j })),
      );
      for (let j = 0; j < 50; j++) ids.push(r.tempids[String(-(j + 1))]!);
    }
    // Retractions, so that the history indices hold records too.
    for (let i = 0; i < 10; i++) await d.transact(conn, [[':db/retract', ids[i]!, ':n', i]]);
    const expected = JSON.parse(JSON.stringify(await readEverything(await d.db(conn))));
    expect(expected.metrics['temporal-count']).toBe(20);
    await d.release(conn);
    const cold = JSON.parse(
      await output(join(import.meta.dirname, 'scripts', 'read-all.ts'), JSON.stringify(cfg)),
    );
    expect(cold).toEqual(expected);
    expect(cold.metrics.count).toBeGreaterThan(990);
    await d.deleteDatabase(cfg);
  }, 60_000);
});
