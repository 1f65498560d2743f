#!/usr/bin/env node

/**
 * The `datahike-ts` command (alias `dthk`). `serve [config.edn]` runs the HTTP server;
 * the other commands come with the CLI issue.
 */

import { createServer } from '../server/app.js';
import { loadServerConfig } from '../server/config.js';
import { DatahikeError } from '../values/index.js';

const USAGE = `usage: datahike-ts serve [config.edn]

  serve   runs the HTTP server (port 4444, file databases under ./data, dev mode on
          loopback unless the config or DATAHIKE_* variables say otherwise)`;

async function serve(configPath: string | undefined): Promise<void> {
  const config = loadServerConfig(configPath);
  const server = await createServer(config);
  const address = await server.app.listen({ port: config.port, host: config.host });
  const mode = config.devMode
    ? `dev mode: no token needed${config.host === '127.0.0.1' || config.host === 'localhost' || config.host === '::1' ? ', loopback only' : `, LISTENING ON ${config.host} WITHOUT A TOKEN`}`
    : 'token required';
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

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest[0]);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      throw new DatahikeError('cli/unknown-command', `Unknown command ${command}.\n${USAGE}`, {});
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`datahike-ts: ${message.split('\n')[0]}\n`);
  process.exit(1);
});
