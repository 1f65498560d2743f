/**
 * A writer in its own process: `commits.ts <config json> <count>` commits `{:n i}` for i in
 * 1…count, one transaction each, then prints `done`.
 */
import * as d from '../../../src/index.js';

const [config, count] = [JSON.parse(process.argv[2]!), Number(process.argv[3])];
const conn = await d.connect(config);
for (let n = 1; n <= count; n++) await d.transact(conn, [{ n }]);
await d.release(conn);
console.log('done');
