/** A datahike server in the test's own process, on a free port and a fresh data folder. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from '../../src/server/app.js';
import { serverConfig } from '../../src/server/config.js';
import { keyword } from '../../src/values/index.js';

export interface InProcessServer {
  readonly server: Server;
  readonly url: string;
}

/** Starts a silent server (with `token`, if given) whose data folder is a new temp folder. */
export async function startServer(options: { token?: string } = {}): Promise<InProcessServer> {
  const settings = new Map<unknown, unknown>([
    [keyword('level'), keyword('silent')],
    [keyword('data-dir'), mkdtempSync(join(tmpdir(), 'dh-server-'))],
    // Read workers load the server's modules on their own: not through the test's loader.
    [keyword('read-workers'), 0],
  ]);
  if (options.token !== undefined) settings.set(keyword('token'), options.token);
  const server = await createServer(serverConfig(settings, {}));
  return { server, url: await server.app.listen({ port: 0, host: '127.0.0.1' }) };
}
