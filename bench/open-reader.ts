/**
 * Run by bench/storage.ts in a fresh process: `node .bench-out/bench/open-reader.js <path>
 * <store-cache-size> <queries> <entities>`. Opens the file database at <path>, times
 * connect → the answer of a point query (an entity by its unique :person/id), then runs
 * random point queries, and prints its timings and resident memory as JSON on stdout.
 */
const [path, cacheArg = '10000', queriesArg = '300', entitiesArg = '200000'] =
  process.argv.slice(2);
if (path === undefined) {
  console.error('usage: open-reader <path> [store-cache-size] [queries] [entities]');
  process.exit(2);
}
const cacheSize = Number(cacheArg);
const queries = Number(queriesArg);
const entities = Number(entitiesArg);

const t0 = performance.now();
const d = await import('../src/index.js');
const importMs = performance.now() - t0;
const rssBaseline = process.memoryUsage().rss;

const BY_ID = '[:find ?e . :in $ ?id :where [?e :person/id ?id]]';
const NAME_BY_ID = '[:find ?n . :in $ ?id :where [?e :person/id ?id] [?e :person/name ?n]]';

const t1 = performance.now();
const conn = await d.connect({
  store: { backend: ':file', path },
  'store-cache-size': cacheSize,
});
const t2 = performance.now();
const db = await d.db(conn);
const e = await d.q(BY_ID, db, Math.ceil(entities / 2));
const t3 = performance.now();
const rssAfterFirst = process.memoryUsage().rss;

// Mulberry32, seeded: every run asks for the same entities.
let seed = 12345;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
let found = typeof e === 'number';
const t4 = performance.now();
for (let i = 0; i < queries; i++) {
  const name = await d.q(NAME_BY_ID, db, 1 + Math.floor(random() * entities));
  found &&= typeof name === 'string';
}
const queryMeanMs = (performance.now() - t4) / Math.max(queries, 1);
const rssAfterMany = process.memoryUsage().rss;
await d.release(conn);

console.log(
  JSON.stringify({
    importMs,
    connectMs: t2 - t1,
    firstQueryMs: t3 - t2,
    openToAnswerMs: t3 - t1,
    found,
    rssBaseline,
    rssAfterFirst,
    rssAfterMany,
    queries,
    queryMeanMs,
    cacheSize,
  }),
);
