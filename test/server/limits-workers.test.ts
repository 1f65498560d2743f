/**
 * Reads of durable stores run in worker threads: a read that overruns the server's
 * timeout is ended with its worker (503, the pool refilled), one that needs more memory
 * than a worker has is a 503 instead of a dead process, and meanwhile /health and other
 * clients are answered. After each, the server is up and the reference database whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackTarget, attackTarget, codeOf } from './limits-helpers.js';

/** A million rows and strings: more than the server's timeout of 300 ms lets it make. */
const RUNAWAY = '[:find (count ?x) . :where [(range 1000000) [?x ...]] [(str ?x ?x ?x) ?y]]';

describe('a runaway read', () => {
  let t: AttackTarget;
  beforeAll(async () => {
    t = await attackTarget({ DATAHIKE_TIMEOUT: '300', DATAHIKE_READ_WORKERS: '2' });
  }, 60_000);
  afterAll(() => t.stop());

  it('is ended at the deadline with 503 while /health and other reads are answered', async () => {
    const db = await t.db();
    const runaway = t.post('q', `[${JSON.stringify(RUNAWAY)} ${db}]`);
    // The event loop is free: /health answers while the read runs.
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
    const a = await runaway;
    expect(a.status).toBe(503);
    expect(['server/timeout', 'query/timeout']).toContain(codeOf(a));
    // The pool is refilled: reads go on, several at once.
    await Promise.all([t.intact(), t.intact(), t.intact()]);
  }, 60_000);
});

describe('a memory bomb', () => {
  let t: AttackTarget;
  beforeAll(async () => {
    t = await attackTarget({
      DATAHIKE_WORKER_MEMORY_MB: '64',
      // Past the budget of rows the engine would stop it first: this is about the memory cap.
      DATAHIKE_MAX_READ_ROWS: '1000000000000',
      DATAHIKE_READ_WORKERS: '1',
      DATAHIKE_TIMEOUT: '10000',
    });
  }, 60_000);
  afterAll(() => t.stop());

  it('is a 503 naming the worker memory, not a dead server', async () => {
    const db = await t.db();
    // A thousand rows, each holding its own array of 900,000 numbers: 7 GB.
    const bomb = '[:find ?i :where [(range 1000) [?i ...]] [(range ?i 900000) ?r]]';
    const a = await t.post('q', `[${JSON.stringify(bomb)} ${db}]`);
    expect(a.status).toBe(503);
    expect(a.text).toContain('worker-memory-mb');
    await t.intact();
  }, 60_000);
});
