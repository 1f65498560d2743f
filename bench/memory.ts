/**
 * Memory per datom: the heap a database of 1M datoms (200k entities × 5 attributes, all
 * three indices) holds, measured after a full garbage collection, ours and DataScript's.
 */
import ds from 'datascript';
import * as d from '../src/index.js';
import { DS_SCHEMA, EID_OFFSET, people, SCHEMA } from './people.js';

const ENTITIES = Number(process.env.BENCH_MEMORY_ENTITIES ?? 200000);

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run with node --expose-gc (npm run bench does)');
  g();
  g();
}

function heap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

async function measure(indexed: boolean): Promise<void> {
  const ps = people(ENTITIES, 7);
  const schema = SCHEMA.map((a) => (indexed ? { ...a, 'db/index': true } : a));
  const base = heap();
  const ours = await d.initDb([
    ...schema.flatMap((s, i) => Object.entries(s).map(([k, v]) => [i + 1, `:${k}`, v, 536870913])),
    ...ps.flatMap((p) =>
      (
        [
          ['name', p.name],
          ['last-name', p.lastName],
          ['sex', `:${p.sex}`],
          ['age', p.age],
          ['salary', p.salary],
        ] as const
      ).map(([a, v]) => [p.id + EID_OFFSET, `:${a}`, v, 536870913]),
    ),
  ]);
  const oursBytes = heap() - base;
  const count = (await d.datoms(ours, ':eavt')).length;
  const avet = (await d.datoms(ours, ':avet')).length;
  const dsSchema: Record<string, object> = { ...DS_SCHEMA };
  if (indexed)
    for (const a of ['name', 'last-name', 'sex', 'age', 'salary'])
      dsSchema[a] = { ':db/index': true };
  const dsBase = heap();
  const dsDb = ds.db_with(
    ds.empty_db(dsSchema),
    ps.map((p) => ({
      ':db/id': p.id + EID_OFFSET,
      name: p.name,
      'last-name': p.lastName,
      sex: `:${p.sex}`,
      age: p.age,
      salary: p.salary,
    })),
  );
  const dsBytes = heap() - dsBase;
  console.log(
    `\n${count} datoms in EAVT and AEVT, ${avet} of them in AVET${indexed ? ' (every attribute :db/index)' : ''}; heap after GC, values included`,
  );
  console.log(`ours:       ${(oursBytes / count).toFixed(1)} bytes per datom`);
  console.log(
    `DataScript: ${(dsBytes / count).toFixed(1)} bytes per datom  (ratio ${(dsBytes / oursBytes).toFixed(2)}x)`,
  );
  // Both must stay alive until measured.
  if (ours.maxEid < 0 || ds.datoms(dsDb, ':eavt').length < 0) console.log('');
}

export async function runMemoryBenchmark(): Promise<void> {
  await measure(false);
  await measure(true);
}
