/**
 * The full-disk writer: commits transactions carrying a few kilobytes each to a file store,
 * one after another and sometimes several at once, and goes on when they fail (the disk is
 * full), reading its database after each failure, until "stop" arrives on stdin.
 *
 * Lines: `{start: {next, count}}`, then `{sent: batch}` before a transaction is handed to transact,
 * `{ack: batch, tx}` once acknowledged, `{failed: batch, code}` when it fails, `{read: count}`
 * for a query answered after a failure, and `{stopped: true}` at the end.
 *
 * Batches are numbered from `first` (each writer its own range: a failed batch is never
 * sent again, so a later writer must not reuse its number).
 *
 * Usage: full-writer.ts <path> <seed> <first-batch> <lifetime-ms>
 */
import * as d from '../../../src/index.js';
import { die, emit, fileConfig, lifetime, rng } from './common.js';

const [path, seedArg, firstArg, lifeArg] = process.argv.slice(2);
lifetime(Number(lifeArg));
const random = rng(Number(seedArg));

let stop = false;
process.stdin.on('data', (chunk) => {
  if (String(chunk).includes('stop')) stop = true;
});

const payload = () => 'p'.repeat(1000 + Math.floor(random() * 3000));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const conn = await d.connect(fileConfig(path!, { 'flush-threshold': 300 }));
  const count = '[:find (count ?e) . :where [?e :batch _]]';
  let next = Number(firstArg);
  emit({ start: { next, count: await d.q(count, await d.db(conn)) } });
  while (!stop) {
    const group = Array.from(
      { length: random() < 0.2 ? 2 + Math.floor(random() * 2) : 1 },
      () => next++,
    );
    let failed = false;
    await Promise.all(
      group.map(async (batch) => {
        emit({ sent: batch });
        try {
          const report = await d.transact(conn, [{ batch, payload: payload() }]);
          emit({ ack: batch, tx: (report['db-after'] as d.Db).maxTx });
        } catch (err) {
          failed = true;
          emit({ failed: batch, code: (err as { code?: string }).code ?? String(err) });
        }
      }),
    );
    if (failed) {
      emit({ read: (await d.q(count, await d.db(conn))) ?? 0 });
      await sleep(5);
    }
  }
  await d.release(conn);
  emit({ stopped: true });
  process.exit(0);
}

main().catch(die);
