/**
 * One of two writers racing on the same database. Once connected it prints `{ready}`
 * and waits for a line on stdin (the test sends it to both at once); then for
 * <duration-ms>, and until 20 were acknowledged, it commits transactions one at a time,
 * each adding entity n (unique, from its own range) and setting the shared counter to
 * the value it read plus one.
 * Prints `{ack: n, total}` when a transaction is acknowledged, `{conflict: n}` when it
 * is refused with writer/conflict; any other error ends it with an `{error}` line.
 *
 * Usage: racer.ts <path> <id> <flush-threshold> <duration-ms> <lifetime-ms>
 */
import * as d from '../../../src/index.js';
import { die, emit, fileConfig, lifetime } from './common.js';

const [path, idArg, flushArg, durationArg, lifeArg] = process.argv.slice(2);
lifetime(Number(lifeArg));
const id = Number(idArg);
const MIN_ACKS = 20;

async function main(): Promise<void> {
  const conn = await d.connect(fileConfig(path!, { 'flush-threshold': Number(flushArg) }));
  emit({ ready: id });
  await new Promise<void>((go) => {
    process.stdin.once('data', () => go());
    process.stdin.once('end', () => go());
  });
  const until = Date.now() + Number(durationArg);
  let acked = 0;
  for (let i = 1; Date.now() < until || acked < MIN_ACKS; i++) {
    const n = id * 1_000_000 + i;
    // Yield first: right after its own commit a connection is still 'writing' for a few
    // microtasks and db() would not look at the store.
    await new Promise((r) => setImmediate(r));
    const db = await d.db(conn);
    const total = ((await d.q('[:find ?t . :where [?e :key "shared"] [?e :total ?t]]', db)) ??
      0) as number;
    try {
      await d.transact(conn, [
        { n, who: id, payload: `from ${id}: ${'y'.repeat(i % 200)}` },
        { key: 'shared', total: total + 1 },
      ]);
      emit({ ack: n, total: total + 1 });
      acked++;
    } catch (err) {
      if (d.isDatahikeError(err) && err.code === 'writer/conflict') emit({ conflict: n });
      else throw err;
    }
  }
  await d.release(conn);
  emit({ done: id });
  process.exit(0);
}

main().catch(die);
