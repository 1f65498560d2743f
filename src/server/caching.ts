/**
 * HTTP caching of API answers. Only a GET whose arguments are all in its URL (`?args=`) may
 * be kept by a cache: under one URL a body could carry other arguments, so such answers are
 * `no-store`. Answers depend on the credential and the formats asked for, so they vary on
 * those headers, and they are `private` (kept by the client's cache, not a shared proxy)
 * unless the server's config says its data is public (`:cache {:get {:max-age n :public true}}`).
 */

import type { FastifyReply, FastifyRequest } from 'fastify';

export interface CacheSettings {
  /** `max-age` for cacheable answers; undefined: none are cacheable. */
  readonly maxAge: number | undefined;
  readonly public: boolean;
}

export const VARY = 'accept, content-type, authorization, token';

/**
 * Sets `Cache-Control` and `Vary` on an API answer; true when the answer may be cached
 * (the caller then adds its ETag).
 */
export function setCacheHeaders(
  req: FastifyRequest,
  reply: FastifyReply,
  referentiallyTransparent: boolean,
  settings: CacheSettings,
): boolean {
  reply.header('vary', VARY);
  const inUrl = typeof (req.query as Record<string, unknown>).args === 'string';
  const cacheable =
    req.method === 'GET' && inUrl && referentiallyTransparent && settings.maxAge !== undefined;
  reply.header(
    'cache-control',
    cacheable
      ? `${settings.public ? 'public' : 'private'}, max-age=${settings.maxAge}`
      : 'no-store',
  );
  return cacheable;
}
