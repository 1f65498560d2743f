/**
 * Tx-data sent as JSON has no keywords unless tagged (`["!kw","name"]`), so, as Datahike's
 * server does, strings are retyped by the schema: values of keyword-typed attributes
 * (`:db/valueType`, `:db/cardinality`, `:db/unique`, `:db/ident` and user keyword
 * attributes) and of symbol attributes, operation names and attributes in list forms
 * (`["db/add", e, "name", v]`), and `["attr", v]` pairs in reference positions (lookup
 * refs). A leading colon is optional: `"db.type/string"` and `":db.type/string"` agree.
 */

import type { Db } from '../db/index.js';
import { isKeyword, type Keyword, keyword, sym } from '../values/index.js';

const SCHEMA_KEYWORDS = new Set([
  'db/ident',
  'db/valueType',
  'db/cardinality',
  'db/unique',
  'db/tupleType',
  'db/tupleTypes',
  'db/tupleAttrs',
]);

const kw = (s: string) => keyword(s.replace(/^:/, ''));

function attrOf(x: unknown): Keyword | undefined {
  if (isKeyword(x)) return x;
  if (typeof x === 'string' && x.length > 0) return kw(x);
  return undefined;
}

function retype(db: Db, a: Keyword, v: unknown): unknown {
  if (
    Array.isArray(v) &&
    !(db.schema.attr(a)?.isRef === true && v.length === 2 && typeof v[0] === 'string')
  )
    return v.map((x) => retype(db, a, x));
  const attr = db.schema.attr(a);
  if (SCHEMA_KEYWORDS.has(a.fqn) || attr?.valueType === 'keyword')
    return typeof v === 'string' ? kw(v) : v;
  if (attr?.valueType === 'symbol' && typeof v === 'string') return sym(v);
  if (attr?.isRef === true) return ref(db, v);
  return v;
}

/** A reference value: `["attr", v]` is a lookup ref; maps are nested entities. */
function ref(db: Db, v: unknown): unknown {
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string') return [kw(v[0]), v[1]];
  if (Array.isArray(v)) return v.map((x) => ref(db, x));
  if (v instanceof Map) return entity(db, v);
  return v;
}

function entity(db: Db, m: Map<unknown, unknown>): Map<unknown, unknown> {
  const out = new Map<unknown, unknown>();
  for (const [k, v] of m) {
    const a = attrOf(k);
    if (a === undefined) out.set(k, v);
    else if (a.fqn === 'db/id') out.set(k, ref(db, v));
    else if (a.name.startsWith('_'))
      out.set(k, ref(db, v)); // a reverse reference: entities pointing here
    else out.set(k, retype(db, a, v));
  }
  return out;
}

/** One form of tx-data, retyped. */
function form(db: Db, f: unknown): unknown {
  if (f instanceof Map) return entity(db, f);
  if (!Array.isArray(f) || f.length === 0 || typeof f[0] !== 'string') return f;
  const op = kw(f[0]);
  const [, e, a, ...rest] = f;
  const attr = attrOf(a);
  if (attr === undefined) return [op, ref(db, e), ...f.slice(2)];
  return [op, ref(db, e), attr, ...rest.map((v) => retype(db, attr, v))];
}

export function retypeTxData(db: Db, txData: unknown): unknown {
  return Array.isArray(txData) ? txData.map((f) => form(db, f)) : txData;
}
