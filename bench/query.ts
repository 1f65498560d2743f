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

const ours = (q: string) => q.replace(/@([a-z-]+)/g, ':$1').replace(/#([a-z]+)/g, ':$1');
const theirs = (q: string) => q.replace(/@([a-z-]+)/g, '"$1"').replace(/#([a-z]+)/g, '":$1"');

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

/** Datahike's query shapes over the same people, every attribute indexed. */
export async function datahikeShapes(): Promise<Sample[]> {
  const { db, dsDb } = await buildDbs(true);
  const q = (name: string, text: string, ...inputs: unknown[]) =>
    pair(
      name,
      () => d.q(ours(text), db, ...inputs),
      () => ds.q(theirs(text), dsDb, ...inputs),
    );
  return [
    await q('simple lookup', '[:find ?e :where [?e @name "Ivan"]]'),
    await q('two-clause join', '[:find ?e ?a :where [?e @name "Ivan"] [?e @age ?a]]'),
    await q(
      'value join on ?age',
      '[:find ?e1 ?e2 :where [?e1 @name "Ivan"] [?e1 @last-name "Ivanov"] [?e1 @age ?a] [?e2 @age ?a] [?e2 @name "Petr"]]',
    ),
    await q('predicate', '[:find ?e :where [?e @age ?a] [(> ?a 90)]]'),
    await q('not', '[:find ?e :where [?e @name "Ivan"] (not [?e @sex #male])]'),
    await q(
      'or-join',
      '[:find ?e :where [?e @age 30] (or-join [?e] [?e @name "Ivan"] [?e @name "Petr"])]',
    ),
    await q(
      'not-join',
      '[:find ?e :where [?e @age 30] (not-join [?e] [?e @follows ?f] [?f @name "Ivan"])]',
    ),
    await q(
      'entity merge, 5 clauses',
      '[:find ?n ?l ?a ?s ?x :where [?e @name "Ivan"] [?e @name ?n] [?e @last-name ?l] [?e @age ?a] [?e @salary ?s] [?e @sex ?x]]',
    ),
    await pair(
      'non-recursive rule',
      () => d.q('[:find ?e :in $ % :where (ivan-or-petr ?e)]', db, ours(NAME_RULE)),
      () => ds.q('[:find ?e :in $ % :where (ivan-or-petr ?e)]', dsDb, theirs(NAME_RULE)),
    ),
    await q(
      'aggregates by sex',
      '[:find ?x (count ?e) (avg ?a) (max ?s) :where [?e @sex ?x] [?e @age ?a] [?e @salary ?s]]',
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
}
