/**
 * Issue 14, tried as a hostile client would, against a server process in dev mode: nesting
 * that would run a parser or the query engine out of stack, floods of handles, ids that
 * dress up a path (percent-encoding, look-alike dots, zero-width characters, a symlink in
 * the data folder), tricky request lines and headers. Each is refused or answered
 * cleanly; after each the server is up and the reference database reads back unchanged.
 */
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, type AttackTarget, attackTarget, codeOf, limitOf } from './limits-helpers.js';

let t: AttackTarget;
beforeAll(async () => {
  t = await attackTarget();
}, 60_000);
afterAll(() => t.stop());
afterEach(() => t.intact());

const nested = (open: string, inner: string, close: string, n: number) =>
  open.repeat(n) + inner + close.repeat(n);

/** A 400 that says the input nests too deep (whichever reader noticed first). */
function tooDeep(a: Answer): void {
  expect(a.status).toBe(400);
  expect(a.text).toMatch(/nested deeper than|nests deeper/);
}

/** A raw request, with the request line and headers exactly as given. */
function raw(path: string, headers: Record<string, string>, body = ''): Promise<string> {
  const url = new URL(t.url);
  return new Promise((resolve) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: 'POST', headers, setHost: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    req.end(body);
  });
}

describe('nesting', () => {
  it('refuses EDN nested through discards, tags and collections, in bodies and in query texts', async () => {
    const db = await t.db();
    const N = 100_000;
    tooDeep(await t.post('q', `[${'#_ '.repeat(N)}1]`));
    tooDeep(await t.post('q', `[${'#foo '.repeat(N)}1]`));
    tooDeep(await t.post('q', `[${nested('#{', '', '}', N)}]`));
    // Inside a string: the query's own text.
    const text = (q: string) => t.post('q', `[${JSON.stringify(q)} ${db}]`);
    tooDeep(await text(`[:find ?x :where ${nested('(', '', ')', N)}]`));
    tooDeep(await text(`[:find ?x :where ${'#_ '.repeat(N)} [?x :name]]`));
  });

  it('refuses queries, rules and pull patterns nested just under the reader’s limit as too deep, or answers them', async () => {
    const db = await t.db();
    const deepOr = nested('(or ', '[?x :name]', ')', 990);
    for (const a of [
      await t.post('q', `[${JSON.stringify(`[:find ?x :where ${deepOr}]`)} ${db}]`),
      await t.post(
        'q',
        `["[:find ?x :in $ % :where (r ?x)]" ${db} ${JSON.stringify(`[[(r ?x) ${deepOr}]]`)}]`,
      ),
      await t.post(
        'q',
        `[${JSON.stringify(`[:find (pull ?x [${nested('{:name [', ':name', ']}', 490)}]) :where [?x :name]]`)} ${db}]`,
      ),
      await t.post(
        'pull',
        `[${db} ${JSON.stringify(`[${nested('{:f [', ':name', ']}', 490)}]`)} 1]`,
      ),
    ]) {
      if (a.status === 200) continue;
      tooDeep(a);
      expect(codeOf(a)).not.toBe('server/internal');
    }
  });

  it('refuses JSON and transit nested past their limits', async () => {
    const N = 100_000;
    tooDeep(await t.post('q', nested('[', '', ']', N), 'application/json'));
    tooDeep(await t.post('q', nested('{"a":', '1', '}', N), 'application/json'));
    tooDeep(await t.post('q', nested('["!set", ', '1', ']', N), 'application/json'));
    tooDeep(await t.post('q', nested('["^ ","a",', '1', ']', N), 'application/transit+json'));
  });
});

