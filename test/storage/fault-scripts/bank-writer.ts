/**
 * The bank writer: moves money between accounts A and B, one transfer per transaction
 * (both balances, A's transfer count and one filler entity change together), until it
 * gets SIGTERM. Prints `{ack: count, tx}` per acknowledged transaction.
 *
 * Usage: bank-writer.ts <path> <flush-threshold> <seed> <lifetime-ms>
 */
import * as d from '../../../src/index.js';
import { die, emit, fileConfig, lifetime, rng } from './common.js';

const [path, flushArg, seedArg, lifeArg] = process.argv.slice(2);
lifetime(Number(lifeArg));
const random = rng(Number(seedArg));
let stop = false;
process.on('SIGTERM', () => {
  stop = true;
});

async function main(): Promise<void> {
  const conn = await d.connect(fileConfig(path!, { 'flush-threshold': Number(flushArg) }));
  const db = await d.db(conn);
  const balance = async (name: string) =>
    (await d.q('[:find ?b . :in $ ?n :where [?e :acct ?n] [?e :balance ?b]]', db, name)) as number;
  let a = await balance('A');
  let b = await balance('B');
  let count = ((await d.q('[:find ?c . :where [?e :acct "A"] [?e :count ?c]]', db)) ?? 0) as number;
  emit({ start: { a, b, count } });
  while (!stop) {
    const x = Math.floor(random() * 101) - 50;
    const report = await d.transact(conn, [
      { 'db/id': [':acct', 'A'], balance: a - x, count: count + 1 },
      { 'db/id': [':acct', 'B'], balance: b + x },
      { filler: count + 1, payload: 'x'.repeat(Math.floor(random() * 400)) },
    ]);
    a -= x;
    b += x;
    count++;
    emit({ ack: count, tx: (report['db-after'] as d.Db).maxTx });
  }
  await d.release(conn);
  emit({ done: count });
  process.exit(0);
}

main().catch(die);
