/**
 * A listener hears every commit of another process exactly once, in order, while the same
 * connection keeps calling db() (each of which may take the commits in before the store's
 * notification arrives): on the file store (folder watching) and PostgreSQL (NOTIFY).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { PG, pgAvailable } from '../storage/servers.js';
import { nodeArgs } from '../support/scripts.js';

const COMMITS = 200;
const pg = await pgAvailable();

function writer(config: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...nodeArgs(join(import.meta.dirname, 'scripts', 'commits.ts')),
        JSON.stringify(config),
        String(COMMITS),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

const stores: [string, () => Record<string, unknown>, boolean][] = [
  [
    'file',
    () => ({ backend: ':file', path: join(mkdtempSync(join(tmpdir(), 'dh-hear-')), 'db') }),
    true,
  ],
  [
    'postgresql',
    () => ({
      backend: ':jdbc',
      dbtype: 'postgresql',
      ...PG,
      table: `dh_hear_${randomBytes(6).toString('hex')}`,
    }),
    pg,
  ],
];

describe.each(stores)('on the %s store', (_, store, enabled) => {
  it.runIf(enabled)(
    `a listener hears all ${COMMITS} commits of another process once, while db() catches up meanwhile`,
    async () => {
      const cfg = { store: store(), 'schema-flexibility': ':read' };
      await d.createDatabase(cfg);
      const conn = await d.connect(cfg);
      try {
        const heard: number[] = [];
        await d.listen(conn, (report) => {
          for (const x of report['tx-data']) if (x.a === ':n') heard.push(x.v as number);
        });
        let exited = false;
        const done = writer(cfg).finally(() => {
          exited = true;
        });
        const seen: number[] = [];
        while (!exited) seen.push((await d.db(conn)).maxTx);
        expect(await done).toBe(0);
        // This db() starts after every commit: once it returns, the listener has heard them all.
        const db = await d.db(conn);
        expect(await d.q('[:find (count ?e) . :where [?e :n]]', db)).toBe(COMMITS);
        expect(heard).toEqual(Array.from({ length: COMMITS }, (_, i) => i + 1));
        // And the reads meanwhile never went back.
        for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
      } finally {
        await d.release(conn);
        await d.deleteDatabase(cfg);
      }
    },
    120_000,
  );
});
