/**
 * Ported from Datahike, test/datahike/test/query_cyclic_join_test.cljc: joins that imply
 * more than one equality between clause groups (a 2-cycle, a 4-cycle over two groups, a
 * triangle) answer exactly, whatever the variables are called. Upstream also checks which
 * execution path its planner takes; that is its own.
 *
 * Datahike semantics: the schema entities for :e and :f take ids 1 and 2, so the facts'
 * entities 1–4 are 101–104 here.
 */

import { describe, expect, it } from 'vitest';
import { dbOf, edn, q } from './query-helpers.js';

// 101 :e 102, 103   101 :f 103   102 :e 101   102 :f 101, 104   103 :e 104   104 :e 104   104 :f 102
const graph = () =>
  dbOf(
    `[{:db/ident :e :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
      {:db/ident :f :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}]`,
    '[{:db/id 101 :e [102 103] :f [103]} {:db/id 102 :e [101] :f [101 104]} {:db/id 103 :e [104]} {:db/id 104 :e [104] :f [102]}]',
  );

describe('cyclic joins', () => {
  it('answer 2-cycles, 4-cycles and triangles under any names', async () => {
    const db = await graph();
    for (const [p, r] of [
      ['?a', '?b'],
      ['?p', '?q'],
    ])
      expect(await q(`[:find ${p} ${r} :where [${p} :e ${r}] [${r} :e ${p}]]`, db)).toEqual(
        edn('#{[101 102] [102 101] [104 104]}'),
      );
    for (const [x, y] of [
      ['?x', '?y'],
      ['?u', '?w'],
    ])
      expect(
        await q(`[:find ${x} ${y} :where [?a :e ${x}] [?a :f ${y}] [?b :f ${x}] [?b :e ${y}]]`, db),
      ).toEqual(edn('#{[101 101] [103 103]}'));
    for (const [a, b, c] of [
      ['?a', '?b', '?c'],
      ['?r', '?s', '?t'],
    ])
      expect(
        await q(`[:find ${a} ${b} ${c} :where [${a} :e ${b}] [${b} :e ${c}] [${c} :e ${a}]]`, db),
      ).toEqual(edn('#{[104 104 104]}'));
  });

  it('answer the 4-cycle the same way for every naming of its variables', async () => {
    const db = await graph();
    const names = 'abcdef'.split('').map((c) => `?${c}`);
    const outcomes = new Set<string>();
    for (const p of names)
      for (const r of names)
        for (const x of names)
          for (const y of names) {
            if (new Set([p, r, x, y]).size < 4) continue;
            const rows = (await q(
              `[:find ${x} ${y} :where [${p} :e ${x}] [${p} :f ${y}] [${r} :f ${x}] [${r} :e ${y}]]`,
              db,
            )) as Set<number[]>;
            outcomes.add(JSON.stringify([...rows].sort()));
          }
    expect([...outcomes]).toEqual([
      JSON.stringify([
        [101, 101],
        [103, 103],
      ]),
    ]);
  });
});
