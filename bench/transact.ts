/**
 * DataScript's transaction benchmarks, ours and DataScript's side by side on the same
 * 20k people: one datom per transaction, one entity per transaction, everything in one
 * transaction, building from datoms, and retracting entities one by one.
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

export async function transactBenchmarks(): Promise<Sample[]> {
  const ps = people(N);
  const empty = await d.dbWith(await d.initDb([]), SCHEMA);
  const dsEmpty = ds.empty_db(DS_SCHEMA);
  const ourPeople = ps.map((p) => entity(p, 'db/id'));
  const dsPeople = ps.map((p) => entity(p, ':db/id'));
  const samples: Sample[] = [];

  samples.push({
    name: 'add-1 (1 datom per tx)',
    oursMs: await time('ours add-1', async () => {
      let db = empty;
      for (const p of ps)
        for (const a of ATTRS)
          db = await d.dbWith(db, [[':db/add', p.id + EID_OFFSET, `:${a}`, attrValue(p, a)]]);
    }),
    peerMs: await time('datascript add-1', () => {
      let db = dsEmpty;
      for (const p of ps)
        for (const a of ATTRS)
          db = ds.db_with(db, [[':db/add', p.id + EID_OFFSET, a, attrValue(p, a)]]);
    }),
  });

  samples.push({
    name: 'add-5 (1 entity per tx)',
    oursMs: await time('ours add-5', async () => {
      let db = empty;
      for (const e of ourPeople) db = await d.dbWith(db, [e]);
    }),
    peerMs: await time('datascript add-5', () => {
      let db = dsEmpty;
      for (const e of dsPeople) db = ds.db_with(db, [e]);
    }),
  });

  samples.push({
    name: 'add-all (1 tx)',
    oursMs: await time('ours add-all', () => d.dbWith(empty, ourPeople)),
    peerMs: await time('datascript add-all', () => ds.db_with(dsEmpty, dsPeople)),
  });

  const full = await d.dbWith(empty, ourPeople);
  const ourDatoms = await d.datoms(full, ':eavt');
  const dsFull = ds.db_with(dsEmpty, dsPeople);
  const dsDatoms = ds.datoms(dsFull, ':eavt');
  samples.push({
    name: 'init (from datoms)',
    oursMs: await time('ours init', () => d.initDb(ourDatoms)),
    peerMs: await time('datascript init', () => ds.init_db(dsDatoms, DS_SCHEMA)),
  });

  const eids = ps.map((p) => p.id + EID_OFFSET);
  const retractAll = async (from: d.Db) => {
    let db = from;
    for (const e of eids) db = await d.dbWith(db, [[':db/retractEntity', e]]);
  };
  const fullNoHistory = await d.dbWith(
    await d.dbWith(await d.initDb([], { 'keep-history?': false }), SCHEMA),
    ourPeople,
  );
  samples.push({
    name: 'retract-5, history off',
    oursMs: await time('ours retract-5 (history off)', () => retractAll(fullNoHistory)),
    peerMs: await time('datascript retract-5', () => {
      let db = dsFull;
      for (const e of eids) db = ds.db_with(db, [[':db.fn/retractEntity', e]]);
    }),
  });
  samples.push({
    name: 'retract-5 (1 entity per tx)',
    oursMs: await time('ours retract-5', () => retractAll(full)),
    peerMs: await time('datascript retract-5', () => {
      let db = dsFull;
      for (const e of eids) db = ds.db_with(db, [[':db.fn/retractEntity', e]]);
    }),
  });
  return samples;
}

export async function runTransactBenchmarks(): Promise<void> {
  report(`Transactions over ${N} people`, 'DataScript', await transactBenchmarks());
}
