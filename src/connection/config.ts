/**
 * Database configuration as Datahike writes it (`{:store {:backend :memory :id …}
 * :keep-history? true :schema-flexibility :read}`), validated and with defaults filled in.
 */

import { backendKind, defaultStoreId, storeOptions } from '../storage/backends.js';
import {
  DatahikeError,
  isKeyword,
  type Keyword,
  keyword,
  printValue,
  randomUuid,
  Uuid,
} from '../values/index.js';

export interface StoreConfig {
  /** Backend name without the colon: `memory`, `file`, … */
  readonly backend: string;
  /** The backend implementation: `memory`, `file`, `postgresql` (for :jdbc and :pg), … */
  readonly kind: string;
  readonly id: string;
  /** The store map as given (other backend keys), keyword keys. */
  readonly raw: ReadonlyMap<Keyword, unknown>;
}

export interface DatabaseConfig {
  readonly store: StoreConfig;
  readonly keepHistory: boolean;
  readonly schemaFlexibility: 'write' | 'read';
  readonly initialTx: readonly unknown[] | undefined;
  readonly branch: Keyword;
  readonly name: string | undefined;
  /** Keys this version accepts and keeps but does not act on yet (writer, caches, …). */
  readonly extra: ReadonlyMap<Keyword, unknown>;
  /** The top-level keys the user gave (the rest are defaults). */
  readonly explicit: ReadonlySet<Keyword>;
}

const kw = (s: string) => keyword(s);
export const KEY = {
  store: kw('store'),
  backend: kw('backend'),
  id: kw('id'),
  keepHistory: kw('keep-history?'),
  keepHistoryTypo: kw('keep-history'),
  schemaFlexibility: kw('schema-flexibility'),
  initialTx: kw('initial-tx'),
  branch: kw('branch'),
  name: kw('name'),
};

/** Keys accepted and carried along; later layers act on them. */
const PASSED_THROUGH = new Set(
  [
    'writer',
    'remote-peer',
    'index',
    'index-config',
    'store-cache-size',
    'search-cache-size',
    'attribute-refs?',
    'crypto-hash?',
    'commit-graph?',
    'allow-unsafe-config',
    'flush-threshold',
    'refresh-interval-ms',
    'commit-cache-mb',
  ].map(kw),
);

function bad(message: string, data: Record<string, unknown>): never {
  throw new DatahikeError('config/invalid', message, data);
}

function storeId(raw: unknown): string {
  if (raw instanceof Uuid) return raw.str;
  if (typeof raw === 'string' && raw.length > 0) return raw;
  if (isKeyword(raw)) return raw.fqn;
  if (typeof raw === 'number') return String(raw);
  return bad(`The store :id must be a string or a UUID, got ${printValue(raw)}.`, { id: raw });
}

function normaliseStore(raw: unknown): StoreConfig {
  if (raw === undefined) raw = new Map([[KEY.backend, kw('memory')]]);
  if (!(raw instanceof Map))
    bad(`:store must be a map like {:backend :memory :id "…"}, got ${printValue(raw)}.`, {
      store: raw,
    });
  const m = raw as Map<Keyword, unknown>;
  let backend = m.get(KEY.backend);
  if (typeof backend === 'string') backend = keyword(backend);
  if (!isKeyword(backend))
    bad(`:store needs a :backend keyword (:memory, :file, …), got ${printValue(backend)}.`, {
      store: raw,
    });
  // :mem is Datahike's old name for the memory backend.
  const name = backend.fqn === 'mem' ? 'memory' : backend.fqn;
  const rawId = m.get(KEY.id);
  const kind = name === 'memory' ? name : backendKind(name, storeOptions(m));
  const id =
    rawId !== undefined
      ? storeId(rawId)
      : name === 'memory'
        ? randomUuid().str
        : defaultStoreId(kind, storeOptions(m));
  if (id === null) bad(`The ${backend} store needs an :id.`, { store: raw });
  const normalised = new Map(m);
  normalised.set(KEY.backend, keyword(name));
  // A UUID id stays a UUID in the config handed back (as Datahike has it).
  normalised.set(KEY.id, rawId instanceof Uuid ? rawId : id);
  return { backend: name, kind, id, raw: normalised };
}

