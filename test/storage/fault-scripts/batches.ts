/**
 * Opens a database as a fresh reader and prints its `:batch` markers with their tx ids,
 * then reads every record of its log (each must decode: no damage).
 * Lines: `{batches: [[batch, tx], …], records: n}`.
 * Usage: batches.ts <path> <lifetime-ms>
 */
import { decodeCommit } from '../../../src/connection/records.js';
import * as d from '../../../src/index.js';
import { fileBackend } from '../../../src/storage/file.js';
import { die, emit, fileConfig, lifetime } from './common.js';

const [path, lifeArg] = process.argv.slice(2);
lifetime(Number(lifeArg));

async function main(): Promise<void> {
  const conn = await d.connect(fileConfig(path!));
  const batches = await d.q('[:find ?b ?tx :where [?e :batch ?b ?tx]]', await d.db(conn));
  await d.release(conn);
  const store = await fileBackend.open({ backend: 'file', id: 'check', path: path! });
  const records = await store.readLog('db', 1);
  for (const r of records) decodeCommit(r, 'db');
  await store.close();
  emit({ batches, records: records.length });
  process.exit(0);
}

main().catch(die);
