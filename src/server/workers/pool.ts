/**
 * The server's pool of read workers (`reader.ts`): reads of databases on durable stores
 * run there, off the HTTP event loop, so that a long query never delays `/health` or
 * another client and the server uses every core. Jobs go out in batches (several per
 * message, each way), and a worker that answers promptly gets more before it is idle. A
 * worker busy past a hard deadline without answering (the server's `:timeout` and a
 * grace) is terminated: its oldest request is answered 503, the others it held are sent
 * again once, and a fresh worker starts. A worker past its memory (`resourceLimits`) dies
 * the same way, instead of the process.
 */

import { Worker } from 'node:worker_threads';
import { DatahikeError } from '../../values/index.js';
import type { ReadAnswer, ReadJob, ReadyMessage, WorkerOptions } from './protocol.js';

export interface PoolOptions extends WorkerOptions {
  readonly size: number;
  /** Old-generation heap of each worker, in MB. */
  readonly memoryMb: number;
  /** Past the server's timeout, how long a worker may still take before it is ended. */
  readonly graceMs: number;
  readonly warn: (message: string) => void;
}

interface Pending {
  readonly job: ReadJob;
  readonly resolve: (a: ReadAnswer) => void;
  readonly reject: (e: unknown) => void;
  /** Sent again once already, after the worker it was in was ended for another job. */
  retried: boolean;
}

interface Slot {
  worker: Worker;
  /** It said it was ready once. */
  started: boolean;
  /** It takes jobs (started, and not being ended). */
  ready: boolean;
  /** The jobs sent to it and not answered, oldest first. */
  readonly inFlight: Map<number, Pending>;
  /** When it last answered (or was sent work while idle): a worker busy past the deadline since is stuck. */
  progressAt: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Jobs a worker may have at once. Sending several in one message, and answering several in
 * one, saves most of the cost of a message per read, which is most of what a simple read
 * costs the event loop.
 */
const PIPELINE = 8;

/** A busy worker gets more jobs only if it answered this recently (not stuck on a long read). */
const FRESH_MS = 20;

/** Jobs waiting per worker before the pool answers 503 (busy) instead of queueing more. */
const QUEUE_PER_WORKER = 256;

const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './reader.ts' : './reader.js', import.meta.url);

/**
 * Run from the TypeScript sources (`npm start`, tests), a worker needs tsx's loader, which
 * `--import tsx` registers for the main thread only: the worker registers it itself.
 */
function workerSource(): string | URL {
  if (!FROM_SOURCE) return WORKER_URL;
  const api = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
}

