/** The schema the type tests and test/core/typed-schema.test.ts share. */
import * as d from '../../src/index.js';

export const schema = d.defineSchema({
  'person/name': {
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/identity',
  },
  'person/age': { 'db/valueType': ':db.type/long', 'db/cardinality': ':db.cardinality/one' },
  'person/friend': { 'db/valueType': ':db.type/ref', 'db/cardinality': ':db.cardinality/many' },
  'person/tags': { 'db/valueType': ':db.type/keyword', 'db/cardinality': ':db.cardinality/many' },
  'person/id': { 'db/valueType': ':db.type/uuid', 'db/cardinality': ':db.cardinality/one' },
  'person/address': {
    'db/valueType': ':db.type/ref',
    'db/cardinality': ':db.cardinality/one',
    'db/isComponent': true,
  },
  'address/city': { 'db/valueType': ':db.type/string', 'db/cardinality': ':db.cardinality/one' },
});
