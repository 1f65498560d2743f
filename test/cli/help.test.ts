/**
 * The command line explains itself: `--help` on every command shows its forms and exits 0,
 * the list names every command, and a misspelt command is refused with the nearest one.
 */
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API, commandName } from '../../src/api/index.js';
import { commandHelp, commandNames, nearestCommand, usage } from '../../src/cli/help.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'src', 'cli', 'main.ts');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    input: '',
  });
  return { code: r.status, out: r.stdout, err: r.stderr.trim() };
}

function cliAsync(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { cwd: ROOT, encoding: 'utf8' },
      (error, out, err) =>
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), out, err: err.trim() }),
    );
    child.stdin?.end();
  });
}

const API_COMMANDS = API.flatMap((e) => {
  const name = commandName(e);
  return name === undefined ? [] : [{ name, entry: e }];
});

describe('help', () => {
  it('gives the commands that are not API functions their forms', () => {
    const forms: Record<string, string[]> = {
      serve: ['datahike-ts serve', 'datahike-ts serve CONFIG.edn'],
      import: ['datahike-ts import conn:CONFIG FILE', 'datahike-ts import conn:CONFIG -'],
      export: ['datahike-ts export db:CONFIG', 'datahike-ts --format json export db:CONFIG'],
      bench: ['datahike-ts bench', 'datahike-ts bench SUITE …'],
    };
    for (const [command, expected] of Object.entries(forms))
      for (const f of expected) expect(commandHelp(command), command).toContain(f);
    // -h and `help <command>` say what --help says.
    expect(cli('serve', '-h').out).toBe(`${commandHelp('serve')}\n`);
    expect(cli('help', 'export').out).toBe(cli('export', '--help').out);
    expect(cli('help', '--help').out).toBe(`${commandHelp('help')}\n`);
  }, 120_000);

  it('answers --help on every command with its help, exiting 0', async () => {
    const names = commandNames();
    // Two at a time: each is a process of its own.
    const lanes = [names.filter((_, i) => i % 2 === 0), names.filter((_, i) => i % 2 === 1)];
    await Promise.all(
      lanes.map(async (lane) => {
        for (const name of lane) {
          const r = await cliAsync(name, '--help');
          expect(r.code, `${name} --help: ${r.err}`).toBe(0);
          expect(r.out, name).toBe(`${commandHelp(name)}\n`);
        }
      }),
    );
  }, 300_000);

  it('shows every arity of an API command as a form, with its arguments', () => {
    const r = cli('pull-many', '--help');
    expect(r.out).toContain('datahike-ts pull-many <db> <pull-options>');
    expect(r.out).toContain('datahike-ts pull-many <db> <pattern> <eids>');
    expect(r.out).toMatch(/<eids>\s+entity ids/);
    expect(cli('query', '--help').out).toContain('datahike-ts query <query> [<any> …]');
    for (const { name, entry } of API_COMMANDS) {
      const help = commandHelp(name)!;
      expect(help, name).toContain(entry.doc);
      for (const arity of entry.args)
        expect(help, name).toContain(
          `datahike-ts ${name} ${arity.map((k) => `<${k}>`).join(' ')}`.trimEnd(),
        );
    }
  }, 60_000);

  it('lists every command in --help', () => {
    const r = cli('--help');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${usage()}\n`);
    for (const name of commandNames()) expect(r.out).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    for (const { name } of API_COMMANDS) expect(commandNames()).toContain(name);
    expect(commandNames()).toEqual(expect.arrayContaining(['serve', 'import', 'export', 'bench']));
  }, 60_000);
});

describe('a misspelt command', () => {
  it('is refused with the nearest command, status 1', () => {
    const r = cli('qurey', '[:find ?e :where [?e :name]]');
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'datahike-ts: Unknown command qurey: did you mean query? (datahike-ts --help lists the commands)',
    );
    const help = cli('tranzact', '--help');
    expect(help.code).toBe(1);
    expect(help.err).toContain('did you mean transact?');
    expect(cli('help', 'exprot').err).toContain('did you mean export?');
  }, 60_000);

  it('is matched by edit distance, and by Datahike and JavaScript names', () => {
    expect(nearestCommand('serv')).toBe('serve');
    expect(nearestCommand('pul-many')).toBe('pull-many');
    expect(nearestCommand('creat-databse')).toBe('create-database');
    expect(nearestCommand('q')).toBe('query');
    expect(nearestCommand('database-exists?')).toBe('database-exists');
    expect(nearestCommand('pullMany')).toBe('pull-many');
    // Nothing near: no guess.
    expect(nearestCommand('frobnicate')).toBeUndefined();
    expect(nearestCommand('xyz')).toBeUndefined();
  });
});
