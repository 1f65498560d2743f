/**
 * DataScript's transaction benchmarks, ours and DataScript's side by side on the same
 * 20k people: one datom per transaction, one entity per transaction, everything in one
 * transaction, building from datoms, and retracting entities one by one. Ours run as a
 * user runs them, `transact(conn, …)` on a memory database (history off, as DataScript
 * keeps none; the history-on rows show what keeping it costs); DataScript's `db_with`.
 */
import ds from 'datascript';
import * as d from '../src/index.js';
import { report, type Sample, time } from './harness.js';
import { DS_SCHEMA, EID_OFFSET, type Person, people, SCHEMA } from './people.js';

const N = Number(process.env.BENCH_PEOPLE ?? 20000);

/** A person as tx-data; DataScript's JavaScript API wants ':db/id' where ours takes 'db/id'. */
function entity(p: Person, idKey: string): Record<string, unknown> {
  return {
    [idKey]: p.id + EID_OFFSET,
    name: p.name,
    'last-name': p.lastName,
    alias: p.alias,
    sex: `:${p.sex}`,
    age: p.age,
    salary: p.salary,
  };
}

const ATTRS = ['name', 'last-name', 'sex', 'age', 'salary'] as const;

function attrValue(p: Person, a: (typeof ATTRS)[number]): unknown {
  switch (a) {
    case 'name':
      return p.name;
    case 'last-name':
      return p.lastName;
    case 'sex':
      return `:${p.sex}`;
    case 'age':
      return p.age;
    case 'salary':
      return p.salary;
  }
}

/** A fresh memory database with the people's schema, and a connection to it. */
async function connection(keepHistory: boolean, data: readonly unknown[] = []) {
  const cfg = await d.createDatabase({
    store: { backend: ':memory' },
    'keep-history?': keepHistory,
  });
  const conn = await d.connect(cfg);
  await d.transact(conn, SCHEMA);
  if (data.length > 0) await d.transact(conn, data as d.TxData);
  return { conn, cfg };
}

/** Runs `fn` on the connection, then deletes the database (its store would keep it). */
async function on(
  db: Awaited<ReturnType<typeof connection>>,
  fn: (conn: d.Connection) => Promise<void>,
): Promise<void> {
  await fn(db.conn);
  await d.deleteDatabase(db.cfg);
}

export async function transactBenchmarks(): Promise<Sample[]> {
  const ps = people(N);
  const dsEmpty = ds.empty_db(DS_SCHEMA);
  const ourPeople = ps.map((p) => entity(p, 'db/id'));
  const dsPeople = ps.map((p) => entity(p, ':db/id'));
  const oneDatom = ps.flatMap((p) =>
    ATTRS.map((a) => [[':db/add', p.id + EID_OFFSET, `:${a}`, attrValue(p, a)]]),
  );
  const dsOneDatom = ps.flatMap((p) =>
    ATTRS.map((a) => [[':db/add', p.id + EID_OFFSET, a, attrValue(p, a)]]),
  );
  const dsAdd1 = () => {
    let db = dsEmpty;
    for (const tx of dsOneDatom) db = ds.db_with(db, tx);
  };
  const dsAdd5 = () => {
    let db = dsEmpty;
    for (const e of dsPeople) db = ds.db_with(db, [e]);
  };
  const samples: Sample[] = [];
  const add1 = (db: Awaited<ReturnType<typeof connection>>) =>
    on(db, async (c) => {
      for (const tx of oneDatom) await d.transact(c, tx as d.TxData);
    });
  const add5 = (db: Awaited<ReturnType<typeof connection>>) =>
    on(db, async (c) => {
      for (const e of ourPeople) await d.transact(c, [e]);
    });

  samples.push({
    name: 'add-1 (1 datom per tx)',
    oursMs: await time('ours add-1', add1, undefined, () => connection(false)),
    peerMs: await time('datascript add-1', dsAdd1),
  });
  samples.push({
    name: 'add-1, history on',
    oursMs: await time('ours add-1 (history)', add1, undefined, () => connection(true)),
    peerMs: await time('datascript add-1', dsAdd1),
  });
  samples.push({
    name: 'add-5 (1 entity per tx)',
    oursMs: await time('ours add-5', add5, undefined, () => connection(false)),
    peerMs: await time('datascript add-5', dsAdd5),
  });
  samples.push({
    name: 'add-5, history on',
    oursMs: await time('ours add-5 (history)', add5, undefined, () => connection(true)),
    peerMs: await time('datascript add-5', dsAdd5),
  });
  samples.push({
    name: 'add-all (1 tx)',
    oursMs: await time(
      'ours add-all',
      (db: Awaited<ReturnType<typeof connection>>) =>
        on(db, async (c) => void (await d.transact(c, ourPeople))),
      undefined,
      () => connection(false),
    ),
    peerMs: await time('datascript add-all', () => ds.db_with(dsEmpty, dsPeople)),
  });

  const full = await d.dbWith(await d.dbWith(await d.initDb([]), SCHEMA), ourPeople);
  const ourDatoms = await d.datoms(full, ':eavt');
  const dsFull = ds.db_with(dsEmpty, dsPeople);
  const dsDatoms = ds.datoms(dsFull, ':eavt');
  samples.push({
    name: 'init (from datoms)',
    oursMs: await time('ours init', () => d.initDb(ourDatoms)),
    peerMs: await time('datascript init', () => ds.init_db(dsDatoms, DS_SCHEMA)),
  });

  const eids = ps.map((p) => p.id + EID_OFFSET);
  const retractAll = (db: Awaited<ReturnType<typeof connection>>) =>
    on(db, async (c) => {
      for (const e of eids) await d.transact(c, [[':db/retractEntity', e]]);
    });
  const dsRetract = () => {
    let db = dsFull;
    for (const e of eids) db = ds.db_with(db, [[':db.fn/retractEntity', e]]);
  };
  samples.push({
    name: 'retract-5 (1 entity per tx)',
    oursMs: await time('ours retract-5', retractAll, undefined, () => connection(false, ourPeople)),
    peerMs: await time('datascript retract-5', dsRetract),
  });
  samples.push({
    name: 'retract-5, history on',
    oursMs: await time('ours retract-5 (history)', retractAll, undefined, () =>
      connection(true, ourPeople),
    ),
    peerMs: await time('datascript retract-5', dsRetract),
  });
  return samples;
}

export async function runTransactBenchmarks(): Promise<void> {
  report(
    `Transactions over ${N} people: ours transact(conn), DataScript db_with`,
    'DataScript',
    await transactBenchmarks(),
  );
}
