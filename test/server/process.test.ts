/** The server as a process: `serve` starts it, SIGTERM stops it cleanly; a bad config stops the start. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'src', 'cli', 'main.ts');

function serve(dir: string, args: string[], env: Record<string, string> = {}) {
  // From the repository (where tsx resolves), with the data folder in `dir`.
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATAHIKE_LEVEL: 'warn', DATAHIKE_DATA_DIR: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (b) => {
    err += String(b);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /server on (http:\/\/\S+)/.exec(err);
      if (m !== null) resolve(m[1]!);
    };
    child.stderr.on('data', check);
    exited.then(() => reject(new Error(`exited: ${err}`)));
  });
  started.catch(() => undefined); // awaited only by the tests that expect a start
  return { child, exited, started, stderr: () => err };
}

it('starts with defaults, serves, and exits 0 on SIGTERM after finishing its work', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dh-serve-'));
  const s = serve(dir, [], { DATAHIKE_PORT: '0' });
  const url = await s.started;
  expect(s.stderr()).toContain('loopback only');
  const H = { 'content-type': 'application/json' };
  const cfg = ['{:store {:backend :file :id "p"} :schema-flexibility :read}'];
  expect(
    (
      await fetch(`${url}/create-database`, {
        method: 'POST',
        headers: H,
        body: JSON.stringify(cfg),
      })
    ).status,
  ).toBe(200);
  const conn = await (
    await fetch(`${url}/connect`, { method: 'POST', headers: H, body: JSON.stringify(cfg) })
  ).json();
  const writes = Array.from({ length: 20 }, (_, i) =>
    fetch(`${url}/transact`, {
      method: 'POST',
      headers: H,
      body: JSON.stringify([conn, [{ n: i }]]),
    }),
  );
  const statuses = await Promise.all(writes.map((w) => w.then((r) => r.status)));
  expect(statuses.every((x) => x === 200)).toBe(true);
  s.child.kill('SIGTERM');
  expect(await s.exited).toBe(0);
  // Everything acknowledged is in the store.
  const again = serve(dir, [], { DATAHIKE_PORT: '0' });
  const url2 = await again.started;
  const conn2 = await (
    await fetch(`${url2}/connect`, { method: 'POST', headers: H, body: JSON.stringify(cfg) })
  ).json();
  const db = await (
    await fetch(`${url2}/db`, { method: 'POST', headers: H, body: JSON.stringify([conn2]) })
  ).json();
  const count = await fetch(`${url2}/q`, {
    method: 'POST',
    headers: H,
    body: JSON.stringify(['[:find (count ?e) . :where [?e :n]]', db]),
  });
  expect(await count.json()).toBe(20);
  again.child.kill('SIGINT');
  expect(await again.exited).toBe(0);
}, 60_000);

it('refuses to start on a config with an unknown key, naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dh-serve-'));
  writeFileSync(join(dir, 'server.edn'), '{:port 0 :prot 5}');
  const s = serve(dir, [join(dir, 'server.edn')]);
  expect(await s.exited).toBe(1);
  expect(s.stderr()).toContain(':prot');
}, 30_000);
