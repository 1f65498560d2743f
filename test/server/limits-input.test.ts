/**
 * Input a client sends that would take the server's time or memory: number literals with
 * huge exponents or digit counts (EDN, JSON, transit), bytes that are not UTF-8, built-ins
 * asked for a billion items or an endless string, catastrophic regular expressions,
 * recursive pulls over a graph whose paths multiply. Each is refused with a 4xx naming
 * the limit (or, for regexes, simply answered), and the server stays up with its data whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackTarget, attackTarget, codeOf, limitOf } from './limits-helpers.js';

let t: AttackTarget;
beforeAll(async () => {
  t = await attackTarget();
}, 60_000);
afterAll(() => t.stop());

const q = async (query: string, ...inputs: string[]) =>
  t.post('q', `[${JSON.stringify(query)} ${await t.db()} ${inputs.join(' ')}]`);
const ECHO = '[:find ?x . :in $ ?x]';

describe('number literals', () => {
  it('refuses a decimal exponent of a hundred million in EDN, JSON and transit', async () => {
    const db = await t.db();
    const answers = [
      await q(ECHO, '1e100000000M'),
      await q(ECHO, '1e-100000000M'),
      await t.post(
        'q',
        JSON.stringify(['[:find ?x . :in ?x]', ['!bigdec', '1e100000000']]),
        'application/json',
      ),
      await t.post('q', '["[:find ?x . :in ?x]", "~f1e100000000"]', 'application/transit+json'),
    ];
    expect(db.length).toBeGreaterThan(0);
    for (const a of answers.slice(0, 2)) {
      expect(a.status).toBe(400);
      expect(limitOf(a)).toBe('max-decimal-exponent');
    }
    for (const a of answers.slice(2)) {
      expect(a.status).toBe(400);
      expect(a.text).toContain('max-decimal-exponent');
    }
    await t.intact();
  });

  it('refuses number literals of more digits than the limit, in every format', async () => {
    const digits = '7'.repeat(200_000);
    for (const a of [
      await q(ECHO, `${digits}N`),
      await q(ECHO, `${digits}.5M`),
      await t.post('q', `[${JSON.stringify(ECHO)}, ${digits}]`, 'application/json'),
      await t.post('q', `[${JSON.stringify(ECHO)}, ["!bigint","${digits}"]]`, 'application/json'),
      await t.post('q', `["${ECHO}", "~n${digits}"]`, 'application/transit+json'),
    ]) {
      expect(a.status).toBe(400);
      expect(a.text).toContain('max-number-digits');
    }
    await t.intact();
  });

  it('still reads large but reasonable numbers', async () => {
    const a = await q(ECHO, `${'9'.repeat(300)}N`);
    expect(a.status).toBe(200);
    expect(a.text).toBe(`${'9'.repeat(300)}N`);
    expect((await q(ECHO, '1.5e300M')).status).toBe(200);
  });
});

describe('text', () => {
  it('answers 400 to a body that is not UTF-8, and to ?args= that is not', async () => {
    const bad = Buffer.concat([
      Buffer.from('["[:find ?x . :in $ ?x]" '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(']'),
    ]);
    const a = await t.post('q', bad);
    expect(a.status).toBe(400);
    expect(codeOf(a)).toBe('wire/malformed');
    const get = await fetch(`${t.url}/q?args=${bad.toString('base64url')}`, {
      headers: { 'content-type': 'application/edn', accept: 'application/edn' },
    });
    expect(get.status).toBe(400);
    await t.intact();
  });

  it('reads a map with many composite keys in linear time (no pairwise key check)', async () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `[${i}] ${i}`).join(' ');
    const a = await q('[:find (count ?x) . :in $ ?m :where [(count ?m) ?x]]', `{${keys}}`);
    expect(a.status).toBe(200);
    expect(a.text).toBe('1');
    await t.intact();
  });
});

describe('built-in functions', () => {
  it('refuses rand and sample counts, and ranges, beyond the collection limit', async () => {
    for (const query of [
      '[:find (rand 1000000000 ?n) . :where [_ :name ?n]]',
      '[:find (sample 1000000000 ?n) . :where [_ :name ?n]]',
      '[:find ?r . :where [(range 1000000000) ?r]]',
    ]) {
      const a = await q(query);
      expect(a.status).toBe(400);
      expect(limitOf(a)).toBe('max-collection');
    }
    expect((await q('[:find (rand 3 ?n) . :where [_ :name ?n]]')).status).toBe(200);
    await t.intact();
  });

  it('refuses strings grown past the limit by str', async () => {
    const big = JSON.stringify('x'.repeat(600_000));
    const a = await q('[:find ?t . :in $ ?s :where [(str ?s ?s) ?t]]', big);
    expect(a.status).toBe(400);
    expect(limitOf(a)).toBe('max-string');
    await t.intact();
  });

  it('runs regular expressions in linear time: a catastrophic pattern answers at once', async () => {
    const s = JSON.stringify(`${'a'.repeat(5000)}!`);
    for (const fn of ['re-find', 're-matches', 're-seq']) {
      const a = await q(
        `[:find ?m . :in $ ?s :where [(re-pattern "(a+)+$") ?re] [(${fn} ?re ?s) ?m]]`,
        s,
      );
      expect(a.status).toBe(200);
    }
    const found = await q(
      '[:find ?m . :in $ ?s :where [(re-pattern "(a+)b") ?re] [(re-find ?re ?s) ?m]]',
      '"xaab"',
    );
    expect(found.text).toBe('["aab" "aa"]');
    const refused = await q(
      '[:find ?m . :where [(re-pattern "(a)\\\\1") ?re] [(re-find ?re "aa") ?m]]',
    );
    expect(refused.status).toBe(400);
    await t.intact();
  });
});

describe('pull', () => {
  it('refuses a recursive pull whose paths multiply past the entity limit', async () => {
    const cfg = '{:store {:backend :memory :id "dag"} :schema-flexibility :read}';
    expect((await t.post('create-database', `[${cfg}]`)).status).toBe(200);
    const conn = (await t.post('connect', `[${cfg}]`)).text;
    const schema =
      '{:db/ident :next :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}';
    expect((await t.post('transact', `[${conn} [${schema}]]`)).status).toBe(200);
    // Node i points to i+1 and i+2: the paths from node 0 grow as the Fibonacci numbers.
    const nodes = Array.from(
      { length: 60 },
      (_, i) =>
        `{:db/id "n${i}" :k ${i}${i + 1 < 60 ? ` :next ["n${i + 1}"${i + 2 < 60 ? ` "n${i + 2}"` : ''}]` : ''}}`,
    ).join(' ');
    const made = await t.post('transact', `[${conn} [${nodes}]]`);
    expect(made.text).toContain('TxReport');
    const db = (await t.post('db', `[${conn}]`)).text;
    const eid = (k: number) =>
      t.post('q', `["[:find ?e . :in $ ?k :where [?e :k ?k]]" ${db} ${k}]`);
    const root = (await eid(0)).text;
    for (const [route, args] of [
      ['pull', `[${db} [:k {:next ...}] ${root}]`],
      ['pull-many', `[${db} [:k {:next ...}] [${root}]]`],
      ['q', `["[:find (pull ?e [:k {:next ...}]) . :where [?e :k 0]]" ${db}]`],
    ] as const) {
      const a = await t.post(route, args);
      expect(a.text).toContain('max-pull-entities');
      expect(a.status).toBe(400);
    }
    const small = await t.post('pull', `[${db} [:k {:next 2}] ${(await eid(57)).text}]`);
    expect(small.status).toBe(200);
    await t.intact();
  });
});
