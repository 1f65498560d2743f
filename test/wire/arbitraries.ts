/**
 * Generators for wire round-trip properties, and the structural equality they check with.
 * Values are what the codecs carry: the value model's scalars, vectors, lists, sets, maps
 * (keyword keys and any keys), tagged values, datoms, handles and tx reports.
 */

import fc from 'fast-check';
import { Datom, datom, TX0 } from '../../src/index/datom.js';
import {
  BigDec,
  Char,
  equals,
  type Keyword,
  keyword,
  type List,
  list,
  sym,
  TaggedValue,
  Uuid,
} from '../../src/values/index.js';
import {
  AsOfDbHandle,
  ConnectionHandle,
  DbHandle,
  EntityHandle,
  HistoricalDbHandle,
  SinceDbHandle,
  type WireTxReport,
} from '../../src/wire/index.js';

/** Names that read back as EDN symbols and keywords (never nil/true/false). */
const ident = fc
  .stringMatching(/^[a-z][a-z0-9*+!_?<>=-]{0,7}$/)
  .filter((s) => s !== 'nil' && s !== 'true' && s !== 'false');

const qualified = (make: (fqn: string) => unknown) =>
  fc
    .tuple(fc.option(ident, { nil: undefined }), ident)
    .map(([ns, n]) => make(ns ? `${ns}/${n}` : n));

export const keywordArb = qualified(keyword) as fc.Arbitrary<Keyword>;
export const namespacedKeywordArb = fc.tuple(ident, ident).map(([ns, n]) => keyword(`${ns}/${n}`));
export const symArb = qualified(sym);

/** Any UTF-16 code unit, unpaired surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
export const stringArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: codeUnit, maxLength: 12 }),
);

export const uuidArb = fc.uuid().map((s) => new Uuid(s));
/** Instants that `#inst` can hold (years 0–9999). */
export const dateArb = fc.date({
  min: new Date('0000-01-01T00:00:00.000Z'),
  max: new Date('9999-12-31T23:59:59.999Z'),
  noInvalidDate: true,
});
/** Any valid instant (JSON and transit carry them all). */
export const anyDateArb = fc.date({ noInvalidDate: true });
export const bigintArb = fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n });
export const bigdecArb = fc
  .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.nat(20))
  .map(([u, s]) => new BigDec(u, s));
export const charArb = fc
  .integer({ min: 0, max: 0xd7ff })
  .map((c) => new Char(String.fromCharCode(c)));
export const bytesArb = fc.uint8Array({ maxLength: 16 });
export const doubleArb = fc.double();

export const scalarArbs = {
  nil: fc.constant(null),
  boolean: fc.boolean(),
  integer: fc.maxSafeInteger(),
  double: doubleArb,
  bigint: bigintArb,
  bigdec: bigdecArb,
  string: stringArb,
  keyword: keywordArb,
  symbol: symArb,
  uuid: uuidArb,
  instant: dateArb,
  char: charArb,
  bytes: bytesArb,
} as const;

export const scalarArb: fc.Arbitrary<unknown> = fc.oneof(...Object.values(scalarArbs));

/** Keys for sets and maps: scalars and vectors of them (EDN rejects equal keys twice). */
const keyArb: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: scalarArb, weight: 4 },
  { arbitrary: fc.array(scalarArb, { maxLength: 3 }), weight: 1 },
);

const tagArb = fc.constantFrom('my/tag', 'point', 'x.y/z', 'object');

export const datomArb: fc.Arbitrary<Datom> = fc
  .tuple(
    fc.nat(1_000_000),
    keywordArb,
    scalarArb,
    fc.integer({ min: TX0, max: TX0 + 1_000_000 }),
    fc.boolean(),
  )
  .map(([e, a, v, tx, added]) => datom(e, a, v, tx, added));

const storeIdArb = fc.oneof(uuidArb, ident);

export const connArb = fc.tuple(storeIdArb, keywordArb).map(([s, b]) => new ConnectionHandle(s, b));

export const dbArb = fc
  .tuple(storeIdArb, keywordArb, fc.option(uuidArb, { nil: null }), fc.nat(), fc.nat())
  .map(([s, b, c, e, t]) => new DbHandle(s, b, c, e, t));

const timePointArb = fc.oneof(fc.integer({ min: TX0, max: TX0 + 1000 }), dateArb);

export const historicalArb = dbArb.map((d) => new HistoricalDbHandle(d));
export const asOfArb = fc.tuple(dbArb, timePointArb).map(([d, t]) => new AsOfDbHandle(d, t));
export const sinceArb = fc.tuple(dbArb, timePointArb).map(([d, t]) => new SinceDbHandle(d, t));

export const entityArb = fc
  .tuple(
    fc.oneof(dbArb, historicalArb, asOfArb, sinceArb),
    fc.nat(),
    fc.uniqueArray(fc.tuple(namespacedKeywordArb, scalarArb), {
      selector: ([k]) => k,
      maxLength: 4,
    }),
  )
  .map(([db, eid, attrs]) => new EntityHandle(db, eid, new Map(attrs)));

