/**
 * The error-code table (src/values/error-codes.ts) is the one list of codes: DEVELOPERS.md's
 * list is generated from it, and every code in it is one the code raises. After changing
 * the table, `UPDATE_DOCS=1 npx vitest run test/values/error-codes.test.ts` rewrites the list.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/values/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = join(ROOT, 'DEVELOPERS.md');
const START = '<!-- error codes: generated from src/values/error-codes.ts -->';
const END = '<!-- end of error codes -->';

/** The list as a table with padded columns, as the formatter (Biome) writes it. */
function markdown(): string {
  const rows = [
    ['code', 'HTTP', 'meaning'],
    ...Object.entries(ERROR_CODES).map(([code, { status, doc }]) => [
      `\`${code}\``,
      String(status),
      doc.replace(/\|/g, '\\|'),
    ]),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const [head, ...body] = rows;
  return [line(head!), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('error codes', () => {
  it("DEVELOPERS.md lists the table's codes", () => {
    const text = readFileSync(DOC, 'utf8');
    const start = text.indexOf(START);
    const end = text.indexOf(END);
    expect(start, `DEVELOPERS.md needs the markers ${START} … ${END}`).toBeGreaterThan(0);
    const current = text.slice(start + START.length, end).trim();
    if (process.env.UPDATE_DOCS === '1' && current !== markdown())
      writeFileSync(
        DOC,
        `${text.slice(0, start + START.length)}\n\n${markdown()}\n\n${text.slice(end)}`,
      );
    else expect(current).toBe(markdown());
  });

  it('lists only codes the code raises', () => {
    const table = join(ROOT, 'src', 'values', 'error-codes.ts');
    const text = sources(join(ROOT, 'src'))
      .filter((p) => p !== table)
      .map((p) => readFileSync(p, 'utf8'))
      .join('\n');
    const unused = Object.keys(ERROR_CODES).filter((code) => !text.includes(`'${code}'`));
    expect(unused).toEqual([]);
  });
});
