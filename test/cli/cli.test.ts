/** The command line as a user runs it: real processes, real files. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'src', 'cli', 'main.ts');

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

it('creates, transacts, queries, exports and imports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dh-cli-'));
  const cfg = join(dir, 'a.edn');
  const cfg2 = join(dir, 'b.edn');
  writeFileSync(
    cfg,
    `{:store {:backend :file :path "${join(dir, 'a')}"} :schema-flexibility :read}`,
  );
  writeFileSync(
    cfg2,
    `{:store {:backend :file :path "${join(dir, 'b')}"} :schema-flexibility :read}`,
  );
  expect(cli(['create-database', `edn:${cfg}`]).code).toBe(0);
  expect(cli(['database-exists', `edn:${cfg}`]).out).toBe('true');
  const tx = cli(
    ['transact', `conn:${cfg}`, '-'],
    '[[:db/add -1 :name "Linus"] {:name "Ada" :age 36}]',
  );
  expect(tx.code).toBe(0);
  expect(tx.out).toContain('TxReport');
  expect(cli(['query', '[:find ?n . :where [?e :name ?n] [?e :age 36]]', `db:${cfg}`]).out).toBe(
    '"Ada"',
  );
  const table = cli(['-f', 'table', 'query', '[:find ?n :where [_ :name ?n]]', `db:${cfg}`]);
  expect(table.out.split('\n').sort()).toEqual(['Ada', 'Linus']);
  expect(cli(['--format', 'json', 'pull', `db:${cfg}`, '[:name]', '1']).out).toBe(
    '{"name":"Linus"}',
  );
  // An entity prints as its attributes, never the database behind it.
  expect(cli(['entity', `db:${cfg}`, '2']).out).toBe('{:db/id 2, :age 36, :name "Ada"}');
  expect(cli(['--format', 'json', 'entity', `db:${cfg}`, '2']).out).toBe(
    '{"db/id":2,"age":36,"name":"Ada"}',
  );
  const exported = cli(['export', `db:${cfg}`]);
  expect(exported.code).toBe(0);
  writeFileSync(join(dir, 'dump.edn'), exported.out);
  expect(cli(['create-database', `edn:${cfg2}`]).code).toBe(0);
  expect(cli(['import', `conn:${cfg2}`, join(dir, 'dump.edn')]).code).toBe(0);
  expect(cli(['query', '[:find ?n . :where [?e :age 36] [?e :name ?n]]', `db:${cfg2}`]).out).toBe(
    '"Ada"',
  );
}, 60_000);

it('explains itself and fails with one line and status 1', () => {
  const help = cli(['--help']);
  expect(help.code).toBe(0);
  expect(help.out).toContain('query');
  expect(cli(['pull', '--help']).out).toContain('datahike-ts pull <db> <pattern> <eid>');
  const bad = cli(['query', '[:find ?n']);
  expect(bad.code).toBe(1);
  expect(bad.err.split('\n')).toHaveLength(1);
  expect(cli(['no-such-command']).code).toBe(1);
  expect(cli(['query', '[:find ?n . :where [_ :name ?n]]', 'db:/nonexistent.edn']).err).toContain(
    '/nonexistent.edn',
  );
}, 60_000);
