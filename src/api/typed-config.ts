/**
 * The types of a database configuration as a TypeScript program writes it: the store a
 * discriminated union on `backend` (one member per backend, with the keys that backend
 * reads), the top-level keys `normaliseConfig` (connection/config.ts) accepts, and
 * `CheckedConfig`, which the functions taking a config use so that an unknown key or a
 * backend of the wrong name fails to compile even in a config kept in a variable (whose
 * `backend` TypeScript widened to `string`). Keyword values may be written with or without
 * the colon (`':memory'`, `'memory'`), as the runtime takes them.
 */

import type { Uuid } from '../values/index.js';

/** A keyword value in public form: `':name'`, or `'name'` where the runtime accepts text. */
type Kw<S extends string> = `:${S}` | S;

/** The store id: any text or a UUID (a generated one for a memory store that has none). */
type StoreId = string | Uuid;

export interface MemoryStoreConfig {
  /** `:mem` is Datahike's older name. */
  backend: Kw<'memory' | 'mem'>;
  id?: StoreId;
}

export interface FileStoreConfig {
  backend: Kw<'file'>;
  /** The store's folder (a server given only the `id` finds it in its data folder). */
  path?: string;
  id?: StoreId;
}

export interface SqliteStoreConfig {
  backend: Kw<'sqlite'>;
  /** The database file (WAL mode). */
  path?: string;
  id?: StoreId;
}

/** PostgreSQL: Datahike's `:jdbc` with `dbtype "postgresql"`, or `:pg`. */
export interface PostgresStoreConfig {
  backend: Kw<'jdbc' | 'pg' | 'postgres' | 'postgresql'>;
  dbtype?: 'postgresql' | 'postgres';
  host?: string;
  port?: number | string;
  dbname?: string;
  /** An alias of `dbname`. */
  database?: string;
  user?: string;
  password?: string;
  table?: string;
  'query-timeout-ms'?: number;
  id?: StoreId;
}

export interface S3StoreConfig {
  backend: Kw<'s3'>;
  bucket: string;
  region?: string;
  endpoint?: string;
  prefix?: string;
  'access-key'?: string;
  'access-key-id'?: string;
  secret?: string;
  'secret-access-key'?: string;
  'max-attempts'?: number;
  'connection-timeout'?: number;
  'request-timeout'?: number;
  id?: StoreId;
}

/** The `store` of a config: one member per backend, told apart by `backend`. */
export type StoreConfig =
  | MemoryStoreConfig
  | FileStoreConfig
  | SqliteStoreConfig
  | PostgresStoreConfig
  | S3StoreConfig;

/** A datahike server, as `:remote-peer` (every call runs there) or `:writer` (writes go there). */
export interface ServerPeerConfig {
  backend: Kw<'datahike-server'>;
  url: string;
  token?: string;
  /** The wire format of `:remote-peer` calls; transit by default. */
  format?: Kw<'transit' | 'json' | 'edn'>;
  /** Milliseconds per request. */
  timeout?: number;
  retries?: number;
}

/** `:writer {:backend :self}` is the default: this process commits into the store itself. */
export interface SelfWriterConfig {
  backend: Kw<'self'>;
}

/** The top-level keys of a config besides `store` (connection/config.ts lists them). */
export interface ConfigOptions {
  'keep-history?'?: boolean;
  /** The spelling of Datahike's TypeScript typings, accepted as an alias. */
  'keep-history'?: boolean;
  'schema-flexibility'?: Kw<'write' | 'read'>;
  /** Tx-data applied by `createDatabase`, e.g. a schema from `defineSchema`. */
  'initial-tx'?: readonly unknown[];
  name?: string;
  /** The branch to connect to, a keyword: `':db'` (the default). */
  branch?: `:${string}`;
  'remote-peer'?: ServerPeerConfig;
  writer?: ServerPeerConfig | SelfWriterConfig;
  index?: `:${string}`;
  'index-config'?: Readonly<Record<string, unknown>>;
  'store-cache-size'?: number;
  'search-cache-size'?: number;
  /** Datoms hold attribute keywords here: only `false` is accepted. */
  'attribute-refs?'?: false;
  'crypto-hash?'?: boolean;
  'commit-graph?'?: boolean;
  'allow-unsafe-config'?: boolean;
  'flush-threshold'?: number;
  'refresh-interval-ms'?: number;
  'commit-cache-mb'?: number;
}

