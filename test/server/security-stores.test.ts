/**
 * Issue 14, "what the operator configures, and what a client may name": the attacks on
 * store configs, against a server process in dev mode with the default policy (memory
 * stores, file and SQLite stores in its data folder). Each is refused cleanly, and after
 * each the server is up and the reference database reads back unchanged.
 */

import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../client/server-process.js';
import { call, Reference } from './security.js';

const dir = mkdtempSync(join(tmpdir(), 'dh-sec-stores-'));
const data = join(dir, 'data');
const outside = join(dir, 'precious');
let server: ServerProcess;
let url: string;
let reference: Reference;

beforeAll(async () => {
  mkdirSync(join(dir, 'cwd'));
  mkdirSync(outside);
  writeFileSync(join(outside, 'keep.txt'), 'mine');
  server = await startServerProcess({ DATAHIKE_DATA_DIR: data }, join(dir, 'cwd'));
  url = server.url;
  reference = new Reference(url);
  await reference.create();
}, 30_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await reference.check();
  expect(readFileSync(join(outside, 'keep.txt'), 'utf8')).toBe('mine');
});

const file = (path: string) => `{:store {:backend :file :path ${JSON.stringify(path)}}}`;
const fileId = (id: string) => `{:store {:backend :file :id ${JSON.stringify(id)}}}`;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

describe('file and SQLite paths', () => {
  it('refuses to create or delete a :file store outside the data folder', async () => {
    for (const route of ['/create-database', '/delete-database', '/connect', '/database-exists']) {
      const a = await call(url, route, [file(outside)]);
      expect(a.status, route).toBe(403);
      expect(a.body.error.code).toBe('server/forbidden');
    }
    expect(readdirSync(outside)).toEqual(['keep.txt']);
  });

  it('refuses ids that name the data folder, its parent, or another folder', async () => {
    for (const id of ['.', '..', 'a/b', '../precious', 'a\\b']) {
      for (const route of ['/create-database', '/delete-database']) {
        const a = await call(url, route, [fileId(id)]);
        expect(a.status, `${route} ${id}`).toBe(403);
      }
    }
    expect((await call(url, '/create-database', [fileId('')])).status).toBe(400);
    expect(existsSync(data)).toBe(true);
  });

  it('refuses a SQLite file outside the data folder, creating nothing', async () => {
    const keys = join(outside, '.ssh', 'authorized_keys');
    const cfg = `{:store {:backend :sqlite :path ${JSON.stringify(keys)}}}`;
    expect((await call(url, '/create-database', [cfg])).status).toBe(403);
    expect(existsSync(join(outside, '.ssh'))).toBe(false);
  });

  it('resolves symlinks and .. before it checks, also below paths that do not exist yet', async () => {
    symlinkSync(outside, join(data, 'link'));
    for (const path of [
      join(data, 'link'),
      join(data, 'link', 'new', 'db'),
      join(data, '..', 'precious'),
      `${data}/sub/../../precious`,
    ]) {
      expect((await call(url, '/create-database', [file(path)])).status, path).toBe(403);
      expect((await call(url, '/delete-database', [file(path)])).status, path).toBe(403);
    }
    // Relative paths are the server's working folder's: outside the data folder too.
    expect((await call(url, '/create-database', [file('../precious')])).status).toBe(403);
  });

  it('says the same whether a refused path exists or not', async () => {
    const exists = await call(url, '/database-exists', [
      '{:store {:backend :sqlite :path "/etc/passwd"}}',
    ]);
    const missing = await call(url, '/database-exists', [
      '{:store {:backend :sqlite :path "/etc/no-such-file-here"}}',
    ]);
    expect(exists.status).toBe(403);
    expect(missing.status).toBe(403);
    expect(exists.text).toBe(missing.text);
  });

  it('accepts paths inside the data folder, and never adopts a folder holding other files', async () => {
    const inside = join(data, 'team', 'db');
    expect((await call(url, '/create-database', [file(inside)])).status).toBe(200);
    expect((await call(url, '/delete-database', [file(inside)])).status).toBe(200);
    const full = join(data, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'notes'), 'x');
    const a = await call(url, '/create-database', [file(full)]);
    expect(a.status).toBe(409);
    expect(a.body.error.code).toBe('store/not-empty');
    expect((await call(url, '/delete-database', [file(full)])).status).toBe(200);
    expect(readFileSync(join(full, 'notes'), 'utf8')).toBe('x');
  });
});

