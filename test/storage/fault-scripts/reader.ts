/**
 * A bank reader: reads the newest commit over and over (reconnecting now and then, so
 * that it also opens the branch from scratch) and checks that what it sees is a whole
 * transaction: balances summing to the invariant total, as many fillers as transfers,
 * tx ids never going back. Prints `{violation}` lines as it finds them, then a
 * `{summary}`. Runs for at least <min-ms>, until it has seen the head move a few times
 * and has reconnected twice.
 *
 * Usage: reader.ts <path> <total> <min-ms> <lifetime-ms>
 */
import * as d from '../../../src/index.js';
import { die, emit, fileConfig, lifetime } from './common.js';

const [path, totalArg, minArg, lifeArg] = process.argv.slice(2);
lifetime(Number(lifeArg));
const total = Number(totalArg);
const RECONNECT_EVERY = 10;

async function main(): Promise<void> {
  const cfg = fileConfig(path!);
  let conn = await d.connect(cfg);
  const started = Date.now();
  const seen = new Set<number>();
  let reads = 0;
  let reconnects = 0;
  let violations = 0;
  let lastTx = 0;
  const violation = (what: string, detail: unknown) => {
    violations++;
    emit({ violation: what, detail, reads });
  };
  while (Date.now() - started < Number(minArg) || seen.size < 5 || reconnects < 2) {
    if (reads > 0 && reads % RECONNECT_EVERY === 0) {
      await d.release(conn);
      conn = await d.connect(cfg);
      reconnects++;
    }
    const db = (await d.db(conn)) as d.Db;
    reads++;
    const tx = db.maxTx;
    if (tx < lastTx) violation('tx went back', { tx, lastTx });
    lastTx = tx;
    seen.add(tx);
    const balances = (await d.q('[:find ?n ?b :where [?e :acct ?n] [?e :balance ?b]]', db)) as [
      string,
      number,
    ][];
    const sum = balances.reduce((s, [, b]) => s + b, 0);
    if (balances.length !== 2 || sum !== total) violation('torn balances', { tx, balances });
    const count = ((await d.q('[:find ?c . :where [?e :acct "A"] [?e :count ?c]]', db)) ??
      0) as number;
    const fillers = ((await d.q('[:find (count ?f) . :where [_ :filler ?f]]', db)) ?? 0) as number;
    const maxFiller = ((await d.q('[:find (max ?f) . :where [_ :filler ?f]]', db)) ?? 0) as number;
    if (fillers !== count || maxFiller !== count)
      violation('fillers do not match the transfer count', { tx, count, fillers, maxFiller });
    const viaAvet = await d.datoms(db, ':avet', ':filler');
    if (viaAvet.length !== fillers)
      violation('AVET and the query disagree', { tx, avet: viaAvet.length, fillers });
  }
  await d.release(conn);
  const txs = [...seen].sort((a, b) => a - b);
  emit({
    summary: { reads, reconnects, violations, distinct: txs.length, first: txs[0], last: lastTx },
  });
  process.exit(0);
}

main().catch(die);
