/**
 * Property test: random transactions against a naive model of the database. After every
 * transaction the three indices agree with each other and with the model, a failing
 * transaction changes nothing, and as-of views reproduce every earlier state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { freshConn } from './helpers.js';

const SCHEMA = [
  {
    'db/ident': ':m/name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
  },
  {
    'db/ident': ':m/tag',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/many',
  },
  {
    'db/ident': ':m/n',
    'db/valueType': ':db.type/long',
    'db/cardinality': ':db.cardinality/one',
    'db/index': true,
  },
  {
    'db/ident': ':m/uid',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/identity',
  },
  { 'db/ident': ':m/ref', 'db/valueType': ':db.type/ref', 'db/cardinality': ':db.cardinality/one' },
];
const MANY = new Set([':m/tag']);
const INDEXED = new Set([':m/n', ':m/uid', ':m/ref']);
const ATTRS = [':m/name', ':m/tag', ':m/n', ':m/uid', ':m/ref'];

type Model = Map<number, Map<string, unknown[]>>;

const clone = (m: Model): Model =>
  new Map([...m].map(([e, av]) => [e, new Map([...av].map(([a, vs]) => [a, [...vs]]))]));

function modelDatoms(m: Model): string[] {
  const out: string[] = [];
  for (const [e, av] of m)
    for (const [a, vs] of av) for (const v of vs) out.push(JSON.stringify([e, a, v]));
  return out.sort();
}

/** The model's semantics of one operation; throws where the database must reject. */
function apply(m: Model, op: Op, ids: number[]): void {
  const get = (e: number) => m.get(e) ?? new Map<string, unknown[]>();
  const owner = (a: string, v: unknown) => {
    for (const [e, av] of m) if (av.get(a)?.includes(v)) return e;
    return undefined;
  };
  const put = (e: number, a: string, v: unknown) => {
    const av = get(e);
    const vs = av.get(a) ?? [];
    if (vs.includes(v)) return;
    if (a === ':m/uid') {
      const o = owner(a, v);
      if (o !== undefined && o !== e) throw new Error('unique');
    }
    av.set(a, MANY.has(a) ? [...vs, v] : [v]);
    m.set(e, av);
  };
  const drop = (e: number, a: string, v?: unknown) => {
    const av = m.get(e);
    const vs = av?.get(a);
    if (av === undefined || vs === undefined) return;
    const rest = v === undefined ? [] : vs.filter((x) => x !== v);
    if (rest.length > 0) av.set(a, rest);
    else av.delete(a);
    if (av.size === 0) m.delete(e);
  };
  switch (op.kind) {
    case 'add':
      put(ids[op.e]!, op.a, op.a === ':m/ref' ? ids[op.v as number] : op.v);
      return;
    case 'retract':
      drop(ids[op.e]!, op.a, op.a === ':m/ref' ? ids[op.v as number] : op.v);
      return;
    case 'retractEntity': {
      const e = ids[op.e]!;
      m.delete(e);
      for (const [x, av] of m) if (av.get(':m/ref')?.[0] === e) drop(x, ':m/ref');
      return;
    }
    case 'cas': {
      const e = ids[op.e]!;
      const cur = get(e).get(':m/n')?.[0];
      if (cur !== op.old) throw new Error('cas');
      put(e, ':m/n', op.v);
      return;
    }
  }
}

type Op =
  | { kind: 'add'; e: number; a: string; v: unknown }
  | { kind: 'retract'; e: number; a: string; v: unknown }
  | { kind: 'retractEntity'; e: number }
  | { kind: 'cas'; e: number; old: number | undefined; v: number };

const ENTITIES = 6;

