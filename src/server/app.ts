/**
 * The HTTP server: one route per remote-capable function of the API specification table
 * (`/<name>` in Datahike's spelling), its arguments as one list in JSON with tagged
 * literals, transit-json or EDN (`Content-Type`; the answer in the `Accept` format, else
 * the request's), plus `/health`, `/ready`, `/metrics`, `/openapi.json` and `/docs`.
 *
 * Referentially transparent functions answer GET (arguments in the body, as Datahike's
 * clients send them, or base64url-encoded in `?args=`), with `Cache-Control` and an ETag
 * when `:cache` is set; every route answers POST.
 */

import { createHash } from 'node:crypto';
import {
  createServer as createHttpServer,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  API,
  type ApiEntry,
  type InternalApi,
  internalApi,
  positionsOf,
  routePath,
} from '../api/index.js';
import { Connection, DurableBranch } from '../connection/index.js';
import { Db, DbView } from '../db/index.js';
import { DatahikeError, isDatahikeError, keyword, printValue } from '../values/index.js';
import {
  DEFAULT_MEDIA_TYPE,
  formats,
  pickFormat,
  type WireFormat,
  type WireTxReport,
} from '../wire/index.js';
import { Access } from './access.js';
import { Authenticator, type Principal, presentedCredential } from './auth.js';
import { setCacheHeaders } from './caching.js';
import type { ServerConfig } from './config.js';
import { checkDevRequest } from './dev-mode.js';
import { fromFastify, fromStackOverflow, statusOf } from './errors.js';
import { ServerHandles } from './handles.js';
import { retypeTxData } from './json-tx.js';
import {
  checkAnswerSize,
  checkTxDepth,
  Quota,
  RateLimiter,
  utf8Text,
  withQueryTimeout,
  withReadBudget,
} from './limits.js';
import { Metrics } from './metrics.js';
import { openApiDocument, SWAGGER_UI_CONFIG } from './openapi.js';
import { PathRedactor } from './redact.js';
import { ReadPool } from './workers/pool.js';
import { ConnectionConfigs, workerTargets } from './workers/route.js';

const K = {
  error: keyword('error'),
  code: keyword('code'),
  message: keyword('message'),
  data: keyword('data'),
};

export interface Server {
  readonly app: FastifyInstance;
  readonly config: ServerConfig;
  readonly handles: ServerHandles;
  /** Stops accepting, finishes what is in flight, releases every connection. */
  close(): Promise<void>;
}

/** Whom the rate limit counts a request against (before its credential is checked): its token, hashed. */
function credentialOf(req: FastifyRequest): string {
  const token = presentedCredential(req);
  return token === undefined
    ? 'anonymous'
    : createHash('sha256').update(token).digest('base64url').slice(0, 22);
}

/**
 * Checks the argument list against the entry's arities before the call, so that a wrong
 * count or a connection where a database belongs is a 400 naming the argument's position.
 */
function checkArgs(entry: ApiEntry, args: readonly unknown[]): void {
  const fits = entry.args.filter(
    (a) => a.length === args.length || (entry.variadic !== undefined && args.length >= a.length),
  );
  if (fits.length === 0)
    throw new DatahikeError(
      'server/bad-arguments',
      `${entry.name} takes ${entry.args.map((a) => `[${a.join(' ')}]`).join(' or ')}${entry.variadic === undefined ? '' : ` and more ${entry.variadic}`}, got ${args.length} argument(s).`,
      { route: entry.name, path: [], given: args.length },
    );
  for (const arity of fits)
    for (let i = 0; i < arity.length; i++) {
      const kind = arity[i];
      const x = args[i];
      const wrong =
        (kind === 'conn' && !(x instanceof Connection)) ||
        (kind === 'db' && !(x instanceof DbView));
      if (wrong && fits.length === 1)
        throw new DatahikeError(
          'server/bad-arguments',
          `${entry.name}: argument ${i} must be a ${kind === 'conn' ? 'connection (["!datahike/Connection", …] from /connect)' : 'database (["!datahike/DB", …] from /db)'}, got ${printValue(x)}.`,
          { route: entry.name, path: [i], expected: kind },
        );
    }
}

