/**
 * A TCP proxy in front of a server (PostgreSQL, an HTTP server) that a test can make
 * misbehave as a network does: cut every connection, stall (hold what is sent, answer
 * nothing, then drop it or deliver it late), or refuse connections (the server is down).
 */
import { connect, createServer, type Socket } from 'node:net';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Bytes from the client held while stalled. */
  held: Buffer[];
}

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Destroys every open connection. */
  cut(): void;
  /** Holds what clients send and answers nothing, on open and new connections. */
  stall(): void;
  /**
   * Ends a stall: `deliver` sends what was held on to the server (requests that arrive
   * late, after their client gave up), else the held connections are cut. Forwards again.
   */
  heal(opts?: { deliver?: boolean }): void;
  /** Refuses every connection (and cuts the open ones) until `heal`. */
  down(): void;
  close(): Promise<void>;
}

export async function tcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let mode: 'up' | 'stalled' | 'down' = 'up';
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    if (mode === 'down') {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    const pair: Pair = { client, upstream, held: [] };
    pairs.add(pair);
    client.on('data', (chunk) => {
      if (mode === 'stalled') pair.held.push(chunk);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      // While stalled nothing comes back.
      if (mode !== 'stalled') client.write(chunk);
    });
    const end = () => {
      // A stalled request outlives its client: it may still be delivered.
      if (pair.held.length > 0 && mode === 'stalled') return;
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', end);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const cutAll = () => {
    for (const p of pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    get accepted() {
      return accepted;
    },
    cut: cutAll,
    stall() {
      mode = 'stalled';
    },
    heal(opts = {}) {
      const stalled = [...pairs].filter((p) => p.held.length > 0 || p.client.destroyed);
      mode = 'up';
      for (const p of stalled) {
        if (opts.deliver === true && !p.upstream.destroyed) {
          for (const chunk of p.held) p.upstream.write(chunk);
          p.held = [];
          // The client is gone: let the server finish, then close.
          if (p.client.destroyed) p.upstream.end();
        } else {
          pairs.delete(p);
          p.client.destroy();
          p.upstream.destroy();
        }
      }
    },
    down() {
      mode = 'down';
      cutAll();
    },
    close() {
      cutAll();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
