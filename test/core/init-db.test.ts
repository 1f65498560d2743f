/** `initDb` takes the datom forms DataScript's `init-db` takes, and says which row is not one. */
import ds from 'datascript';
import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';

const TX0 = 536870912;

describe('initDb', () => {
  it('takes [e a v] (in the first transaction), [e a v tx], [e a v tx added] and datom objects', async () => {
    const db = await d.initDb([
      [1, ':name', 'Ivan'],
      [1, 'age', 30, TX0 + 1],
      [2, ':name', 'Petr', TX0 + 2, true],
      { e: 3, a: ':name', v: 'Oleg', tx: TX0 + 3 },
    ]);
    expect(await d.datoms(db, ':eavt')).toEqual([
      { e: 1, a: ':age', v: 30, tx: TX0 + 1, added: true },
      { e: 1, a: ':name', v: 'Ivan', tx: TX0, added: true },
      { e: 2, a: ':name', v: 'Petr', tx: TX0 + 2, added: true },
      { e: 3, a: ':name', v: 'Oleg', tx: TX0 + 3, added: true },
    ]);
    expect(await d.q('[:find ?n . :where [2 :name ?n]]', db)).toBe('Petr');
  });

  it("takes DataScript's datoms, attributes named without a colon", async () => {
    const theirs = ds.datoms(ds.db_with(ds.empty_db(), [{ ':db/id': 1, name: 'Ivan' }]), ':eavt');
    const db = await d.initDb(theirs);
    expect(await d.datoms(db, ':eavt')).toEqual([
      { e: 1, a: ':name', v: 'Ivan', tx: TX0 + 1, added: true },
    ]);
  });

  it('refuses a row that is not a datom', async () => {
    for (const row of [[1, ':name'], ['x', ':name', 'v'], [1, 2, 3], { e: 1 }, 'datom'])
      await expect(d.initDb([row])).rejects.toMatchObject({ code: 'api/invalid-argument' });
  });
});