describe('floods', () => {
  it('answers a query with tens of thousands of handles and sources among its inputs', async () => {
    const db = await t.db();
    const handles = Array.from({ length: 20_000 }, () => db).join(' ');
    const a = await t.post(
      'q',
      `["[:find ?n :in $ [?d ...] :where [_ :name ?n]]" ${db} [${handles}]]`,
    );
    expect(a.status).toBe(200);
    const conns = Array.from({ length: 20_000 }, () => t.conn).join(' ');
    expect((await t.post('q', `["[:find ?c :in [?c ...]]" [${conns}]]`)).status).toBe(200);
    const srcs = Array.from({ length: 2000 }, (_, i) => `$${i + 1}`).join(' ');
    const dbs = Array.from({ length: 2000 }, () => db).join(' ');
    const b = await t.post('q', `["[:find ?n :in ${srcs} :where [$1 _ :name ?n]]" ${dbs}]`);
    expect(b.status).toBe(200);
  });

  it('refuses a body past :body-limit and goes on', async () => {
    const db = await t.db();
    const big = `["[:find ?x :in [?x ...]]" [${'1 '.repeat(6_000_000)}] ${db}]`;
    const status = await t.post('q', big).then(
      (a) => a.status,
      () => 413,
    );
    expect(status).toBe(413);
  });
});

describe('ids that dress up a path', () => {
  it('refuses percent-encoded, look-alike, zero-width and control characters, and over-long ids', async () => {
    const data = readdirSync(t.dataDir).sort();
    const parent = readdirSync(dirname(t.dataDir)).sort();
    for (const id of [
      '..%2f..',
      '%2e%2e',
      '\u2025',
      '.\u200b.',
      '\uff0e\uff0e',
      '\uff44\uff41\uff54\uff41',
      'a\u0000b',
      'a\u202eb',
      ' ',
      'x'.repeat(300),
    ]) {
      const a = await t.post(
        'create-database',
        `[{:store {:backend :file :id ${JSON.stringify(id)}}}]`,
      );
      expect(a.status, id).toBe(403);
      expect(codeOf(a)).toBe('server/forbidden');
    }
    expect(readdirSync(t.dataDir).sort()).toEqual(data);
    expect(readdirSync(dirname(t.dataDir)).sort()).toEqual(parent);
  });

  it('deletes nothing outside the data folder through a symlink in it', async () => {
    const outside = join(dirname(t.dataDir), 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'keep.txt'), 'mine');
    symlinkSync(outside, join(t.dataDir, 'link'));
    const del = await t.post('delete-database', '[{:store {:backend :file :id "link"}}]');
    expect([200, 403, 404, 409]).toContain(del.status);
    const path = JSON.stringify(join(t.dataDir, 'link', 'db'));
    const create = await t.post('create-database', `[{:store {:backend :file :path ${path}}}]`);
    expect(create.status).toBe(403);
    expect(existsSync(join(outside, 'keep.txt'))).toBe(true);
    expect(readdirSync(outside)).toEqual(['keep.txt']);
  });
});

describe('request lines and headers', () => {
  it('answers odd paths, oversized and odd headers without harm', async () => {
    const edn = { host: 'localhost', 'content-type': 'application/edn' };
    expect(await raw('/q%00', edn, '[]')).toBe('404');
    expect(['400', '404', 'ECONNRESET', 'EPIPE']).toContain(await raw('/../q', edn, '[]'));
    // Refused with 431, or the socket closed while the headers were still being sent.
    const tooLarge = /^(431|ECONNRESET|EPIPE)$/;
    expect(await raw('/health', { ...edn, 'x-big': 'a'.repeat(100_000) })).toMatch(tooLarge);
    const many = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`x-${i}`, 'v']));
    expect(await raw('/health', { ...edn, ...many })).toMatch(tooLarge);
    // Dev mode: no Host, or one that is not a loopback name however it is spelled.
    for (const host of ['', 'localhost.evil.test', '127.0.0.1.evil.test', '2130706433', '0x7f.1'])
      expect(await raw('/health', { ...edn, host }), host).toMatch(/^4/);
    expect(await raw('/health', { 'content-type': 'application/edn' })).toMatch(/^4/);
    // An Accept with a huge quality parameter, a Last-Event-ID that is no event.
    const a = await t.post('q', `["[:find ?x :in [?x ...]]" [1]]`);
    expect(a.status).toBe(200);
    expect(
      await raw(
        '/q',
        { ...edn, accept: `application/json;q=${'9'.repeat(10_000)}` },
        '["[:find ?x :in [?x ...]]" [1]]',
      ),
    ).toBe('200');
    expect(limitOf(a)).toBeUndefined();
  });
});