/**
 * A database configuration as Datahike's JavaScript API takes it:
 * `{ store: { backend: ':memory', id: 'x' }, 'keep-history?': true }`. Annotating a
 * config with it (or `satisfies DatabaseConfig`) checks it where it is written.
 */
export interface DatabaseConfig extends ConfigOptions {
  store?: StoreConfig;
}

/** A configuration object, or EDN text of one (checked when it is parsed). */
export type Config = DatabaseConfig | string;

/**
 * What the functions taking a config accept before `CheckedConfig` looks closer: EDN text or
 * an object (a config kept in a variable has its keyword values widened to `string`).
 */
export type ConfigInput = string | object;

/** The members of a union of maps told apart by `backend`, merged: every key any of them has. */
type Merged<T> = {
  [K in T extends unknown ? keyof T : never]?: T extends { [P in K]?: infer V } ? V : never;
};

/** The member of `T` (a union on `backend`, or one map) that value `V` is checked against. */
type MemberFor<T, V> = V extends { backend: infer B }
  ? string extends B
    ? Merged<T>
    : [Naming<T, B>] extends [never]
      ? { backend: T extends { backend: infer A } ? A : never }
      : Naming<T, B>
  : T;

/** The members of `T` whose `backend` may be `B`. */
type Naming<T, B> = T extends { backend: infer A } ? (B extends A ? T : never) : never;

/**
 * What a key of the wrong value, or one no config has, is checked against: no value fits,
 * and the error shows what the key takes.
 */
interface Mismatch<T> {
  readonly 'config key takes': T;
}

/**
 * Value `V` checked against type `T`: a map with a `backend` (store, remote peer, writer) key
 * by key (one `T` has not is a `Mismatch`; one `T` requires must be there), a keyword widened to `string` accepted where `T`
 * takes text (the runtime checks it), a value not of type `T` a `Mismatch`.
 */
type Checked<V, T> = string extends V
  ? [Extract<T, string>] extends [never]
    ? Mismatch<T>
    : V
  : V extends readonly unknown[] | ((...args: never[]) => unknown)
    ? T
    : V extends object
      ? string extends keyof V
        ? V
        : NonNullable<T> extends { backend: unknown }
          ? MemberFor<NonNullable<T>, V> extends infer M
            ? { [K in keyof V]: K extends keyof M ? Checked<V[K], M[K]> : Mismatch<never> } & {
                [K in keyof M as {} extends Pick<M, K> ? never : K]: unknown;
              }
            : never
          : T
      : V extends T
        ? V
        : Mismatch<T>;

/** A top-level key without its colon (`':store'` is `store`). */
type Bare<K> = K extends `:${infer N}` ? N : K;

/**
 * The config `C` with every key checked: a key no config has, or a store key its backend
 * does not read, takes no value (so a typo fails to compile, as it fails at runtime), nor
 * does a key given a value of the wrong type or a backend that is no backend's name. EDN
 * text, a `Map` with keyword keys (the internal form), maps of any keys (`Record<string,
 * unknown>`) and the phantom schema type (typed-schema.ts) pass unchecked.
 */
export type CheckedConfig<C> = C extends string | ReadonlyMap<unknown, unknown>
  ? C
  : string extends keyof C
    ? C
    : {
        [K in keyof C]: K extends symbol
          ? C[K]
          : Bare<K> extends keyof DatabaseConfig
            ? Checked<C[K], DatabaseConfig[Bare<K>]>
            : Mismatch<never>;
      };

/** Whether a config makes every call run on a server (`:remote-peer`). */
export type NamesRemotePeer<C> = C extends { 'remote-peer': object } ? true : false;
