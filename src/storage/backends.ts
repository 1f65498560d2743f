/**
 * The durable backends by the name a config gives them, loaded on first use (a program
 * on the file store never loads the PostgreSQL or S3 clients), and store options made
 * from a config's `:store` map.
 */

import { resolve } from 'node:path';
import { DatahikeError, isKeyword, type Keyword, Uuid } from '../values/index.js';
import type { Backend, StoreOptions } from './store.js';

const LOADERS: Record<string, () => Promise<Backend>> = {
  file: async () => (await import('./file.js')).fileBackend,
  sqlite: async () => (await import('./sqlite.js')).sqliteBackend,
  postgresql: async () => (await import('./postgres.js')).postgresBackend,
  s3: async () => (await import('./s3.js')).s3Backend,
};

/** Datahike's names for PostgreSQL: `:jdbc` with `:dbtype "postgresql"`, or `:pg`. */
export function backendKind(name: string, options: Readonly<Record<string, unknown>>): string {
  if (name === 'pg' || name === 'postgres' || name === 'postgresql') return 'postgresql';
  if (name === 'jdbc') {
    const t = options.dbtype;
    if (t === undefined || t === 'postgresql' || t === 'postgres') return 'postgresql';
    throw new DatahikeError(
      'store/unsupported-backend',
      `The :jdbc store supports :dbtype "postgresql", not ${JSON.stringify(t)}.`,
      { dbtype: t },
    );
  }
  return name;
}

export function isDurableBackend(kind: string): boolean {
  return kind in LOADERS;
}

export async function loadBackend(kind: string): Promise<Backend> {
  const load = LOADERS[kind];
  if (load === undefined)
    throw new DatahikeError(
      'store/unsupported-backend',
      `There is no :${kind} store backend; use :memory, :file, :jdbc (PostgreSQL), :pg, :sqlite or :s3.`,
      { backend: kind },
    );
  return load();
}

/** A `:store` map (keyword keys) as backend options: plain keys, keyword values by name. */
export function storeOptions(raw: ReadonlyMap<Keyword, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of raw) out[k.fqn] = isKeyword(v) ? v.fqn : v instanceof Uuid ? v.str : v;
  return out;
}

/** The identity of a store a config names without an `:id`: where its data lives. */
export function defaultStoreId(kind: string, o: Readonly<Record<string, unknown>>): string | null {
  switch (kind) {
    case 'file':
    case 'sqlite':
      return typeof o.path === 'string' ? resolve(o.path) : null;
    case 'postgresql':
      return `${o.host ?? '127.0.0.1'}:${o.port ?? 5432}/${o.dbname ?? o.database ?? 'postgres'}/${o.table ?? 'datahike'}`;
    default:
      return null;
  }
}

export type { Backend, StoreOptions };
