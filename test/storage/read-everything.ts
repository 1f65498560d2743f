/** Every reading function of the API on one database value, as JSON-ready data. */
import * as d from '../../src/index.js';

export async function readEverything(db: d.DbView): Promise<Record<string, unknown>> {
  const tx = (await d.q('[:find (min ?t) . :where [_ :n _ ?t]]', db)) as number;
  const first = (await d.q('[:find (min ?e) . :where [?e :n]]', db)) as number;
  const entity = await d.entity(db, first);
  return {
    metrics: await d.metrics(db),
    schema: await d.schema(db),
    reverseSchema: await d.reverseSchema(db),
    eavt: await d.datoms(db, ':eavt', first),
    aevt: (await d.datoms(db, ':aevt', ':n')).length,
    avet: await d.datoms(db, { index: ':avet', components: [':n', 7] }),
    seek: (await d.seekDatoms(db, ':avet', ':n', 990)).length,
    rseek: (await d.rseekDatoms(db, ':avet', ':n', 10)).length,
    range: await d.indexRange(db, { attrid: ':n', start: 100, end: 104 }),
    q: await d.q('[:find (count ?e) (sum ?n) :where [?e :n ?n]]', db),
    stats: ((await d.queryStats('[:find (count ?e) . :where [?e :n]]', db)) as { result: unknown })
      .result,
    explain: typeof (await d.explain('[:find ?e :where [?e :n 5]]', db)),
    pull: await d.pull(db, '[*]', first),
    pullMany: await d.pullMany(db, [':n'], [first, first + 1]),
    entity: entity?.toJSON(),
    asOf: (await d.datoms(await d.asOf(db, tx), ':aevt', ':n')).length,
    asOfDate: (await d.datoms(await d.asOf(db, new Date()), ':aevt', ':n')).length,
    since: (await d.datoms(await d.since(db, tx), ':aevt', ':n')).length,
    history: (await d.datoms(await d.history(db), ':aevt', ':n')).length,
    filtered: (await d.datoms(await d.filter(db, (_db, x) => (x.v as number) < 10), ':aevt', ':n'))
      .length,
    commitId: String(await d.commitId(db)),
    parents: (await d.parentCommitIds(db)).map(String),
  };
}
