/**
 * Swagger UI as a user meets it: headless Chromium opens /docs of a fresh server in dev
 * mode (after the documented first steps: create the example database, connect,
 * transact), opens GET /q, presses "Try it out" and "Execute" with the example as it is,
 * and reads the answer on the page.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { API, routePath } from '../../src/api/index.js';
import type { Server } from '../../src/server/app.js';
import { EXAMPLE_ORDER, exampleArgs } from '../../src/server/openapi.js';
import { browserAvailable, DevTools, launchChromium } from '../support/chromium.js';
import { startServer } from './in-process.js';

let server: Server | undefined;
let chromium: ChildProcess | undefined;
afterAll(async () => {
  chromium?.kill('SIGKILL');
  await server?.close();
});

/** Runs in the page: opens GET /q, tries it out with its example, and returns what it shows. */
const TRY_Q = `(async () => {
  const wait = async (find, what) => {
    for (let i = 0; i < 1200; i++) {
      const found = find();
      if (found) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('Swagger UI never showed ' + what);
  };
  const op = await wait(() => document.querySelector('#operations-query-q'), 'GET /q');
  if (!op.classList.contains('is-open')) op.querySelector('.opblock-summary-control').click();
  (await wait(() => op.querySelector('button.try-out__btn'), '"Try it out"')).click();
  (await wait(() => op.querySelector('button.execute'), '"Execute"')).click();
  const body = await wait(
    () => op.querySelector('.live-responses-table tbody .response-col_description pre'),
    'the answer',
  );
  return {
    status: op.querySelector('.live-responses-table tbody .response-col_status').textContent.trim(),
    args: op.querySelector('.parameters input, .parameters textarea').value,
    body: body.textContent,
  };
})()`;

it.runIf(browserAvailable())(
  'runs q with "Try it out" in Swagger UI and shows its answer',
  async () => {
    let url: string;
    ({ server, url } = await startServer());
    // The documented first steps, before any read's example works.
    for (const name of EXAMPLE_ORDER.slice(0, 3)) {
      const entry = API.find((e) => e.name === name)!;
      const res = await fetch(`${url}${routePath(entry)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(exampleArgs(entry)),
      });
      expect(res.status, `${name}: ${await res.text()}`).toBe(200);
    }
    chromium = launchChromium(['--remote-debugging-pipe', 'about:blank'], 'pipe');
    const devtools = new DevTools(chromium);
    const page = await devtools.open(`${url}/docs/`);
    const shown = (await devtools.evaluate(page, TRY_Q)) as Record<string, string>;
    expect(shown.status).toBe('200');
    // The example as it is: the query and the example database, base64url-encoded.
    expect(JSON.parse(Buffer.from(shown.args!, 'base64url').toString())).toEqual(
      exampleArgs(API.find((e) => e.name === 'q')!),
    );
    expect(JSON.parse(shown.body!)).toEqual([
      '!set',
      [
        ['Peter', 42],
        ['Paul', 37],
      ],
    ]);
  },
  120_000,
);
