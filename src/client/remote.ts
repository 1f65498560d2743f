/**
 * The remote peer's route for configs (`remote-peer` in a config): `connect`,
 * `createDatabase`, `deleteDatabase` and `databaseExists` on a config naming a server run
 * on that server, which hands back remote connections; calls on those, and on the remote
 * databases and entities they lead to, run there by themselves (proxies.ts). Browser-safe:
 * only the API table, value conversion, the wire and `fetch` are used.
 */

import { toInternal } from '../api/convert.js';
import type { ConfigRoute } from '../api/remote.js';
import { apiEntry } from '../api/specification.js';
import { parseEdn } from '../edn/index.js';
import { isKeyword, keyword } from '../values/index.js';
import type { Peers } from './peers.js';

const REMOTE_PEER = keyword('remote-peer');

function isPlain(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype;
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

/** Calls on configs with `:remote-peer`, sent through the peer `peers` has for its server. */
export function remotePeerRoute(peers: Peers): ConfigRoute {
  return {
    claims(config) {
      if (!mayNameServer(config)) return false;
      const cfg = configData(config);
      return cfg !== undefined && option(cfg, 'remote-peer') !== undefined;
    },

    async call(jsName, args) {
      const cfg = configData(args[0])!;
      const attach = option(cfg, 'remote-peer');
      const peer = peers.of(attach);
      const stripped = new Map([...cfg].filter(([k]) => k !== REMOTE_PEER));
      const result = await peer.run(jsName, [stripped, ...args.slice(1)]);
      // As Datahike does: the config handed back names the server it lives on.
      if (apiEntry(jsName)?.returns === 'config' && result instanceof Map)
        result.set(REMOTE_PEER, attach);
      return result;
    },
  };
}
