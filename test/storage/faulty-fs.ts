/**
 * A file system layer for the file store that injects faults, over Node's: a disk with a
 * budget of free bytes (writes past it are short, then fail with ENOSPC, as a full disk
 * does), scripted failures of single calls (EIO on write, fsync or truncate, ENOSPC on
 * anything), writes that return short counts without an error, and a count of the
 * bytes read per file (to see what a refresh reads).
 */
import type { FileHandleOps, FileOps } from '../../src/storage/file-ops.js';
import { nodeFileOps } from '../../src/storage/file-ops.js';

export type Op =
  | 'open'
  | 'write'
  | 'datasync'
  | 'sync'
  | 'truncate'
  | 'close'
  | 'writeFile'
  | 'rename'
  | 'link'
  | 'mkdir'
  | 'readFile';

export interface Fault {
  readonly op: Op;
  readonly code: string;
  /** Only calls on paths matching this. */
  readonly path?: RegExp;
  /** How many matching calls fail (1 by default). */
  times?: number;
}

function errno(code: string, op: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected, ${op} '${path}'`), {
    code,
    syscall: op,
    path,
  });
}

export class FaultyFs {
  /** Free bytes on the disk: writes consume them; Infinity is a disk that never fills. */
  space = Number.POSITIVE_INFINITY;
  /** When set, every write writes at most this many bytes (and says so), without error. */
  shortWrites: number | null = null;
  private readonly faults: Fault[] = [];
  private readonly pauses: {
    op: Op;
    path?: RegExp;
    reached: () => void;
    until: Promise<void>;
  }[] = [];
  /** Bytes read per path. */
  readonly bytesRead = new Map<string, number>();
  readonly ops: FileOps;

  constructor(base: FileOps = nodeFileOps) {
    const self = this;
    this.ops = {
      ...base,
      async open(path, flags) {
        self.hit('open', path);
        return self.handle(await base.open(path, flags), path);
      },
      async writeFile(path, data) {
        self.hit('writeFile', path);
        const len = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
        if (len > self.space) {
          const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
          await base.writeFile(path, bytes.subarray(0, self.space));
          self.space = 0;
          throw errno('ENOSPC', 'write', path);
        }
        self.space -= len;
        await base.writeFile(path, data);
      },
      async readFile(path) {
        self.hit('readFile', path);
        const out = await base.readFile(path);
        self.count(path, out.length);
        return out;
      },
      async rename(from, to) {
        self.hit('rename', to);
        await base.rename(from, to);
      },
      async link(existing, path) {
        self.hit('link', path);
        await base.link(existing, path);
      },
      async mkdir(path) {
        self.hit('mkdir', path);
        await base.mkdir(path);
      },
    };
  }

  /** Makes the next matching calls fail. */
  fail(fault: Fault): this {
    this.faults.push({ times: 1, ...fault });
    return this;
  }

  /**
   * Holds the next matching call before it runs: `reached` resolves once a call waits,
   * `resume` lets it go on (and fail, if a fault was set for it meanwhile).
   */
  pause(op: Op, path?: RegExp): { reached: Promise<void>; resume: () => void } {
    let reached!: () => void;
    let resume!: () => void;
    const atPause = new Promise<void>((r) => {
      reached = r;
    });
    const until = new Promise<void>((r) => {
      resume = r;
    });
    this.pauses.push({ op, path, reached, until });
    return { reached: atPause, resume };
  }

  private async held(op: Op, path: string): Promise<void> {
    const i = this.pauses.findIndex(
      (p) => p.op === op && (p.path === undefined || p.path.test(path)),
    );
    if (i < 0) return;
    const [p] = this.pauses.splice(i, 1);
    p!.reached();
    await p!.until;
  }

  /** Forgets the faults not yet triggered, and gives the disk back its space. */
  heal(): void {
    this.faults.length = 0;
    this.space = Number.POSITIVE_INFINITY;
    this.shortWrites = null;
  }

  readOf(pattern: RegExp): number {
    let n = 0;
    for (const [p, b] of this.bytesRead) if (pattern.test(p)) n += b;
    return n;
  }

  private count(path: string, n: number): void {
    this.bytesRead.set(path, (this.bytesRead.get(path) ?? 0) + n);
  }

  private hit(op: Op, path: string): void {
    const i = this.faults.findIndex(
      (f) => f.op === op && (f.path === undefined || f.path.test(path)),
    );
    if (i < 0) return;
    const f = this.faults[i]!;
    if (--f.times! <= 0) this.faults.splice(i, 1);
    throw errno(f.code, op, path);
  }

  private handle(h: FileHandleOps, path: string): FileHandleOps {
    const self = this;
    return {
      async read(buffer, offset, length, position) {
        const out = await h.read(buffer, offset, length, position);
        self.count(path, out.bytesRead);
        return out;
      },
      async write(buffer, offset, length, position) {
        self.hit('write', path);
        let n = Math.min(length, self.shortWrites ?? length);
        if (self.space <= 0) throw errno('ENOSPC', 'write', path);
        n = Math.min(n, self.space);
        self.space -= n;
        return h.write(buffer, offset, n, position);
      },
      stat: () => h.stat(),
      async truncate(length) {
        self.hit('truncate', path);
        await h.truncate(length);
      },
      async datasync() {
        await self.held('datasync', path);
        self.hit('datasync', path);
        await h.datasync();
      },
      async sync() {
        self.hit('sync', path);
        await h.sync();
      },
      async close() {
        await h.close();
        self.hit('close', path);
      },
    };
  }
}
