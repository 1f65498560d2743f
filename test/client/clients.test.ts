/**
 * One server writing a file store and a PostgreSQL store; client processes, some with
 * `:writer` (reading the store themselves), some with `:remote-peer`, transacting at once.
 * Every acknowledged transaction is there exactly once, each client saw its tx ids grow,
 * and what a client counted at a commit is what the server counts at that commit.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { PG, pgAvailable } from '../storage/servers.js';
import { type ServerProcess, startServerProcess } from './server-process.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'dh-clients-'));
const withPg = await pgAvailable();
let server: ServerProcess;
let url: string;

function run(
  script: string,
  args: string[],
): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'scripts', script), ...args],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (b) => {
      out += String(b);
    });
    child.on('exit', (code) =>
      resolve({
        code,
        lines: out
          .split('\n')
          .filter((l) => l.length > 0)
          .map((l) => JSON.parse(l)),
      }),
    );
  });
}

beforeAll(async () => {
  server = await startServerProcess({
    DATAHIKE_DATA_DIR: dir,
    // File stores in the data folder, and the test PostgreSQL database.
    DATAHIKE_STORES: `{:file true :jdbc {:profiles {:test {:host "${PG.host}" :port ${PG.port} :dbname "${PG.dbname}" :user "${PG.user}"}}}}`,
  });
  url = server.url;
}, 30_000);

afterAll(() => server.stop());

const STORES: [string, () => Record<string, unknown>, boolean][] = [
  ['file', () => ({ backend: ':file', path: join(dir, 'shared') }), true],
  ['postgresql', () => ({ backend: ':pg', ...PG, table: `dh_clients_${process.pid}` }), withPg],
];

describe.each(STORES)('clients of a server on the %s store', (_, store, enabled) => {
  it.runIf(enabled)(
    'commit every acknowledged transaction once, in one order',
    async () => {
      const s = store();
      const peer = {
        store: s,
        'schema-flexibility': ':read',
        'remote-peer': { backend: ':datahike-server', url },
      };
      const writer = {
        store: s,
        'schema-flexibility': ':read',
        writer: { backend: ':datahike-server', url },
      };
      await d.createDatabase(peer);
      const names = ['w1', 'w2', 'p1', 'p2'];
      const results = await Promise.all(
        names.map((n) =>
          run('client.ts', [JSON.stringify(n.startsWith('w') ? writer : peer), n, '15']),
        ),
      );
      const conn = await d.connect(peer);
      try {
        const db = await d.db(conn);
        const rows = (await d.q('[:find ?c ?s ?e :where [?e :client ?c] [?e :seq ?s]]', db)) as [
          string,
          number,
          number,
        ][];
        for (const [i, r] of results.entries()) {
          expect(r.code, names[i]).toBe(0);
          const acks = r.lines.filter((l) => 'ack' in l);
          expect(acks).toHaveLength(15);
          const txs = acks.map((l) => l.tx as number);
          expect(txs, `${names[i]} saw tx ids grow`).toEqual([...txs].sort((x, y) => x - y));
          for (const l of acks)
            expect(
              rows.filter(([c, seq]) => c === names[i] && seq === l.ack),
              `${names[i]} ${l.ack}`,
            ).toHaveLength(1);
          const last = r.lines.find((l) => 'commit' in l)!;
          const then = await d.commitAsDb(conn, last.commit as string);
          expect(await d.q('[:find (count ?e) . :where [?e :client]]', then)).toBe(last.count);
        }
        expect(rows).toHaveLength(60);
      } finally {
        await d.release(conn);
        await d.deleteDatabase(peer);
      }
    },
    120_000,
  );
});
