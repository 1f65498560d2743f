/**
 * For the security tests: calls to a server process as an attacker makes them (JSON, any
 * headers), and a reference database whose answer must not change whatever was tried.
 */

import { expect } from 'vitest';

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
  readonly text: string;
}

export const JSON_TYPE = { 'content-type': 'application/json' };

/** POSTs the argument list (JSON text or a value) to a route. */
export async function call(
  url: string,
  route: string,
  args: unknown,
  headers: Record<string, string> = {},
  method: 'GET' | 'POST' = 'POST',
): Promise<Answer> {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: { ...JSON_TYPE, ...headers },
    body: typeof args === 'string' ? args : JSON.stringify(args),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body, text };
}

export const edn = (s: string) => [s];

/** The reference database: created once, then read back after every attack. */
export class Reference {
  private conn: unknown;
  readonly config = '{:store {:backend :file :id "reference"} :schema-flexibility :read}';

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  async create(): Promise<void> {
    expect((await call(this.url, '/create-database', [this.config], this.headers)).status).toBe(
      200,
    );
    this.conn = (await call(this.url, '/connect', [this.config], this.headers)).body;
    const tx = await call(
      this.url,
      '/transact',
      [this.conn, [{ who: 'ann' }, { who: 'bob' }]],
      this.headers,
    );
    expect(tx.status).toBe(200);
  }

  get connection(): unknown {
    return this.conn;
  }

  /** The server is up, and the reference database holds what it held. */
  async check(): Promise<void> {
    expect((await fetch(`${this.url}/health`)).status).toBe(200);
    const db = (await call(this.url, '/db', [this.conn], this.headers)).body;
    const q = await call(this.url, '/q', ['[:find [?w ...] :where [_ :who ?w]]', db], this.headers);
    expect(q.status, q.text).toBe(200);
    expect([...q.body].sort()).toEqual(['ann', 'bob']);
  }
}
