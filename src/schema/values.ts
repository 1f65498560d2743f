/** Checking (and normalising) a value against an attribute's declared type. */

import {
  BigDec,
  DatahikeError,
  isKeyword,
  isSym,
  type Keyword,
  printValue,
  Uuid,
} from '../values/index.js';
import type { Attribute, ValueType } from './attribute.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function fail(attr: Keyword, v: unknown, expected: string): never {
  throw new DatahikeError(
    'transact/wrong-type',
    `Value ${printValue(v)} of attribute ${attr} does not match its type: expected ${expected}.`,
    { attribute: attr, value: v, expected },
  );
}

/**
 * The value in the form the indices hold, or a `transact/wrong-type` error. Longs that fit
 * a double exactly are numbers, larger ones bigints; a number is accepted for a bigint or
 * a bigdec attribute and converted.
 */
export function checkType(attr: Keyword, type: ValueType, v: unknown): unknown {
  switch (type) {
    case 'string':
      if (typeof v === 'string') return v;
      return fail(attr, v, 'a string (:db.type/string)');
    case 'long':
    case 'ref':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'bigint') return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v;
      return fail(
        attr,
        v,
        type === 'ref' ? 'an entity id (:db.type/ref)' : 'an integer (:db.type/long)',
      );
    case 'double':
    case 'float':
      if (typeof v === 'number') return v;
      return fail(attr, v, `a number (:db.type/${type})`);
    case 'number':
      if (typeof v === 'number' || typeof v === 'bigint' || v instanceof BigDec) return v;
      return fail(attr, v, 'a number (:db.type/number)');
    case 'boolean':
      if (typeof v === 'boolean') return v;
      return fail(attr, v, 'a boolean (:db.type/boolean)');
    case 'keyword':
      if (isKeyword(v)) return v;
      return fail(attr, v, 'a keyword (:db.type/keyword)');
    case 'symbol':
      if (isSym(v)) return v;
      return fail(attr, v, 'a symbol (:db.type/symbol)');
    case 'instant':
      if (v instanceof Date && !Number.isNaN(v.getTime())) return v;
      return fail(attr, v, 'a Date (:db.type/instant)');
    case 'uuid':
      if (v instanceof Uuid) return v;
      return fail(attr, v, 'a UUID (:db.type/uuid)');
    case 'bigint':
      if (typeof v === 'bigint') return v;
      if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
      return fail(attr, v, 'an integer (:db.type/bigint)');
    case 'bigdec':
      if (v instanceof BigDec) return v;
      if (typeof v === 'number' && Number.isFinite(v)) return BigDec.fromNumber(v);
      if (typeof v === 'bigint') return new BigDec(v, 0);
      return fail(attr, v, 'a decimal (:db.type/bigdec)');
    case 'bytes':
      if (v instanceof Uint8Array) return v;
      return fail(attr, v, 'bytes (:db.type/bytes, a Uint8Array)');
    case 'tuple':
      if (Array.isArray(v)) return v;
      return fail(attr, v, 'a tuple (:db.type/tuple, an array)');
    case 'value':
      return v;
  }
}

/** Checks a value of `attr`, including the element types of a tuple. */
export function checkValue(attribute: Attribute, v: unknown): unknown {
  const type = attribute.valueType;
  if (type === undefined) return v;
  const value = checkType(attribute.ident, type, v);
  if (type !== 'tuple') return value;
  const tuple = value as unknown[];
  if (attribute.tupleTypes !== undefined) {
    if (tuple.length !== attribute.tupleTypes.length)
      fail(attribute.ident, v, `a tuple of ${attribute.tupleTypes.length} elements`);
    return tuple.map((x, i) =>
      x === null ? null : checkType(attribute.ident, attribute.tupleTypes![i]!, x),
    );
  }
  if (attribute.tupleType !== undefined) {
    if (tuple.length > 8) fail(attribute.ident, v, 'a tuple of at most 8 values');
    return tuple.map((x) =>
      x === null ? null : checkType(attribute.ident, attribute.tupleType!, x),
    );
  }
  return tuple;
}
