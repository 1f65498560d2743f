/**
 * `indexPull` as Datomic has it: walk :avet or :aevt from a start within one attribute,
 * forwards or backwards, and pull each datom's entity with a selector; `offset` datoms are
 * skipped and at most `limit` pulled. On a current database a forward walk stops at the
 * limit; a backward one, and one on a view (as-of, history, filtered), reads the range first.
 */

import { componentsBound, Db, type DbView, whenLoaded } from '../db/index.js';
import { boundDatom, type Datom, PREFIX_ORDER } from '../index/datom.js';
import { pullMany } from '../pull/index.js';
import { isKeyword, type Keyword, keyword, printValue } from '../values/index.js';
import { argError, asDb, indexArgs, pullArgs } from './arguments.js';
import { toInternal } from './convert.js';

const K = {
  index: keyword('index'),
  start: keyword('start'),
  reverse: keyword('reverse'),
  offset: keyword('offset'),
  limit: keyword('limit'),
};

interface Options {
  readonly index: 'avet' | 'aevt';
  readonly start: unknown[];
  readonly reverse: boolean;
  readonly offset: number;
  readonly limit: number;
}

function count(name: string, x: unknown, fallback: number): number {
  if (x === undefined || x === null) return fallback;
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return x;
  return argError('indexPull', `${name} must be a whole number, got ${printValue(x)}.`);
}

function options(x: unknown): Options {
  const o = toInternal(x);
  if (!(o instanceof Map)) return argError('indexPull', 'expected { index, selector, start }.');
  const get = (k: Keyword) => o.get(k);
  const ix = get(K.index);
  const name = isKeyword(ix) ? ix.fqn : typeof ix === 'string' ? ix.replace(/^:/, '') : ix;
  if (name !== 'avet' && name !== 'aevt')
    argError('indexPull', `index must be :avet or :aevt, got ${printValue(ix)}.`);
  const start = get(K.start);
  if (!Array.isArray(start) || start.length === 0 || !isKeyword(start[0]))
    argError(
      'indexPull',
      `start must be a vector that begins with an attribute, got ${printValue(start)}.`,
    );
  const reverse = get(K.reverse) ?? false;
  if (typeof reverse !== 'boolean')
    argError('indexPull', `reverse must be a boolean, got ${printValue(reverse)}.`);
  return {
    index: name,
    start,
    reverse,
    offset: count('offset', get(K.offset), 0),
    limit: count('limit', get(K.limit), Number.POSITIVE_INFINITY),
  };
}

/** The datoms of the walk, after `offset`, at most `limit`. */
function walk(db: DbView, o: Options, components: unknown[]): Datom[] {
  // The attribute leads both orders' components.
  const attr = components[0] as Keyword;
  const from = componentsBound(o.index, components);
  const whole = boundDatom(undefined, attr);
  const end = o.offset + o.limit;
  if (db instanceof Db) {
    const tree = db.tree(o.index);
    const cmp = PREFIX_ORDER[o.index];
    const out: Datom[] = [];
    let i = 0;
    if (!o.reverse) {
      tree.forEachInRange(from, whole, cmp, (d) => {
        if (i++ >= o.offset) out.push(d);
        return i < end;
      });
      return out;
    }
    return tree.rsliceToArray(from, whole, cmp).slice(o.offset, end);
  }
  const all = db.select(o.index, from, whole, o.reverse);
  return all.slice(o.offset, end);
}

/** The pulls of the entities of the datoms an index walk meets (see the header). */
export async function indexPull(database: DbView, opts: unknown): Promise<unknown[]> {
  const d = asDb('indexPull', database);
  const o = options(opts);
  const { pattern } = pullArgs('indexPull', [opts]);
  return whenLoaded([d], () => {
    const { components } = indexArgs('indexPull', d, [o.index, ...o.start]);
    return pullMany(
      d,
      pattern,
      walk(d, o, components).map((x) => x.e),
    );
  });
}
