/**
 * Headless Chromium for the browser tests: Debian's package (`.ci/run` installs it). Without
 * it a test says so and skips, unless DATAHIKE_REQUIRE_BROWSER=1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

const CHROMIUM = '/usr/bin/chromium';

/** Whether a browser test runs here; warns once per test file when it is skipped. */
export function browserAvailable(): boolean {
  const present = existsSync(CHROMIUM);
  if (!present && process.env.DATAHIKE_REQUIRE_BROWSER !== '1')
    console.warn(`Chromium not found at ${CHROMIUM}: SKIPPING the browser test.`);
  return present || process.env.DATAHIKE_REQUIRE_BROWSER === '1';
}

/** Starts headless Chromium on a fresh profile, with nothing of its own going to the network. */
export function launchChromium(extra: string[], stdio: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  return spawn(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${mkdtempSync(join(tmpdir(), 'dh-chromium-'))}`,
      ...extra,
    ],
    // With `pipe`, the DevTools protocol runs over file descriptors 3 (in) and 4 (out).
    { stdio: stdio === 'ignore' ? 'ignore' : ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
  );
}

/**
 * The Chrome DevTools protocol over `--remote-debugging-pipe`: JSON messages ended by a NUL
 * byte. Enough to open a page and evaluate a script in it.
 */
export class DevTools {
  private next = 0;
  private readonly pending = new Map<
    number,
    { resolve: (v: any) => void; reject: (e: Error) => void }
  >();
  /** Who waits for which event, by method and session. */
  private readonly listeners: { method: string; sessionId: string; resolve: () => void }[] = [];
  private buffer = '';
  private readonly input: Writable;

  constructor(chromium: ChildProcess) {
    this.input = chromium.stdio[3] as Writable;
    (chromium.stdio[4] as Readable).on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      for (let end = this.buffer.indexOf('\0'); end >= 0; end = this.buffer.indexOf('\0')) {
        const message = JSON.parse(this.buffer.slice(0, end));
        this.buffer = this.buffer.slice(end + 1);
        if (message.id === undefined) {
          const i = this.listeners.findIndex(
            (l) => l.method === message.method && l.sessionId === message.sessionId,
          );
          if (i >= 0) this.listeners.splice(i, 1)[0]!.resolve();
          continue;
        }
        const waiting = this.pending.get(message.id);
        if (waiting === undefined) continue;
        this.pending.delete(message.id);
        if (message.error !== undefined) waiting.reject(new Error(message.error.message));
        else waiting.resolve(message.result);
      }
    });
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<any> {
    const id = ++this.next;
    this.input.write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  /** Opens a page and waits for it to load; returns the session to evaluate in. */
  async open(url: string): Promise<string> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    await this.send('Page.enable', {}, sessionId);
    const loaded = new Promise<void>((resolve) =>
      this.listeners.push({ method: 'Page.loadEventFired', sessionId, resolve }),
    );
    await this.send('Page.navigate', { url }, sessionId);
    await loaded;
    return sessionId;
  }

  /** The value of an expression (a promise is awaited) in the page of a session. */
  async evaluate(sessionId: string, expression: string): Promise<unknown> {
    const r = await this.send(
      'Runtime.evaluate',
      { expression, awaitPromise: true, returnByValue: true },
      sessionId,
    );
    if (r.exceptionDetails !== undefined)
      throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
    return r.result.value;
  }
}