describe('network stores and writers', () => {
  it('opens no connection to a PostgreSQL server the config does not name, whether its port is open or not', async () => {
    const open = new URL(url).port;
    const closed = await closedPort();
    const pg = (port: string | number) =>
      `{:store {:backend :jdbc :dbtype "postgresql" :host "127.0.0.1" :port ${port} :dbname "x" :user "u" :password "p"}}`;
    const a = await call(url, '/create-database', [pg(open)]);
    const b = await call(url, '/create-database', [pg(closed)]);
    expect(a.status).toBe(403);
    expect(b.status).toBe(403);
    expect(a.text).toBe(b.text);
    expect((await call(url, '/connect', [pg('5432')])).status).toBe(403);
  });

  it('sends nothing to an S3 endpoint the config does not name', async () => {
    let reached = false;
    const trap = createServer(() => {
      reached = true;
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
    const { port } = trap.address() as { port: number };
    const cfg = `{:store {:backend :s3 :bucket "b" :id "x" :endpoint "http://127.0.0.1:${port}"}}`;
    for (const route of ['/create-database', '/database-exists', '/delete-database'])
      expect((await call(url, route, [cfg])).status).toBe(403);
    await new Promise((r) => trap.close(r));
    expect(reached).toBe(false);
  });

  it('forwards a :writer to no server the config does not name', async () => {
    const cfg = `{:store {:backend :file :id "fwd"} :writer {:backend :datahike-server :url "http://127.0.0.1:1"}}`;
    for (const route of ['/create-database', '/connect', '/delete-database'])
      expect((await call(url, route, [cfg])).status).toBe(403);
    expect(existsSync(join(data, 'fwd'))).toBe(false);
  });
});

describe('one client cannot change what another client reaches', () => {
  it('refuses a store of its own under an id another client uses', async () => {
    for (const cfg of [
      `{:store {:backend :file :id "reference" :path ${JSON.stringify(join(data, 'evil'))}}}`,
      '{:store {:backend :memory :id "reference"}}',
    ]) {
      await call(url, '/create-database', [cfg]);
      const a = await call(url, '/connect', [cfg]);
      expect(a.status, cfg).toBe(400);
      expect(a.body.error.code).toBe('config/mismatch');
    }
    // The same store under another id would make a second writer on it.
    const again = `{:store {:backend :file :id "ref2" :path ${JSON.stringify(join(data, 'reference'))}}}`;
    expect((await call(url, '/connect', [again])).status).toBe(400);
    // By its path it is the same store under the same id: allowed.
    expect((await call(url, '/connect', [file(join(data, 'reference'))])).status).toBe(200);
  });
});

describe('answers', () => {
  it('show no server paths', async () => {
    const created = await call(url, '/create-database', [fileId('plain')]);
    expect(created.status).toBe(200);
    expect(created.text).not.toContain(data);
    const twice = await call(url, '/create-database', [fileId('plain')]);
    expect(twice.status).toBe(409);
    expect(twice.text).not.toContain(dir);
    // A store given by path is named by its path below the root, not the server's path.
    const byPath = file(join(data, 'by-path'));
    expect((await call(url, '/create-database', [byPath])).status).toBe(200);
    const conn = await call(url, '/connect', [byPath]);
    expect(conn.text).not.toContain(dir);
    expect(conn.body[1][0]).toBe('by-path');
    const missing = await call(url, '/connect', [file(join(data, 'none'))]);
    expect(missing.status).toBe(404);
    expect(missing.text).not.toContain(dir);
  });
});