function bool(v: unknown, key: string): boolean {
  if (typeof v !== 'boolean')
    bad(`${key} must be true or false, got ${printValue(v)}.`, { [key]: v });
  return v;
}

/** Validates a configuration map (keyword keys) and fills in defaults. */
export function normaliseConfig(input: unknown): DatabaseConfig {
  if (input === undefined || input === null) input = new Map();
  if (!(input instanceof Map))
    bad(`A database config must be a map, got ${printValue(input)}.`, { config: input });
  const m = input as Map<Keyword, unknown>;
  const extra = new Map<Keyword, unknown>();
  for (const [k, v] of m) {
    if (!isKeyword(k)) bad(`Config keys must be keywords, got ${printValue(k)}.`, { key: k });
    if (PASSED_THROUGH.has(k)) extra.set(k, v);
    else if (!Object.values(KEY).includes(k) || k === KEY.backend || k === KEY.id)
      bad(
        `Unknown config key ${k}. Known keys: :store :keep-history? :schema-flexibility :initial-tx :branch :name ${[...PASSED_THROUGH].join(' ')}.`,
        { key: k },
      );
  }
  if (m.get(kw('attribute-refs?')) === true)
    bad(
      ':attribute-refs? true is not supported: datoms hold attribute keywords. Leave it out or set it to false.',
      {
        'attribute-refs?': true,
      },
    );
  const kh = m.has(KEY.keepHistory) ? m.get(KEY.keepHistory) : m.get(KEY.keepHistoryTypo);
  const sf = m.get(KEY.schemaFlexibility);
  const sfName =
    sf === undefined
      ? 'write'
      : isKeyword(sf)
        ? sf.fqn
        : typeof sf === 'string'
          ? sf.replace(/^:/, '')
          : '';
  if (sfName !== 'write' && sfName !== 'read')
    bad(`:schema-flexibility must be :write or :read, got ${printValue(sf)}.`, {
      'schema-flexibility': sf,
    });
  const initialTx = m.get(KEY.initialTx);
  if (initialTx !== undefined && !Array.isArray(initialTx))
    bad(`:initial-tx must be tx-data (a vector of forms), got ${printValue(initialTx)}.`, {
      'initial-tx': initialTx,
    });
  const branch = m.get(KEY.branch) ?? kw('db');
  if (!isKeyword(branch)) bad(`:branch must be a keyword, got ${printValue(branch)}.`, { branch });
  const name = m.get(KEY.name);
  if (name !== undefined && typeof name !== 'string')
    bad(`:name must be a string, got ${printValue(name)}.`, { name });
  return {
    store: normaliseStore(m.get(KEY.store)),
    keepHistory: kh === undefined ? true : bool(kh, ':keep-history?'),
    schemaFlexibility: sfName,
    initialTx: initialTx as unknown[] | undefined,
    branch,
    name,
    extra,
    explicit: new Set(m.keys()),
  };
}

/** The configuration as data, the way `createDatabase` returns it. */
export function configToData(c: DatabaseConfig): Map<Keyword, unknown> {
  const m = new Map<Keyword, unknown>();
  m.set(KEY.store, c.store.raw);
  m.set(KEY.keepHistory, c.keepHistory);
  m.set(KEY.schemaFlexibility, keyword(c.schemaFlexibility));
  m.set(KEY.branch, c.branch);
  if (c.name !== undefined) m.set(KEY.name, c.name);
  for (const [k, v] of c.extra) m.set(k, v);
  return m;
}

/** The key of a database in the connection registry: backend, store id and branch. */
export function connectionKey(c: DatabaseConfig): string {
  return `${c.store.backend}:${c.store.id}:${c.branch.fqn}`;
}
