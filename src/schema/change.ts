/**
 * Which checks against existing data a schema change needs. The rules are Datahike's:
 * a change is allowed when the data already satisfies the new definition.
 */

import type { Attribute } from './attribute.js';

export type SchemaCheck =
  /** The type changed: only allowed while no datom uses the attribute. */
  | 'unused'
  /** many → one: no entity may hold more than one value. */
  | 'at-most-one-value'
  /** Uniqueness added: no two entities may share a value. */
  | 'distinct-values';

function sameList<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  return a.every((x, i) => x === b[i]);
}

export function checksForChange(before: Attribute, after: Attribute): SchemaCheck[] {
  const checks: SchemaCheck[] = [];
  if (
    before.valueType !== after.valueType ||
    !sameList(before.tupleAttrs, after.tupleAttrs) ||
    !sameList(before.tupleTypes, after.tupleTypes) ||
    before.tupleType !== after.tupleType
  )
    checks.push('unused');
  if (before.many && !after.many) checks.push('at-most-one-value');
  if (before.unique === undefined && after.unique !== undefined) checks.push('distinct-values');
  return checks;
}
