/**
 * Dev mode (no credential) is for a developer's own machine: the server listens on a
 * loopback address only, and answers only requests addressed to a loopback name (a page
 * that rebinds its own DNS name to 127.0.0.1 sends its own name as `Host`) and, on the API
 * routes, only requests with a JSON, transit or EDN `Content-Type` (a cross-site "simple"
 * POST from a web page can carry only form and text types, never these).
 */

import type { FastifyRequest } from 'fastify';
import { DatahikeError } from '../values/index.js';
import { formats } from '../wire/index.js';

/** Whether a host name (no port) is loopback: `localhost`, `*.localhost`, 127.0.0.0/8, `::1`. */
export function isLoopbackName(host: string): boolean {
  const h = host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
  );
}

/** The host name of a `Host` header, without its port. */
function hostName(header: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d*)?$/.exec(header.trim());
  return m === null ? '' : m[1]!;
}

/** Refuses a request dev mode must not answer (see above); `api` for the API routes. */
export function checkDevRequest(req: FastifyRequest, api: boolean): void {
  const host = req.headers.host;
  if (typeof host !== 'string' || !isLoopbackName(hostName(host)))
    throw new DatahikeError(
      'server/forbidden',
      'This server runs in dev mode (no credential) and answers only requests addressed to localhost or a loopback address.',
      {},
    );
  // The whole value, not a list: `text/plain, application/json` is a text/plain to a browser.
  const type = String(req.headers['content-type'] ?? '')
    .split(';', 1)[0]!
    .trim()
    .toLowerCase();
  if (api && !Object.hasOwn(formats, type))
    throw new DatahikeError(
      'server/unsupported-media-type',
      'In dev mode every API request needs a Content-Type of application/json, application/transit+json or application/edn (web pages cannot send those across sites without asking first).',
      {},
    );
}
