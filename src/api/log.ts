/**
 * The log API: `txRange` (Datomic's Log API over a branch's commits) and `reports`, a
 * stream of transaction reports that starts at a past transaction, read from the log, and
 * goes on with the live ones, with nothing missed and nothing twice between the two.
 *
 * `reports` is written over other API functions (`listen`, `db`, `txRange`, `commitAsDb`,
 * `unlisten`) given to it, so that the same code serves a local connection (internal.ts)
 * and one on a server (functions.ts composes it with the remote-capable functions).
 */

import type { Connection } from '../connection/index.js';
import { txAtOrBefore, whenLoaded } from '../db/index.js';
import { TX0 } from '../index/datom.js';
import type { TxReport } from '../tx/index.js';
import { isKeyword, type Keyword, keyword, printValue, Uuid } from '../values/index.js';
import { argError, asConn } from './arguments.js';
import { toInternal } from './convert.js';

const L = {
  t: keyword('t'),
  data: keyword('data'),
  commitId: keyword('commit-id'),
  parents: keyword('parents'),
  start: keyword('start'),
  end: keyword('end'),
  from: keyword('from'),
};

/** One end of a range: a tx id, a Date, or null (open). */
type RangeEnd = number | Date | null;

function rangeEnd(fn: string, x: unknown): RangeEnd {
  if (x === undefined || x === null) return null;
  if (x instanceof Date) return x;
  if (typeof x === 'number' && Number.isSafeInteger(x)) return x;
  return argError(fn, `a range end is a transaction id, a Date or null, got ${printValue(x)}.`);
}

/** A field of an options argument: a plain object's or a keyword map's. */
function option(x: unknown, name: Keyword): unknown {
  if (x instanceof Map) {
    for (const [k, v] of x) if (isKeyword(k) ? k === name : k === name.fqn) return v;
    return undefined;
  }
  return (x as Record<string, unknown>)[name.fqn];
}

function isOptions(x: unknown): boolean {
  return x instanceof Map || (typeof x === 'object' && x !== null && !(x instanceof Date));
}

/** `({start, end})`, `(start, end)` or nothing: the whole log. */
function rangeArgs(fn: string, args: readonly unknown[]): { start: RangeEnd; end: RangeEnd } {
  if (args.length === 0) return { start: null, end: null };
  if (args.length === 1 && isOptions(args[0])) {
    const o = toInternal(args[0]);
    return { start: rangeEnd(fn, option(o, L.start)), end: rangeEnd(fn, option(o, L.end)) };
  }
  if (args.length <= 2) return { start: rangeEnd(fn, args[0]), end: rangeEnd(fn, args[1]) };
  return argError(fn, 'expected { start, end } or start and end.');
}

/**
 * `{:t tx :data [datoms] :commit-id uuid :parents [uuid]}` per transaction with
 * `start <= t < end`, in order. Either end is a tx id, a Date (the first transaction at or
 * after it) or null (the log's start, the connection's newest commit).
 */
async function txRange(conn: Connection, ...args: unknown[]): Promise<Map<Keyword, unknown>[]> {
  const c = asConn('txRange', conn);
  const { start, end } = rangeArgs('txRange', args);
  const db = await c.latest();
  const asTx = (x: Date) => whenLoaded([db], () => txAtOrBefore(db, new Date(x.getTime() - 1)) + 1);
  const from = start === null ? TX0 : start instanceof Date ? await asTx(start) : start;
  const head = db.maxTx + 1;
  const to = end === null ? head : Math.min(head, end instanceof Date ? await asTx(end) : end);
  const out: Map<Keyword, unknown>[] = [];
  for await (const e of c.branch.txLog(from, to))
    out.push(
      new Map<Keyword, unknown>([
        [L.t, e.tx],
        [L.data, [...e.datoms]],
        [L.commitId, new Uuid(e.commitId)],
        [L.parents, e.parents.map((p) => new Uuid(p))],
      ]),
    );
  return out;
}

