/**
 * `export` and `import`: a whole database as datoms, one per line (`[e a v tx added]`, in
 * EDN or tagged JSON), in transaction order with retractions, so that an import replays
 * the history (entity ids and instants kept, tx ids renumbered). Progress on a terminal.
 * The last line is a comment carrying the SHA-256 of every line before it and their count:
 * an import checks it (a file without it, from before, is imported unchecked).
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { internalApi } from '../api/index.js';
import type { Connection } from '../connection/index.js';
import type { Db, DbView } from '../db/index.js';
import { parseEdn } from '../edn/index.js';
import type { Datom } from '../index/datom.js';
import { DatahikeError } from '../values/index.js';
import { decodeJson, encodeEdn, encodeJson } from '../wire/index.js';

function progress(label: string, done: number, total: number): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  process.stderr.write(
    `\r\x1b[K${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`,
  );
  if (done === total) process.stderr.write('\n');
}

/** Writes every datom of the database's history, oldest transaction first. */
export async function exportDb(
  db: DbView,
  format: 'edn' | 'json',
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const all = (await internalApi.datoms(await internalApi.history(db as Db), ':eavt')) as Datom[];
  all.sort((a, b) => a.tx - b.tx || (a.added === b.added ? 0 : a.added ? 1 : -1));
  const encode = format === 'json' ? encodeJson : encodeEdn;
  const hash = createHash('sha256');
  const write = async (line: string) => {
    if (!out.write(line)) await new Promise((r) => out.once('drain', r));
  };
  for (let i = 0; i < all.length; i++) {
    const d = all[i]!;
    const line = `${encode([d.e, d.a, d.v, d.tx, d.added])}\n`;
    hash.update(line);
    await write(line);
    if (i % 10_000 === 0 || i === all.length - 1) progress('export', i + 1, all.length);
  }
  await write(`${CHECKSUM} ${hash.digest('hex')} ${all.length}\n`);
  return all.length;
}

/** The start of an export's last line: then the SHA-256 of the lines before it, and their count. */
const CHECKSUM = ';; datahike-ts export sha256';

/** The text before the checksum line, checked against it; the whole text when there is none. */
function checked(text: string, path: string): string {
  const at = text.lastIndexOf(`${CHECKSUM} `);
  if (at === -1 || (at > 0 && text[at - 1] !== '\n')) return text;
  const [hex, count] = text
    .slice(at + CHECKSUM.length + 1)
    .trim()
    .split(' ');
  const body = text.slice(0, at);
  const lines = body.split('\n').filter((l) => l.trim().length > 0).length;
  if (createHash('sha256').update(body).digest('hex') !== hex || String(lines) !== count)
    throw new DatahikeError(
      'cli/import',
      `${path} does not match the checksum its export wrote: it was changed or cut short since.`,
      { path },
    );
  return body;
}

/** Reads datoms (one per line, EDN or tagged JSON) and transacts them, one tx per original. */
export async function importInto(conn: Connection, path: string): Promise<number> {
  let text: string;
  try {
    text = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (err) {
    throw new DatahikeError('cli/file', `Cannot read ${path}: ${(err as Error).message}`, { path });
  }
  const lines = checked(text, path)
    .split('\n')
    .filter((l) => l.trim().length > 0);
  const rows: unknown[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    try {
      rows.push(
        l.startsWith('[[') || l.startsWith('["') || /^\[-?\d+,/.test(l)
          ? decodeJson(l)
          : parseEdn(l),
      );
    } catch (err) {
      throw new DatahikeError(
        'cli/import',
        `Line ${i + 1} of ${path} is not a datom [e a v tx added]: ${(err as Error).message}`,
        { line: i + 1 },
      );
    }
    if (i % 10_000 === 0 || i === lines.length - 1) progress('read', i + 1, lines.length);
  }
  await internalApi.loadEntities(conn, rows);
  return rows.length;
}
