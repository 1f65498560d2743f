/**
 * docs/api.md is the API table written out (scripts/api-reference.ts, `npm run docs`): this
 * fails when it is stale. `UPDATE_DOCS=1` on this test rewrites it, as `npm run docs` does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { API_REFERENCE, apiReference } from '../../scripts/api-reference.js';
import { API } from '../../src/api/index.js';

it('docs/api.md is what the API table makes', () => {
  const made = apiReference();
  if (process.env.UPDATE_DOCS === '1') writeFileSync(API_REFERENCE, made);
  expect(readFileSync(API_REFERENCE, 'utf8'), 'run `npm run docs`').toBe(made);
  // Every function is there, under its JavaScript name.
  for (const e of API) expect(made).toContain(`### ${e.jsName}\n`);
});
