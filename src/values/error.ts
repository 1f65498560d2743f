import type { ErrorCode } from './error-codes.js';

/**
 * The one error type every layer raises. `code` is stable (tests, clients and the HTTP
 * server rely on it; the codes and their HTTP statuses are listed in error-codes.ts); `message` says what to fix; `data` carries the offending input.
 */
export class DatahikeError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    data: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'DatahikeError';
    this.code = code;
    this.data = data;
  }
}

export function isDatahikeError(x: unknown, code?: ErrorCode): x is DatahikeError {
  return x instanceof DatahikeError && (code === undefined || x.code === code);
}
