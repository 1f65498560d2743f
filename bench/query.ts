/**
 * Query and pull benchmarks against DataScript on the same 20k people: DataScript's own
 * query benchmarks (q1–q4, qpred1/2, recursive rules over wide and long trees), pull
 * shapes, and Datahike's query shapes with every attribute indexed.
 *
 * DataScript's JavaScript API names attributes with strings and keeps ':male' a string, so
 * each query is written once with `@attr` and `#kw` placeholders.
 */
import ds from 'datascript';
import * as d from '../src/index.js';
import { OPTIONS, report, type Sample, time } from './harness.js';
import { DS_SCHEMA, EID_OFFSET, type Person, people, SCHEMA } from './people.js';

const N = Number(process.env.BENCH_PEOPLE ?? 20000);

/**
 * Queries take milliseconds, so both engines get enough warm-up runs to reach steady state
 * (with 5, the JIT of either may still be compiling) and more samples against GC noise.
 */
const QUERY_OPTIONS = {
  warmups: Math.max(OPTIONS.warmups, 20),
  samples: Math.max(OPTIONS.samples, 15),
};

const ours = (q: string) => q.replace(/@([a-z/-]+)/g, ':$1').replace(/#([a-z]+)/g, ':$1');
const theirs = (q: string) => q.replace(/@([a-z/-]+)/g, '"$1"').replace(/#([a-z]+)/g, '":$1"');

function entity(p: Person, idKey: string, follows: number[]): Record<string, unknown> {
  return {
    [idKey]: p.id + EID_OFFSET,
    name: p.name,
    'last-name': p.lastName,
    alias: p.alias,
    sex: `:${p.sex}`,
    age: p.age,
    salary: p.salary,
    follows: follows.map((f) => f + EID_OFFSET),
  };
}

/** A tree of `follows` links: every node follows `width` children, `depth` levels deep. */
function tree(depth: number, width: number, first: number): [number, number][] {
  const edges: [number, number][] = [];
  let level = [first];
  let next = first + 1;
  for (let i = 0; i < depth; i++) {
    const below: number[] = [];
    for (const n of level)
      for (let w = 0; w < width; w++) {
        edges.push([n, next]);
        below.push(next++);
      }
    level = below;
  }
  return edges;
}

const NAME_RULE = '[[(ivan-or-petr ?e) [?e @name "Ivan"]] [(ivan-or-petr ?e) [?e @name "Petr"]]]';
const RULES =
  '[[(follows ?x ?y) [?x @follows ?y]] [(follows ?x ?y) [?x @follows ?t] (follows ?t ?y)]]';

async function pair(
  name: string,
  oursFn: () => unknown | Promise<unknown>,
  theirsFn: () => unknown,
  check: (a: unknown, b: unknown) => boolean = (a, b) => count(a) === count(b),
): Promise<Sample> {
  const a = await oursFn();
  const b = theirsFn();
  if (!check(a, b)) throw new Error(`${name}: results differ (${count(a)} vs ${count(b)} rows)`);
  return {
    name,
    oursMs: await time(`ours ${name}`, oursFn, QUERY_OPTIONS),
    peerMs: await time(`datascript ${name}`, theirsFn, QUERY_OPTIONS),
  };
}

function count(x: unknown): number {
  return Array.isArray(x) ? x.length : x === null || x === undefined ? 0 : 1;
}

async function buildDbs(indexed: boolean) {
  const ps = people(N);
  // A few follows links per person (for rule shapes over the people).
  const follows = ps.map((p) =>
    [(p.id * 7) % N, (p.id * 13) % N].filter((f) => f !== p.id - 1).map((f) => f + 1),
  );
  const schema = SCHEMA.map((a) =>
    indexed && a['db/ident'] !== ':follows' ? { ...a, 'db/index': true } : a,
  );
  const conn = await d.connect(
    await d.createDatabase({ store: { backend: ':memory' }, 'keep-history?': false }),
  );
  await d.transact(conn, schema);
  await d.transact(
    conn,
    ps.map((p, i) => entity(p, 'db/id', follows[i]!)),
  );
  const dsSchema: Record<string, object> = { ...DS_SCHEMA };
  if (indexed)
    for (const a of ['name', 'last-name', 'sex', 'age', 'salary'])
      dsSchema[a] = { ':db/index': true };
  const dsDb = ds.db_with(
    ds.empty_db(dsSchema),
    ps.map((p, i) => entity(p, ':db/id', follows[i]!)),
  );
  return { db: await d.db(conn), dsDb };
}

export async function queryBenchmarks(): Promise<Sample[]> {
  const { db, dsDb } = await buildDbs(false);
  const q = (text: string, ...inputs: unknown[]) =>
    pair(
      text.length > 60 ? `${text.slice(0, 57)}...` : text,
      () => d.q(ours(text), db, ...inputs),
      () => ds.q(theirs(text), dsDb, ...inputs),
    );
  const samples: Sample[] = [];
  samples.push(await q('[:find ?e :where [?e @name "Ivan"]]'));
  samples.push(await q('[:find ?e ?a :where [?e @name "Ivan"] [?e @age ?a]]'));
  samples.push(await q('[:find ?e ?a :where [?e @name "Ivan"] [?e @age ?a] [?e @sex #male]]'));
  samples.push(
    await q(
      '[:find ?e ?l ?a :where [?e @name "Ivan"] [?e @last-name ?l] [?e @age ?a] [?e @sex #male]]',
    ),
  );
  samples.push(await q('[:find ?e ?s :where [?e @salary ?s] [(> ?s 50000)]]'));
  samples.push(await q('[:find ?e ?s :in $ ?min :where [?e @salary ?s] [(> ?s ?min)]]', 50000));
  for (const [label, depth, width] of [
    ['wide', 4, 6],
    ['long', 60, 1],
  ] as const) {
    const edges = tree(depth, width, 1);
    const mk = (idKey: string, attr: string) =>
      edges.map(([a, b]) => ({ [idKey]: a + 100000, [attr]: [b + 100000] }));
    const ourTree = await d.dbWith(
      await d.dbWith(await d.initDb([], { 'keep-history?': false }), SCHEMA),
      mk('db/id', 'follows'),
    );
    const dsTree = ds.db_with(ds.empty_db(DS_SCHEMA), mk(':db/id', 'follows'));
    const rq = '[:find ?e ?e2 :in $ % :where (follows ?e ?e2)]';
    samples.push(
      await pair(
        `rules, ${label} tree ${depth}x${width}`,
        () => d.q(rq, ourTree, ours(RULES)),
        () => ds.q(rq, dsTree, theirs(RULES)),
      ),
    );
  }
  return samples;
}

export async function pullBenchmarks(): Promise<Sample[]> {
  const { db, dsDb } = await buildDbs(false);
  const eids = Array.from({ length: 1000 }, (_, i) => i * 7 + 1 + EID_OFFSET);
  const p = (name: string, pattern: string, many: boolean) =>
    pair(
      name,
      () => (many ? d.pullMany(db, ours(pattern), eids) : d.pull(db, ours(pattern), eids[0])),
      () =>
        many
          ? eids.map((e) => ds.pull(dsDb, theirs(pattern), e))
          : ds.pull(dsDb, theirs(pattern), eids[0]),
    );
  return [
    await p('pull one entity, 4 attributes', '[@name @last-name @age @sex]', false),
    await p('pull 1000 entities, 4 attributes', '[@name @last-name @age @sex]', true),
    await p('pull 1000 entities, wildcard', '[*]', true),
    await p('pull 1000 entities, nested follows', '[@name {@follows [@name @age]}]', true),
  ];
}

/**
 * Datahike's query shapes (its `benchmark.datascript-bench`) over the same people, every
 * scalar attribute indexed, with the milliseconds Datahike's JVM planner publishes for them
 * at 20k people (doc/query-engine.md, "Performance": wall-clock ms, one run, its own data
 * of the same shape; its people follow one other in two, ours two others each).
 */
export async function datahikeShapes(): Promise<Sample[]> {
  const { db, dsDb } = await buildDbs(true);
  const q = (name: string, publishedMs: number | undefined, text: string, ...inputs: unknown[]) =>
    pair(
      name,
      () => d.q(ours(text), db, ...inputs),
      () => ds.q(theirs(text), dsDb, ...inputs),
    ).then((s) => ({ ...s, publishedMs: N === 20000 ? publishedMs : undefined }));
  return [
    await q('q1 simple lookup', 0.13, '[:find ?e :where [?e @name "Ivan"]]'),
    await q('q2 two-clause join', 0.62, '[:find ?e ?a :where [?e @name "Ivan"] [?e @age ?a]]'),
    await q(
      'q2-switch, clauses reversed',
      0.63,
      '[:find ?e ?a :where [?e @age ?a] [?e @name "Ivan"]]',
    ),
    await q(
      'q5 value join on a shared ?age',
      7.9,
      '[:find ?e1 ?l ?a :where [?e @name "Ivan"] [?e @age ?a] [?e1 @age ?a] [?e1 @last-name ?l]]',
    ),
    await q(
      'q5-shortcircuit (no such name)',
      undefined,
      '[:find ?e1 ?l ?a :where [?e @name "Nobody"] [?e @age ?a] [?e1 @age ?a] [?e1 @last-name ?l]]',
    ),
    await q(
      'value join, Ivanov to Petr by age',
      undefined,
      '[:find ?e1 ?e2 :where [?e1 @name "Ivan"] [?e1 @last-name "Ivanov"] [?e1 @age ?a] [?e2 @age ?a] [?e2 @name "Petr"]]',
    ),
    await q(
      'qpred2 salary > ?min',
      1.5,
      '[:find ?e ?s :in $ ?min :where [?e @salary ?s] [(> ?s ?min)]]',
      50000,
    ),
    await q('q-not', 3.8, '[:find ?e ?a :where [?e @age ?a] (not [?e @sex #male])]'),
    await q(
      'q-or-join',
      5.5,
      '[:find ?e ?a :where [?e @age ?a] (or-join [?e] [?e @name "Ivan"] [?e @name "Petr"])]',
    ),
    await q('q-not-join', 6.0, '[:find ?e ?a :where [?e @age ?a] (not-join [?e] [?e @sex #male])]'),
    await q(
      'q-5-merge',
      2.4,
      '[:find ?e ?n ?l ?a ?s :where [?e @name ?n] [?e @last-name ?l] [?e @age ?a] [?e @salary ?s] [?e @sex #male]]',
    ),
    await pair(
      'q-rule, non-recursive',
      () => d.q('[:find ?e1 ?e2 :in $ % :where (follow ?e1 ?e2)]', db, ours(FOLLOW_RULE)),
      () => ds.q('[:find ?e1 ?e2 :in $ % :where (follow ?e1 ?e2)]', dsDb, theirs(FOLLOW_RULE)),
    ).then((s) => ({ ...s, publishedMs: N === 20000 ? 3.6 : undefined })),
    await pair(
      'rule, name Ivan or Petr',
      () => d.q('[:find ?e :in $ % :where (ivan-or-petr ?e)]', db, ours(NAME_RULE)),
      () => ds.q('[:find ?e :in $ % :where (ivan-or-petr ?e)]', dsDb, theirs(NAME_RULE)),
    ),
    await q(
      'aggregates by sex',
      undefined,
      '[:find ?x (count ?e) (avg ?a) (max ?s) :where [?e @sex ?x] [?e @age ?a] [?e @salary ?s]]',
    ),
  ];
}

const FOLLOW_RULE = '[[(follow ?e1 ?e2) [?e1 @follows ?e2]]]';

/**
 * Datahike's cross-entity join data: N people (name, a department, a salary), 100
 * departments (name, budget, a division), 10 divisions; department, salary and budget
 * indexed, as there.
 */
async function joinDbs() {
  const schema: [string, string, boolean][] = [
    ['p/name', 'string', false],
    ['p/dept', 'ref', true],
    ['p/salary', 'long', true],
    ['d/name', 'string', false],
    ['d/budget', 'long', true],
    ['d/div', 'ref', false],
    ['div/name', 'string', false],
  ];
  const salaries = people(N, 9).map((p) => 30000 + Math.floor((p.salary / 100000) * 70000));
  const data = (idKey: string) => [
    ...Array.from({ length: 10 }, (_, i) => ({ [idKey]: 1000 + i, 'div/name': `div-${i}` })),
    ...Array.from({ length: 100 }, (_, i) => ({
      [idKey]: 2000 + i,
      'd/name': `dept-${i}`,
      'd/budget': i * 5000,
      'd/div': 1000 + (i % 10),
    })),
    ...salaries.map((salary, i) => ({
      [idKey]: 10000 + i,
      'p/name': `p-${i}`,
      'p/dept': 2000 + (i % 100),
      'p/salary': salary,
    })),
  ];
  const conn = await d.connect(
    await d.createDatabase({ store: { backend: ':memory' }, 'keep-history?': false }),
  );
  await d.transact(
    conn,
    schema.map(([a, type, index]) => ({
      'db/ident': `:${a}`,
      'db/valueType': `:db.type/${type}`,
      'db/cardinality': ':db.cardinality/one',
      ...(index ? { 'db/index': true } : {}),
    })),
  );
  await d.transact(conn, data('db/id'));
  const dsSchema: Record<string, object> = {};
  for (const [a, type, index] of schema)
    dsSchema[a] = {
      ...(type === 'ref' ? { ':db/valueType': ':db.type/ref' } : {}),
      ...(index ? { ':db/index': true } : {}),
    };
  return { db: await d.db(conn), dsDb: ds.db_with(ds.empty_db(dsSchema), data(':db/id')) };
}

/** Datahike's cross-entity join shapes, with the milliseconds it publishes for them. */
export async function joinShapes(): Promise<Sample[]> {
  const { db, dsDb } = await joinDbs();
  const q = (name: string, publishedMs: number, text: string) =>
    pair(
      name,
      () => d.q(ours(text), db),
      () => ds.q(theirs(text), dsDb),
    ).then((s) => ({ ...s, publishedMs: N === 20000 ? publishedMs : undefined }));
  return [
    await q(
      'ref join, 1 dept to people',
      0.18,
      '[:find ?pn ?dn :where [?d @d/name "dept-99"] [?d @d/budget ?b] [?e @p/dept ?d] [?e @p/name ?pn] [?d @d/name ?dn]]',
    ),
    await q(
      'ref join, 10 depts to people',
      1.2,
      '[:find ?pn ?dn :where [?d @d/budget ?b] [(> ?b 450000)] [?d @d/name ?dn] [?e @p/dept ?d] [?e @p/name ?pn]]',
    ),
    await q(
      'ref join + predicate',
      1.8,
      '[:find ?pn ?dn :where [?d @d/budget ?b] [(> ?b 400000)] [?d @d/name ?dn] [?e @p/dept ?d] [?e @p/name ?pn]]',
    ),
    await q(
      '3-hop chain',
      30.5,
      '[:find ?pn ?dn ?divn :where [?e @p/name ?pn] [?e @p/dept ?d] [?d @d/name ?dn] [?d @d/div ?div] [?div @div/name ?divn]]',
    ),
    await q(
      'join-selective (salary > 90k)',
      4.3,
      '[:find ?pn ?dn :where [?e @p/salary ?s] [(> ?s 90000)] [?e @p/name ?pn] [?e @p/dept ?d] [?d @d/name ?dn]]',
    ),
  ];
}

/** A chain of `follows` links, 100001 → 100002 → …, in both databases. */
async function chainDbs(length: number): Promise<{ ourChain: unknown; theirChain: unknown }> {
  const mk = (idKey: string) =>
    tree(length, 1, 1).map(([a, b]) => ({ [idKey]: a + 100000, follows: [b + 100000] }));
  const ourChain = await d.dbWith(
    await d.dbWith(await d.initDb([], { 'keep-history?': false }), SCHEMA),
    mk('db/id'),
  );
  return { ourChain, theirChain: ds.db_with(ds.empty_db(DS_SCHEMA), mk(':db/id')) };
}

const ANCESTORS = '[:find ?a :in $ % ?h :where (follows ?h ?a)]';

/**
 * Recursive rules from a bound argument: the ancestors of the first node of a chain
 * (`(follows ?h ?a)` with `?h` given), the shape of Datahike's deep-chain rule test.
 * DataScript grows faster than quadratically here (seconds at 100 links, 40 s at 400 on
 * this machine), so it runs the short chain only, with few samples.
 */
export async function runRuleBenchmarks(): Promise<void> {
  const { ourChain, theirChain } = await chainDbs(100);
  const oursFn = () => d.q(ANCESTORS, ourChain as d.Db, ours(RULES), 100001);
  const theirsFn = () => ds.q(ANCESTORS, theirChain, theirs(RULES), 100001);
  if (count(await oursFn()) !== count(theirsFn())) throw new Error('rules: results differ');
  const samples: Sample[] = [
    {
      name: 'ancestors along a chain of 100 from a bound argument',
      oursMs: await time('ours chain 100', oursFn, QUERY_OPTIONS),
      peerMs: await time('datascript chain 100', theirsFn, { warmups: 1, samples: 3 }),
    },
  ];
  report(
    'Recursive rules (DataScript: median of 3 runs)',
    'DataScript',
    samples,
    QUERY_OPTIONS.samples,
  );
  console.log(
    `\nAncestors along longer chains, ours alone (median of ${QUERY_OPTIONS.samples} runs)`,
  );
  for (const length of [1200, 5000, 20000]) {
    const { ourChain: db } = await chainDbs(length);
    const fn = () => d.q(ANCESTORS, db as d.Db, ours(RULES), 100001);
    const rows = count(await fn());
    if (rows !== length) throw new Error(`rules: ${rows} ancestors along a chain of ${length}`);
    console.log(
      `chain of ${length}: ${(await time(`ours chain ${length}`, fn, QUERY_OPTIONS)).toFixed(1)} ms`,
    );
  }
}

export async function runQueryBenchmarks(): Promise<void> {
  const runs = QUERY_OPTIONS.samples;
  report(
    `DataScript's query benchmarks over ${N} people`,
    'DataScript',
    await queryBenchmarks(),
    runs,
  );
  report(`Pull over ${N} people`, 'DataScript', await pullBenchmarks(), runs);
  report(
    `Datahike's query shapes over ${N} people, every attribute indexed`,
    'DataScript',
    await datahikeShapes(),
    runs,
  );
  report(
    `Datahike's cross-entity joins over ${N} people, 100 departments, 10 divisions`,
    'DataScript',
    await joinShapes(),
    runs,
  );
}

/** Growth: the query, pull and load workloads at larger sizes (`npm run bench -- growth`). */
const GROWTH = (process.env.BENCH_GROWTH ?? '20000,200000,1000000').split(',').map(Number);

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/**
 * Ours alone at each size of BENCH_GROWTH: loading the people (one transaction per 20k),
 * heap per datom after loading, and the query and pull shapes; the last column is the time
 * divided by the size's multiple of the first size (flat when a cost grows linearly).
 */
export async function runGrowthBenchmarks(): Promise<void> {
  const shapes: [string, string][] = [
    ['q1', '[:find ?e :where [?e :name "Ivan"]]'],
    [
      'q4',
      '[:find ?e ?l ?a :where [?e :name "Ivan"] [?e :last-name ?l] [?e :age ?a] [?e :sex :male]]',
    ],
    ['qpred1', '[:find ?e ?s :where [?e :salary ?s] [(> ?s 50000)]]'],
    [
      'q5 value join',
      '[:find ?e1 ?l ?a :where [?e :name "Ivan"] [?e :age ?a] [?e1 :age ?a] [?e1 :last-name ?l]]',
    ],
    [
      'q5, one age',
      '[:find ?e1 ?l ?a :where [?e :name "Ivan"] [?e :age 30] [?e :age ?a] [?e1 :age ?a] [?e1 :last-name ?l]]',
    ],
  ];
  const opts = { warmups: 3, samples: 5 };
  const rows: { size: number; name: string; ms: number }[] = [];
  for (const size of GROWTH) {
    const ps = people(size);
    const before = heapUsed();
    const cfg = await d.createDatabase({ store: { backend: ':memory' }, 'keep-history?': false });
    const conn = await d.connect(cfg);
    await d.transact(
      conn,
      SCHEMA.map((a) => (a['db/ident'] === ':follows' ? a : { ...a, 'db/index': true })),
    );
    const t0 = performance.now();
    for (let i = 0; i < size; i += 20000)
      await d.transact(
        conn,
        ps.slice(i, i + 20000).map((p) => entity(p, 'db/id', [((p.id * 7) % size) + 1])),
      );
    rows.push({ size, name: 'load (20k people per tx)', ms: performance.now() - t0 });
    const db = await d.db(conn);
    const datoms = (await d.datoms(db, ':eavt')).length;
    const bytes = (heapUsed() - before) / datoms;
    console.log(
      `\n${size} people: ${datoms} datoms, ${bytes.toFixed(1)} bytes per datom (heap after GC, every attribute indexed)`,
    );
    for (const [name, text] of shapes)
      rows.push({ size, name, ms: await time(`${name} at ${size}`, () => d.q(text, db), opts) });
    const eids = Array.from({ length: 1000 }, (_, i) => ((i * 7919) % size) + 1 + EID_OFFSET);
    rows.push({
      size,
      name: 'pull 1000 entities, 4 attributes',
      ms: await time(
        `pull at ${size}`,
        () => d.pullMany(db, '[:name :last-name :age :sex]', eids),
        opts,
      ),
    });
    await d.deleteDatabase(cfg);
  }
  const first = GROWTH[0]!;
  console.log(
    `\nGrowth, ours alone (median of ${opts.samples}); per ${first}: ms / (size / ${first})`,
  );
  for (const name of [...new Set(rows.map((r) => r.name))])
    for (const r of rows.filter((x) => x.name === name))
      console.log(
        `${name.padEnd(34)} ${String(r.size).padStart(8)}  ${r.ms.toFixed(1).padStart(10)} ms  ${(r.ms / (r.size / first)).toFixed(2).padStart(9)}`,
      );
}
