/**
 * HTTP status for an error, by its code: the client's mistake is a 4xx with the error
 * (code, message, data) as the body; a 500 is a bug of ours.
 */

import { DatahikeError, isDatahikeError } from '../values/index.js';

const EXACT: Record<string, number> = {
  'database/not-found': 404,
  'connection/not-found': 404,
  'commit/not-found': 404,
  'branch/not-found': 404,
  'server/not-found': 404,
  'writer/conflict': 409,
  'store/exists': 409,
  'store/not-empty': 409,
  'server/forbidden': 403,
  'server/unauthorized': 401,
  'server/body-too-large': 413,
  'server/answer-too-large': 413,
  'server/rate-limited': 429,
  'server/quota': 429,
  'server/busy': 503,
  'server/out-of-memory': 503,
  'server/internal': 500,
  'server/unsupported-media-type': 415,
  'query/timeout': 503,
  'server/timeout': 503,
  'server/shutting-down': 503,
  'store/unavailable': 503,
  'store/full': 503,
  'store/io': 503,
  // The transaction may have committed: the client must check before it retries.
  'store/commit-unknown': 503,
  'connection/diverged': 409,
};

/** Prefixes whose errors come from a transaction that cannot be applied. */
const UNPROCESSABLE = ['transact/', 'schema/', 'lookup-ref/', 'entity-id/'];

export function statusOf(err: unknown): number {
  if (!isDatahikeError(err)) return 500;
  const exact = EXACT[err.code];
  if (exact !== undefined) return exact;
  if (UNPROCESSABLE.some((p) => err.code.startsWith(p))) return 422;
  if (err.code.startsWith('store/')) return 500;
  return 400;
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
