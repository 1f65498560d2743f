/** The single-entity transactions the storage benchmarks commit. */

export const ITEM_SCHEMA = [
  {
    'db/ident': ':item/id',
    'db/valueType': ':db.type/long',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/identity',
  },
  {
    'db/ident': ':item/name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
  },
  {
    'db/ident': ':item/value',
    'db/valueType': ':db.type/long',
    'db/cardinality': ':db.cardinality/one',
  },
];

export const item = (i: number) => [
  { 'item/id': i, 'item/name': `item-${i}`, 'item/value': i * 7 },
];
