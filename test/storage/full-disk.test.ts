/**
 * A full disk, for real: two file stores on a small tmpfs, one written by a writer process
 * (fault-scripts/full-writer.ts), one by a server process committing for this process over
 * HTTP. The disk is filled until appends and flushes fail with ENOSPC (short writes
 * included), then freed, then filled again with both processes killed and started again.
 * Nothing acknowledged may be lost, no failure may have committed, no tx id may be handed
 * out twice; both write again once there is room, and restart on a full disk opens the
 * databases and answers reads.
 *
 * Mounting a tmpfs needs root on Linux (CI runs as root). Where that is not allowed the
 * test is skipped with a warning, unless DATAHIKE_REQUIRE_TMPFS=1 makes it a failure.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { type ServerProcess, startServerProcess } from '../client/server-process.js';
import { type Child, exitOf, finished, LIFETIME_MS, type Line, run, WAIT_MS } from './children.js';
import { CRASH_SCHEMA } from './fault-scripts/common.js';

const REQUIRED = process.env.DATAHIKE_REQUIRE_TMPFS === '1';
const mnt = mkdtempSync(join(tmpdir(), 'dh-full-disk-'));

function mount(): string | null {
  if (process.platform !== 'linux') return `this is ${process.platform}, not Linux`;
  if (process.getuid?.() !== 0) return 'not running as root';
  const out = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt], {
    encoding: 'utf8',
  });
  if (out.error !== undefined) return out.error.message;
  return out.status === 0 ? null : out.stderr.trim() || `mount exited with ${out.status}`;
}

const cannotMount = mount();
if (cannotMount !== null)
  console.warn(
    `FULL-DISK TEST SKIPPED: cannot mount a tmpfs at ${mnt} (${cannotMount}). Run as root on Linux; DATAHIKE_REQUIRE_TMPFS=1 makes this a failure.`,
  );

afterAll(() => {
  if (cannotMount === null) {
    const out = spawnSync('umount', [mnt]);
    if (out.status !== 0) spawnSync('umount', ['-l', mnt]);
  }
  rmSync(mnt, { recursive: true, force: true });
});

/** What a writer was told about its transactions. */
class Outcomes {
  readonly acked = new Map<number, number>();
  readonly failed = new Map<number, string>();
  readonly sent = new Set<number>();

  take(lines: readonly Line[]): void {
    for (const l of lines) {
      if ('sent' in l) this.sent.add(l.sent);
      if ('ack' in l) this.acked.set(l.ack, l.tx);
      if ('failed' in l) this.failed.set(l.failed, l.code);
    }
  }

  /** Checks the batches a database holds, as [batch, tx] pairs, against what was told. */
  check(found: readonly [number, number][], where: string): void {
    const present = new Map(found);
    expect(present.size, `${where}: each batch once`).toBe(found.length);
    const lost = [...this.acked].filter(([b, tx]) => present.get(b) !== tx);
    expect(lost, `${where}: acknowledged but lost, or under another tx id`).toEqual([]);
    const failedButThere = [...this.failed.keys()].filter((b) => present.has(b));
    expect(failedButThere, `${where}: failed but committed`).toEqual([]);
    const txs = found.map(([, tx]) => tx);
    expect(new Set(txs).size, `${where}: tx ids handed out twice`).toBe(txs.length);
    const strange = [...present.keys()].filter((b) => !this.sent.has(b));
    expect(strange, `${where}: batches nobody sent`).toEqual([]);
  }

  codes(): string[] {
    return [...new Set(this.failed.values())].sort();
  }
}

let STATE = () => '';

