/**
 * The API as commands: one per function of the specification table (as Datahike's `dthk`
 * has them: `?`/`!` dropped, `q` as `query`), arguments given with Datahike's prefixes:
 * `conn:FILE` (a connection from the config in FILE), `db:FILE` (its current database),
 * `history:FILE`, `asof:MS:FILE`, `since:MS:FILE`, `edn:FILE`, `json:FILE` (tagged JSON),
 * `-` (EDN from standard input); anything else is EDN, or a plain string when it is not.
 */

import { readFileSync } from 'node:fs';
import {
  API,
  type ApiEntry,
  commandName,
  type InternalApi,
  internalApi,
  toExternal,
} from '../api/index.js';
import { Connection } from '../connection/index.js';
import { Db, DbView } from '../db/index.js';
import { parseEdn, printEdn } from '../edn/index.js';
import { Datom } from '../index/datom.js';
import { Entity } from '../pull/index.js';
import { DatahikeError, isKeyword, keyword, printValue } from '../values/index.js';
import { decodeJson, encodeEdn, type HandleMapper, isTxReport } from '../wire/index.js';

/** The commands by name, in the table's order (the entries with a `command`). */
export const COMMANDS: ReadonlyMap<string, ApiEntry> = new Map(
  API.flatMap((e) => {
    const name = commandName(e);
    return name === undefined ? [] : [[name, e] as const];
  }),
);

/** The connections the arguments opened, to release when the command is done. */
export interface ArgContext {
  /** The API the program composed: it opens the connections (their writers elsewhere too). */
  readonly api: InternalApi;
  readonly connections: Connection[];
  readonly stdin: () => string;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new DatahikeError('cli/file', `Cannot read ${path}: ${(err as Error).message}`, { path });
  }
}

async function connectTo(path: string, ctx: ArgContext): Promise<Connection> {
  const conn = (await ctx.api.connect(parseEdn(readText(path)) as never)) as Connection;
  ctx.connections.push(conn);
  return conn;
}

/** One command-line argument as a value. */
export async function argument(raw: string, ctx: ArgContext): Promise<unknown> {
  if (raw === '-') return parseEdn(ctx.stdin());
  const m = /^(conn|db|history|edn|json):(.+)$/.exec(raw);
  if (m !== null) {
    const [, kind, path] = m as unknown as [string, string, string];
    switch (kind) {
      case 'conn':
        return connectTo(path, ctx);
      case 'db':
        return internalApi.db(await connectTo(path, ctx));
      case 'history':
        return internalApi.history((await internalApi.db(await connectTo(path, ctx))) as Db);
      case 'edn':
        return parseEdn(readText(path));
      default:
        return decodeJson(readText(path));
    }
  }
  const t = /^(asof|since):(\d+):(.+)$/.exec(raw);
  if (t !== null) {
    const db = (await internalApi.db(await connectTo(t[3]!, ctx))) as Db;
    const when = new Date(Number(t[2]));
    return t[1] === 'asof' ? internalApi.asOf(db, when) : internalApi.since(db, when);
  }
  try {
    return parseEdn(raw);
  } catch {
    return raw;
  }
}

/** What a database or connection prints as (they are not data). */
const describe: HandleMapper = {
  toHandle(x) {
    if (x instanceof DbView)
      return new Map<unknown, unknown>([
        [keyword('max-tx'), x.maxTx],
        [keyword('max-eid'), x.maxEid],
        [keyword('commit-id'), x.origin.meta.commitId ?? null],
      ]);
    if (x instanceof Connection) return `#connection ${x.config.store.id}`;
    // Its attributes, references as {:db/id e}, components in full.
    if (x instanceof Entity) return x.toMap();
    return printValue(x);
  },
  fromHandle: (h) => h,
};

function toEdn(x: unknown): string {
  return encodeEdn(isTxReport(x) ? { ...x } : x, describe);
}

/** Rows of a result, for `--format table`. */
function rows(x: unknown): unknown[][] | null {
  const items = x instanceof Set ? [...x] : Array.isArray(x) ? x : null;
  if (items === null) return null;
  return items.map((r) =>
    r instanceof Datom ? [r.e, r.a, r.v, r.tx, r.added] : Array.isArray(r) ? r : [r],
  );
}

function cell(v: unknown): string {
  return typeof v === 'string' ? v : isKeyword(v) ? `:${v.fqn}` : printEdn(v);
}

export type OutputFormat = 'edn' | 'json' | 'pprint' | 'table';

export function render(result: unknown, format: OutputFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(
        toExternal(
          result instanceof DbView || result instanceof Entity ? describe.toHandle(result) : result,
        ),
        (_k, v) =>
          typeof v === 'bigint' ? v.toString() : v instanceof Db ? describe.toHandle(v) : v,
      );
    case 'table': {
      const r = rows(result);
      if (r === null) return toEdn(result);
      const cells = r.map((row) => row.map(cell));
      const widths = cells.reduce<number[]>(
        (w, row) => row.map((c, i) => Math.max(w[i] ?? 0, c.length)),
        [],
      );
      return cells
        .map((row) =>
          row
            .map((c, i) => c.padEnd(widths[i]!))
            .join('  ')
            .trimEnd(),
        )
        .join('\n');
    }
    case 'pprint': {
      const r = result instanceof Set ? [...result] : Array.isArray(result) ? result : null;
      return r === null ? toEdn(result) : `[${r.map((x) => toEdn(x)).join('\n ')}]`;
    }
    default:
      return toEdn(result);
  }
}

/**
 * Runs a command's function on its argument values. A function that reports progress hears a
 * callback in its options (the last argument of its longest arity) that shows the messages on
 * standard error when that is a terminal.
 */
export async function runCommand(
  api: InternalApi,
  entry: ApiEntry,
  values: unknown[],
): Promise<unknown> {
  const fn = api[entry.jsName] as (...a: unknown[]) => Promise<unknown>;
  if (entry.progress !== true || process.stderr.isTTY !== true) return fn(...values);
  const at = Math.max(...entry.args.map((a) => a.length)) - 1;
  const args = [...values];
  while (args.length < at) args.push(null);
  const given = args[at];
  const options =
    given instanceof Map
      ? given
      : new Map(given === undefined ? [] : [[keyword('graceMs'), given]]);
  args[at] = new Map([
    ...options,
    [
      keyword('progress'),
      (m: string) => process.stderr.write(`\r\x1b[K${commandName(entry)}: ${m}`),
    ],
  ]);
  try {
    return await fn(...args);
  } finally {
    process.stderr.write('\r\x1b[K');
  }
}
