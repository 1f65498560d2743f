#!/usr/bin/env node
/**
 * The `datahike-ts` command (alias `dthk`): every API function as a command (commands.ts),
 * plus `serve` (the HTTP server), `import`/`export` (a whole database as datom lines) and
 * `bench` (the benchmarks, from a checkout). Exit status 1 with a one-line error on failure.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeApi } from '../api/index.js';
import { Peers, serverWriters } from '../client/index.js';
import type { Connection } from '../connection/index.js';
import type { DbView } from '../db/index.js';
import { DatahikeError } from '../values/index.js';
import {
  type ArgContext,
  argument,
  COMMANDS,
  type OutputFormat,
  render,
  runCommand,
} from './commands.js';
import { commandHelp, nearestCommand, usage } from './help.js';
import { exportDb, importInto } from './transfer.js';

/** The CLI's API: databases opened here, whose `:writer` may be a server (the client's writer). */
const api = composeApi({ writers: [serverWriters(new Peers())] });

async function serve(configPath: string | undefined): Promise<void> {
  // Loaded here: the other commands never load the HTTP server (Fastify and its plugins).
  const [{ createServer }, { loadServerConfig }] = await Promise.all([
    import('../server/app.js'),
    import('../server/config.js'),
  ]);
  const config = loadServerConfig(configPath);
  const server = await createServer(config, api);
  const address = await server.app.listen({ port: config.port, host: config.host });
  // Dev mode listens on loopback only (the config refuses anything else).
  const mode = config.devMode
    ? 'dev mode: no credential needed, loopback only'
    : 'credential required';
  process.stderr.write(
    `datahike-ts server on ${address} (${mode}); databases under ${config.dataDir}\n`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    await server.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

function unknownCommand(name: string): DatahikeError {
  const near = nearestCommand(name);
  const hint = near === undefined ? '' : `: did you mean ${near}?`;
  return new DatahikeError(
    'cli/usage',
    `Unknown command ${name}${hint} (datahike-ts --help lists the commands)`,
    { command: name, ...(near === undefined ? {} : { nearest: near }) },
  );
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

function bench(args: string[]): void {
  const root = packageRoot();
  if (!existsSync(join(root, 'bench')))
    throw new DatahikeError('cli/bench', 'The benchmarks come with a checkout of datahike-ts.', {});
  const r = spawnSync('npm', ['run', 'bench', '--', ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new DatahikeError('cli/bench', 'The benchmarks failed.', {});
}

async function main(argv: string[]): Promise<void> {
  let format: OutputFormat = 'edn';
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-f' || a === '--format') {
      const f = argv[++i];
      if (f !== 'edn' && f !== 'json' && f !== 'pprint' && f !== 'table')
        throw new DatahikeError(
          'cli/usage',
          `--format takes edn, json, pprint or table, got ${f}.`,
          {},
        );
      format = f;
    } else if (a === '--version') {
      process.stdout.write(`datahike-ts ${await api.datahikeVersion()}\n`);
      return;
    } else rest.push(a);
  }
  const [command, ...args] = rest;
  if (command === undefined || command === '-h' || command === '--help') {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const help = commandHelp(command);
  if (help === undefined) throw unknownCommand(command);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${help}\n`);
    return;
  }
  if (command === 'help') {
    const asked = args[0] === undefined ? usage() : commandHelp(args[0]);
    if (asked === undefined) throw unknownCommand(args[0]!);
    process.stdout.write(`${asked}\n`);
    return;
  }
  if (command === 'serve') return serve(args[0]);
  if (command === 'bench') return bench(args);
  const ctx: ArgContext = { api, connections: [], stdin: () => readFileSync(0, 'utf8') };
  try {
    if (command === 'import') {
      const [target, file] = args;
      const conn = target === undefined ? undefined : await argument(target, ctx);
      if (file === undefined || conn === undefined)
        throw new DatahikeError('cli/usage', 'usage: datahike-ts import conn:CONFIG FILE', {});
      const n = await importInto(conn as Connection, file);
      process.stderr.write(`imported ${n} datoms\n`);
      return;
    }
    if (command === 'export') {
      if (args[0] === undefined)
        throw new DatahikeError('cli/usage', 'usage: datahike-ts export db:CONFIG', {});
      const db = await argument(args[0], ctx);
      await exportDb(db as DbView, format === 'json' ? 'json' : 'edn');
      return;
    }
    const entry = COMMANDS.get(command)!;
    const values: unknown[] = [];
    for (const a of args) values.push(await argument(a, ctx));
    process.stdout.write(`${render(await runCommand(api, entry, values), format)}\n`);
  } finally {
    for (const c of ctx.connections) await api.release(c, true).catch(() => undefined);
  }
}

// A reader that goes away early (`| head`) ends the output, not with an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`datahike-ts: ${message.split('\n')[0]}\n`);
  process.exit(1);
});
