/**
 * The crash writer: connects to the database of the crash test, reads where the last
 * writer left it (with queries only, as an application would: the check is check.ts),
 * then commits a stream of transactions until it is killed (or has committed `count` of
 * them, when count > 0).
 *
 * Lines: `{start}` first, then `{sent: tx}` before each transaction is handed to
 * transact and `{ack: batch, tx}` after it is acknowledged. Sometimes several
 * transactions are handed over at once, so that they are group-committed in one append.
 *
 * Usage: writer.ts <path> <seed> <flush-threshold> <lifetime-ms> [count]
 */
import * as d from '../../../src/index.js';
import {
  applyTx,
  die,
  type Entity,
  emit,
  fileConfig,
  lifetime,
  type Op,
  rng,
  type Tx,
  txData,
} from './common.js';

const [path, seedArg, flushArg, lifeArg, countArg] = process.argv.slice(2);
lifetime(Number(lifeArg));
const random = rng(Number(seedArg));
const count = Number(countArg ?? 0);

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789 éß日本';

function payload(): string {
  const len = random() < 0.1 ? 2000 + Math.floor(random() * 6000) : 5 + Math.floor(random() * 90);
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return s;
}

const tag = () => `t${Math.floor(random() * 12)}`;

async function main(): Promise<void> {
  const conn = await d.connect(fileConfig(path!, { 'flush-threshold': Number(flushArg) }));
  const db = await d.db(conn);
  const model = new Map<number, Entity>();
  for (const [n, born] of (await d.q('[:find ?n ?b :where [?e :n ?n] [?e :born ?b]]', db)) as [
    number,
    number,
  ][])
    model.set(n, { n, payload: '', tags: [], born });
  for (const [n, t] of (await d.q('[:find ?n ?t :where [?e :n ?n] [?e :tag ?t]]', db)) as [
    number,
    string,
  ][])
    model.get(n)!.tags.push(t);
  const maxBatch = ((await d.q('[:find (max ?b) . :where [_ :batch ?b]]', db)) ?? 0) as number;
  let nextN = Math.max(0, ...model.keys()) + 1;
  let nextBatch = maxBatch + 1;
  emit({ start: { entities: model.size, nextN, nextBatch } });

  const pick = (taken: Set<number>): number | undefined => {
    const free = [...model.keys()].filter((n) => !taken.has(n));
    return free.length === 0 ? undefined : free[Math.floor(random() * free.length)];
  };

  const generate = (): Tx => {
    const ops: Op[] = [];
    const touched = new Set<number>();
    const adds = random() < 0.3 ? Math.floor(random() * 4) : 1;
    for (let i = 0; i < adds; i++) {
      const tags = [...new Set(Array.from({ length: Math.floor(random() * 3) }, tag))];
      ops.push({ op: 'add', n: nextN, payload: payload(), tags });
      touched.add(nextN++);
    }
    const updates = random() < 0.4 ? 1 + Math.floor(random() * 2) : 0;
    for (let i = 0; i < updates; i++) {
      const n = pick(touched);
      if (n === undefined) break;
      const current = model.get(n)!.tags;
      let addTag = tag();
      while (current.includes(addTag)) addTag = tag();
      const retractTag =
        current.length > 0 && random() < 0.5
          ? current[Math.floor(random() * current.length)]!
          : null;
      ops.push({ op: 'update', n, payload: payload(), addTag, retractTag });
      touched.add(n);
    }
    if (random() < 0.2) {
      const n = pick(touched);
      if (n !== undefined) ops.push({ op: 'retract', n });
    }
    const tx = { batch: nextBatch++, ops };
    applyTx(model, tx);
    return tx;
  };

  let acked = 0;
  while (count === 0 || acked < count) {
    const group = random() < 0.25 ? 2 + Math.floor(random() * 3) : 1;
    const txs = Array.from({ length: group }, generate);
    for (const tx of txs) emit({ sent: tx });
    await Promise.all(
      txs.map(async (tx) => {
        const report = await d.transact(conn, txData(tx));
        emit({ ack: tx.batch, tx: (report['db-after'] as d.Db).maxTx });
      }),
    );
    acked += group;
  }
  await d.release(conn);
  emit({ done: true });
  process.exit(0);
}

main().catch(die);
