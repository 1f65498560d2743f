/**
 * A file system in memory for the file store (its `FileOps`), so that the simulator can
 * run the real file store deterministically and inject file system faults where they
 * happen: writes that return short counts, ENOSPC, EIO on any call, failing fsyncs and
 * cut-offs, slow calls. Every call finishes in a microtask unless a fault delays it by
 * event-loop turns; what fails is decided by `plan`, one decision per call.
 */
import type { FileHandleOps, FileOps } from '../../../src/storage/file-ops.js';
import { turns } from './faulty-store.js';

export type FsOp =
  | 'open'
  | 'read'
  | 'write'
  | 'stat'
  | 'truncate'
  | 'datasync'
  | 'sync'
  | 'close'
  | 'readFile'
  | 'writeFile'
  | 'rename'
  | 'link'
  | 'unlink'
  | 'rm'
  | 'mkdir'
  | 'readdir'
  | 'access';

export type FsFault =
  | { readonly kind: 'errno'; readonly code: 'EIO' | 'ENOSPC' }
  /** A write that writes only this many bytes and says so. */
  | { readonly kind: 'short'; readonly bytes: number }
  | { readonly kind: 'delay'; readonly turns: number };

export type FsPlan = (op: FsOp, path: string) => FsFault | undefined;

interface Inode {
  readonly ino: number;
  data: Buffer;
  /** When it was created (the store asks how old temporary files are). */
  readonly mtimeMs: number;
}

