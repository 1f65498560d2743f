/**
 * Binding a value (an :in input, a function result) to a binding form: a scalar, `_`, a
 * tuple `[?a ?b]`, a collection `[?x ...]` or a relation `[[?a ?b]]`. A map is a collection
 * of its `[key value]` entries, as in Clojure. A value that does not fit the form is an
 * error (`query/binding`), as in DataScript.
 */

import { DatahikeError, printValue } from '../values/index.js';
import { type Binding, bindingText } from './parse.js';

function misfit(message: string, b: Binding, value: unknown): never {
  throw new DatahikeError('query/binding', message, { binding: bindingText(b), value });
}

/** The items of a collection value, or undefined when it is not one. */
function itemsOf(value: unknown): readonly unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (value instanceof Set) return [...value];
  if (value instanceof Map) return [...value].map(([k, v]) => [k, v]);
  return undefined;
}

/**
 * Rows over bindingVars(b) that a value binds to. Nil binds a scalar (as in DataScript and
 * Datahike, an input or element may be nil) and is an empty collection; a function result
 * of nil binds nothing, which its caller sees to.
 */
export function bindValue(b: Binding, value: unknown): unknown[][] {
  if (value === undefined) value = null;
  switch (b.kind) {
    case 'scalar':
      return [[value]];
    case 'blank':
      return [[]];
    case 'tuple': {
      if (value === null)
        misfit(`Not enough elements in nil to bind the tuple ${bindingText(b)}.`, b, value);
      if (!Array.isArray(value))
        misfit(`Cannot bind ${printValue(value)} to the tuple ${bindingText(b)}.`, b, value);
      if (value.length < b.items.length)
        misfit(
          `Not enough elements in ${printValue(value)} to bind the tuple ${bindingText(b)}.`,
          b,
          value,
        );
      let rows: unknown[][] = [[]];
      b.items.forEach((item, i) => {
        const sub = bindValue(item, value[i]);
        rows = rows.flatMap((r) => sub.map((s) => [...r, ...s]));
      });
      return rows;
    }
    case 'coll':
    case 'rel': {
      if (value === null) return [];
      const xs = itemsOf(value);
      if (xs === undefined)
        misfit(`Cannot bind ${printValue(value)} to the collection ${bindingText(b)}.`, b, value);
      const item: Binding = b.kind === 'coll' ? b.item : { kind: 'tuple', items: b.items };
      if (item.kind === 'scalar') return xs.map((x) => [x ?? null]);
      return xs.flatMap((x) => bindValue(item, x));
    }
  }
}
