/**
 * What one call of a built-in function may make: a query is data from anyone the server
 * lets in, and `(rand 1000000000 ?x)` or a rule doubling a string each round would
 * otherwise take every byte of the process. Past a limit the query fails with
 * `limit/exceeded` naming it (see `values/limits.ts`). Regular expressions run on re2js,
 * a linear-time engine, so no pattern can backtrack for ever.
 */

import { RE2JS } from 're2js';
import { DatahikeError, limitExceeded, MAX_NUMBER_DIGITS } from '../values/index.js';

/** Items a built-in may make in one call: `(rand n ?x)`, `(sample n ?x)`, `range`. */
export const MAX_COLLECTION = 1_000_000;

/** Characters a string built by `str`, `pr-str` and the like may have. */
export const MAX_STRING = 1024 * 1024;

/** Characters of a regular expression's pattern. */
export const MAX_PATTERN = 10_000;

export function checkCount(fn: string, n: number): number {
  if (n > MAX_COLLECTION)
    limitExceeded('max-collection', MAX_COLLECTION, `${fn} asks for ${n} items`);
  return n;
}

/** Joins texts, refusing before it builds one longer than MAX_STRING. */
export function joinLimited(fn: string, parts: readonly string[], sep = ''): string {
  let length = sep.length * Math.max(0, parts.length - 1);
  for (const p of parts) length += p.length;
  if (length > MAX_STRING)
    limitExceeded('max-string', MAX_STRING, `${fn} would make a string of ${length} characters`);
  return parts.join(sep);
}

const BIGINT_BOUND = 10n ** BigInt(MAX_NUMBER_DIGITS);

/** A bigint result of arithmetic, refused when it has more digits than a literal may. */
export function checkBigint(fn: string, n: bigint): bigint {
  if (n >= BIGINT_BOUND || n <= -BIGINT_BOUND)
    limitExceeded('max-number-digits', MAX_NUMBER_DIGITS, `${fn} made an integer too large`);
  return n;
}

const compiled = new Map<string, RE2JS>();

/** A pattern's linear-time program (cached), from the pattern text and JavaScript flags. */
export function linearRegex(source: string, flags: string): RE2JS {
  const key = `${flags}/${source}`;
  const hit = compiled.get(key);
  if (hit !== undefined) return hit;
  if (source.length > MAX_PATTERN)
    limitExceeded(
      'max-pattern',
      MAX_PATTERN,
      `A regular expression has ${source.length} characters`,
    );
  let f = 0;
  if (flags.includes('i')) f |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) f |= RE2JS.MULTILINE;
  if (flags.includes('s')) f |= RE2JS.DOTALL;
  let re: RE2JS;
  try {
    re = RE2JS.compile(source, f);
  } catch (err) {
    throw new DatahikeError(
      'query/type',
      `re-pattern: ${(err as Error).message} (patterns use RE2 syntax: no backreferences or lookahead).`,
      { pattern: source },
    );
  }
  if (compiled.size >= 500) compiled.clear();
  compiled.set(key, re);
  return re;
}
