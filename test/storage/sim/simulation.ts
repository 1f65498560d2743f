/**
 * The simulator: a randomised workload on real connections over one simulated store, each
 * "process" reaching it through its own fault-injecting handle, all driven by one seed,
 * then checked against what the clients were told:
 *
 * - every acknowledged transaction is in the log exactly once, with the tx id it was given;
 * - a transaction reported failed (anything but `store/commit-unknown`) is not there,
 *   unless a retry of it was acknowledged; one of unknown outcome is there at most once;
 * - reads never go back on a connection, and hold every write the connection acknowledged
 *   before the read began (read-your-writes);
 * - real-time order: a transaction acknowledged before another was submitted has the
 *   smaller tx id;
 * - every listener heard every commit after it started listening, once each, in order;
 * - the log is whole: seqs without gaps, tx ids never handed out twice;
 * - no call fails with an error that only a bug explains (corrupt, missing node, diverged).
 *
 * Everything the run does waits on event-loop turns, never on the clock, so a seed
 * replays exactly: `digest` (a hash of what happened) is the same on every run.
 */
import { createHash } from 'node:crypto';
import type { DurableBranch } from '../../../src/connection/branches.js';
import type { Connection } from '../../../src/connection/connection.js';
import { decodeCommit } from '../../../src/connection/records.js';
import * as d from '../../../src/index.js';
import { unpackDatoms } from '../../../src/storage/codec.js';
import { createFileBackend } from '../../../src/storage/file.js';
import type { LogRecord, Store } from '../../../src/storage/store.js';
import { isTransientStoreError } from '../../../src/storage/store.js';
import { isDatahikeError } from '../../../src/values/index.js';
import { connectOn, createOn } from './connect.js';
import { type FailCode, type Fault, FaultyStore, type Plan, turns } from './faulty-store.js';
import { appendNow, LogStore, LogStoreData } from './log-store.js';
import { type FsFault, MemoryFs } from './memory-fs.js';
import { Random } from './random.js';

export interface SimResult {
  readonly seed: number;
  readonly violations: string[];
  readonly stats: Record<string, number>;
  /** A hash of the run's course: equal for equal seeds. */
  readonly digest: string;
}

interface Proc {
  readonly name: string;
  readonly handle: FaultyStore;
  readonly conn: Connection;
  /** The process crashed: its store calls fail, its answers are never heard. */
  dead: boolean;
  /** Its connection was released (a clean restart). */
  closed: boolean;
  /** The newest tx a read on this connection returned, or an ack it gave. */
  floor: number;
  /** Keys acknowledged on this connection. */
  readonly acked: string[];
  /** The tx of the connection's state when it began listening. */
  readonly startTx: number;
  /** What the listener heard: `tx:datoms` per report. */
  readonly heard: string[];
  /** The connection's divergences the checks have taken into account. */
  divergences: number;
}

interface Ack {
  readonly key: string;
  readonly tx: number;
  readonly submitAt: number;
  readonly ackAt: number;
}

const CODES: FailCode[] = ['store/io', 'store/full', 'store/unavailable'];
const KEYS = '[:find ?k :where [_ :key ?k]]';

