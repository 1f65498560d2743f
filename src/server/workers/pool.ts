/**
 * The server's pool of read workers (`reader.ts`): reads of databases on durable stores
 * run there, off the HTTP event loop, so that a long query never delays `/health` or
 * another client and the server uses every core. Each job has a hard deadline (the
 * server's `:timeout` and a grace): a worker past it is terminated, the request answered
 * 503 and a fresh worker started. A worker past its memory (`resourceLimits`) dies the
 * same way, its request answered 503, instead of the process.
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
}

interface Slot {
  worker: Worker;
  /** It said it was ready once. */
  started: boolean;
  /** It takes jobs (started, and not being ended). */
  ready: boolean;
  current: Pending | null;
  timer: NodeJS.Timeout | null;
}

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
      this.queue.push({ job: { ...job, id: this.nextId++ }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0))
      p.reject(new DatahikeError('server/shutting-down', 'The server is shutting down.', {}));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
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
    const slot: Slot = { worker, started: false, ready: false, current: null, timer: null };
    worker.unref();
    worker.on('message', (m: ReadAnswer | ReadyMessage) => {
      if ('ready' in m) {
        slot.started = true;
        slot.ready = true;
        this.dispatch();
        return;
      }
      const p = slot.current;
      if (p === null || p.job.id !== m.id) return;
      this.finish(slot);
      p.resolve(m);
      this.dispatch();
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
      const p = slot.current;
      this.finish(slot);
      p?.reject(
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
      const p = slot.current;
      this.finish(slot);
      p?.reject(new DatahikeError('server/internal', 'A read worker stopped.', {}));
      if (i >= 0 && !this.closed && this.usable) {
        this.replaced++;
        this.slots[i] = this.spawn();
      }
    });
    return slot;
  }

  private finish(slot: Slot): void {
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    slot.current = null;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.current !== null) continue;
      const p = this.queue.shift()!;
      slot.current = p;
      slot.timer = setTimeout(
        () => this.overrun(slot),
        this.options.timeoutMs + this.options.graceMs,
      );
      slot.worker.postMessage(p.job);
    }
  }

  /** A read past its deadline: the worker is ended (and replaced), the request answered 503. */
  private overrun(slot: Slot): void {
    const p = slot.current;
    this.finish(slot);
    // No job for it while it stops; its replacement takes the queue.
    slot.ready = false;
    p?.reject(
      new DatahikeError(
        'server/timeout',
        `The read ran longer than this server allows (:timeout ${this.options.timeoutMs} ms) and was stopped.`,
        { limit: 'timeout', max: this.options.timeoutMs },
      ),
    );
    void slot.worker.terminate();
  }
}
