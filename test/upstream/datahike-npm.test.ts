/**
 * Datahike's JavaScript API as its npm package has it. The package's own test suites
 * (npm-package/test.js, test-isomorphic.ts and the typing example typescript-test.ts of
 * replikativ/datahike, kept in test/upstream/datahike-npm/ as upstream wrote them but for
 * the line that loads the library) run against this package; the cases after them check,
 * in our words, what the package's README and Datahike's JS conversion promise.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { API } from '../../src/api/index.js';
import * as d from '../../src/index.js';
import { runIsomorphicTests } from './datahike-npm/test-isomorphic.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DIR = join(import.meta.dirname, 'datahike-npm');

/**
 * Each vendored file: the lines of our header, its loading line upstream and here, and its
 * upstream git blob id.
 */
const VENDORED = [
  {
    file: 'test.cjs',
    header: 6,
    upstreamLine: "const d = require('./datahike.js.api.js');",
    ourLine: "const d = require('../../../src/index.ts');",
    blob: 'c31739f0dcdca98d878696dd78a5e55c9308d626',
  },
  {
    file: 'test-isomorphic.ts',
    header: 6,
    upstreamLine: "import * as d from './index';",
    ourLine: "import * as d from '../../../src/index.js';",
    blob: '85ed8f7039a0bc5e2f90d7ecdee61f4809aa4f33',
  },
  {
    file: 'typescript-test.ts',
    header: 7,
    upstreamLine: "import * as d from './index';",
    ourLine: "import * as d from '../../../src/index.js';",
    blob: '031f8e009faad5e445cf6e383789a1101bf104c2',
  },
];

/** The file as upstream has it: our header dropped, the loading line put back. */
function asUpstream(text: string, v: (typeof VENDORED)[number]): string {
  const lines = text.split('\n');
  expect(lines.slice(0, v.header).every((l) => l.startsWith('// '))).toBe(true);
  const body = lines.slice(v.header);
  const at = body.indexOf(v.ourLine);
  expect(at, `the loading line ${v.ourLine}`).toBeGreaterThanOrEqual(0);
  body[at] = v.upstreamLine;
  return body.join('\n');
}

function gitBlobId(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest('hex');
}

describe("Datahike's npm test suites", () => {
  it('are kept as upstream wrote them, but for the line that loads the library', () => {
    for (const v of VENDORED) {
      const text = readFileSync(join(DIR, v.file), 'utf8');
      expect(text).toContain('EPL-1.0');
      expect(gitBlobId(asUpstream(text, v)), v.file).toBe(v.blob);
    }
  });

  it('test.js runs all ten of its tests and passes', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(DIR, 'test.cjs')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b) => (out += String(b)));
    child.stderr.on('data', (b) => (out += String(b)));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).not.toContain('❌');
    expect(out).toContain('Passed:   10 ✓');
    expect(out).toContain('All tests passed!');
    expect(code).toBe(0);
  }, 60_000);

  it('test-isomorphic.ts passes all seven of its tests', async () => {
    const lines: string[] = [];
    const { passed, failed, results } = await runIsomorphicTests((m) => lines.push(m));
    expect(results.filter((r) => !r.passed)).toEqual([]);
    expect({ passed, failed }).toEqual({ passed: 7, failed: 0 });
  });

  it("typescript-test.ts type-checks but for three lines where it contradicts Datahike's own API", () => {
    const file = join(DIR, 'typescript-test.ts');
    const { config } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
    const program = ts.createProgram([file], { ...options, noEmit: true });
    const source = program.getSourceFile(file)!;
    const failing = ts.getPreEmitDiagnostics(program, source).map((diag) => {
      const { line } = source.getLineAndCharacterOfPosition(diag.start!);
      return source.text.split('\n')[line]!.trim();
    });
    expect(failing).toEqual([
      // Every function but three returns a Promise, in Datahike as here: `db` needs an await.
      'const db: d.Database = d.db(conn);',
      // A history database is a database value, not an array.
      'const historyDb: Array<any> = await d.history(db);',
      // Datahike's JavaScript API has no `version`; ours is `datahikeVersion()`, a Promise.
      'const version: string = d.version();',
    ]);
  }, 60_000);
});

