/**
 * Run by bench/handles.ts in a fresh process: `node .bench-out/bench/writer-client.js <mode>
 * <server-url> <store-path> <seconds> <first-id>`. Transacts single-entity transactions one
 * after another for <seconds> through the server, as a `:writer` client (reads the shared
 * file store itself) or a `:remote-peer` client (everything through the server), and
 * prints the number of acknowledged transactions as JSON on stdout.
 */
const [mode, url, path, secondsArg = '10', firstArg = '1'] = process.argv.slice(2);
if (url === undefined || path === undefined || (mode !== 'writer' && mode !== 'peer')) {
  console.error('usage: writer-client writer|peer <url> <store-path> [seconds] [first-id]');
  process.exit(2);
}
const d = await import('../src/index.js');
const server = { backend: ':datahike-server', url };
const cfg: Record<string, unknown> =
  mode === 'writer'
    ? { store: { backend: ':file', path }, writer: server }
    : { store: { backend: ':file', path }, 'remote-peer': server };
const conn = await d.connect(cfg);
const end = performance.now() + Number(secondsArg) * 1000;
let id = Number(firstArg);
let acks = 0;
while (performance.now() < end) {
  await d.transact(conn, [{ 'item/id': id, 'item/name': `item-${id}`, 'item/value': id }]);
  id++;
  acks++;
}
await d.release(conn);
console.log(JSON.stringify({ acks }));
