/** A writer in its own process: `transact.ts <config json> <count>` adds people p0… */
import * as d from '../../../src/index.js';

const [config, count] = [JSON.parse(process.argv[2]!), Number(process.argv[3])];
const conn = await d.connect(config);
for (let i = 0; i < count; i++) await d.transact(conn, [{ 'person/name': `remote-${i}` }]);
await d.release(conn);