export class ReadPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  /** False once a worker could not start at all (then reads stay on the event loop). */
  private usable = true;
  /** Workers replaced after a deadline or their memory ran out (for metrics and tests). */
  replaced = 0;

  constructor(readonly options: PoolOptions) {
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn());
  }

  /**
   * Whether reads go here: until the first worker has started they wait for it (a read on
   * the event loop could be the runaway one); false only if workers cannot start here.
   */
  get ready(): boolean {
    return this.usable && !this.closed;
  }

  run(job: Omit<ReadJob, 'id'>): Promise<ReadAnswer> {
    if (this.queue.length >= QUEUE_PER_WORKER * this.slots.length)
      return Promise.reject(
        new DatahikeError('server/busy', 'The server has too many reads waiting: retry later.', {}),
      );
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { ...job, id: this.nextId++ }, resolve, reject, retried: false });
      this.schedule();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0))
      p.reject(new DatahikeError('server/shutting-down', 'The server is shutting down.', {}));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private scheduled = false;

  /** Dispatches once the requests of this turn of the event loop are in: one message each. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private spawn(): Slot {
    let source: string | URL;
    try {
      source = workerSource();
    } catch (err) {
      source = WORKER_URL;
      this.options.warn(`no TypeScript loader for the read workers: ${(err as Error).message}`);
    }
    const worker = new Worker(source, {
      eval: typeof source === 'string',
      workerData: {
        timeoutMs: this.options.timeoutMs,
        maxAnswerBytes: this.options.maxAnswerBytes,
        maxReadRows: this.options.maxReadRows,
      } satisfies WorkerOptions,
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb },
    });
    const slot: Slot = {
      worker,
      started: false,
      ready: false,
      inFlight: new Map(),
      progressAt: 0,
      timer: null,
    };
    worker.unref();
    worker.on('message', (m: readonly ReadAnswer[] | ReadyMessage) => {
      if ('ready' in m) {
        slot.started = true;
        slot.ready = true;
        this.schedule();
        return;
      }
      slot.progressAt = Date.now();
      for (const a of m) {
        const p = slot.inFlight.get(a.id);
        if (p === undefined) continue;
        slot.inFlight.delete(a.id);
        p.resolve(a);
      }
      if (slot.inFlight.size === 0) this.stopWatching(slot);
      this.schedule();
    });
    worker.on('error', (err: Error & { code?: string }) => {
      slot.ready = false;
      if (!slot.started && this.replaced === 0) {
        // It never started (no loader for the worker's module here): reads stay local.
        if (this.usable)
          this.options.warn(
            `read workers unavailable, reads run on the event loop: ${err.message}`,
          );
        this.usable = false;
        for (const p of this.queue.splice(0))
          p.reject(new DatahikeError('server/busy', 'No read worker could start: retry.', {}));
        return;
      }
      this.fail(
        slot,
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new DatahikeError(
              'server/out-of-memory',
              `The read needed more memory than a read worker has (:worker-memory-mb ${this.options.memoryMb}): ask for less.`,
              { limit: 'worker-memory-mb', max: this.options.memoryMb },
            )
          : new DatahikeError('server/internal', `A read worker failed: ${err.message}`, {}),
      );
    });
    worker.on('exit', () => {
      const i = this.slots.indexOf(slot);
      this.fail(slot, new DatahikeError('server/internal', 'A read worker stopped.', {}));
      if (i >= 0 && !this.closed && this.usable) {
        this.replaced++;
        this.slots[i] = this.spawn();
      }
    });
    return slot;
  }

  /**
   * A worker ended with jobs in it: the oldest, the one it was most likely running, fails
   * with `err`; the others (reads, so safe to run again) go back to the queue once.
   */
  private fail(slot: Slot, err: DatahikeError): void {
    this.stopWatching(slot);
    const jobs = [...slot.inFlight.values()];
    slot.inFlight.clear();
    jobs[0]?.reject(err);
    const again: Pending[] = [];
    for (const p of jobs.slice(1)) {
      if (p.retried || this.closed) p.reject(err);
      else {
        p.retried = true;
        again.push(p);
      }
    }
    this.queue.unshift(...again);
    if (again.length > 0) this.schedule();
  }

  private stopWatching(slot: Slot): void {
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
  }

  /** Ends a worker that has been busy without answering past the deadline (and its grace). */
  private watch(slot: Slot): void {
    const limit = this.options.timeoutMs + this.options.graceMs;
    slot.timer = setTimeout(
      () => {
        slot.timer = null;
        if (slot.inFlight.size === 0) return;
        if (Date.now() - slot.progressAt >= limit) this.overrun(slot);
        else this.watch(slot);
      },
      Math.max(1, slot.progressAt + limit - Date.now()),
    );
  }

  private dispatch(): void {
    if (this.queue.length === 0) return;
    const now = Date.now();
    // Idle workers first, then busy ones that are answering.
    const open = this.slots
      .filter(
        (s) =>
          s.ready &&
          (s.inFlight.size === 0 || (s.inFlight.size < PIPELINE && now - s.progressAt < FRESH_MS)),
      )
      .sort((a, b) => a.inFlight.size - b.inFlight.size);
    for (let i = 0; i < open.length && this.queue.length > 0; i++) {
      const slot = open[i]!;
      // An even share of what waits, within what the worker may take.
      const share = Math.ceil(this.queue.length / (open.length - i));
      const batch = this.queue.splice(0, Math.min(share, PIPELINE - slot.inFlight.size));
      if (slot.inFlight.size === 0) slot.progressAt = now;
      for (const p of batch) slot.inFlight.set(p.job.id, p);
      if (slot.timer === null) this.watch(slot);
      slot.worker.postMessage(batch.map((p) => p.job));
    }
  }

  /** A worker past its deadline: ended (and replaced), its oldest request answered 503. */
  private overrun(slot: Slot): void {
    // No job for it while it stops; its replacement takes the queue.
    slot.ready = false;
    this.fail(
      slot,
      new DatahikeError(
        'server/timeout',
        `The read ran longer than this server allows (:timeout ${this.options.timeoutMs} ms) and was stopped.`,
        { limit: 'timeout', max: this.options.timeoutMs },
      ),
    );
    void slot.worker.terminate();
  }
}