/** Awaits a step of the test, failing with what is going on if it takes too long. */
async function within<T>(what: string, step: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish (${STATE()})`)), WAIT_MS);
  });
  try {
    return await Promise.race([step, late]);
  } finally {
    clearTimeout(timer);
  }
}
async function until(what: string, pred: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${STATE()})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Fills the disk with a file until a write fails; then frees `slack` bytes of it. */
async function fillDisk(file: string, slack = 0): Promise<void> {
  const h = await fs.open(file, 'a');
  const chunk = Buffer.alloc(256 * 1024, 0x5a);
  try {
    for (;;) await h.write(chunk);
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
  }
  if (slack > 0) await h.truncate(Math.max(0, (await h.stat()).size - slack));
  await h.close();
}

const tmpFiles = (path: string) =>
  readdirSync(join(path, 'blobs')).filter((f) => f.endsWith('.tmp'));

/** This process's transactions through the server, on and on, until stopped. */
function remoteLoop(cfg: Record<string, unknown>, out: Outcomes, first: number) {
  let stop = false;
  let next = first;
  let doing = 'connecting';
  const done = (async () => {
    const conn = await d.connect(cfg);
    while (!stop) {
      const batch = next++;
      out.sent.add(batch);
      doing = `transacting ${batch}`;
      try {
        const report = await d.transact(conn, [
          { batch, payload: 'q'.repeat(1000 + (batch % 7) * 400) },
        ]);
        out.acked.set(batch, report['db-after'].maxTx!);
      } catch (err) {
        out.failed.set(batch, (err as { code?: string }).code ?? String(err));
        // Reads answer while writes fail.
        doing = `reading after ${batch} failed`;
        await d.q('[:find (count ?e) . :where [?e :batch _]]', await d.db(conn));
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    doing = 'releasing';
    await d.release(conn);
    doing = 'done';
  })();
  return {
    async stop() {
      stop = true;
      await done;
    },
    get next() {
      return next;
    },
    get doing() {
      return doing;
    },
  };
}

describe('a file store on a full disk, with real processes', () => {
  it.skipIf(cannotMount !== null && !REQUIRED)(
    'loses nothing acknowledged, commits nothing failed, reuses no tx id, writes again once there is room, and restarts on a full disk',
    async () => {
      expect(cannotMount, 'mounting a tmpfs (DATAHIKE_REQUIRE_TMPFS=1)').toBeNull();
      const a = join(mnt, 'a');
      const b = join(mnt, 'b');
      for (const path of [a, b]) {
        const cfg = { store: { backend: ':file', path } };
        await d.createDatabase(cfg);
        const conn = await d.connect(cfg);
        await d.transact(conn, CRASH_SCHEMA);
        await d.release(conn);
      }
      const filler = join(mnt, 'filler');
      const dataDir = mkdtempSync(join(tmpdir(), 'dh-full-disk-server-'));
      const env = {
        DATAHIKE_DATA_DIR: dataDir,
        DATAHIKE_TOKEN: 'tok',
        DATAHIKE_STORES: `{:file {:roots ["${mnt}"]}}`,
      };
      const peer = (server: ServerProcess) => ({
        store: { backend: ':file', path: b },
        'flush-threshold': 300,
        'remote-peer': { backend: ':datahike-server', url: server.url, token: 'tok' },
      });
      const aOut = new Outcomes();
      const bOut = new Outcomes();
      let server = await within('starting the server', startServerProcess(env));
      let writer: Child = run('full-writer.ts', [a, 11, 1, LIFETIME_MS], true);
      let remote = remoteLoop(peer(server), bOut, 1);
      const aAcks = () => writer.lines.filter((l) => 'ack' in l).length;
      const aFails = () => writer.lines.filter((l) => 'failed' in l).length;
      STATE = () =>
        `writer: ${aAcks()} acks, ${aFails()} failures, last lines ${JSON.stringify(writer.lines.slice(-3))}, stderr ${writer.stderr.slice(-500)}; remote ${remote.doing}: ${bOut.acked.size} acks, ${bOut.failed.size} failures ${JSON.stringify([...bOut.failed.values()].slice(-3))}`;
      try {
        await until('the first commits', () => aAcks() >= 20 && bOut.acked.size >= 20);

        // Full, with a little room left: appends and flushes run out of it part way.
        await within('filling the disk', fillDisk(filler, 96 * 1024));
        let aFailsAt = aFails();
        let bFailsAt = bOut.failed.size;
        await until(
          'failures on both',
          () => aFails() >= aFailsAt + 20 && bOut.failed.size >= bFailsAt + 20,
        );
        expect(
          writer.lines.some((l) => 'read' in l),
          'the writer reads on a full disk',
        ).toBe(true);

        // Room again: the same processes write again.
        await fs.rm(filler);
        const aAcksAt = aAcks();
        const bAcksAt = bOut.acked.size;
        await until(
          'commits again',
          () => aAcks() >= aAcksAt + 20 && bOut.acked.size >= bAcksAt + 20,
        );

        // Full again, and both processes killed and started again on the full disk.
        await within('filling the disk', fillDisk(filler));
        aFailsAt = aFails();
        bFailsAt = bOut.failed.size;
        await until('failures again', () => aFails() > aFailsAt && bOut.failed.size > bFailsAt);
        await within('stopping the remote loop', remote.stop());
        writer.proc.kill('SIGKILL');
        server.child.kill('SIGKILL');
        await exitOf(writer);
        const gone = server.child;
        await within(
          'the server to exit',
          new Promise((r) =>
            gone.exitCode !== null || gone.signalCode !== null ? r(null) : gone.on('exit', r),
          ),
        );
        aOut.take(writer.lines);
        // A kill may leave a temporary blob file behind (a crash, not a failed write).
        for (const path of [a, b])
          for (const f of tmpFiles(path)) await fs.rm(join(path, 'blobs', f));

        const check = async (path: string, out: Outcomes, where: string) => {
          const seen = (await finished(run('batches.ts', [path, LIFETIME_MS]))).find(
            (l) => 'batches' in l,
          )!;
          out.check(seen.batches, where);
        };
        await check(a, aOut, 'writer database, reopened on a full disk');
        server = await within('restarting the server', startServerProcess(env));
        const conn = await within('connecting again', d.connect(peer(server)));
        const seen = (await within(
          'reading after the restart',
          d.q('[:find ?b ?tx :where [?e :batch ?b ?tx]]', await d.db(conn)),
        )) as [number, number][];
        bOut.check(seen, 'server database, reopened on a full disk');
        // The freed temporary files and the slack in a file's last page can still take a
        // small commit or a few: those are acknowledged, and the first that finds no room
        // fails with store/full.
        await within('filling the disk again', fillDisk(filler));
        let err: unknown;
        for (let batch = 2_000_000; batch < 2_000_050 && err === undefined; batch++) {
          bOut.sent.add(batch);
          err = await within(
            'a transaction on the full disk',
            d.transact(conn, [{ batch, payload: 'x' }]).then(
              (r) => void bOut.acked.set(batch, r['db-after'].maxTx!),
              (e: { code: string }) => {
                bOut.failed.set(batch, e.code);
                return e;
              },
            ),
          );
        }
        expect(err).toMatchObject({ code: 'store/full' });
        await within('releasing', d.release(conn));

        // Room again: both write on, after the restart.
        await fs.rm(filler);
        remote = remoteLoop(peer(server), bOut, remote.next);
        writer = run('full-writer.ts', [a, 12, 1_000_000, LIFETIME_MS], true);
        await writer.waitFor((l) => 'start' in l, 'start');
        await until(
          'commits after the restart',
          () => aAcks() >= 20 && bOut.acked.size >= bAcksAt + 40,
        );
        await within('stopping the remote loop', remote.stop());
        writer.proc.stdin!.write('stop\n');
        aOut.take(await finished(writer));
        await within('stopping the server', server.stop());

        await check(a, aOut, 'writer database at the end');
        await check(b, bOut, 'server database at the end');
        for (const path of [a, b])
          expect(tmpFiles(path), `${path}: temporary files left`).toEqual([]);
        // Every failure was the full disk: never a conflict of the writer with its own log.
        expect(aOut.codes()).toEqual(['store/full']);
        expect(bOut.codes()).toEqual(['store/full']);
        expect(aOut.failed.size).toBeGreaterThan(20);
      } finally {
        await within('stopping the remote loop', remote.stop()).catch(() => undefined);
        if (server.child.exitCode === null && server.child.signalCode === null)
          server.child.kill('SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    180_000,
  );
});
