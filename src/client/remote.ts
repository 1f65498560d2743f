/**
 * The remote peer (`remote-peer` in a config): every API function given a remote
 * connection, database or entity, or a config naming a server, runs on that server.
 * Browser-safe: only the API table, value conversion, the wire and `fetch` are used.
 */

import { toInternal } from '../api/convert.js';
import type { RemoteDispatcher } from '../api/dispatch.js';
import { apiEntry } from '../api/specification.js';
import { parseEdn } from '../edn/index.js';
import { DatahikeError, isKeyword, keyword } from '../values/index.js';
import { RemotePeer } from './peer.js';
import { RemoteConnection, RemoteDb, RemoteEntity } from './proxies.js';

const REMOTE_PEER = keyword('remote-peer');
const peers = new Map<string, RemotePeer>();

function isRemote(x: unknown): x is RemoteConnection | RemoteDb | RemoteEntity {
  return x instanceof RemoteConnection || x instanceof RemoteDb || x instanceof RemoteEntity;
}

/** Longest array searched for remote objects: query inputs are short, tx-data need not be looked at. */
const SHORT = 16;

function isPlain(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype;
}

/**
 * A remote object among the arguments, or one level inside a short array, a map or an
 * object argument (`q({query, args: [db]})`). Cheap on purpose: every local call asks it.
 */
function remoteIn(
  args: readonly unknown[],
  depth = 0,
): RemoteConnection | RemoteDb | RemoteEntity | undefined {
  for (const a of args) {
    if (isRemote(a)) return a;
    if (depth > 1 || a === null || typeof a !== 'object') continue;
    let inner: readonly unknown[] | undefined;
    if (Array.isArray(a)) inner = a.length <= SHORT ? a : undefined;
    else if (a instanceof Map) inner = a.size <= SHORT ? [...a.values()] : undefined;
    else if (isPlain(a)) inner = Object.values(a).slice(0, SHORT);
    const r = inner === undefined ? undefined : remoteIn(inner, depth + 1);
    if (r !== undefined) return r;
  }
  return undefined;
}

/** Whether an argument may be a config naming a server: looked at without converting it. */
function mayNameServer(x: unknown): boolean {
  if (typeof x === 'string') return x.includes('remote-peer');
  if (x instanceof Map)
    return [...x.keys()].some((k) => (isKeyword(k) ? k.fqn : k) === 'remote-peer');
  return isPlain(x) && ('remote-peer' in x || ':remote-peer' in x);
}

/** The config as internal data, if the argument is one (object, Map or EDN text). */
function configData(x: unknown): Map<unknown, unknown> | undefined {
  const data = typeof x === 'string' ? safeEdn(x) : toInternal(x);
  return data instanceof Map ? data : undefined;
}

function safeEdn(text: string): unknown {
  try {
    return parseEdn(text);
  } catch {
    return undefined;
  }
}

function option(m: Map<unknown, unknown>, name: string): unknown {
  for (const [k, v] of m) if (isKeyword(k) && k.fqn === name) return v;
  return undefined;
}

/** The peer a `:remote-peer` or `:writer` map names (one per server, token and format). */
export function peerOf(spec: unknown): RemotePeer {
  if (!(spec instanceof Map))
    throw new DatahikeError(
      'config/invalid',
      'A :remote-peer or :writer must be a map {:backend :datahike-server :url "http://…" :token "…"}.',
      {},
    );
  const backend = option(spec, 'backend');
  const url = option(spec, 'url');
  if (!(isKeyword(backend) && backend.fqn === 'datahike-server') || typeof url !== 'string')
    throw new DatahikeError(
      'config/invalid',
      'A :remote-peer or :writer needs :backend :datahike-server and a :url.',
      {},
    );
  const token = option(spec, 'token');
  const format = option(spec, 'format');
  const timeout = option(spec, 'timeout');
  const retries = option(spec, 'retries');
  const peer = new RemotePeer({
    url,
    token: typeof token === 'string' ? token : undefined,
    format: (isKeyword(format) ? format.fqn : (format as string | undefined)) as never,
    timeoutMs: typeof timeout === 'number' ? timeout : undefined,
    retries: typeof retries === 'number' ? retries : undefined,
  });
  const known = peers.get(peer.key);
  if (known !== undefined) return known;
  peers.set(peer.key, peer);
  return peer;
}

function hasFunction(x: unknown, depth = 0): boolean {
  if (typeof x === 'function') return true;
  if (depth > 4 || x === null || typeof x !== 'object') return false;
  if (Array.isArray(x)) return x.some((y) => hasFunction(y, depth + 1));
  if (x instanceof Map) return [...x.values()].some((y) => hasFunction(y, depth + 1));
  if (Object.getPrototypeOf(x) === Object.prototype)
    return Object.values(x).some((y) => hasFunction(y, depth + 1));
  return false;
}

const listeners = new Map<unknown, () => void>();
let listenerKeys = 0;

/**
 * `listen`/`unlisten` on a remote connection: server-sent events from the server. `listen`
 * resolves once the server has subscribed the stream (see `RemotePeer.listen`).
 */
async function listenRemotely(jsName: string, args: readonly unknown[]): Promise<unknown> {
  const conn = args[0];
  if (!(conn instanceof RemoteConnection))
    throw new DatahikeError('client/not-remote', `${jsName} needs a remote connection.`, {});
  if (jsName === 'unlisten') {
    const stop = listeners.get(args[1]);
    listeners.delete(args[1]);
    stop?.();
    return stop !== undefined;
  }
  const [key, cb] =
    args.length > 2 ? [args[1], args[2]] : [`remote-listener-${++listenerKeys}`, args[1]];
  if (typeof cb !== 'function')
    throw new DatahikeError('api/invalid-argument', 'listen: expected a callback function.', {});
  const stop = await conn.peer.listen(conn, cb as (r: unknown) => void);
  listeners.get(key)?.();
  listeners.set(key, stop);
  return key;
}

export const remoteDispatcher: RemoteDispatcher = {
  claims(args) {
    if (remoteIn(args) !== undefined) return true;
    if (!mayNameServer(args[0])) return false;
    const cfg = configData(args[0]);
    return cfg !== undefined && option(cfg, 'remote-peer') !== undefined;
  },

  async call(jsName, args) {
    if (jsName === 'listen' || jsName === 'unlisten') return listenRemotely(jsName, args);
    const entry = apiEntry(jsName);
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
    const remote = remoteIn(args);
    let peer = remote instanceof RemoteEntity ? remote.db.peer : remote?.peer;
    let sent = args.map((a) => (isRemote(a) ? a : toInternal(a)));
    let attach: unknown;
    if (peer === undefined) {
      const cfg = configData(args[0])!;
      attach = option(cfg, 'remote-peer');
      peer = peerOf(attach);
      const stripped = new Map([...cfg].filter(([k]) => k !== REMOTE_PEER));
      sent = [stripped, ...sent.slice(1)];
    }
    const result = await peer.call(entry, sent);
    // As Datahike does: the config handed back names the server it lives on.
    if (jsName === 'createDatabase' && result instanceof Map) result.set(REMOTE_PEER, attach);
    return result;
  },
};
