/**
 * HTTP status for an error, by its code: the client's mistake is a 4xx with the error
 * (code, message, data) as the body; a 500 is a failure of ours.
 */

import { DatahikeError, isDatahikeError, statusOfCode } from '../values/index.js';

/** The status of a `DatahikeError` is its code's (values/error-codes.ts); anything else is a 500. */
export function statusOf(err: unknown): number {
  return isDatahikeError(err) ? statusOfCode(err.code) : 500;
}

/** Fastify's own errors (body parsing, limits) as ours. */
export function fromFastify(err: {
  code?: string;
  statusCode?: number;
  message: string;
}): DatahikeError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DatahikeError(
        'server/body-too-large',
        'The request body is larger than the server accepts (:body-limit).',
        {},
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new DatahikeError('server/unsupported-media-type', err.message, {});
    default:
      return new DatahikeError(
        (err.statusCode ?? 500) < 500 ? 'server/bad-request' : 'server/internal',
        err.message,
        {},
      );
  }
}

/**
 * A request that nested deeper than the code reading it could follow (past the parsers'
 * own depth limits): the stack ran out, which is the client's doing, not a failure of ours.
 */
export function fromStackOverflow(err: unknown): DatahikeError | null {
  if (!(err instanceof RangeError) || !err.message.includes('call stack')) return null;
  return new DatahikeError(
    'limit/exceeded',
    'The request nests deeper than this server follows: send flatter data, queries or patterns (limit max-depth).',
    { limit: 'max-depth' },
  );
}
