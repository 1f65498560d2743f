// One-off: wall time of one ancestors-from-a-bound-argument query on a chain (ours; DataScript with PEER=1).
import ds from 'datascript';
import * as d from '../src/index.js';

const RULES =
  '[[(follows ?x ?y) [?x :follows ?y]] [(follows ?x ?y) [?x :follows ?t] (follows ?t ?y)]]';
const DSRULES =
  '[[(follows ?x ?y) [?x "follows" ?y]] [(follows ?x ?y) [?x "follows" ?t] (follows ?t ?y)]]';
for (const n of (process.env.LENGTHS ?? '1200,5000').split(',').map(Number)) {
  const tx = Array.from({ length: n }, (_, i) => ({ 'db/id': 100001 + i, follows: [100002 + i] }));
  const db = await d.dbWith(
    await d.dbWith(await d.initDb([], { 'keep-history?': false }), [
      {
        'db/ident': ':follows',
        'db/valueType': ':db.type/ref',
        'db/cardinality': ':db.cardinality/many',
      },
    ]),
    tx,
  );
  const rq = '[:find ?a :in $ % ?h :where (follows ?h ?a)]';
  for (let run = 0; run < 3; run++) {
    const t = performance.now();
    const a = (await d.q(rq, db, RULES, 100001)) as unknown[];
    console.log(`chain ${n}: ours ${(performance.now() - t).toFixed(0)} ms (${a.length} rows)`);
  }
  if (process.env.PEER) {
    const dsDb = ds.db_with(
      ds.empty_db({
        follows: { ':db/valueType': ':db.type/ref', ':db/cardinality': ':db.cardinality/many' },
      }),
      tx.map((e) => ({ ':db/id': e['db/id'], follows: e.follows })),
    );
    const t = performance.now();
    const b = ds.q(rq, dsDb, DSRULES, 100001) as unknown[];
    console.log(
      `chain ${n}: DataScript ${(performance.now() - t).toFixed(0)} ms (${b.length} rows)`,
    );
  }
}