interface FeedEntry {
  readonly tx: number;
  /** The report with handles for its databases: the feed holds no database values. */
  readonly report: WireTxReport;
}

interface Feed {
  readonly recent: FeedEntry[];
  /** Datoms of the reports in `recent`. */
  datoms: number;
  readonly subscribers: Set<(r: FeedEntry) => void>;
}

const feeds = new WeakMap<Connection, Feed>();
const FEED_MEMORY = 1000;
/** Datoms the remembered reports may hold in all: large commits are forgotten sooner. */
const FEED_DATOMS = 1_000_000;
/** Bytes a /listen stream may have waiting for its client to read them. */
const MAX_STREAM_BUFFER = 16 * 1024 * 1024;

/**
 * The commits of a connection as a feed for `/listen`, with the last thousand kept (fewer
 * when they hold more than FEED_DATOMS datoms; the last one is always kept).
 */
function feedOf(conn: Connection, handles: ServerHandles): Feed {
  const feed = feeds.get(conn);
  if (feed !== undefined) return feed;
  const f: Feed = { recent: [], datoms: 0, subscribers: new Set() };
  conn.listen((report) => {
    handles.own(report, [conn]);
    const light: WireTxReport = {
      ...report,
      dbBefore: handles.toHandle(report.dbBefore) ?? null,
      dbAfter: handles.toHandle(report.dbAfter) ?? null,
    };
    const entry = { tx: report.txData[0]?.tx ?? report.dbAfter.maxTx, report: light };
    f.recent.push(entry);
    f.datoms += light.txData.length;
    while (f.recent.length > 1 && (f.recent.length > FEED_MEMORY || f.datoms > FEED_DATOMS))
      f.datoms -= f.recent.shift()!.report.txData.length;
    for (const s of f.subscribers) s(entry);
  });
  feeds.set(conn, f);
  return f;
}

/**
 * The commits `from <= tx < to` of a connection's branch as feed entries, read from its log
 * (their tempids empty and tx-meta nil: the log keeps the datoms).
 */
async function* loggedCommits(
  conn: Connection,
  from: number,
  to: number,
  handles: ServerHandles,
): AsyncGenerator<FeedEntry> {
  let before: unknown;
  for await (const e of conn.branch.txLog(from, to)) {
    if (before === undefined)
      before = e.parents[0] === undefined ? null : await conn.branch.commitDb(e.parents[0]);
    const after = await conn.branch.commitDb(e.commitId, e.tx);
    const report = {
      dbBefore: before,
      dbAfter: after,
      txData: e.datoms,
      tempids: new Map(),
      txMeta: null,
    };
    handles.own(report, [conn]);
    const light: WireTxReport = {
      ...(report as WireTxReport),
      dbBefore: handles.toHandle(before) ?? null,
      dbAfter: handles.toHandle(after) ?? null,
    };
    yield { tx: e.tx, report: light };
    before = after;
  }
}

/** Fewer bytes than any datom takes in any format's answer. */
const MIN_DATOM_BYTES = 8;

/** A request body past which the server lets the event loop turn between its phases. */
const LARGE_BODY = 1024 * 1024;

/** Lets the event loop turn: other requests (and /health) go on between the phases of a large one. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The body of a request Fastify did not parse (a GET), up to the limit. */
async function readBody(req: FastifyRequest, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.raw) {
    size += (chunk as Buffer).length;
    if (size > limit)
      throw new DatahikeError(
        'server/body-too-large',
        'The request body is larger than the server accepts (:body-limit).',
        {},
      );
    chunks.push(chunk as Buffer);
  }
  return utf8Text(Buffer.concat(chunks));
}

