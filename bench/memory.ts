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

export async function runMemoryBenchmark(): Promise<void> {
  const ps = people(ENTITIES, 7);
  const rows = (attrs: (p: (typeof ps)[number]) => unknown[][]) => ps.flatMap(attrs);
  const base = heap();
  const ours = await d.initDb([
    ...SCHEMA.flatMap((s, i) => Object.entries(s).map(([k, v]) => [i + 1, `:${k}`, v, 536870913])),
    ...rows((p) =>
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
  const dsBase = heap();
  let dsDb = ds.empty_db(DS_SCHEMA);
  dsDb = ds.db_with(
    dsDb,
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
    `\nMemory for ${count} datoms in EAVT, AEVT and AVET (after GC; includes the values themselves)`,
  );
  console.log(`ours:       ${(oursBytes / count).toFixed(1)} bytes per datom`);
  console.log(`DataScript: ${(dsBytes / count).toFixed(1)} bytes per datom`);
  // Keep both alive until measured.
  if (ours.maxEid < 0 || !dsDb) console.log('');
}
