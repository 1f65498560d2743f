/**
 * What the server refuses so that no request can stop it or starve the others: bodies
 * that are not UTF-8, answers beyond `:max-answer-bytes`, transactions whose values no
 * answer could carry, query timeouts beyond the server's, and (see `RateLimiter`,
 * `Quota`) clients that ask too often or hold too much.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { isUtf8 } from 'node:buffer';
import {
  DatahikeError,
  keyword,
  limitExceeded,
  provideBudgets,
  ReadBudget,
} from '../values/index.js';
import { MAX_DEPTH } from '../wire/index.js';

const budgets = new AsyncLocalStorage<ReadBudget>();
// The engine finds the budget of the request it runs for here (in any thread of the server).
provideBudgets(() => budgets.getStore());

/**
 * Runs a read of database values under a budget: the server's `:timeout` and
 * `:max-read-rows`, which the engine checks as it goes (see `ReadBudget`).
 */
export function withReadBudget<T>(
  limits: { readonly timeoutMs: number; readonly maxReadRows: number },
  read: () => Promise<T>,
): Promise<T> {
  const { timeoutMs, maxReadRows } = limits;
  return budgets.run(new ReadBudget(Date.now() + timeoutMs, maxReadRows, timeoutMs), read);
}

/** A request body or `?args=` as text: invalid UTF-8 is a 400, never replaced silently. */
export function utf8Text(bytes: Buffer): string {
  if (!isUtf8(bytes))
    throw new DatahikeError(
      'wire/malformed',
      'The request is not valid UTF-8: send the arguments as UTF-8 text.',
      {},
    );
  return bytes.toString('utf8');
}

/** Refuses an answer larger than the server sends (`:max-answer-bytes`). */
export function checkAnswerSize(body: string, max: number): void {
  // A string of n UTF-16 units is at least n bytes of UTF-8: count only when it may be over.
  if (body.length <= max / 3) return;
  const bytes = Buffer.byteLength(body);
  if (bytes > max)
    throw new DatahikeError(
      'server/answer-too-large',
      `The answer is ${bytes} bytes, more than this server sends (:max-answer-bytes ${max}): ask for less (a :limit, fewer attributes, a narrower query).`,
      { limit: 'max-answer-bytes', max, size: bytes },
    );
}

/**
 * How deep a value in tx-data may nest: its datom sits three levels down in the report
 * (report, tx-data, datom), and a report must stay encodable in every format.
 */
export const MAX_VALUE_DEPTH = MAX_DEPTH - 10;

/** Refuses tx-data with values nested deeper than any answer could carry, before it commits. */
export function checkTxDepth(txData: unknown): void {
  const walk = (x: unknown, depth: number): void => {
    if (typeof x !== 'object' || x === null) return;
    if (depth > MAX_VALUE_DEPTH)
      limitExceeded(
        'max-value-depth',
        MAX_VALUE_DEPTH,
        'The transaction has values nested deeper than a report can carry',
      );
    if (Array.isArray(x) || x instanceof Set) for (const y of x) walk(y, depth + 1);
    else if (x instanceof Map)
      for (const [k, v] of x) {
        walk(k, depth + 1);
        walk(v, depth + 1);
      }
  };
  walk(txData, 0);
}

const Q = { query: keyword('query'), args: keyword('args'), timeout: keyword('timeout') };

/**
 * The arguments of `q` (or `query-stats`) in map form with a timeout no longer than the
 * server's: a request may ask for less time, never for more (or for none).
 */
export function withQueryTimeout(args: readonly unknown[], maxMs: number): unknown[] {
  const first = args[0];
  if (!(first instanceof Map) || !first.has(Q.query))
    return [
      new Map<unknown, unknown>([
        [Q.query, first],
        [Q.args, args.slice(1)],
        [Q.timeout, maxMs],
      ]),
    ];
  const asked = first.get(Q.timeout);
  const ms = typeof asked === 'number' && asked >= 0 ? Math.min(asked, maxMs) : maxMs;
  return [new Map([...first, [Q.timeout, ms]]), ...args.slice(1)];
}

/**
 * Requests per credential as a token bucket: `burst` at once, refilled at `perSecond`.
 * The server is Fastify, whose `@fastify/rate-limit` would do this, but it is not among
 * the dependencies; a bucket per credential is all the server needs (one process, no
 * shared store), and it keys on the credential the server already resolved.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
  ) {}

  /** Takes one token for the credential, or throws `server/rate-limited` (429). */
  take(credential: string, now = Date.now()): void {
    let b = this.buckets.get(credential);
    if (b === undefined) {
      // Forget idle credentials now and then, so that the map stays small.
      if (this.buckets.size > 10_000) this.sweep(now);
      b = { tokens: this.burst, at: now };
      this.buckets.set(credential, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens < 1) {
      const waitS = Math.ceil((1 - b.tokens) / this.perSecond);
      throw new DatahikeError(
        'server/rate-limited',
        `Too many requests: this server answers ${this.perSecond} a second per credential (:rate-limit); retry in ${waitS} s.`,
        { limit: 'rate-limit', max: this.perSecond, retryAfter: waitS },
      );
    }
    b.tokens -= 1;
  }

  private sweep(now: number): void {
    for (const [k, b] of this.buckets)
      if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(k);
  }
}

/** What one credential holds at a time (open streams, databases created), under a cap. */
export class Quota {
  private readonly held = new Map<string, number>();

  constructor(
    /** The config key that sets the cap, for the error. */
    readonly limit: string,
    readonly max: number,
    readonly what: string,
  ) {}

  /** Counts one more for the credential, or throws `server/quota` (429). */
  acquire(credential: string): void {
    const n = this.held.get(credential) ?? 0;
    if (n >= this.max)
      throw new DatahikeError(
        'server/quota',
        `This credential already has ${n} ${this.what}, as many as this server allows (:${this.limit} ${this.max}).`,
        { limit: this.limit, max: this.max },
      );
    this.held.set(credential, n + 1);
  }

  release(credential: string): void {
    const n = this.held.get(credential) ?? 0;
    if (n <= 1) this.held.delete(credential);
    else this.held.set(credential, n - 1);
  }
}
