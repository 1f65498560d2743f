/** Listening on a durable store hears the commits of other processes too. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { PERSON_SCHEMA } from '../core/helpers.js';
import { nodeArgs } from '../support/scripts.js';

function run(script: string, ...args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs(script), ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

it('delivers commits made by another process, and db() shows them', async () => {
  const cfg = {
    store: { backend: ':file', path: join(mkdtempSync(join(tmpdir(), 'dh-listen-')), 'db') },
  };
  await d.createDatabase(cfg);
  const conn = await d.connect(cfg);
  try {
    await d.transact(conn, PERSON_SCHEMA);
    const heard: string[] = [];
    await d.listen(conn, (report) => {
      for (const x of report['tx-data']) if (x.a === ':person/name') heard.push(x.v as string);
    });
    const code = await run(
      join(import.meta.dirname, 'scripts', 'transact.ts'),
      JSON.stringify(cfg),
      '5',
    );
    expect(code).toBe(0);
    const names = await d.q('[:find [?n ...] :where [_ :person/name ?n]]', await d.db(conn));
    expect((names as string[]).sort()).toEqual([
      'remote-0',
      'remote-1',
      'remote-2',
      'remote-3',
      'remote-4',
    ]);
    await expect.poll(() => heard.length, { timeout: 5000 }).toBe(5);
    expect(heard).toEqual(['remote-0', 'remote-1', 'remote-2', 'remote-3', 'remote-4']);
  } finally {
    await d.release(conn);
  }
});