function errno(code: string, op: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${op} '${path}'`), { code, syscall: op, path });
}

const parent = (path: string) => path.slice(0, Math.max(path.lastIndexOf('/'), 0)) || '/';

export class MemoryFs {
  private readonly files = new Map<string, Inode>();
  private readonly dirs = new Set<string>(['/']);
  private inodes = 0;
  plan: FsPlan = () => undefined;
  /** Faults injected, by `op:kind`. */
  readonly injected = new Map<string, number>();
  readonly ops: FileOps;

  constructor() {
    this.ops = this.makeOps();
  }

  /** Applies the plan's fault for a call: waits, throws, or says how short a write is. */
  private async fault(op: FsOp, path: string): Promise<number | undefined> {
    let f = this.plan(op, path);
    if (f?.kind === 'delay') {
      await turns(f.turns);
      f = undefined;
    }
    if (f === undefined) return undefined;
    const key = `${op}:${f.kind === 'errno' ? f.code : f.kind}`;
    this.injected.set(key, (this.injected.get(key) ?? 0) + 1);
    if (f.kind === 'errno') throw errno(f.code, op, path);
    return f.bytes;
  }

  private file(path: string, op: string): Inode {
    const f = this.files.get(path);
    if (f === undefined) throw errno(this.dirs.has(path) ? 'EISDIR' : 'ENOENT', op, path);
    return f;
  }

  private needParent(path: string, op: string): void {
    if (!this.dirs.has(parent(path))) throw errno('ENOENT', op, path);
  }

  private handle(path: string, node: Inode | null): FileHandleOps {
    const fs = this;
    const data = () => {
      if (node === null) throw errno('EISDIR', 'read', path);
      return node;
    };
    return {
      async read(buffer, offset, length, position) {
        await fs.fault('read', path);
        const n = data();
        const count = Math.max(0, Math.min(length, n.data.length - position));
        n.data.copy(buffer, offset, position, position + count);
        return { bytesRead: count };
      },
      async write(buffer, offset, length, position) {
        const short = await fs.fault('write', path);
        const n = data();
        const count = short === undefined ? length : Math.min(short, length);
        const end = position + count;
        if (end > n.data.length) {
          const grown = Buffer.alloc(end);
          n.data.copy(grown);
          n.data = grown;
        }
        buffer.copy(n.data, position, offset, offset + count);
        return { bytesWritten: count };
      },
      async stat() {
        await fs.fault('stat', path);
        return { size: node?.data.length ?? 0, ino: node?.ino ?? 0 };
      },
      async truncate(length) {
        await fs.fault('truncate', path);
        const n = data();
        const cut = Buffer.alloc(length);
        n.data.copy(cut, 0, 0, Math.min(length, n.data.length));
        n.data = cut;
      },
      async datasync() {
        await fs.fault('datasync', path);
      },
      async sync() {
        await fs.fault('sync', path);
      },
      async close() {
        await fs.fault('close', path);
      },
    };
  }

  private makeOps(): FileOps {
    const fs = this;
    const create = (path: string, op: string): Inode => {
      fs.needParent(path, op);
      const node = { ino: ++fs.inodes, data: Buffer.alloc(0), mtimeMs: Date.now() };
      fs.files.set(path, node);
      return node;
    };
    const children = (path: string): { files: string[]; dirs: string[] } => {
      if (!fs.dirs.has(path)) throw errno('ENOENT', 'readdir', path);
      const prefix = path === '/' ? '/' : `${path}/`;
      const direct = (p: string) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/');
      const name = (p: string) => p.slice(prefix.length);
      return {
        files: [...fs.files.keys()].filter(direct).map(name).sort(),
        dirs: [...fs.dirs]
          .filter((p) => p !== path && direct(p))
          .map(name)
          .sort(),
      };
    };
    return {
      async open(path, flags) {
        await fs.fault('open', path);
        if (fs.dirs.has(path)) return fs.handle(path, null);
        const existing = fs.files.get(path);
        switch (flags) {
          case 'wx':
            if (existing !== undefined) throw errno('EEXIST', 'open', path);
            return fs.handle(path, create(path, 'open'));
          case 'w': {
            if (existing !== undefined) {
              existing.data = Buffer.alloc(0);
              return fs.handle(path, existing);
            }
            return fs.handle(path, create(path, 'open'));
          }
          default:
            return fs.handle(path, fs.file(path, 'open'));
        }
      },
      async readFile(path) {
        await fs.fault('readFile', path);
        return Buffer.from(fs.file(path, 'readFile').data);
      },
      async writeFile(path, data) {
        await fs.fault('writeFile', path);
        const node = fs.files.get(path) ?? create(path, 'writeFile');
        node.data = Buffer.from(data);
      },
      async rename(from, to) {
        await fs.fault('rename', from);
        const node = fs.file(from, 'rename');
        fs.needParent(to, 'rename');
        fs.files.delete(from);
        fs.files.set(to, node);
      },
      async link(existing, path) {
        await fs.fault('link', path);
        const node = fs.file(existing, 'link');
        if (fs.files.has(path) || fs.dirs.has(path)) throw errno('EEXIST', 'link', path);
        fs.needParent(path, 'link');
        fs.files.set(path, node);
      },
      async unlink(path) {
        await fs.fault('unlink', path);
        fs.file(path, 'unlink');
        fs.files.delete(path);
      },
      async rm(path, opts) {
        await fs.fault('rm', path);
        if (fs.files.delete(path)) return;
        if (fs.dirs.has(path)) {
          if (opts.recursive !== true) throw errno('EISDIR', 'rm', path);
          for (const p of [...fs.files.keys()]) if (p.startsWith(`${path}/`)) fs.files.delete(p);
          for (const p of [...fs.dirs])
            if (p === path || p.startsWith(`${path}/`)) fs.dirs.delete(p);
          return;
        }
        if (opts.force !== true) throw errno('ENOENT', 'rm', path);
      },
      async mkdir(path) {
        await fs.fault('mkdir', path);
        for (let p = path; p !== '/' && !fs.dirs.has(p); p = parent(p)) fs.dirs.add(p);
      },
      async readdir(path) {
        await fs.fault('readdir', path);
        const c = children(path);
        return [...c.dirs, ...c.files].sort();
      },
      async subfolders(path) {
        await fs.fault('readdir', path);
        return children(path).dirs;
      },
      async stat(path) {
        await fs.fault('stat', path);
        if (fs.dirs.has(path)) return { size: 0, ino: 0, mtimeMs: 0 };
        const node = fs.file(path, 'stat');
        return { size: node.data.length, ino: node.ino, mtimeMs: node.mtimeMs };
      },
      async access(path) {
        await fs.fault('access', path);
        if (!fs.files.has(path) && !fs.dirs.has(path)) throw errno('ENOENT', 'access', path);
      },
    };
  }
}
