/**
 * Connects to a database as a fresh reader and prints its dump (see common.ts).
 * Usage: check.ts <path> <lifetime-ms>
 */
import * as d from '../../../src/index.js';
import { die, dump, emit, fileConfig, lifetime } from './common.js';

const [path, lifeArg] = process.argv.slice(2);
lifetime(Number(lifeArg));

async function main(): Promise<void> {
  const conn = await d.connect(fileConfig(path!));
  emit({ dump: await dump(await d.db(conn)) });
  await d.release(conn);
  process.exit(0);
}

main().catch(die);