/** `api` runs the calls: the CLI passes the one it composed (writers elsewhere included). */
export async function createServer(
  config: ServerConfig,
  api: InternalApi = internalApi,
): Promise<Server> {
  const app = Fastify({
    bodyLimit: config.bodyLimit,
    logger: {
      level: config.level,
      redact: ['req.headers.authorization', 'req.headers.token'],
    },
    // Datahike's clients send GET requests with a body.
    routerOptions: { ignoreTrailingSlash: true },
    // A client that sends its request slowly (or never finishes it) loses the socket:
    // headers and the whole request are due within their timeouts, checked every second.
    serverFactory: (handler) =>
      createHttpServer(
        {
          headersTimeout: config.headersTimeoutMs,
          requestTimeout: config.requestTimeoutMs,
          connectionsCheckingInterval: 1000,
        },
        handler,
      ),
  });
  const rateLimiter =
    config.rateLimit === undefined
      ? undefined
      : new RateLimiter(config.rateLimit.perSecond, config.rateLimit.burst);
  const listenQuota = new Quota(
    'max-listen-streams',
    config.maxListenStreams,
    'open /listen streams',
  );
  const databaseQuota = new Quota('max-databases', config.maxDatabases, 'databases created');
  const connectionConfigs = new ConnectionConfigs();
  const pool =
    config.readWorkers === 0
      ? undefined
      : new ReadPool({
          size: config.readWorkers,
          memoryMb: config.workerMemoryMb,
          timeoutMs: config.timeoutMs,
          graceMs: 1000,
          maxAnswerBytes: config.maxAnswerBytes,
          maxReadRows: config.maxReadRows,
          warn: (m) => app.log.warn(m),
        });
  const handles = new ServerHandles();
  const auth = new Authenticator(config.token, config.credentials, config.devMode);
  const access = new Access(config.stores, handles);
  const redactor = new PathRedactor(config.dataDir, config.stores);
  /** Who each request comes from (set by `authorise`). */
  const principals = new WeakMap<FastifyRequest, Principal>();
  const principalOf = (req: FastifyRequest): Principal => {
    const p = principals.get(req);
    if (p === undefined)
      throw new DatahikeError('server/internal', 'A route skipped the credential check.', {});
    return p;
  };
  const metrics = new Metrics();
  let shuttingDown = false;
  /** Open event streams: ended at shutdown (they never finish by themselves). */
  const streams = new Set<ServerResponse>();

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, utf8Text(body as Buffer));
    } catch (err) {
      done(err as Error);
    }
  });

  await app.register(cors, {
    origin: (origin, cb) => {
      if (origin === undefined) return cb(null, true);
      const ok = config.allowOrigins.some((o) =>
        typeof o === 'string' ? o === origin : o.test(origin),
      );
      cb(null, ok);
    },
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: [
      'content-type',
      'accept',
      'authorization',
      'token',
      'if-none-match',
      'last-event-id',
    ],
    exposedHeaders: ['etag', 'datahike-stale-since'],
  });

  const document = openApiDocument();
  await app.register(swagger, { mode: 'static', specification: { document } } as never);
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: SWAGGER_UI_CONFIG });

  if (rateLimiter !== undefined)
    app.addHook('onRequest', async (req, reply) => {
      if (req.url === '/health' || req.url === '/ready') return;
      try {
        rateLimiter.take(credentialOf(req));
      } catch (err) {
        reply.header('retry-after', String((err as DatahikeError).data.retryAfter));
        throw err;
      }
    });

  app.addHook('onResponse', async (req, reply) => {
    metrics.observe(req.routeOptions.url ?? 'unknown', reply.statusCode, reply.elapsedTime / 1000);
  });

  function send(
    reply: FastifyReply,
    format: WireFormat,
    status: number,
    value: unknown,
  ): FastifyReply {
    let body: string;
    try {
      body = format.encode(value, handles);
    } catch (err) {
      if (status >= 400)
        body = JSON.stringify({ error: { code: 'server/unencodable', message: String(err) } });
      else throw err;
    }
    return reply.code(status).type(format.mediaType).send(body);
  }

  function errorBody(err: DatahikeError): Map<unknown, unknown> {
    let data: unknown = err.data;
    try {
      formats['application/json'].encode(data, handles);
    } catch {
      data = printValue(data);
    }
    return new Map([
      [
        K.error,
        new Map<unknown, unknown>([
          [K.code, err.code],
          [K.message, err.message],
          [K.data, data],
        ]),
      ],
    ]);
  }

  /** An error in a format, for event streams: its data printed if need be. */
  function encodeError(format: WireFormat, err: DatahikeError): string {
    try {
      return format.encode(errorBody(err), handles);
    } catch {
      return JSON.stringify({ error: { code: err.code, message: err.message } });
    }
  }

  /** The event of the last commit sent, by format: encoded once for all its subscribers. */
  let lastEvent: { entry: FeedEntry; byType: Map<string, string> } | undefined;

  /**
   * A commit as an event of a /listen stream in a format. One the format cannot carry, or
   * larger than `:max-answer-bytes`, reaches the subscriber as an error event: the stream
   * and the server go on.
   */
  function eventText(r: FeedEntry, format: WireFormat): string {
    if (lastEvent?.entry !== r) lastEvent = { entry: r, byType: new Map() };
    const byType = lastEvent.byType;
    const known = byType.get(format.mediaType);
    if (known !== undefined) return known;
    let text: string;
    try {
      const data = format.encode(r.report, handles);
      checkAnswerSize(data, config.maxAnswerBytes);
      text = `id: ${r.tx}\nevent: tx\ndata: ${data}\n\n`;
    } catch (err) {
      const e = isDatahikeError(err) ? err : new DatahikeError('wire/unencodable', String(err), {});
      text = `id: ${r.tx}\nevent: error\ndata: ${encodeError(format, e)}\n\n`;
    }
    byType.set(format.mediaType, text);
    return text;
  }

  /**
   * A result in the answer's format, within `:max-answer-bytes`. A write has committed by
   * now, so its report is never refused: one the format cannot carry (or too large) goes
   * out without its tx-data (the client reads the commit through the handle).
   */
  function encodeAnswer(entry: ApiEntry, format: WireFormat, result: unknown): string {
    // Only a commit's report (a write taking tx-data) goes out without its tx-data.
    const report = entry.right === 'write' && positionsOf(entry, 'tx').length > 0;
    const light = () =>
      format.encode({ ...(result as WireTxReport), txData: [], txMeta: null }, handles);
    // A report whose datoms alone are past the limit is not encoded whole first.
    if (report && (result as WireTxReport).txData.length * MIN_DATOM_BYTES > config.maxAnswerBytes)
      return light();
    try {
      const body = format.encode(result, handles);
      checkAnswerSize(body, config.maxAnswerBytes);
      return body;
    } catch (err) {
      if (!report) throw err;
      return light();
    }
  }

  function replyFormat(req: FastifyRequest): WireFormat {
    const request = pickFormat(req.headers['content-type']) ?? formats[DEFAULT_MEDIA_TYPE];
    return pickFormat(req.headers.accept) ?? request;
  }

  // Dev mode answers only requests addressed to a loopback name (DNS rebinding).
  if (config.devMode) app.addHook('onRequest', async (req) => checkDevRequest(req, false));

  app.setErrorHandler((err, req, reply) => {
    const found = isDatahikeError(err)
      ? err
      : (err as { code?: string }).code?.startsWith('FST_')
        ? fromFastify(err as never)
        : fromStackOverflow(err);
    if (found === null) {
      req.log.error({ err }, 'internal error');
      const internal = new DatahikeError(
        'server/internal',
        `Internal error: ${(err as Error).message}`,
        {},
      );
      return send(reply, replyFormat(req), 500, errorBody(redactor.redact(internal)));
    }
    const e = redactor.redact(found);
    return send(reply, replyFormat(req), statusOf(e), errorBody(e));
  });

  app.setNotFoundHandler((req, reply) =>
    send(
      reply,
      replyFormat(req),
      404,
      errorBody(new DatahikeError('server/not-found', `No route ${req.method} ${req.url}.`, {})),
    ),
  );

  /** The credential check; on API routes, dev mode also wants a JSON, transit or EDN body type. */
  const authorising = (api: boolean) => async (req: FastifyRequest) => {
    if (config.devMode) checkDevRequest(req, api);
    principals.set(req, await auth.principal(req));
  };
  const authorise = authorising(true);

  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) =>
    shuttingDown ? reply.code(503).send({ status: 'shutting down' }) : { status: 'ready' },
  );
  // GET /metrics is the Prometheus endpoint; with arguments, the API function of that route.
  const metricsEntry = API.find((e) => e.remote && routePath(e) === '/metrics');
  app.get('/metrics', { onRequest: [authorising(false)] }, async (req, reply) => {
    const hasArgs =
      (req.query as Record<string, unknown>).args !== undefined ||
      (typeof req.body === 'string' && req.body.trim().length > 0);
    if (hasArgs && metricsEntry !== undefined) return apiHandler(metricsEntry)(req, reply);
    let cached = 0;
    const flushes = { failures: 0, failing: 0 };
    for (const conn of handles.all())
      if (conn.branch instanceof DurableBranch) {
        cached += conn.branch.history.bytes;
        flushes.failures += conn.branch.flushFailures;
        if (conn.branch.lastFlushError !== null) flushes.failing++;
      }
    return reply.type('text/plain; version=0.0.4').send(metrics.text(cached, flushes));
  });
  app.get('/openapi.json', async () => document);

  /**
   * The decoded argument list of a request: from `?args=` (base64url), else the body
   * (Fastify leaves a GET's body unread; Datahike's clients put the arguments there).
   */
  const readText = async (req: FastifyRequest): Promise<string> => {
    const query = req.query as Record<string, string | undefined>;
    if (typeof query.args === 'string') return utf8Text(Buffer.from(query.args, 'base64url'));
    if (typeof req.body === 'string') return req.body;
    if (req.method !== 'GET') return '';
    // Read once: a read sent to a worker needs the text again.
    const text = await readBody(req, config.bodyLimit);
    (req as { body: unknown }).body = text;
    return text;
  };
  const readArgs = async (req: FastifyRequest, format: WireFormat): Promise<unknown> => {
    const text = await readText(req);
    return text.trim().length > 0 ? format.decode(text, handles) : [];
  };

  /**
   * `/listen`: a server-sent event per commit of a connection (`id:` its tx id, `event: tx`,
   * `data:` the report in the request's format). The stream opens with `event: ready`, whose
   * `id:` is the commit it starts after: the connection's current one, or the `Last-Event-ID`
   * a reconnecting client sends (it then first gets the commits it missed that this server
   * still remembers). Nothing falls between: every later commit follows, once, in order.
   */
  const listenHandler = (entry: ApiEntry) => async (req: FastifyRequest, reply: FastifyReply) => {
    const format = pickFormat(req.headers['content-type']) ?? formats[DEFAULT_MEDIA_TYPE];
    const outFormat = pickFormat(req.headers.accept) ?? format;
    const raw = await readArgs(req, format);
    access.admitListen(raw, principalOf(req), entry.name);
    const args = await handles.resolve(raw);
    const conn = Array.isArray(args) ? args[0] : undefined;
    if (!(conn instanceof Connection))
      throw new DatahikeError(
        'server/bad-arguments',
        `${routePath(entry)} takes [connection] (["!datahike/Connection", …] from /connect).`,
        { route: entry.name, path: [0] },
      );
    const feed = feedOf(conn, handles);
    const credential = principalOf(req).id;
    listenQuota.acquire(credential);
    try {
      await conn.latest();
    } catch (err) {
      listenQuota.release(credential);
      throw err;
    }
    const lastEventId = req.headers['last-event-id'];
    const resumed = typeof lastEventId === 'string' ? Number(lastEventId) : Number.NaN;
    // From here to the subscription nothing awaits, so no commit can come between.
    let sentUpTo = Number.isInteger(resumed) ? resumed : conn.db().maxTx;
    // A start point before the commits this server remembers: those in between are read
    // from the log once the stream is subscribed, live ones held back meanwhile.
    const gapEnd = Math.min(feed.recent[0]?.tx ?? Number.POSITIVE_INFINITY, conn.db().maxTx + 1);
    let held: FeedEntry[] | null = sentUpTo + 1 < gapEnd ? [] : null;
    const deliver = (r: FeedEntry) => {
      if (held !== null) held.push(r);
      else send(r);
    };
    // The headers set so far (CORS) go out too: a hijacked reply writes only what it is given.
    const set = reply.getHeaders() as OutgoingHttpHeaders;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...set,
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const send = (r: FeedEntry) => {
      if (r.tx <= sentUpTo) return;
      sentUpTo = r.tx;
      // A client that does not read its stream loses it (and reconnects from its
      // Last-Event-ID) instead of the server holding every commit for it; what the replay
      // of missed commits left waiting does not count (the feed's memory bounds it).
      if (res.writableLength > replayed + MAX_STREAM_BUFFER) {
        res.destroy();
        return;
      }
      res.write(eventText(r, outFormat));
    };
    res.write(`id: ${sentUpTo}\nevent: ready\ndata: ${outFormat.encode(sentUpTo, handles)}\n\n`);
    let replayed = Number.POSITIVE_INFINITY;
    const remembered = [...feed.recent];
    if (held === null) {
      for (const r of remembered) send(r);
      replayed = res.writableLength;
    }
    feed.subscribers.add(deliver);
    streams.add(res);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    // The response's close (the request's has fired once its body was read).
    res.on('close', () => {
      clearInterval(ping);
      feed.subscribers.delete(deliver);
      streams.delete(res);
      listenQuota.release(credential);
    });
    if (held === null) return;
    try {
      for await (const r of loggedCommits(conn, sentUpTo + 1, gapEnd, handles)) {
        if (res.destroyed) return;
        send(r);
        // The log may hold more than a stream should buffer: wait for the client.
        if (res.writableLength > MAX_STREAM_BUFFER)
          await new Promise((ok) => res.once('drain', ok));
      }
    } catch (err) {
      const e = isDatahikeError(err) ? err : new DatahikeError('store/io', String(err), {});
      res.write(`event: error\ndata: ${encodeError(outFormat, e)}\n\n`);
    }
    for (const r of remembered) send(r);
    const live = held;
    held = null;
    for (const r of live) send(r);
    replayed = res.writableLength;
  };

  const apiHandler = (entry: ApiEntry) => {
    const fn = api[entry.jsName] as (...args: unknown[]) => Promise<unknown>;
    // What the argument kinds ask of the server: tx-data sent as JSON is retyped by the
    // schema, a query runs under the server's timeout (configs are confined by `access`).
    const txAt = positionsOf(entry, 'tx').filter((i) => i > 0);
    const takesQuery = positionsOf(entry, 'query').includes(0);
    return async (req: FastifyRequest, reply: FastifyReply) => {
      if (shuttingDown)
        throw new DatahikeError('server/shutting-down', 'The server is shutting down.', {});
      const contentType = req.headers['content-type'];
      const inFormat = pickFormat(contentType);
      if (
        contentType !== undefined &&
        inFormat === undefined &&
        typeof req.body === 'string' &&
        req.body.length > 0
      )
        throw new DatahikeError(
          'server/unsupported-media-type',
          `Content-Type ${contentType} is not one of ${Object.keys(formats).join(', ')}.`,
          {},
        );
      const format = inFormat ?? formats[DEFAULT_MEDIA_TYPE];
      const outFormat = pickFormat(req.headers.accept) ?? format;
      const raw = await readArgs(req, format);
      const large = typeof req.body === 'string' && req.body.length > LARGE_BODY;
      if (large) await turn();
      if (!Array.isArray(raw))
        throw new DatahikeError(
          'server/bad-request',
          `The body must be the list of arguments (${entry.args.map((a) => `[${a.join(' ')}]`).join(' or ')}), got ${printValue(raw)}.`,
          { route: entry.name },
        );
      const principal = principalOf(req);
      const admitted = access.admit(entry, raw, principal, entry.right);
      // A read of databases on durable stores goes to a worker, with the request's text.
      const targets =
        pool?.ready && entry.worker === true
          ? workerTargets(admitted.args, handles, connectionConfigs)
          : undefined;
      if (targets !== undefined) {
        const answer = await pool!.run({
          fn: entry.jsName,
          text: await readText(req),
          inType: format.mediaType,
          outType: outFormat.mediaType,
          configs: targets,
        });
        if (answer.status !== 200)
          return reply.code(answer.status).type(answer.type).send(answer.body);
        return sendAnswer(req, reply, entry, outFormat, answer.body);
      }
      let args = (await handles.resolve(admitted.args)) as unknown[];
      checkArgs(entry, args);
      if (format.mediaType === 'application/json' && txAt.length > 0) {
        // The schema is the one of the connection or database the call is on.
        const target = args[0];
        const db =
          target instanceof Connection ? target.db() : target instanceof Db ? target : null;
        if (db !== null) args = args.map((x, i) => (txAt.includes(i) ? retypeTxData(db, x) : x));
      }
      if (takesQuery) args = withQueryTimeout(args, config.timeoutMs);
      for (const i of txAt) checkTxDepth(args[i]);
      if (large) await turn();
      if (entry.lifecycle === 'create') databaseQuota.acquire(principal.id);
      let result: unknown;
      try {
        const run = () => access.run(entry, fn, args, principal);
        // Reads of values (memory stores, here on the event loop) spend a budget as they go.
        const value = await (entry.worker ? withReadBudget(config, run) : run());
        result = access.finish(admitted, value, principal);
      } catch (err) {
        if (entry.lifecycle === 'create') databaseQuota.release(principal.id);
        throw err;
      }
      if (entry.lifecycle === 'delete') databaseQuota.release(principal.id);
      // A database read while the store did not answer is the last state known: say so.
      const stale = args[0] instanceof Connection ? args[0].staleness : null;
      if (stale !== null) reply.header('datahike-stale-since', stale.since.toISOString());
      if (result instanceof Connection) {
        handles.remember(result);
        connectionConfigs.note(result, args[0]);
        // Its commits are kept from now on, so that a listener that resumes after a restart
        // of this server gets the commits made before its stream came back.
        feedOf(result, handles);
      }
      if (args[0] instanceof Connection && args[0].isReleased) handles.forget(args[0]);
      if (entry.right === 'write') metrics.commits++;
      if (large) await turn();
      handles.own(result, args);
      return sendAnswer(req, reply, entry, outFormat, encodeAnswer(entry, outFormat, result));
    };
  };

  /** An answer's body, with caching headers for a GET that may be cached. */
  function sendAnswer(
    req: FastifyRequest,
    reply: FastifyReply,
    entry: ApiEntry,
    outFormat: WireFormat,
    body: string,
  ): FastifyReply {
    const cache = { maxAge: config.cacheMaxAge, public: config.cachePublic };
    if (setCacheHeaders(req, reply, entry.referentiallyTransparent, cache)) {
      const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
      reply.header('etag', etag);
      if (req.headers['if-none-match'] === etag) {
        metrics.notModified++;
        return reply.code(304).send();
      }
    }
    return reply.type(outFormat.mediaType).send(body);
  }

  for (const entry of API) {
    if (entry.events === 'subscribe')
      app.route({
        method: ['GET', 'POST'],
        url: routePath(entry),
        onRequest: [authorise],
        handler: listenHandler(entry),
      });
    if (!entry.remote) continue;
    const path = routePath(entry);
    // GET /metrics without arguments is the Prometheus endpoint (above).
    const methods: ('GET' | 'POST')[] =
      entry.referentiallyTransparent && path !== '/metrics' ? ['GET', 'POST'] : ['POST'];
    app.route({ method: methods, url: path, onRequest: [authorise], handler: apiHandler(entry) });
  }

  return {
    app,
    config,
    handles,
    async close() {
      shuttingDown = true;
      for (const res of streams) res.end();
      await app.close();
      await pool?.close();
      for (const conn of handles.all()) await api.release(conn, true).catch(() => undefined);
    },
  };
}