const tempidArb = fc.oneof(
  stringArb,
  fc.integer({ min: -1000, max: -1 }),
  fc.constant(keyword('db/current-tx')),
  fc.constantFrom('1', '-7', 'db/current-tx', ':x'),
);

export const txReportArb: fc.Arbitrary<WireTxReport> = fc
  .record({
    dbBefore: dbArb,
    dbAfter: dbArb,
    txData: fc.array(datomArb, { maxLength: 4 }),
    tempids: fc
      .uniqueArray(fc.tuple(tempidArb, fc.nat()), {
        selector: ([k]) => k,
        maxLength: 4,
      })
      .map((e) => new Map<unknown, unknown>(e)),
    txMeta: fc.oneof(
      fc.constant(null),
      fc
        .uniqueArray(fc.tuple(keywordArb, scalarArb), { selector: ([k]) => k, maxLength: 3 })
        .map((e) => new Map(e)),
    ),
  })
  .map((r) => ({ ...r }));

export const handleArbs = {
  connection: connArb,
  db: dbArb,
  historicalDb: historicalArb,
  asOfDb: asOfArb,
  sinceDb: sinceArb,
  entity: entityArb,
  datom: datomArb,
  txReport: txReportArb,
} as const;

const tree = fc.letrec<{
  value: unknown;
  vector: unknown[];
  list: List;
  set: Set<unknown>;
  kwMap: Map<unknown, unknown>;
  anyMap: Map<unknown, unknown>;
  tagged: TaggedValue;
}>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: scalarArb, weight: 6 },
    tie('vector'),
    tie('list'),
    tie('set'),
    tie('kwMap'),
    tie('anyMap'),
    tie('tagged'),
    fc.oneof(...Object.values(handleArbs)),
  ),
  vector: fc.array(tie('value'), { maxLength: 4 }),
  list: fc.array(tie('value'), { maxLength: 4 }).map((a) => list(...a)),
  set: fc.uniqueArray(keyArb, { comparator: equals, maxLength: 4 }).map((a) => new Set(a)),
  kwMap: fc
    .uniqueArray(fc.tuple(keywordArb, tie('value')), { selector: ([k]) => k, maxLength: 4 })
    .map((e) => new Map(e)),
  anyMap: fc
    .uniqueArray(fc.tuple(keyArb, tie('value')), {
      comparator: (a, b) => equals(a[0], b[0]),
      maxLength: 4,
    })
    .map((e) => new Map(e)),
  tagged: fc.tuple(tagArb, tie('value')).map(([t, v]) => new TaggedValue(t, v)),
}));

/** Nested values of every kind. */
export const valueArb = tree.value;

/** Each kind of collection, with nested values of every kind inside. */
export const collectionArbs = {
  vector: tree.vector,
  list: tree.list,
  set: tree.set,
  'map with keyword keys': tree.kwMap,
  'map with any keys': tree.anyMap,
  'tagged value': tree.tagged,
} as const;

/** Collections around one kind of element, to test each type inside each collection. */
export function collectionsOf(el: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.array(el, { maxLength: 3 }),
    fc.array(el, { maxLength: 3 }).map((a) => list(...a)),
    fc.tuple(keywordArb, el).map(([k, v]) => new Map([[k, v]])),
    fc.tuple(tagArb, el).map(([t, v]) => new TaggedValue(t, v)),
  );
}

// ---- equality ------------------------------------------------------------------------

function findKey(m: Map<unknown, unknown>, k: unknown): [boolean, unknown] {
  if (m.has(k)) return [true, m.get(k)];
  for (const [k2, v2] of m) if (same(k, k2)) return [true, v2];
  return [false, undefined];
}

/** Structural equality: same classes, same contents; NaN equals NaN, -0 equals 0. */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (a instanceof Uint8Array) {
    const y = b as Uint8Array;
    return a.length === y.length && a.every((x, i) => x === y[i]);
  }
  if (Array.isArray(a)) {
    const y = b as unknown[];
    return a.length === y.length && a.every((x, i) => same(x, y[i]));
  }
  if (a instanceof Map) {
    const y = b as Map<unknown, unknown>;
    if (a.size !== y.size) return false;
    for (const [k, v] of a) {
      const [found, v2] = findKey(y, k);
      if (!found || !same(v, v2)) return false;
    }
    return true;
  }
  if (a instanceof Set) {
    const y = b as Set<unknown>;
    return a.size === y.size && [...a].every((x) => y.has(x) || [...y].some((z) => same(x, z)));
  }
  if (a instanceof Datom) {
    const y = b as Datom;
    return a.e === y.e && a.a === y.a && a.t === y.t && same(a.v, y.v);
  }
  // Uuid, BigDec, Char, TaggedValue, handles, tx reports: their own fields.
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
