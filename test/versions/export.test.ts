/**
 * An export ends with the checksum of its lines, which an import checks: a file changed or
 * cut short since is refused with nothing transacted; a file without the line (written
 * before) is imported as it is.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { exportDb, importInto } from '../../src/cli/transfer.js';
import type { Connection } from '../../src/connection/index.js';
import * as d from '../../src/index.js';

let n = 0;
async function fresh(): Promise<d.Connection> {
  const cfg = await d.createDatabase({
    store: { backend: ':memory', id: `export-${process.pid}-${++n}` },
    'schema-flexibility': ':read',
  });
  return d.connect(cfg);
}

async function exported(conn: d.Connection): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await exportDb((await d.db(conn)) as d.Db, 'edn', out);
  return Buffer.concat(chunks).toString('utf8');
}

const names = async (conn: d.Connection) =>
  ((await d.q('[:find [?n ...] :where [_ :name ?n]]', await d.db(conn))) as string[]).sort();

it('checks the checksum an export ends with', async () => {
  const source = await fresh();
  await d.transact(source, [{ name: 'Ada' }, { name: 'Linus' }]);
  await d.transact(source, [{ name: 'Grace' }]);
  const text = await exported(source);
  const lines = text.trimEnd().split('\n');
  expect(lines.at(-1)).toMatch(/^;; datahike-ts export sha256 [0-9a-f]{64} \d+$/);
  const dir = mkdtempSync(join(tmpdir(), 'dh-export-'));

  const good = join(dir, 'good.edn');
  writeFileSync(good, text);
  const copy = await fresh();
  await importInto(copy as unknown as Connection, good);
  expect(await names(copy)).toEqual(['Ada', 'Grace', 'Linus']);

  const changed = join(dir, 'changed.edn');
  writeFileSync(changed, text.replace('"Grace"', '"Gracie"'));
  const other = await fresh();
  await expect(importInto(other as unknown as Connection, changed)).rejects.toMatchObject({
    code: 'cli/import',
  });
  const cut = join(dir, 'cut.edn');
  writeFileSync(cut, [...lines.slice(0, 2), lines.at(-1)].join('\n'));
  await expect(importInto(other as unknown as Connection, cut)).rejects.toMatchObject({
    code: 'cli/import',
  });
  expect(await names(other)).toEqual([]);

  const old = join(dir, 'old.edn');
  writeFileSync(old, `${lines.slice(0, -1).join('\n')}\n`);
  await importInto(other as unknown as Connection, old);
  expect(await names(other)).toEqual(['Ada', 'Grace', 'Linus']);
});
