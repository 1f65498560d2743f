/**
 * The remote peer: sends API calls to a datahike server and reads its answers.
 *
 * Arguments go as one list in the configured format (transit by default, JSON or EDN);
 * referentially transparent calls go as GET with `?args=` (cacheable by HTTP caches),
 * the others as POST. Reads are retried with backoff on network errors and 5xx answers;
 * writes only when the server refused the connection (so the request was never sent), and
 * a write whose answer was lost is `client/outcome-unknown`. After a server restart the
 * peer opens its connections again by itself (see `call`). Only `fetch` and web APIs are used, so this runs in a browser too
 * (Node's fetch pools keep-alive connections through undici).
 */

import { toExternal, toInternal } from '../api/convert.js';
import { isRemote } from '../api/remote.js';
import { type ApiEntry, apiEntry, routePath } from '../api/specification.js';
import {
  DatahikeError,
  type ErrorCode,
  isDatahikeError,
  isKeyword,
  Uuid,
} from '../values/index.js';
import {
  AsOfDbHandle,
  ConnectionHandle,
  DbHandle,
  EntityHandle,
  formats,
  type Handle,
  type HandleMapper,
  HistoricalDbHandle,
  type MediaType,
  SinceDbHandle,
} from '../wire/index.js';
import { RemoteConnection, RemoteDb, RemoteEntity } from './proxies.js';

export interface PeerOptions {
  readonly url: string;
  readonly token?: string;
  readonly format?: 'transit' | 'json' | 'edn';
  /** Per request, in ms (default 30 s). */
  readonly timeoutMs?: number;
  /** Attempts for a read that fails on the network or with a 5xx (default 3). */
  readonly retries?: number;
}

const MEDIA: Record<NonNullable<PeerOptions['format']>, MediaType> = {
  transit: 'application/transit+json',
  json: 'application/json',
  edn: 'application/edn',
};

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A connection handle's store and branch, as text (the server's error data names them so). */
function connectionKey(storeId: unknown, branch: unknown): string {
  const id = storeId instanceof Uuid ? storeId.str : String(storeId);
  return `${id}|${isKeyword(branch) ? branch.fqn : String(branch)}`;
}

/** Errors of a fetch that failed before it could send anything (connecting, resolving). */
const BEFORE_SENDING = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Whether a failed fetch never sent its request: no connection could be made (on every
 * address tried), or fetch refused the URL's port itself.
 */
function refusedBeforeSending(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown; message?: unknown; errors?: unknown } }).cause;
  if (cause === undefined || cause === null) return false;
  if (cause.message === 'bad port') return true;
  const codes = Array.isArray(cause.errors)
    ? cause.errors.map((e: { code?: unknown }) => e.code)
    : [cause.code];
  return codes.length > 0 && codes.every((c) => typeof c === 'string' && BEFORE_SENDING.has(c));
}

export class RemotePeer implements HandleMapper {
  readonly url: string;
  private readonly media: MediaType;
  /** The call that opened each connection (a `connect`), by store and branch. */
  private readonly opened = new Map<
    string,
    { readonly entry: ApiEntry; readonly args: readonly unknown[] }
  >();
  private readonly reconnecting = new Map<string, Promise<boolean>>();
  /** The listeners `run('listen', …)` started, by key: connection, callback, how to stop. */
  private readonly listeners = new Map<
    unknown,
    { conn: RemoteConnection; callback: unknown; stop: () => void }
  >();
  private listenerKeys = 0;

  constructor(readonly options: PeerOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.media = MEDIA[options.format ?? 'transit'];
    if (this.media === undefined)
      throw new DatahikeError(
        'config/invalid',
        `:remote-peer :format must be :transit, :json or :edn, got ${String(options.format)}.`,
        {},
      );
  }

  /** Same server, same token, same format: the same peer. */
  get key(): string {
    return `${this.url}|${this.options.token ?? ''}|${this.media}`;
  }

