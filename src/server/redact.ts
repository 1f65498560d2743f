/**
 * Answers never show where the server keeps its data: in an error's message and data, the
 * store roots, the data folder and the server's working folder are replaced by
 * placeholders, and an internal error's absolute paths by `<path>`.
 */

import { DatahikeError } from '../values/index.js';
import { realPathOf, type StoresConfig } from './store-policy.js';

const ABSOLUTE_PATH = /(?<![\w.:/-])\/(?:[\w.@+-]+\/)+[\w.@+-]*/g;

export class PathRedactor {
  private readonly prefixes: [string, string][];

  constructor(dataDir: string, stores: StoresConfig) {
    const named = new Map<string, string>();
    const add = (path: string, label: string) => {
      for (const p of [path, realPathOf(path)]) if (p !== '/' && !named.has(p)) named.set(p, label);
    };
    add(dataDir, '<data-dir>');
    for (const r of [...(stores.file ?? []), ...(stores.sqlite ?? [])]) add(r, '<store-root>');
    add(process.cwd(), '<server-dir>');
    // Longest first, so that a root inside the working folder is named as the root.
    this.prefixes = [...named].sort((a, b) => b[0].length - a[0].length);
  }

  private text(s: string, internal: boolean): string {
    let out = s;
    for (const [p, label] of this.prefixes) out = out.split(p).join(label);
    return internal ? out.replace(ABSOLUTE_PATH, '<path>') : out;
  }

  private value(x: unknown, internal: boolean, depth = 0): unknown {
    if (typeof x === 'string') return this.text(x, internal);
    if (depth > 8 || x === null || typeof x !== 'object') return x;
    if (Array.isArray(x)) return x.map((y) => this.value(y, internal, depth + 1));
    if (x instanceof Map)
      return new Map([...x].map(([k, v]) => [k, this.value(v, internal, depth + 1)]));
    if (Object.getPrototypeOf(x) === Object.prototype)
      return Object.fromEntries(
        Object.entries(x).map(([k, v]) => [k, this.value(v, internal, depth + 1)]),
      );
    return x;
  }

  /** The error as a client may see it. */
  redact(err: DatahikeError): DatahikeError {
    // Names the handle's store id as the client sent it: its peer reconnects by that id.
    if (err.code === 'connection/not-found') return err;
    const internal = err.code === 'server/internal' || err.code.startsWith('store/');
    const message = this.text(err.message, internal);
    const data = this.value(err.data, internal);
    return new DatahikeError(err.code, message, data as Record<string, unknown>);
  }
}
