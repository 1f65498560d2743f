/**
 * The file system calls the file store makes, as an interface it is given: Node's by
 * default, and in tests one that injects short writes, full disks, I/O errors and failing
 * fsyncs (test/storage/file-faults.test.ts). Also what a failed call means for the store:
 * which `store/*` error it is.
 */

import fsSync, { promises as fs } from 'node:fs';
import { DatahikeError } from '../values/index.js';

export interface FileHandleOps {
  read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }>;
  /** May write fewer bytes than asked (a full disk): the caller writes the rest or fails. */
  write(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesWritten: number }>;
  stat(): Promise<{ size: number; ino: number }>;
  truncate(length: number): Promise<void>;
  datasync(): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface FileOps {
  open(path: string, flags: string | number): Promise<FileHandleOps>;
  readFile(path: string): Promise<Buffer>;
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  link(existing: string, path: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rm(path: string, opts: { force?: boolean; recursive?: boolean }): Promise<void>;
  mkdir(path: string): Promise<void>;
  /** Names in a folder. */
  readdir(path: string): Promise<string[]>;
  /** Names of the folders in a folder. */
  subfolders(path: string): Promise<string[]>;
  stat(path: string): Promise<{ size: number; ino: number; mtimeMs: number }>;
  access(path: string): Promise<void>;
}

/**
 * The writer's calls that do not wait on the disk run synchronously: the append lock's
 * link and unlink, opening a file that exists for writing, and on such a handle its stat
 * and reads and writes of a few kilobytes (they only touch the page cache). Each costs
 * microseconds, while a round trip through libuv's thread pool costs 50–150 µs on a busy
 * machine, and an append made six of them besides its fdatasync. Fsyncs, creating and
 * renaming files (they wait on the journal while other files' fsyncs commit it), large
 * writes and everything readers do go to the pool: a read of the store always yields to
 * the event loop, so a loop of reads cannot starve it.
 */
const SYNC_IO_BYTES = 64 * 1024;

class NodeHandle implements FileHandleOps {
  private open = true;

  constructor(
    private readonly fd: number,
    /** Opened for writing: small reads and writes are synchronous. */
    private readonly writable: boolean,
  ) {}

  async read(buffer: Buffer, offset: number, length: number, position: number) {
    if (this.writable && length <= SYNC_IO_BYTES)
      return { bytesRead: fsSync.readSync(this.fd, buffer, offset, length, position) };
    return new Promise<{ bytesRead: number }>((resolve, reject) =>
      fsSync.read(this.fd, buffer, offset, length, position, (err, bytesRead) =>
        err === null ? resolve({ bytesRead }) : reject(err),
      ),
    );
  }

  async write(buffer: Buffer, offset: number, length: number, position: number) {
    if (length <= SYNC_IO_BYTES)
      return { bytesWritten: fsSync.writeSync(this.fd, buffer, offset, length, position) };
    return new Promise<{ bytesWritten: number }>((resolve, reject) =>
      fsSync.write(this.fd, buffer, offset, length, position, (err, bytesWritten) =>
        err === null ? resolve({ bytesWritten }) : reject(err),
      ),
    );
  }

  async stat() {
    if (this.writable) return fsSync.fstatSync(this.fd);
    return new Promise<fsSync.Stats>((resolve, reject) =>
      fsSync.fstat(this.fd, (err, st) => (err === null ? resolve(st) : reject(err))),
    );
  }

  truncate(length: number): Promise<void> {
    return callback((cb) => fsSync.ftruncate(this.fd, length, cb));
  }

  datasync(): Promise<void> {
    return callback((cb) => fsSync.fdatasync(this.fd, cb));
  }

  sync(): Promise<void> {
    return callback((cb) => fsSync.fsync(this.fd, cb));
  }

  close(): Promise<void> {
    if (!this.open) return Promise.resolve();
    this.open = false;
    return callback((cb) => fsSync.close(this.fd, cb));
  }
}

function callback(run: (cb: (err: NodeJS.ErrnoException | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => run((err) => (err === null ? resolve() : reject(err))));
}

export const nodeFileOps: FileOps = {
  open: async (path, flags) => {
    const fd =
      flags === 'r+'
        ? fsSync.openSync(path, flags)
        : await new Promise<number>((resolve, reject) =>
            fsSync.open(path, flags, (err, fd) => (err === null ? resolve(fd) : reject(err))),
          );
    return new NodeHandle(fd, flags !== 'r');
  },
  readFile: (path) => fs.readFile(path),
  writeFile: (path, data) => fs.writeFile(path, data),
  rename: (from, to) => fs.rename(from, to),
  link: async (existing, path) => fsSync.linkSync(existing, path),
  unlink: async (path) => fsSync.unlinkSync(path),
  rm: (path, opts) => fs.rm(path, opts),
  mkdir: async (path) => {
    await fs.mkdir(path, { recursive: true });
  },
  readdir: (path) => fs.readdir(path),
  subfolders: async (path) =>
    (await fs.readdir(path, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name),
  stat: (path) => fs.stat(path),
  access: (path) => fs.access(path),
};

export function errnoOf(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isNotFound(err: unknown): boolean {
  return errnoOf(err) === 'ENOENT';
}

/**
 * A failed file system call as the store's error: `store/full` for a full disk or quota,
 * `store/io` for an I/O error, else `store/unavailable`. `what` says what was being done
 * and what became of it ("append 2 records to the db log: nothing was written").
 */
export function fileStoreError(
  err: unknown,
  label: string,
  path: string,
  what: string,
): DatahikeError {
  if (err instanceof DatahikeError) return err;
  const code = errnoOf(err);
  const why = err instanceof Error ? err.message : String(err);
  const data = { backend: ':file', path, errno: code ?? null };
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new DatahikeError(
      'store/full',
      `The disk holding the ${label} is full (${why}): cannot ${what}. Free space on it (or raise the quota): this process writes again once there is room, and reads go on meanwhile.`,
      data,
      err,
    );
  if (code === 'EIO')
    return new DatahikeError(
      'store/io',
      `An I/O error in the ${label} (${why}): cannot ${what}. The disk or file system is failing: check the system log, and the store with a reader.`,
      data,
      err,
    );
  return new DatahikeError(
    'store/unavailable',
    `Cannot ${what} in the ${label} (${why}).`,
    data,
    err,
  );
}
