/**
 * For the attack tests (`limits-*.test.ts`): a server in its own process, requests as raw
 * bytes, and a reference database whose contents are checked after every attack, so that
 * each test shows the attack refused, the server up and nothing changed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type ServerProcess, startServerProcess } from '../client/server-process.js';

export interface Answer {
  readonly status: number;
  readonly text: string;
}

export interface AttackTarget {
  readonly server: ServerProcess;
  readonly url: string;
  /** The server's data folder (the reference database is `reference` in it). */
  readonly dataDir: string;
  /** The reference database's connection and current database handles, as EDN. */
  readonly conn: string;
  db(): Promise<string>;
  /** POSTs a body (EDN unless the content type says otherwise) to a route. */
  post(route: string, body: string | Uint8Array, type?: string): Promise<Answer>;
  /** The server answers /health and the reference database reads back as it was made. */
  intact(): Promise<void>;
  stop(): Promise<void>;
}

const REF = '{:store {:backend :file :id "reference"} :schema-flexibility :read}';
const NAMES = ['Ann', 'Bob', 'Cid'];

export async function attackTarget(env: Record<string, string> = {}): Promise<AttackTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'dh-limits-'));
  const server = await startServerProcess({ DATAHIKE_DATA_DIR: join(dir, 'data'), ...env });
  const url = server.url;
  const post = async (route: string, body: string | Uint8Array, type = 'application/edn') => {
    const res = await fetch(`${url}/${route}`, {
      method: 'POST',
      headers: { 'content-type': type, accept: type },
      body,
    });
    return { status: res.status, text: await res.text() };
  };
  const ok = async (route: string, body: string) => {
    const a = await post(route, body);
    if (a.status !== 200) throw new Error(`${route} answered ${a.status}: ${a.text}`);
    return a.text;
  };
  await ok('create-database', `[${REF}]`);
  const conn = await ok('connect', `[${REF}]`);
  await ok('transact', `[${conn} [${NAMES.map((n) => `{:name "${n}"}`).join(' ')}]]`);
  const db = () => ok('db', `[${conn}]`);
  return {
    server,
    url,
    dataDir: join(dir, 'data'),
    conn,
    db,
    post,
    async intact() {
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      const names = await ok('q', `["[:find [?n ...] :where [_ :name ?n]]" ${await db()}]`);
      expect(
        names
          .replace(/[[\]"]/g, '')
          .split(/\s+/)
          .sort(),
      ).toEqual(NAMES);
    },
    stop: () => server.stop(),
  };
}

/** The error code of an EDN error answer. */
export function codeOf(a: Answer): string | undefined {
  return /:code "([^"]+)"/.exec(a.text)?.[1];
}

/** The limit an EDN error answer names. */
export function limitOf(a: Answer): string | undefined {
  return /:limit "([^"]+)"/.exec(a.text)?.[1];
}
