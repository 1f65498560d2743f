/**
 * A release the caller does not await (Datahike's npm examples call `release(conn)` without
 * `await`) still finishes before the store is opened again or deleted: the reconnect sees every
 * write, and the delete removes the folder even though the release was still flushing.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import * as d from '../../src/index.js';

it('waits for an unawaited release before reconnecting and before deleting', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'dh-release-')), 'db');
  const config = { store: { backend: ':file', path: dir }, 'schema-flexibility': ':read' };
  await d.createDatabase(config);
  for (let round = 0; round < 5; round++) {
    const conn = await d.connect(config);
    await d.transact(
      conn,
      Array.from({ length: 3000 }, (_, i) => ({ n: round * 1000 + i, s: 'x'.repeat(50) })),
    );
    void d.release(conn);
  }
  const conn = await d.connect(config);
  expect(await d.q('[:find (count ?e) . :where [?e :n]]', await d.db(conn))).toBe(15000);
  void d.release(conn);
  await d.deleteDatabase(config);
  expect(existsSync(dir)).toBe(false);
});
