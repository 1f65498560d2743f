/**
 * A store wrapper that injects faults, as a failing disk or network would, into the
 * operations of another store. What happens to each call is decided by a plan: scripted
 * (a test holds one call at a gate, fails the next append, …) or drawn from a seeded
 * random source (the simulator). Faults take effect the way a correct backend reports
 * them under the store contract:
 *
 * - a read fails (`store/io`: EIO, `store/unavailable`: a dropped connection), or is slow;
 * - a `put` fails before writing (ENOSPC, `store/full`), after writing some blobs (a short
 *   write), or after writing all (an fsync that failed: the blobs are there, unconfirmed);
 * - an `append` fails and writes nothing (ENOSPC, EIO, fsync failure, a connection refused),
 *   or its outcome is unknown (`store/commit-unknown`): it went in, or it did not, or it
 *   arrives later (a request still in flight when the connection broke);
 * - any call may first stall for a while (a stalled connection), then go on or fail.
 *
 * Delays are counted in event-loop turns, not milliseconds, so a run replays exactly.
 */
import type { LogRecord, Store } from '../../../src/storage/store.js';
import { appendOutcomeUnknown } from '../../../src/storage/store.js';
import { DatahikeError } from '../../../src/values/index.js';

export type Op =
  | 'get'
  | 'getMany'
  | 'put'
  | 'has'
  | 'delete'
  | 'keys'
  | 'lastRecord'
  | 'readLog'
  | 'append'
  | 'truncateLog'
  | 'branches';

export type FailCode = 'store/io' | 'store/full' | 'store/unavailable';

export type Fault =
  /** Fails before doing anything. */
  | { readonly kind: 'fail'; readonly code: FailCode }
  /** Waits this many event-loop turns, then goes on (or fails, with `after`). */
  | { readonly kind: 'delay'; readonly turns: number; readonly after?: Fault }
  /** Waits until the promise settles, then goes on. */
  | { readonly kind: 'gate'; readonly until: Promise<unknown> }
  /** put: writes the first `written` blobs, then fails. */
  | { readonly kind: 'short-put'; readonly written: number; readonly code: FailCode }
  /** put: writes everything, then fails (the fsync did). */
  | { readonly kind: 'fsync-after-put' }
  /** append: goes in, then the connection breaks before the answer. */
  | { readonly kind: 'unknown-applied' }
  /** append: the connection breaks before the request arrives. */
  | { readonly kind: 'unknown-lost' }
  /** append: the connection breaks; the request arrives after `turns` turns. */
  | { readonly kind: 'unknown-late'; readonly turns: number };

export interface Call {
  readonly op: Op;
  readonly args: readonly unknown[];
}

export type Plan = (call: Call) => Fault | undefined;

export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

const MESSAGES: Record<FailCode, string> = {
  'store/io': 'EIO: i/o error (injected)',
  'store/full': 'ENOSPC: no space left on device (injected)',
  'store/unavailable': 'connection terminated (injected)',
};

export class FaultyStore implements Store {
  readonly label: string;
  /** What happens to each call; replace it at any time. */
  plan: Plan = () => undefined;
  /** Appends still on their way (unknown-late), to wait for at the end of a run. */
  readonly inFlight = new Set<Promise<unknown>>();
  /** How many faults were injected, by kind (the simulator reports them). */
  readonly injected = new Map<string, number>();

  private readonly deliverLate: Store['append'];
  private readonly watcher: Store['watch'];
  private readonly appended: (branch: string) => void;

  constructor(
    readonly inner: Store,
    opts: {
      /** How a late append arrives (the server takes it even if this handle closed). */
      deliverLate?: Store['append'];
      /** Store notifications, instead of the inner store's. */
      watch?: Store['watch'];
      /** Told of every append that went in through this handle. */
      appended?: (branch: string) => void;
    } = {},
  ) {
    this.label = `faulty ${inner.label}`;
    this.deliverLate = opts.deliverLate ?? ((b, s, r) => inner.append(b, s, r));
    this.watcher = opts.watch ?? inner.watch?.bind(inner);
    this.appended = opts.appended ?? (() => undefined);
  }

