/**
 * Limits on what one value may cost to read: a number literal of a million digits or a
 * decimal exponent of a hundred million would take seconds (or all memory) to turn into a
 * bigint, whichever reader (EDN, JSON, transit) met it. Every limit that input or a
 * query can hit fails with `limit/exceeded`, naming the limit in `data.limit`.
 */

import { DatahikeError } from './error.js';

/** Digits a number literal may have (integer, bigint or decimal). */
export const MAX_NUMBER_DIGITS = 10_000;

/** The largest exponent (and scale) a decimal literal may have, either sign. */
export const MAX_DECIMAL_EXPONENT = 10_000;

/** The error for a limit an input or a query went past. */
export function limitExceeded(
  limit: string,
  max: number,
  message: string,
  data: Record<string, unknown> = {},
): never {
  throw new DatahikeError('limit/exceeded', `${message} (limit ${limit}: ${max}).`, {
    limit,
    max,
    ...data,
  });
}

/** Checks the digit count of an integer's text before it becomes a bigint. */
export function checkIntegerDigits(text: string): void {
  // A sign or a 0x prefix counts too: the limit is far from any real number.
  if (text.length > MAX_NUMBER_DIGITS)
    limitExceeded(
      'max-number-digits',
      MAX_NUMBER_DIGITS,
      `A number literal has ${text.length} characters`,
    );
}