export async function simulate(seed: number): Promise<SimResult> {
  const rng = new Random(seed);
  const violations: string[] = [];
  const stats: Record<string, number> = {};
  const count = (k: string, n = 1) => {
    stats[k] = (stats[k] ?? 0) + n;
  };
  const trace = createHash('sha256');
  const log = (line: string) => trace.update(`${line}\n`);
  const violation = (what: string) => {
    violations.push(what);
    log(`VIOLATION ${what}`);
  };
  let clock = 0;

  // The shape of this run.
  /** The real file store on a file system in memory, faults injected below it. */
  const onFiles = rng.chance(0.35);
  const flushThreshold = rng.pick([8, 30, 200, 20_000]);
  const cacheSize = rng.pick([16, 64, 1000]);
  const readers = rng.int(3);
  const taskCount = 3 + rng.int(8);
  const opsPerTask = 10 + rng.int(30);
  const faultRate = rng.pick([0, 0.5, 1, 2, 4]);
  /**
   * Readers transact too, now and then: several writers, so writer/conflict happens. Not
   * on files, nor crashes: the file store's lock cannot tell processes apart in one process.
   */
  const contested = !onFiles && rng.chance(0.2);
  log(
    `shape ${onFiles} ${flushThreshold} ${cacheSize} ${readers} ${taskCount} ${opsPerTask} ${faultRate} ${contested}`,
  );

  let faultsOn = true;
  /** Calls left in an outage of the whole store. */
  let down = 0;
  const disk = onFiles
    ? await fileDisk(rng, () => faultsOn && faultRate > 0, faultRate, count)
    : await memoryDisk();

  const planFor = (proc: () => Proc | undefined): Plan => {
    return (call) => {
      if (proc()?.dead === true) return { kind: 'fail', code: 'store/unavailable' };
      if (!faultsOn || faultRate === 0) return undefined;
      // On files the faults come from the file system; the store is only slow at times.
      if (onFiles) return rng.chance(0.05) ? { kind: 'delay', turns: 1 + rng.int(10) } : undefined;
      if (down > 0) {
        down--;
        return rng.chance(0.3)
          ? {
              kind: 'delay',
              turns: rng.int(30),
              after: { kind: 'fail', code: 'store/unavailable' },
            }
          : { kind: 'fail', code: 'store/unavailable' };
      }
      if (rng.chance(0.002 * faultRate)) {
        down = 5 + rng.int(40);
        count('outages');
        return { kind: 'fail', code: 'store/unavailable' };
      }
      const r = rng.next() / faultRate;
      const slow: Fault = { kind: 'delay', turns: 1 + rng.int(20) };
      switch (call.op) {
        case 'append':
          if (r < 0.03) return { kind: 'fail', code: rng.pick(CODES) };
          if (r < 0.05) return { kind: 'unknown-applied' };
          if (r < 0.07) return { kind: 'unknown-lost' };
          // Late, often very soon: just after the writer looked whether it went in.
          if (r < 0.11) return { kind: 'unknown-late', turns: 1 + rng.int(rng.pick([4, 30, 100])) };
          if (r < 0.17) return slow;
          return undefined;
        case 'put': {
          const n = (call.args[0] as unknown[]).length;
          if (r < 0.03) return { kind: 'fail', code: 'store/full' };
          if (r < 0.06) return { kind: 'short-put', written: rng.int(n + 1), code: 'store/full' };
          if (r < 0.08) return { kind: 'fsync-after-put' };
          if (r < 0.15) return slow;
          return undefined;
        }
        default:
          if (r < 0.02) return { kind: 'fail', code: rng.pick(['store/io', 'store/unavailable']) };
          if (r < 0.1) return slow;
          if (r < 0.11)
            return {
              kind: 'delay',
              turns: 50 + rng.int(150),
              after: rng.chance(0.5) ? { kind: 'fail', code: 'store/unavailable' } : undefined,
            };
          return undefined;
      }
    };
  };

  const handles: FaultyStore[] = [];
  let procs = 0;
  /** Opens a connection in a new "process"; opening retries through faults. */
  const open = async (name: string): Promise<Proc> => {
    let proc: Proc | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = new FaultyStore(await disk.handle(name), disk.options);
        handle.plan = planFor(() => proc);
        handles.push(handle);
        const conn = await connectOn(handle, { flushThreshold, cacheSize });
        const heard: string[] = [];
        proc = {
          name: `${name}#${++procs}`,
          handle,
          conn,
          dead: false,
          closed: false,
          floor: conn.db().maxTx,
          acked: [],
          startTx: conn.db().maxTx,
          heard,
          divergences: 0,
        };
        conn.listen((report) => heard.push(`${report.dbAfter.maxTx}:${report.txData.length}`));
        log(`open ${proc.name} at ${proc.startTx}`);
        return proc;
      } catch (err) {
        if (!isTransientStoreError(err) || attempt > 100) throw err;
      }
    }
  };

  let writer = await open('writer');
  const readerProcs: Proc[] = [];
  for (let i = 0; i < readers; i++) readerProcs.push(await open(`reader${i}`));
  const all: Proc[] = [writer, ...readerProcs];

  const acks: Ack[] = [];
  /** What sampled reads showed, to compare with the log at their tx. */
  const snapshots: { proc: Proc; tx: number; keys: Set<string> }[] = [];
  /** Keys whose every attempt failed for sure, so far. */
  const failed = new Map<string, string>();
  const unknown = new Set<string>();

  const transact = async (
    proc: Proc,
    key: string,
    task: number,
  ): Promise<'ok' | 'retry' | 'done'> => {
    const submitAt = clock++;
    try {
      const report = await d.transact(proc.conn, [{ key, task }]);
      const tx = report['db-after'].maxTx;
      if (proc.dead) {
        unknown.add(key);
        return 'done';
      }
      const ackAt = clock++;
      acks.push({ key, tx, submitAt, ackAt });
      failed.delete(key);
      proc.acked.push(key);
      proc.floor = Math.max(proc.floor, tx);
      count('acks');
      log(`ack ${proc.name} ${key} ${tx}`);
      return 'ok';
    } catch (err) {
      const code = isDatahikeError(err) ? err.code : String(err);
      log(`fail ${proc.name} ${key} ${code}`);
      if (proc.dead || code === 'store/commit-unknown') {
        count(proc.dead ? 'lost-with-crash' : 'commit-unknown');
        unknown.add(key);
        return 'done';
      }
      if (
        isTransientStoreError(err) ||
        code === 'writer/conflict' ||
        code === 'connection/released'
      ) {
        count(`failed ${code}`);
        if (!unknown.has(key)) failed.set(key, code);
        return 'retry';
      }
      violation(`${proc.name}: transaction ${key} failed with ${code}: ${(err as Error).message}`);
      return 'done';
    }
  };

  const divergences = (p: Proc) => (p.conn.branch as DurableBranch).divergences;
  /**
   * Whether the connection found that the log no longer holds what it read: always a
   * violation. (On the file store a reader trusts an append only once its writer marked it
   * durable, so an append whose fsync fails and is cut off again was never shown.)
   */
  const diverged = (p: Proc): boolean => {
    if (divergences(p) === p.divergences) return false;
    p.divergences = divergences(p);
    violation(`${p.name}: the log no longer held what the connection had read`);
    return true;
  };

  /** Whether the connection diverged since it had `start` divergences (accounted once). */
  const divergedSince = (p: Proc, start: number): boolean => {
    diverged(p);
    return divergences(p) !== start;
  };

  const read = async (proc: Proc): Promise<void> => {
    const start = divergences(proc);
    const floor = proc.floor;
    const mustHave = [...proc.acked];
    let db: d.Db;
    try {
      db = await d.db(proc.conn);
    } catch (err) {
      const code = isDatahikeError(err) ? err.code : String(err);
      if (proc.dead || code === 'connection/released') return;
      if (code === 'connection/diverged' && divergedSince(proc, start)) return;
      violation(`${proc.name}: db() failed with ${code}: ${(err as Error).message}`);
      return;
    }
    if (divergedSince(proc, start)) return;
    count('reads');
    if (proc.conn.staleness !== null) count('stale reads');
    log(`read ${proc.name} ${db.maxTx}`);
    if (db.maxTx < floor)
      violation(`${proc.name}: a read went back, to tx ${db.maxTx} after ${floor}`);
    proc.floor = Math.max(proc.floor, db.maxTx);
    if (!rng.chance(0.3)) return;
    let keys: Set<string>;
    try {
      keys = new Set((await d.q(KEYS, db)).map((row: unknown[]) => row[0] as string));
    } catch (err) {
      // Loading index nodes can fail while the store does: the value itself is fine.
      if (isTransientStoreError(err)) return;
      violation(`${proc.name}: a query failed with ${(err as Error).message}`);
      return;
    }
    for (const k of mustHave)
      if (!keys.has(k)) violation(`${proc.name}: a read lacks ${k}, acknowledged before it`);
    snapshots.push({ proc, tx: db.maxTx, keys });
  };

  const live = () => all.filter((p) => !p.dead && !p.closed);

  const task = async (t: number): Promise<void> => {
    let home = t % (1 + readers);
    for (let i = 0; i < opsPerTask; i++) {
      // The task's process, or what replaced it.
      const candidates = live();
      const proc = home === 0 ? writer : (readerProcs[home - 1] ?? candidates[0]!);
      if (proc.dead || proc.closed) {
        await turns(1);
        home = 0;
        continue;
      }
      const r = rng.next();
      if (r < 0.45 && (proc === writer || contested)) {
        const key = `k${t}-${i}`;
        for (let attempt = 0; attempt < 3; attempt++)
          if ((await transact(proc === writer ? writer : proc, key, t)) !== 'retry') break;
      } else if (r < 0.9) await read(proc);
      else await turns(rng.int(40));
    }
  };

  /** Restarts and crashes, now and then. */
  let working = true;
  const chaos = async (): Promise<void> => {
    while (working) {
      await turns(20 + rng.int(200));
      if (!working || faultRate === 0) continue;
      const r = rng.next();
      if (r < 0.3 && readerProcs.length > 0) {
        const i = rng.int(readerProcs.length);
        const old = readerProcs[i]!;
        old.closed = true;
        log(`restart ${old.name}`);
        count('reader restarts');
        await old.conn.close().catch(() => undefined);
        const fresh = await open(`reader${i}`);
        readerProcs[i] = fresh;
        all.push(fresh);
      } else if (r < 0.45 && !onFiles) {
        // The writer's process dies (its requests in flight may still arrive); a new one opens.
        writer.dead = true;
        log(`crash ${writer.name}`);
        count('writer crashes');
        writer = await open('writer');
        all.push(writer);
      }
    }
  };

  const chaosDone = chaos();
  await Promise.all(Array.from({ length: taskCount }, (_, t) => task(t)));
  working = false;
  await chaosDone;

  // The faults stop; requests still in flight arrive; everyone catches up.
  faultsOn = false;
  down = 0;
  for (const h of handles) await Promise.all(h.inFlight);
  for (const p of live()) {
    await p.conn.flush();
    const start = divergences(p);
    try {
      const db = await d.db(p.conn);
      if (!divergedSince(p, start) && db.maxTx < p.floor)
        violation(`${p.name}: the last read went back`);
    } catch (err) {
      if (!(isDatahikeError(err, 'connection/diverged') && divergedSince(p, start)))
        violation(`${p.name}: db() after the faults failed: ${(err as Error).message}`);
    }
  }

  // What the store holds, read by a fresh connection without faults.
  const truth = await connectOn(await disk.handle('truth'));
  const rows = (await d.q('[:find ?e ?k ?tx :where [?e :key ?k ?tx]]', await d.db(truth))) as [
    number,
    string,
    number,
  ][];
  const present = new Map<string, number[]>();
  for (const [, k, tx] of rows) present.set(k, [...(present.get(k) ?? []), tx]);
  for (const a of acks) {
    const txs = present.get(a.key) ?? [];
    if (txs.length !== 1 || txs[0] !== a.tx)
      violation(`acknowledged ${a.key} (tx ${a.tx}) is in the store as [${txs.join(' ')}]`);
  }
  for (const [k, code] of failed)
    if (present.has(k) && !unknown.has(k))
      violation(`${k} was reported failed (${code}) but is in the store`);
  for (const k of unknown)
    if ((present.get(k)?.length ?? 0) > 1)
      violation(`${k} of unknown outcome is in the store twice`);
  // Every read showed exactly the log up to its tx: nothing that vanished later, no gap.
  for (const snap of snapshots) {
    const expected = rows.filter(([, , tx]) => tx <= snap.tx).map(([, k]) => k);
    const shown = [...snap.keys];
    if (expected.length !== shown.length || expected.some((k) => !snap.keys.has(k)))
      violation(
        `${snap.proc.name} read at tx ${snap.tx} showed ${shown.length} keys, the log has ${expected.length} up to it`,
      );
  }
  count('unknown committed', [...unknown].filter((k) => present.has(k)).length);

  // Real-time order.
  const byAck = [...acks].sort((a, b) => a.ackAt - b.ackAt);
  for (const b of acks)
    for (const a of byAck) {
      if (a.ackAt >= b.submitAt) break;
      if (a.tx >= b.tx)
        violation(
          `${a.key} was acknowledged before ${b.key} was submitted, but has tx ${a.tx} ≥ ${b.tx}`,
        );
    }

  // The log: whole, and no tx id given twice.
  const commits: { tx: number; datoms: number }[] = [];
  const records = await disk.records();
  let lastTx = 0;
  for (const [i, r] of records.entries()) {
    if (r.seq !== i + 1) violation(`the log has seq ${r.seq} at position ${i + 1}`);
    const c = decodeCommit(r, 'db');
    if (c.checkpoint === true) continue;
    if (i > 0 && c.maxTx <= lastTx) violation(`tx ${c.maxTx} at seq ${r.seq} follows tx ${lastTx}`);
    lastTx = c.maxTx;
    if (i > 0) commits.push({ tx: c.maxTx, datoms: unpackDatoms(c.datoms).length });
  }
  count('records', records.length);
  count('checkpoints', records.filter((r) => decodeCommit(r, 'db').checkpoint === true).length);

  // Listeners: every commit after they began, once, in order.
  for (const p of live()) {
    const expected = commits.filter((c) => c.tx > p.startTx).map((c) => `${c.tx}:${c.datoms}`);
    if (JSON.stringify(p.heard) !== JSON.stringify(expected))
      violation(
        `${p.name} heard [${p.heard.join(' ')}], the log has [${expected.join(' ')}] since it listened`,
      );
  }

  for (const h of handles) for (const [kind, n] of h.injected) count(`fault ${kind}`, n);
  for (const [kind, n] of disk.injected()) count(`fault fs ${kind}`, n);
  for (const p of live()) await p.conn.close().catch(() => undefined);
  await truth.close();
  log(`end ${commits.length}`);
  return { seed, violations, stats, digest: trace.digest('hex').slice(0, 16) };
}