  private fail(code: FailCode): DatahikeError {
    return new DatahikeError(code, `The ${this.label} failed: ${MESSAGES[code]}.`, {});
  }

  private count(kind: string): void {
    this.injected.set(kind, (this.injected.get(kind) ?? 0) + 1);
  }

  /** Applies the waiting part of a fault; returns what is left to do. */
  private async before(op: Op, args: readonly unknown[]): Promise<Fault | undefined> {
    let fault = this.plan({ op, args });
    while (fault !== undefined) {
      if (fault.kind === 'delay') {
        this.count(`${op}:delay`);
        await turns(fault.turns);
        fault = fault.after;
      } else if (fault.kind === 'gate') {
        await fault.until;
        fault = undefined;
      } else break;
    }
    if (fault?.kind === 'fail') {
      this.count(`${op}:${fault.code}`);
      throw this.fail(fault.code);
    }
    return fault;
  }

  private async read<T>(op: Op, args: readonly unknown[], run: () => Promise<T>): Promise<T> {
    await this.before(op, args);
    return run();
  }

  get(key: string): Promise<Uint8Array | null> {
    return this.read('get', [key], () => this.inner.get(key));
  }

  getMany(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    return this.read('getMany', [keys], () => this.inner.getMany(keys));
  }

  has(key: string): Promise<boolean> {
    return this.read('has', [key], () => this.inner.has(key));
  }

  keys(): Promise<string[]> {
    return this.read('keys', [], () => this.inner.keys());
  }

  lastRecord(branch: string): Promise<LogRecord | null> {
    return this.read('lastRecord', [branch], () => this.inner.lastRecord(branch));
  }

  readLog(branch: string, from: number, to?: number): Promise<LogRecord[]> {
    return this.read('readLog', [branch, from, to], () => this.inner.readLog(branch, from, to));
  }

  branches(): Promise<string[]> {
    return this.read('branches', [], () => this.inner.branches());
  }

  delete(keys: readonly string[]): Promise<void> {
    return this.read('delete', [keys], () => this.inner.delete(keys));
  }

  truncateLog(branch: string, beforeSeq: number): Promise<void> {
    return this.read('truncateLog', [branch, beforeSeq], () =>
      this.inner.truncateLog(branch, beforeSeq),
    );
  }

  async put(entries: readonly (readonly [string, Uint8Array])[]): Promise<void> {
    const fault = await this.before('put', [entries]);
    if (fault?.kind === 'short-put') {
      this.count('put:short');
      await this.inner.put(entries.slice(0, fault.written));
      throw this.fail(fault.code);
    }
    await this.inner.put(entries);
    if (fault?.kind === 'fsync-after-put') {
      this.count('put:fsync');
      throw this.fail('store/io');
    }
  }

  async append(branch: string, afterSeq: number, records: readonly Uint8Array[]): Promise<boolean> {
    const fault = await this.before('append', [branch, afterSeq, records]);
    const broken = () => appendOutcomeUnknown(this.label, new Error(MESSAGES['store/unavailable']));
    switch (fault?.kind) {
      case 'unknown-applied':
        this.count('append:unknown-applied');
        await this.inner.append(branch, afterSeq, records);
        throw broken();
      case 'unknown-lost':
        this.count('append:unknown-lost');
        throw broken();
      case 'unknown-late': {
        this.count('append:unknown-late');
        const late = turns(fault.turns)
          .then(() => this.deliverLate(branch, afterSeq, records))
          .catch(() => false);
        this.inFlight.add(late);
        void late.finally(() => this.inFlight.delete(late));
        throw broken();
      }
      default: {
        const went = await this.inner.append(branch, afterSeq, records);
        if (went) this.appended(branch);
        return went;
      }
    }
  }

  watch(branch: string, onChange: () => void): () => void {
    return this.watcher?.(branch, onChange) ?? (() => undefined);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