  toHandle(x: unknown): unknown | undefined {
    if (x instanceof RemoteConnection || x instanceof RemoteDb) return x.handle;
    if (x instanceof RemoteEntity) return new EntityHandle(x.db, x.id);
    return undefined;
  }

  fromHandle(h: Handle): unknown {
    if (h instanceof ConnectionHandle) return new RemoteConnection(this, h);
    if (
      h instanceof DbHandle ||
      h instanceof HistoricalDbHandle ||
      h instanceof AsOfDbHandle ||
      h instanceof SinceDbHandle
    )
      return new RemoteDb(this, h);
    if (h instanceof EntityHandle && h.db instanceof RemoteDb) {
      const attrs = new Map<string, unknown>();
      for (const [k, v] of h.attrs) attrs.set(isKeyword(k) ? k.fqn : String(k), toExternal(v));
      return new RemoteEntity(h.db, h.eid, attrs);
    }
    return h;
  }

  /**
   * Runs an API function (by its `jsName`) on the server, with the arguments as the caller
   * gave them (public or internal values, remote objects of this peer); resolves with the
   * result in internal values.
   */
  async run(jsName: string, args: readonly unknown[]): Promise<unknown> {
    const entry = apiEntry(jsName);
    if (entry?.events !== undefined) return this.listenCall(entry, args);
    if (entry === undefined || !entry.remote)
      throw new DatahikeError(
        'client/not-remote',
        `${jsName} cannot run on a server (it needs this process): call it on a local database.`,
        { function: jsName },
      );
    if (hasFunction(args))
      throw new DatahikeError(
        'client/not-remote',
        `${jsName} was given a JavaScript function, which cannot be sent to a server.`,
        { function: jsName },
      );
    return this.call(
      entry,
      args.map((a) => (isRemote(a) ? a : toInternal(a))),
    );
  }

  /**
   * The functions served as events (`listen`/`unlisten`) on a remote connection: server-sent
   * events from the server. Subscribing resolves once the server has subscribed the stream
   * (see `listen`).
   */
  private async listenCall(entry: ApiEntry, args: readonly unknown[]): Promise<unknown> {
    const conn = args[0];
    if (!(conn instanceof RemoteConnection))
      throw new DatahikeError(
        'client/not-remote',
        `${entry.jsName} needs a remote connection.`,
        {},
      );
    if (entry.events === 'unsubscribe') {
      this.listeners.get(args[1])?.stop();
      this.listeners.delete(args[1]);
      // The connection's listeners left, as a local unlisten answers.
      const left = new Map<unknown, unknown>();
      for (const [k, l] of this.listeners) if (l.conn === conn) left.set(k, l.callback);
      return left;
    }
    const [key, cb] =
      args.length > 2 ? [args[1], args[2]] : [`remote-listener-${++this.listenerKeys}`, args[1]];
    if (typeof cb !== 'function')
      throw new DatahikeError(
        'api/invalid-argument',
        `${entry.jsName}: expected a callback function.`,
        {},
      );
    const stop = await this.listen(entry, conn, cb as (r: unknown) => void);
    this.listeners.get(key)?.stop();
    this.listeners.set(key, { conn, callback: cb, stop });
    return key;
  }

  /**
   * Sends one API call. When the server no longer has the connection a handle names
   * (`connection/not-found`: it restarted), nothing of the call ran there: the peer connects
   * again with the config that opened the connection and sends the call once more.
   */
  async call(entry: ApiEntry, args: readonly unknown[]): Promise<unknown> {
    try {
      return await this.send(entry, args);
    } catch (err) {
      if (!isDatahikeError(err, 'connection/not-found') || !(await this.reconnect(err))) throw err;
      return this.send(entry, args);
    }
  }