const valueFor = (a: string) =>
  a === ':m/n'
    ? fc.integer({ min: 0, max: 5 })
    : a === ':m/ref'
      ? fc.integer({ min: 0, max: ENTITIES - 1 })
      : fc.constantFrom('a', 'b', 'c');

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc
    .record({ e: fc.integer({ min: 0, max: ENTITIES - 1 }), a: fc.constantFrom(...ATTRS) })
    .chain(({ e, a }) => valueFor(a).map((v) => ({ kind: 'add' as const, e, a, v }))),
  fc
    .record({ e: fc.integer({ min: 0, max: ENTITIES - 1 }), a: fc.constantFrom(...ATTRS) })
    .chain(({ e, a }) => valueFor(a).map((v) => ({ kind: 'retract' as const, e, a, v }))),
  fc.record({
    kind: fc.constant('retractEntity' as const),
    e: fc.integer({ min: 0, max: ENTITIES - 1 }),
  }),
  fc.record({
    kind: fc.constant('cas' as const),
    e: fc.integer({ min: 0, max: ENTITIES - 1 }),
    old: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
    v: fc.integer({ min: 0, max: 5 }),
  }),
);

function toForm(op: Op, ids: number[]): unknown[] {
  switch (op.kind) {
    case 'add':
      return [':db/add', ids[op.e], op.a, op.a === ':m/ref' ? ids[op.v as number] : op.v];
    case 'retract':
      return [':db/retract', ids[op.e], op.a, op.a === ':m/ref' ? ids[op.v as number] : op.v];
    case 'retractEntity':
      return [':db/retractEntity', ids[op.e]];
    case 'cas':
      return [':db/cas', ids[op.e], ':m/n', op.old ?? null, op.v];
  }
}

async function userDatoms(db: d.DbView, index: string): Promise<string[]> {
  return (await d.datoms(db, index))
    .filter((x) => x.a.startsWith(':m/'))
    .map((x) => JSON.stringify([x.e, x.a, x.v]))
    .sort();
}

describe('transactions against a naive model', () => {
  it('keeps the indices consistent with each other, the model and history', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }),
        async (txs) => {
          const conn = await freshConn(SCHEMA);
          // Fixed entity ids, made to exist by the first transaction.
          const first = await d.transact(
            conn,
            Array.from({ length: ENTITIES }, (_, i) => ({
              'db/id': `e${i}`,
              'm/name': `init${i}`,
            })),
          );
          const ids = Array.from({ length: ENTITIES }, (_, i) => first.tempids[`e${i}`]!);
          let model: Model = new Map(ids.map((e, i) => [e, new Map([[':m/name', [`init${i}`]]])]));
          const snapshots: [number, string[]][] = [
            [first.tempids['db/current-tx']!, modelDatoms(model)],
          ];
          for (const tx of txs) {
            const next = clone(model);
            let modelOk = true;
            try {
              for (const op of tx) apply(next, op, ids);
            } catch {
              modelOk = false;
            }
            const before = await d.db(conn);
            const result = await d
              .transact(
                conn,
                tx.map((op) => toForm(op, ids)),
              )
              .then(
                (r) => r,
                (err: unknown) => err,
              );
            if (modelOk) {
              expect(result).not.toBeInstanceOf(Error);
              model = next;
              snapshots.push([
                (result as d.TransactionReport).tempids['db/current-tx']!,
                modelDatoms(model),
              ]);
            } else {
              expect(result).toBeInstanceOf(d.DatahikeError);
              expect(await d.db(conn)).toBe(before);
            }
            const db = await d.db(conn);
            const expected = modelDatoms(model);
            expect(await userDatoms(db, ':eavt')).toEqual(expected);
            expect(await userDatoms(db, ':aevt')).toEqual(expected);
            const indexed = expected.filter((x) => INDEXED.has(JSON.parse(x)[1]));
            expect(await userDatoms(db, ':avet')).toEqual(indexed);
          }
          const db = await d.db(conn);
          for (const [t, state] of snapshots)
            expect(await userDatoms(await d.asOf(db, t), ':eavt')).toEqual(state);
        },
      ),
      { numRuns: 150 },
    );
  });
});