describe('the JavaScript API as Datahike has it', () => {
  it('has three synchronous extras: randomUuid, uuid and isPromise', async () => {
    const u = d.randomUuid();
    expect(u).toBeInstanceOf(d.Uuid);
    expect(String(u)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(d.randomUuid().str).not.toBe(u.str);
    const fixed = d.uuid('550E8400-E29B-41D4-A716-446655440000');
    expect(fixed).toBeInstanceOf(d.Uuid);
    expect(fixed.str).toBe('550e8400-e29b-41d4-a716-446655440000');
    expect(() => d.uuid('not-a-uuid')).toThrow(
      expect.objectContaining({ code: 'api/invalid-argument' }),
    );
    expect(d.isPromise(d.databaseExists({ store: { backend: ':memory', id: u } }))).toBe(true);
    expect(d.isPromise(u)).toBe(false);
    expect(d.isPromise(null)).toBe(false);
    // A UUID value works as a store id and as a :db.type/uuid value; it comes back as text.
    const cfg = { store: { backend: ':memory', id: u } };
    await d.createDatabase(cfg);
    const conn = await d.connect(cfg);
    await d.transact(conn, [
      {
        'db/ident': ':item/id',
        'db/valueType': ':db.type/uuid',
        'db/cardinality': ':db.cardinality/one',
      },
    ]);
    await d.transact(conn, [{ 'item/id': fixed }]);
    expect(await d.q('[:find ?u . :where [_ :item/id ?u]]', await d.db(conn))).toBe(fixed.str);
    await d.release(conn);
    await d.deleteDatabase(cfg);
  });

  it('returns a Promise from every other function, also when the arguments are wrong', async () => {
    const api = d as unknown as Record<string, (...args: unknown[]) => unknown>;
    const names = [...API.map((e) => e.jsName), 'listen', 'unlisten'].filter(
      (n) => n !== 'randomUuid' && n !== 'uuid',
    );
    expect(names.length).toBeGreaterThan(35);
    for (const name of names) {
      let result: unknown;
      expect(() => (result = api[name]!(Symbol('wrong'), Symbol('wrong'))), name).not.toThrow();
      expect(d.isPromise(result), name).toBe(true);
      await (result as Promise<unknown>).catch(() => undefined);
    }
  });

  it("runs the npm README's quick start and keyword rules", async () => {
    const config = { store: { backend: ':memory', id: d.randomUuid() } };
    await d.createDatabase(config);
    const conn = await d.connect(config);
    // Schema keys without a colon, schema values with one.
    await d.transact(conn, [
      {
        'db/ident': ':name',
        'db/valueType': ':db.type/string',
        'db/cardinality': ':db.cardinality/one',
      },
      {
        'db/ident': ':age',
        'db/valueType': ':db.type/long',
        'db/cardinality': ':db.cardinality/one',
      },
    ]);
    const report = await d.transact(conn, [
      { name: 'Alice', age: 30 },
      { name: 'Bob', age: 25 },
    ]);
    expect(Object.keys(report).sort()).toEqual([
      'db-after',
      'db-before',
      'tempids',
      'tx-data',
      'tx-meta',
    ]);
    const tx = report.tempids['db/current-tx']!;
    expect(tx).toBeGreaterThan(536870912);
    expect(report['tx-meta']).toMatchObject({ 'db/txInstant': expect.any(Date) });
    expect(report['tx-data'][0]).toEqual({
      e: expect.any(Number),
      a: expect.any(String),
      v: expect.anything(),
      tx,
      added: true,
    });
    const db = await d.db(conn);
    const results = await d.q('[:find ?name ?age :where [?e :name ?name] [?e :age ?age]]', db);
    expect([...results].sort()).toEqual([
      ['Alice', 30],
      ['Bob', 25],
    ]);
    expect(
      await d.q('[:find ?name :where [?e :name ?name] [?e :age ?age] [(> ?age 25)]]', db),
    ).toEqual([['Alice']]);
    const alice = await d.q('[:find ?e . :in $ ?name :where [?e :name ?name]]', db, 'Alice');
    // Pull patterns with a colon, data keys come back without one.
    expect(await d.pull(db, [':name', ':age'], alice)).toEqual({ name: 'Alice', age: 30 });
    expect(await d.pull(db, ['*'], alice)).toEqual({ 'db/id': alice, name: 'Alice', age: 30 });
    expect(await d.pullMany(db, ['*'], [alice])).toEqual([
      { 'db/id': alice, name: 'Alice', age: 30 },
    ]);
    // The list forms, and a string that starts with a colon escaped as `\\:`.
    await d.transact(conn, [[':db/add', alice, ':age', 36]]);
    await d.transact(conn, [[':db/retract', alice, ':age', 36]]);
    await d.transact(conn, [{ name: '\\:colon' }]);
    const now = await d.db(conn);
    expect(await d.pull(now, [':age'], alice)).toBeNull();
    expect(await d.q('[:find ?e . :where [?e :name ":colon"]]', now)).toEqual(expect.any(Number));
    expect((await d.schema(now)).name).toMatchObject({
      'db/ident': ':name',
      'db/valueType': ':db.type/string',
      'db/cardinality': ':db.cardinality/one',
    });
    expect(await d.reverseSchema(now)).toMatchObject({
      'db/ident': expect.arrayContaining([':name', ':age']),
    });
    expect((await d.metrics(now)).count).toBe((await d.datoms(now, ':eavt')).length);
    const past = await d.asOf(now, tx);
    expect(await d.pull(past, [':age'], alice)).toEqual({ age: 30 });
    const recent = await d.since(now, tx);
    expect(await d.q('[:find ?n :where [_ :name ?n]]', recent)).toEqual([[':colon']]);
    const ages = await d.q('[:find ?a ?added :where [_ :age ?a _ ?added]]', await d.history(now));
    expect(ages).toEqual(
      expect.arrayContaining([
        [36, true],
        [36, false],
        [30, false],
      ]),
    );
    expect((await d.seekDatoms(now, ':eavt', alice)).every((x) => x.e >= alice)).toBe(true);
    expect(await d.release(conn)).toBeNull();
    expect(await d.deleteDatabase(config)).toBeNull();
    expect(await d.databaseExists(config)).toBe(false);
  });
});

describe('reverseSchema as Datahike gives it (api_test test-database-schema)', () => {
  it('lists every attribute under db/ident and every AVET attribute under db/index', async () => {
    const cfg = { store: { backend: ':memory', id: d.randomUuid() }, 'keep-history?': false };
    await d.createDatabase(cfg);
    const conn = await d.connect(cfg);
    const sets = async () =>
      Object.fromEntries(
        Object.entries(await d.reverseSchema(await d.db(conn))).map(([k, v]) => [k, [...v].sort()]),
      );
    expect(await sets()).toEqual({});
    await d.transact(conn, [
      {
        'db/ident': ':name',
        'db/valueType': ':db.type/string',
        'db/cardinality': ':db.cardinality/one',
        'db/unique': ':db.unique/identity',
      },
    ]);
    const byName = {
      'db/ident': [':name'],
      'db/index': [':name'],
      'db.unique/identity': [':name'],
      'db/unique': [':name'],
      // :name is a string, which Datahike's value-size limits apply to
      'db.attr/constrained': [':name'],
    };
    expect(await sets()).toEqual(byName);
    await d.transact(conn, [
      {
        'db/ident': ':age',
        'db/valueType': ':db.type/long',
        'db/cardinality': ':db.cardinality/one',
        'db/noHistory': true,
      },
    ]);
    const withAge = { ...byName, 'db/ident': [':age', ':name'], 'db/noHistory': [':age'] };
    expect(await sets()).toEqual(withAge);
    await d.transact(conn, [
      {
        'db/ident': ':related-to',
        'db/valueType': ':db.type/ref',
        'db/cardinality': ':db.cardinality/many',
      },
    ]);
    expect(await sets()).toEqual({
      ...withAge,
      'db/ident': [':age', ':name', ':related-to'],
      'db/index': [':name', ':related-to'],
      'db.cardinality/many': [':related-to'],
      'db.type/ref': [':related-to'],
    });
    await d.release(conn);
    await d.deleteDatabase(cfg);
  });
});
