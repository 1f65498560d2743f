/**
 * The durable backends by the name a config gives them, loaded on first use (a program
 * on the file store never loads the PostgreSQL or S3 clients), and store options made
 * from a config's `:store` map.
 */

import { resolve } from 'node:path';
import { DatahikeError, isKeyword, type Keyword, Uuid } from '../values/index.js';
import type { Backend, StoreOptions } from './store.js';

/**
 * Each durable backend's module, and the npm package it is built on where that package is
 * an optional peer dependency: installed by the programs that use the backend, so that the
 * package itself installs without a native build or a cloud SDK.
 */
interface BackendModule {
  readonly load: () => Promise<Backend>;
  /** The package and the store's name in the error when it is missing. */
  readonly needs?: { readonly pkg: string; readonly store: string };
}

const BACKENDS: Record<string, BackendModule> = {
  file: { load: async () => (await import('./file.js')).fileBackend },
  sqlite: {
    load: async () => (await import('./sqlite.js')).sqliteBackend,
    needs: { pkg: 'better-sqlite3', store: 'The :sqlite store' },
  },
  postgresql: {
    load: async () => (await import('./postgres.js')).postgresBackend,
    needs: { pkg: 'pg', store: 'A PostgreSQL store (:jdbc, :pg)' },
  },
  s3: {
    load: async () => (await import('./s3.js')).s3Backend,
    needs: { pkg: '@aws-sdk/client-s3', store: 'The :s3 store' },
  },
};

/** Whether `err` is Node failing to resolve the package `name` (not a module inside it). */
function isMissingPackage(err: unknown, name: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    err instanceof Error &&
    (err.message.includes(`'${name}'`) || err.message.includes(`"${name}"`))
  );
}

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

export async function loadBackend(kind: string): Promise<Backend> {
  const backend = BACKENDS[kind];
  if (backend === undefined)
    throw new DatahikeError(
      'store/unsupported-backend',
      `There is no :${kind} store backend; use :memory, :file, :jdbc (PostgreSQL), :pg, :sqlite or :s3.`,
      { backend: kind },
    );
  try {
    return await backend.load();
  } catch (err) {
    const needs = backend.needs;
    if (needs === undefined || !isMissingPackage(err, needs.pkg)) throw err;
    throw new DatahikeError(
      'config/missing-package',
      `${needs.store} needs the npm package ${needs.pkg}, which is not installed: npm i ${needs.pkg}`,
      { backend: kind, package: needs.pkg },
    );
  }
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
