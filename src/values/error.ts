/**
 * The one error type every layer raises. `code` is stable (tests, clients and the HTTP
 * server rely on it); `message` says what to fix; `data` carries the offending input.
 */
export class DatahikeError extends Error {
  readonly code: string;
  readonly data: Record<string, unknown>;

  constructor(code: string, message: string, data: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'DatahikeError';
    this.code = code;
    this.data = data;
  }
}

export function isDatahikeError(x: unknown, code?: string): x is DatahikeError {
  return x instanceof DatahikeError && (code === undefined || x.code === code);
}