/** The API functions `reports` is made of, on internal values (local or remote). */
export interface ReportParts {
  listen(conn: Connection, key: unknown, cb: (r: TxReport) => void): Promise<unknown>;
  unlisten(conn: Connection, key: unknown): Promise<unknown>;
  db(conn: Connection): Promise<{ readonly maxTx?: number }>;
  txRange(conn: Connection, opts: Record<string, unknown>): Promise<unknown>;
  commitAsDb(conn: Connection, id: unknown): Promise<unknown>;
}

/** Transactions read from the log per `txRange` call while catching up. */
const PAGE = 64;

let streams = 0;

function txOf(r: TxReport): number {
  return r.txData[0]?.tx ?? r.dbAfter.maxTx;
}

/** `{ from }` (a tx id; the next transaction when left out), as an object or keyword map. */
function fromArg(fn: string, x: unknown): number | null {
  if (x === undefined || x === null) return null;
  const from = isOptions(x) ? option(toInternal(x), L.from) : x;
  if (from === undefined || from === null) return null;
  if (typeof from === 'number' && Number.isSafeInteger(from)) return from;
  return argError(fn, `from must be a transaction id, got ${printValue(from)}.`);
}

/**
 * The reports of the transactions from `opts.from` on (a tx id; without it, those after
 * the connection's current commit), as an async iterator: first the past ones, read from
 * the log (their `tempids` are empty and `txMeta` null: only the datoms are logged), then
 * each new one as it commits. Every transaction comes once, in tx order. It listens from
 * the moment the promise resolves until the iterator is ended (`break`, `return()`).
 */
export async function reportStream(
  parts: ReportParts,
  conn: Connection,
  opts?: unknown,
): Promise<AsyncIterableIterator<TxReport>> {
  const from = fromArg('reports', opts);
  const key = `reports-${++streams}`;
  const live: TxReport[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  await parts.listen(conn, key, (r) => {
    live.push(r);
    wake?.();
  });
  // Every commit after the listener's start is heard live; those up to `head` are in the log.
  let head: number;
  try {
    head = (await parts.db(conn)).maxTx ?? TX0;
  } catch (err) {
    await parts.unlisten(conn, key);
    throw err;
  }
  let last = (from ?? head + 1) - 1;
  const past: TxReport[] = [];
  let before: unknown;

  /** Reads the next page of past reports from the log; false once the log part is done. */
  const readPast = async (): Promise<boolean> => {
    if (last >= head) return false;
    const end = Math.min(head + 1, last + 1 + PAGE);
    const entries = (await parts.txRange(conn, { start: last + 1, end })) as Map<
      Keyword,
      unknown
    >[];
    for (const e of entries) {
      const parents = e.get(L.parents) as Uuid[];
      if (before === undefined)
        before = parents.length > 0 ? await parts.commitAsDb(conn, parents[0]) : null;
      const after = await parts.commitAsDb(conn, e.get(L.commitId));
      past.push({
        dbBefore: before,
        dbAfter: after,
        txData: e.get(L.data),
        tempids: new Map(),
        txMeta: null,
      } as TxReport);
      before = after;
    }
    // Every transaction before `end` is now read (or was never logged).
    last = end - 1;
    return true;
  };

  const stop = async () => {
    if (ended) return;
    ended = true;
    wake?.();
    await parts.unlisten(conn, key);
  };

  const iterator: AsyncIterableIterator<TxReport> = {
    [Symbol.asyncIterator]: () => iterator,
    async next(): Promise<IteratorResult<TxReport>> {
      for (;;) {
        if (ended) return { done: true, value: undefined };
        const p = past.shift();
        if (p !== undefined) return { done: false, value: p };
        let more: boolean;
        try {
          more = await readPast();
        } catch (err) {
          await stop().catch(() => undefined);
          throw err;
        }
        if (more) continue;
        const r = live.shift();
        if (r !== undefined) {
          const tx = txOf(r);
          if (tx <= last) continue;
          last = tx;
          return { done: false, value: r };
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    },
    async return(): Promise<IteratorResult<TxReport>> {
      await stop();
      return { done: true, value: undefined };
    },
  };
  return iterator;
}

export { txRange };