  /** Opens again the connection a `connection/not-found` names; false when it was not opened here. */
  private reconnect(err: DatahikeError): Promise<boolean> {
    const data = err.data as { storeId?: unknown; branch?: unknown };
    const key = connectionKey(data.storeId, data.branch);
    const opening = this.opened.get(key);
    if (opening === undefined) return Promise.resolve(false);
    // Calls failing together share one reconnect.
    let running = this.reconnecting.get(key);
    if (running === undefined) {
      running = this.send(opening.entry, opening.args)
        .then(() => true)
        .finally(() => this.reconnecting.delete(key));
      this.reconnecting.set(key, running);
    }
    return running;
  }

  private async send(entry: ApiEntry, args: readonly unknown[]): Promise<unknown> {
    const format = formats[this.media];
    const body = format.encode(args, this);
    const path = `${this.url}${routePath(entry)}`;
    const read = entry.referentiallyTransparent;
    const headers: Record<string, string> = { 'content-type': this.media, accept: this.media };
    if (this.options.token !== undefined) headers.authorization = `token ${this.options.token}`;
    const attempts = this.options.retries ?? 3;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      let text: string;
      try {
        res = await fetch(read ? `${path}?args=${base64url(body)}` : path, {
          method: read ? 'GET' : 'POST',
          headers: read
            ? { accept: this.media, 'content-type': this.media, ...authOf(headers) }
            : headers,
          body: read ? undefined : body,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
        });
        // The answer can break off after its status: the request had reached the server.
        text = await res.text();
      } catch (err) {
        // A write is sent again only when it cannot have reached the server.
        const unsent = read || refusedBeforeSending(err);
        if (unsent && attempt < attempts) {
          await backoff(attempt);
          continue;
        }
        throw unsent ? this.unreachable(err, entry.name) : this.outcomeUnknown(err, entry.name);
      }
      if (read && res.status >= 500 && attempt < attempts) {
        await backoff(attempt);
        continue;
      }
      if (!res.ok) throw this.serverError(res.status, text, entry.name);
      const result = text.length === 0 ? null : format.decode(text, this);
      if (result instanceof RemoteConnection)
        this.opened.set(connectionKey(result.handle.storeId, result.handle.branch), {
          entry,
          args,
        });
      return result;
    }
  }

  /**
   * Follows a connection's commits (the route of an entry served as events, `/listen`). Resolves with the stop
   * function once the server has subscribed the stream: from then on every commit after the
   * connection's current one reaches `onReport`, once and in order. A dropped stream is
   * followed again with backoff, resuming after the last commit seen (`Last-Event-ID`). A
   * refusal (a 4xx: wrong token, unknown connection) ends listening instead of being retried:
   * at the start it is the rejection; later `onError` hears it, once.
   */
  listen(
    entry: ApiEntry,
    conn: RemoteConnection,
    onReport: (report: unknown) => void,
    onError: (err: DatahikeError) => void = (err) =>
      console.error(`datahike-ts: listening at ${this.url} stopped: ${err.message}`),
  ): Promise<() => void> {
    const format = formats[this.media];
    const args = base64url(format.encode([conn], this));
    let lastId: string | undefined;
    let stopped = false;
    let controller: AbortController | undefined;
    const stop = () => {
      stopped = true;
      controller?.abort();
    };
    /** One stream, until it ends or fails; `onReady` when the server has subscribed it. */
    const follow = async (onReady: () => void): Promise<void> => {
      const headers: Record<string, string> = { accept: this.media, 'content-type': this.media };
      if (this.options.token !== undefined) headers.authorization = `token ${this.options.token}`;
      if (lastId !== undefined) headers['last-event-id'] = lastId;
      controller = new AbortController();
      const res = await fetch(`${this.url}${routePath(entry)}?args=${args}`, {
        headers,
        signal: controller.signal,
      });
      if (!res.ok || res.body === null)
        throw this.serverError(res.status, await res.text(), entry.name);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      let subscribed = false;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          if (!subscribed)
            throw new Error('the event stream ended before the server subscribed it');
          return;
        }
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: string | undefined;
          let event: string | undefined;
          let data: string | undefined;
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data = line.slice(6);
          }
          if (id !== undefined) lastId = id;
          if (event === 'ready') {
            subscribed = true;
            onReady();
          } else if (data !== undefined) onReport(format.decode(data, this));
        }
      }
    };
    return new Promise((resolve, reject) => {
      let started = false;
      const attempts = this.options.retries ?? 3;
      void (async () => {
        for (let attempt = 1; !stopped; attempt++) {
          try {
            await follow(() => {
              attempt = 0;
              if (!started) resolve(stop);
              started = true;
            });
          } catch (err) {
            if (stopped) return;
            // The server restarted: open the connection again and follow it from there (a
            // reconnect that cannot reach the server is tried again, as the stream is).
            const reopened =
              isDatahikeError(err, 'connection/not-found') &&
              (await this.reconnect(err).catch(
                (e) => !(e instanceof DatahikeError && isRefusal(e)),
              ));
            const refused = !reopened && err instanceof DatahikeError && isRefusal(err);
            if (refused || (!started && attempt >= attempts)) {
              stopped = true;
              const failure =
                err instanceof DatahikeError ? err : this.unreachable(err, entry.name);
              if (started) onError(failure);
              else reject(failure);
              return;
            }
          }
          if (!stopped) await backoff(Math.min(Math.max(attempt, 1), 6));
        }
      })();
    });
  }

  private outcomeUnknown(err: unknown, route: string): DatahikeError {
    return new DatahikeError(
      'client/outcome-unknown',
      `The ${route} request went to the datahike server at ${this.url}, but no answer came back (${(err as Error).message}): it may or may not have been applied. Check before sending it again (a transaction: look for a value it wrote or its tx-meta).`,
      { url: this.url, route },
    );
  }

  private unreachable(err: unknown, route: string): DatahikeError {
    return new DatahikeError(
      'client/unreachable',
      `Cannot reach the datahike server at ${this.url} (${(err as Error).message}): is it running, and is the URL right?`,
      { url: this.url, route },
    );
  }

  private serverError(status: number, text: string, route: string): DatahikeError {
    let decoded: unknown;
    try {
      decoded = formats[this.media].decode(text, this);
    } catch {
      decoded = undefined;
    }
    const error = decoded instanceof Map ? [...decoded.values()][0] : undefined;
    if (error instanceof Map) {
      const field = (name: string) => {
        for (const [k, v] of error) if ((k as { fqn?: string }).fqn === name) return v;
        return undefined;
      };
      const data = field('data');
      // The server's code as it sent it (a newer server may know codes this table lacks).
      const code = String(field('code')) as ErrorCode;
      return new DatahikeError(code, String(field('message')), {
        ...(data instanceof Map
          ? Object.fromEntries(
              [...data].map(([k, v]) => [(k as { fqn?: string }).fqn ?? String(k), v]),
            )
          : {}),
        status,
        url: this.url,
      });
    }
    return new DatahikeError(
      'client/server-error',
      `The datahike server at ${this.url} answered ${route} with ${status}: ${text.slice(0, 200)}`,
      { status, url: this.url },
    );
  }
}

/** Whether a value holds a JavaScript function (which no format can send). */
function hasFunction(x: unknown, depth = 0): boolean {
  if (typeof x === 'function') return true;
  if (depth > 4 || x === null || typeof x !== 'object') return false;
  if (Array.isArray(x)) return x.some((y) => hasFunction(y, depth + 1));
  if (x instanceof Map) return [...x.values()].some((y) => hasFunction(y, depth + 1));
  if (Object.getPrototypeOf(x) === Object.prototype)
    return Object.values(x).some((y) => hasFunction(y, depth + 1));
  return false;
}

/** An answer that asking again will not change: a 4xx other than timeout and rate limit. */
function isRefusal(err: DatahikeError): boolean {
  const status = (err.data as { status?: unknown }).status;
  return (
    typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429
  );
}

function authOf(headers: Record<string, string>): Record<string, string> {
  return headers.authorization === undefined ? {} : { authorization: headers.authorization };
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt - 1)));
}