/** Where the simulated processes' stores live. */
interface Disk {
  /** A store handle for a new process (it may fail under faults). */
  handle(name: string): Promise<Store>;
  readonly options: ConstructorParameters<typeof FaultyStore>[1];
  /** The log as it stands, read without faults. */
  records(): Promise<LogRecord[]>;
  injected(): ReadonlyMap<string, number>;
}

/** The simulated store in memory: store-level faults only. */
async function memoryDisk(): Promise<Disk> {
  const data = new LogStoreData();
  await createOn(new LogStore(data));
  return {
    handle: async (name) => new LogStore(data, `store of ${name}`),
    options: { deliverLate: async (b, s, r) => appendNow(data, b, s, r) },
    records: async () => data.log('db'),
    injected: () => new Map(),
  };
}

/**
 * The real file store on a file system in memory that fails as disks do: short writes,
 * ENOSPC (now and then for a while: a full disk), EIO on writes, reads, fsyncs, cut-offs,
 * renames, links and unlinks, slow calls.
 */
async function fileDisk(
  rng: Random,
  faulty: () => boolean,
  rate: number,
  count: (k: string) => void,
): Promise<Disk> {
  const fs = new MemoryFs();
  const backend = createFileBackend(fs.ops);
  const config = { backend: 'file', id: 'sim', path: '/disk/db' };
  const created = await backend.create(config);
  await createOn(created);
  await created.close();
  let full = 0;
  const errno = (code: 'EIO' | 'ENOSPC'): FsFault => ({ kind: 'errno', code });
  fs.plan = (op) => {
    if (!faulty()) return undefined;
    const writes = op === 'write' || op === 'writeFile' || op === 'open' || op === 'link';
    if (full > 0 && writes) {
      full--;
      return errno('ENOSPC');
    }
    if (writes && rng.chance(0.003 * rate)) {
      full = 2 + rng.int(20);
      count('full disks');
      return errno('ENOSPC');
    }
    const r = rng.next() / rate;
    switch (op) {
      case 'write':
        if (r < 0.03) return { kind: 'short', bytes: 1 + rng.int(48) };
        if (r < 0.045) return errno('ENOSPC');
        if (r < 0.055) return errno('EIO');
        break;
      case 'datasync':
      case 'sync':
        if (r < 0.015) return errno('EIO');
        break;
      case 'truncate':
        if (r < 0.03) return errno('EIO');
        break;
      case 'writeFile':
      case 'rename':
      case 'link':
        if (r < 0.01) return errno(rng.chance(0.5) ? 'EIO' : 'ENOSPC');
        break;
      case 'unlink':
      case 'read':
      case 'readFile':
        if (r < 0.01) return errno('EIO');
        break;
    }
    return r < 0.08 ? { kind: 'delay', turns: 1 + rng.int(8) } : undefined;
  };
  const watchers = new Set<{ branch: string; onChange: () => void }>();
  return {
    handle: (name) => backend.open({ ...config, id: name }),
    options: {
      watch: (branch, onChange) => {
        const w = { branch, onChange };
        watchers.add(w);
        return () => watchers.delete(w);
      },
      appended: (branch) => {
        for (const w of watchers) if (w.branch === branch) setImmediate(w.onChange);
      },
    },
    records: async () => {
      const store = await backend.open(config);
      try {
        return await store.readLog('db', 1);
      } finally {
        await store.close();
      }
    },
    injected: () => fs.injected,
  };
}
