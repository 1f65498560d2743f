/**
 * A reader in its own process: `read-all.ts <config json>` opens a durable database cold
 * and prints, as JSON, what every reading function of the API answers about it.
 */
import * as d from '../../../src/index.js';
import { readEverything } from '../read-everything.js';

const conn = (await d.connect(JSON.parse(process.argv[2]!))) as d.LocalConnection;
process.stdout.write(JSON.stringify(await readEverything(await d.db(conn))));
await d.release(conn);
