/**
 * A client process: `client.ts <config json> <name> <count>` transacts `count` entities
 * {:client name :seq i}, printing a JSON line per acknowledged transaction (its tx id), then
 * one with its last commit and how many entities that commit holds.
 */
import { writeSync } from 'node:fs';
import * as d from '../../../src/index.js';

const [config, name, count] = [
  JSON.parse(process.argv[2]!),
  process.argv[3]!,
  Number(process.argv[4]),
];
const say = (x: unknown) => writeSync(1, `${JSON.stringify(x)}\n`);
const conn = await d.connect(config);
for (let i = 0; i < count; i++) {
  const r = await d.transact(conn, [{ client: name, seq: i }]);
  say({ ack: i, tx: r['db-after'].maxTx });
}
const db = await d.db(conn);
const n = await d.q('[:find (count ?e) . :where [?e :client]]', db);
say({ commit: String(await d.commitId(db)), count: n });
await d.release(conn);
