/**
 * A connection's state moves only forward, whatever runs at the same time and whatever
 * the store does: refreshes are shared and ordered, an append whose outcome the store
 * cannot tell is found out before the next, reads answer from the last state known while
 * the store is down, and a log changed behind the connection is reported, not built on.
 * Each race is set up exactly, by holding store calls at gates (no timing involved).
 */
import { describe, expect, it } from 'vitest';
import type { DurableBranch } from '../../src/connection/branches.js';
import type { Connection } from '../../src/connection/connection.js';
import * as d from '../../src/index.js';
import { connectOn, createOn } from '../storage/sim/connect.js';
import { type Fault, FaultyStore, type Op, turns } from '../storage/sim/faulty-store.js';
import { LogStore, LogStoreData } from '../storage/sim/log-store.js';

interface Gate {
  readonly until: Promise<void>;
  open(): void;
  /** Resolves once a call is waiting at the gate. */
  readonly reached: Promise<void>;
}

/** A store shared by several "processes", each with its own faulty handle. */
function world() {
  const data = new LogStoreData();
  const handle = () => new FaultyStore(new LogStore(data));
  return { data, handle };
}

/** Holds the next call of `op` (that `pred` accepts) at a gate; later calls pass. */
function hold(
  store: FaultyStore,
  op: Op,
  pred: (args: readonly unknown[]) => boolean = () => true,
) {
  let open!: () => void;
  let reach!: () => void;
  const gate: Gate = {
    until: new Promise<void>((r) => {
      open = r;
    }),
    open: () => open(),
    reached: new Promise<void>((r) => {
      reach = r;
    }),
  };
  let used = false;
  const previous = store.plan;
  store.plan = (call) => {
    if (!used && call.op === op && pred(call.args)) {
      used = true;
      reach();
      return { kind: 'gate', until: gate.until };
    }
    return previous(call);
  };
  return gate;
}

/** Injects `fault` into the next call of `op`. */
function once(store: FaultyStore, op: Op, fault: Fault) {
  let used = false;
  const previous = store.plan;
  store.plan = (call) => {
    if (!used && call.op === op) {
      used = true;
      return fault;
    }
    return previous(call);
  };
}

const ns = async (conn: Connection) =>
  ((await d.q('[:find [?n ...] :where [_ :n ?n]]', await d.db(conn))) as number[]).sort(
    (a, b) => a - b,
  );

async function setup() {
  const w = world();
  const writerStore = w.handle();
  await createOn(writerStore);
  const writer = await connectOn(writerStore);
  return { ...w, writerStore, writer };
}

