/**
 * The peers of one program, one per server, token and format, so that every connection
 * to a server shares the peer that knows how to open them again after a restart. The
 * program makes one where it composes the API and hands it to the client's routes and
 * writers.
 */

import { DatahikeError, isKeyword } from '../values/index.js';
import { RemotePeer } from './peer.js';

function option(m: ReadonlyMap<unknown, unknown>, name: string): unknown {
  for (const [k, v] of m) if (isKeyword(k) && k.fqn === name) return v;
  return undefined;
}

/** Whether a `:remote-peer` or `:writer` map names a datahike server. */
export function namesServer(spec: ReadonlyMap<unknown, unknown>): boolean {
  const backend = option(spec, 'backend');
  return isKeyword(backend) && backend.fqn === 'datahike-server';
}

export class Peers {
  private readonly peers = new Map<string, RemotePeer>();

  /** The peer a `:remote-peer` or `:writer` map names. */
  of(spec: unknown): RemotePeer {
    if (!(spec instanceof Map))
      throw new DatahikeError(
        'config/invalid',
        'A :remote-peer or :writer must be a map {:backend :datahike-server :url "http://…" :token "…"}.',
        {},
      );
    const url = option(spec, 'url');
    if (!namesServer(spec) || typeof url !== 'string')
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
    const known = this.peers.get(peer.key);
    if (known !== undefined) return known;
    this.peers.set(peer.key, peer);
    return peer;
  }
}
