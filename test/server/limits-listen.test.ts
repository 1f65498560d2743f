/**
 * A /listen client that never reads its stream: the server does not hold every commit for
 * it. Past 16 MiB waiting to be sent, the stream is dropped; reconnecting with the last
 * event id it read, the client gets the commits it missed (the server still remembers
 * them). Meanwhile the server answers and the reference database reads back whole.
 */
import { type IncomingMessage, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackTarget, attackTarget } from './limits-helpers.js';

/** Commits of about 1.5 MB of report each: more than the stream and the socket hold. */
const COMMITS = 16;
const ENTITIES = 4000;

let t: AttackTarget;
beforeAll(async () => {
  t = await attackTarget({ DATAHIKE_MAX_ANSWER_BYTES: String(256 * 1024 * 1024) });
}, 60_000);
afterAll(() => t.stop());

/** The ids of the `tx` events in a stream's text. */
function txIds(text: string): number[] {
  return [...text.matchAll(/id: (\d+)\nevent: tx\n/g)].map((m) => Number(m[1]));
}

async function listen(conn: string, lastEventId?: string): Promise<IncomingMessage> {
  const url = new URL(t.url);
  const req = request({
    host: url.hostname,
    port: url.port,
    path: '/listen',
    method: 'POST',
    headers: {
      'content-type': 'application/edn',
      ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
    },
  });
  req.on('error', () => undefined);
  const res = new Promise<IncomingMessage>((ok) => req.on('response', ok));
  req.end(`[${conn}]`);
  return res;
}

describe('/listen', () => {
  it('drops a stream its client does not read, and a reconnect catches up', async () => {
    const cfg = '{:store {:backend :memory :id "unread"} :schema-flexibility :read}';
    expect((await t.post('create-database', `[${cfg}]`)).status).toBe(200);
    const conn = (await t.post('connect', `[${cfg}]`)).text;
    const stalled = await listen(conn);
    stalled.pause();
    stalled.on('error', () => undefined);
    const closed = new Promise<void>((ok) => stalled.socket.on('close', () => ok()));
    const filler = 'x'.repeat(300);
    for (let i = 0; i < COMMITS; i++) {
      const rows = Array.from({ length: ENTITIES }, (_, j) => `{:i ${j} :s "${filler}"}`);
      expect((await t.post('transact', `[${conn} [${rows.join(' ')}]]`)).status).toBe(200);
    }
    // Reading now: what was sent before the server let the stream go, then its end.
    let text = '';
    stalled.setEncoding('utf8');
    stalled.on('data', (c: string) => {
      text += c;
    });
    stalled.resume();
    await closed;
    const got = txIds(text);
    expect(got.length).toBeLessThan(COMMITS);
    // Back with the last id it read: the commits it missed.
    const again = await listen(conn, String(got.at(-1) ?? 0));
    let more = '';
    again.setEncoding('utf8');
    await new Promise<void>((ok) => {
      again.on('data', (c: string) => {
        more += c;
        if (txIds(more).length >= COMMITS - got.length) ok();
      });
    });
    again.destroy();
    expect(new Set([...got, ...txIds(more)]).size).toBe(COMMITS);
    await t.intact();
  }, 240_000);
});
