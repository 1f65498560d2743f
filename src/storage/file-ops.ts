/**
 * The file system calls the file store makes, as an interface it is given: Node's by
 * default, and in tests one that injects short writes, full disks, I/O errors and failing
 * fsyncs (test/storage/file-faults.test.ts). Also what a failed call means for the store:
 * which `store/*` error it is.
 */

import { promises as fs } from 'node:fs';
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

export const nodeFileOps: FileOps = {
  open: (path, flags) => fs.open(path, flags),
  readFile: (path) => fs.readFile(path),
  writeFile: (path, data) => fs.writeFile(path, data),
  rename: (from, to) => fs.rename(from, to),
  link: (existing, path) => fs.link(existing, path),
  unlink: (path) => fs.unlink(path),
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