/** Whether a promise has settled, after letting everything runnable run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await turns(20);
  return done;
}

describe('refreshes', () => {
  it('are shared by concurrent callers and never install an older state', async () => {
    const { handle, writer } = await setup();
    const readerStore = handle();
    const reader = await connectOn(readerStore);
    await d.transact(writer, [{ n: 1 }]);
    // The first refresh reads the head (n 1), then waits at the log read.
    const gate = hold(readerStore, 'readLog');
    const first = d.db(reader);
    await gate.reached;
    await d.transact(writer, [{ n: 2 }]);
    // A refresh asked for now starts after the first, so it sees n 2.
    const second = d.db(reader);
    expect(await settled(second)).toBe(false);
    gate.open();
    const [a, b] = await Promise.all([first, second]);
    expect(b.maxTx).toBeGreaterThan(a.maxTx);
    expect(reader.db().maxTx).toBe(b.maxTx);
    expect(await ns(reader)).toEqual([1, 2]);
    // Callers that arrive together while one runs share the next one.
    const gate2 = hold(readerStore, 'lastRecord');
    const running = d.db(reader);
    await gate2.reached;
    const reads: string[] = [];
    const count = readerStore.plan;
    readerStore.plan = (call) => {
      reads.push(call.op);
      return count(call);
    };
    const many = Promise.all([d.db(reader), d.db(reader), d.db(reader)]);
    gate2.open();
    await Promise.all([running, many]);
    expect(reads.filter((op) => op === 'lastRecord')).toHaveLength(1);
  });

  it("of the writer's own connection never move it back behind its commits", async () => {
    // A refresh that read the head before a commit and finished after it used to install
    // the older state: the next transaction then got writer/conflict, and db() answered
    // older than an acknowledged commit.
    const { writerStore, writer } = await setup();
    await d.transact(writer, [{ n: 1 }]);
    await writer.flush(); // db() does not refresh while the connection writes
    // The refresh reads the head before the commit of n 2 and its records after that of n 3.
    const head = hold(writerStore, 'lastRecord');
    const reading = d.db(writer);
    await head.reached;
    const t2 = d.transact(writer, [{ n: 2 }]);
    await settled(t2);
    const records = hold(writerStore, 'readLog');
    head.open();
    await settled(reading);
    const t3 = d.transact(writer, [{ n: 3 }]);
    await settled(t3);
    records.open();
    const [db, r2, r3] = await Promise.all([reading, t2, t3]);
    expect(db.maxTx).toBeLessThanOrEqual(r2['db-after'].maxTx);
    expect(writer.db().maxTx).toBe(r3['db-after'].maxTx);
    const r4 = await d.transact(writer, [{ n: 4 }]);
    expect((await d.db(writer)).maxTx).toBe(r4['db-after'].maxTx);
    expect(await ns(writer)).toEqual([1, 2, 3, 4]);
  });
});

describe('listeners', () => {
  it('hear every commit of another connection once, also when db() caught up first', async () => {
    const { handle, writer } = await setup();
    const reader = await connectOn(handle());
    const heard: number[] = [];
    await d.listen(reader, (r) => {
      for (const x of r['tx-data']) if (x.a === ':n') heard.push(x.v as number);
    });
    for (let n = 1; n <= 20; n++) {
      await d.transact(writer, [{ n }]);
      // db() takes the commit in before the store's notification arrives.
      if (n % 2 === 0) await d.db(reader);
    }
    await d.db(reader);
    expect(heard).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

describe('an append whose outcome the store cannot tell', () => {
  it('that went in is acknowledged once the log shows it', async () => {
    const { writerStore, writer } = await setup();
    once(writerStore, 'append', { kind: 'unknown-applied' });
    const r = await d.transact(writer, [{ n: 1 }]);
    expect(r['db-after'].maxTx).toBe(writer.db().maxTx);
    await d.transact(writer, [{ n: 2 }]);
    expect(await ns(writer)).toEqual([1, 2]);
  });

  it('that did not go in is a definite store/unavailable, and its place is taken', async () => {
    const { data, writerStore, writer } = await setup();
    once(writerStore, 'append', { kind: 'unknown-late', turns: 50 });
    await expect(d.transact(writer, [{ n: 1 }])).rejects.toMatchObject({
      code: 'store/unavailable',
    });
    // The request arrives late, and finds its place taken: it cannot go in any more.
    await Promise.all(writerStore.inFlight);
    await d.transact(writer, [{ n: 2 }]);
    expect(await ns(writer)).toEqual([2]);
    expect(await ns(await connectOn(new LogStore(data)))).toEqual([2]);
  });

  it('is store/commit-unknown while the store is down, and found out before the next append', async () => {
    const { data, writerStore, writer } = await setup();
    const heard: number[] = [];
    await d.listen(writer, (r) => {
      for (const x of r['tx-data']) if (x.a === ':n') heard.push(x.v as number);
    });
    let down = true;
    writerStore.plan = (call) => {
      if (call.op === 'append' && down) {
        down = false;
        // It goes in, and the store is unreachable for the reads that would tell.
        writerStore.plan = (c) =>
          c.op === 'readLog' && down2 ? { kind: 'fail', code: 'store/unavailable' } : undefined;
        return { kind: 'unknown-applied' };
      }
      return undefined;
    };
    let down2 = true;
    const err = await d
      .transact(writer, { 'tx-data': [{ n: 1 }], 'tx-meta': { 'request/id': 'r-1' } })
      .catch((e) => e);
    expect(err.code).toBe('store/commit-unknown');
    expect(err.message).toMatch(/may have committed/);
    expect(err.message).toMatch(/request\/id/);
    // Reads meanwhile answer from the last state known, and say so.
    await writer.flush();
    const stale = await d.db(writer);
    expect(writer.staleness?.error).toMatchObject({ code: 'store/unavailable' });
    expect(stale.maxTx).toBe(writer.db().maxTx);
    down2 = false;
    // The next transaction finds the first in the log: no writer/conflict, nothing twice.
    await d.transact(writer, [{ n: 2 }]);
    expect(writer.staleness).toBeNull();
    expect(await ns(writer)).toEqual([1, 2]);
    expect(await ns(await connectOn(new LogStore(data)))).toEqual([1, 2]);
    expect(heard).toEqual([1, 2]);
  });

  it('keeps the next transaction out, as not sent, while it cannot be found out', async () => {
    const { writerStore, writer } = await setup();
    let down = true;
    once(writerStore, 'append', { kind: 'unknown-lost' });
    const previous = writerStore.plan;
    writerStore.plan = (c) =>
      down && c.op === 'readLog' ? { kind: 'fail', code: 'store/unavailable' } : previous(c);
    await expect(d.transact(writer, [{ n: 1 }])).rejects.toMatchObject({
      code: 'store/commit-unknown',
    });
    const err = await d.transact(writer, [{ n: 2 }]).catch((e) => e);
    expect(err.code).toBe('store/unavailable');
    expect(err.message).toMatch(/nothing of this transaction was sent/);
    down = false;
    await d.transact(writer, [{ n: 3 }]);
    expect(await ns(writer)).toEqual([3]);
  });
});

describe('a log changed behind the connection', () => {
  it('is connection/diverged once; then the connection follows the store', async () => {
    const { data, writer } = await setup();
    await d.transact(writer, [{ n: 1 }]);
    // The store is replaced by another database (restored, recreated).
    const other = new LogStoreData();
    const otherStore = new LogStore(other);
    await createOn(otherStore);
    const c = await connectOn(otherStore);
    await d.transact(c, [{ n: 7 }]);
    await d.transact(c, [{ n: 8 }]);
    data.logs.set('db', other.logs.get('db')!);
    for (const [k, v] of other.blobs) data.blobs.set(k, v);
    await expect(d.db(writer)).rejects.toMatchObject({ code: 'connection/diverged' });
    expect(await ns(writer)).toEqual([7, 8]);
    await d.transact(writer, [{ n: 9 }]);
    expect(await ns(writer)).toEqual([7, 8, 9]);
  });
});

describe('a failed background flush', () => {
  it('is counted, refuses the next transaction with its error, and is tried again', async () => {
    const w = world();
    const store = w.handle();
    await createOn(store);
    const conn = await connectOn(store, { flushThreshold: 4 });
    const branch = conn.branch as DurableBranch;
    once(store, 'put', { kind: 'fail', code: 'store/full' });
    await d.transact(conn, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await branch.settle();
    expect(branch.flushFailures).toBe(1);
    expect(branch.lastFlushError).toMatchObject({ code: 'store/full' });
    // Not silent: the next transaction is refused, with nothing of it committed.
    const err = await d.transact(conn, [{ n: 4 }]).catch((e) => e);
    expect(err).toMatchObject({ code: 'store/full', data: { flush: true } });
    expect(err.message).toContain('background flush');
    expect(await ns(conn)).toEqual([1, 2, 3]);
    // Then transactions go on, and the flush is done again.
    await d.transact(conn, [{ n: 5 }]);
    await branch.settle();
    expect(branch.lastFlushError).toBeNull();
    expect(branch.flushFailures).toBe(1);
    expect(branch.base.roots).not.toBeNull();
    await d.transact(conn, [{ n: 6 }]);
    expect(await ns(await connectOn(w.handle()))).toEqual([1, 2, 3, 5, 6]);
  });
});
