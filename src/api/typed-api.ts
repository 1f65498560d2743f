/**
 * The public API's types: what the functions of functions.ts take and give, told apart by
 * where they run. A connection is local or on a server (`R['conn']`, the client's
 * `RemoteConnection`, handed in by the entry that composes the client: this layer does not
 * import it), and so are database values and entities; `connect` gives the kind its config
 * names. Connections and databases carry a schema type (typed-schema.ts) that `transact`,
 * `pull` and `entity` check and type with; configs are checked by typed-config.ts, query
 * answers shaped by typed-query.ts.
 */

import type { Connection as LocalConnection } from '../connection/index.js';
import type { Db, DbView } from '../db/index.js';
import type { Uuid } from '../values/index.js';
import type { GcOptions, PullPattern, QueryArgs, QueryInput, TxData } from './arguments.js';
import type { DatomObject } from './convert.js';
import type { EntityView } from './entity.js';
import type { Api, Metrics, Schema } from './functions.js';
import type {
  CheckedConfig,
  ConfigInput,
  DatabaseConfig,
  ServerPeerConfig,
  StoreConfig,
} from './typed-config.js';
import type { EntityValue, PullResult } from './typed-pull.js';
import type { QueryResult } from './typed-query.js';
import type { AttrName, EntityRef, SchemaOf, TxForm, Untyped, WithSchema } from './typed-schema.js';

/** The classes of the objects that live on a server, as the composing entry knows them. */
export interface RemoteTypes {
  readonly conn: object;
  readonly db: object;
  readonly entity: object;
}

/** A connection to a database with schema `S`: local, or on a server. */
export type ConnectionOf<R extends RemoteTypes, S = Untyped> = (LocalConnection | R['conn']) &
  WithSchema<S>;
/** A database value (current, or a view) with schema `S`: local, or on a server. */
export type DatabaseOf<R extends RemoteTypes, S = Untyped> = (DbView | R['db']) & WithSchema<S>;

type AnyConn<R extends RemoteTypes> = LocalConnection | R['conn'];
type AnyDb<R extends RemoteTypes> = DbView | R['db'];

/** The current database of connection `X` (`db`, `commitAsDb`, a report's databases). */
type DbFor<R extends RemoteTypes, X> = (X extends LocalConnection
  ? Db
  : X extends R['conn']
    ? R['db']
    : Db | R['db']) &
  WithSchema<SchemaOf<X>>;

/** A view of database `X` (as-of, since, history, filtered): where `X` lives, same schema. */
type ViewFor<R extends RemoteTypes, X> = (X extends DbView
  ? DbView
  : X extends R['db']
    ? R['db']
    : DbView | R['db']) &
  WithSchema<SchemaOf<X>>;

/** Whether config `C` names a `remote-peer`: surely (`true`), surely not, or maybe. */
type RemotePeerIn<C> = C extends string
  ? 'maybe'
  : 'remote-peer' extends keyof C
    ? C extends { 'remote-peer': object }
      ? true
      : 'maybe'
    : false;

/** The schema a config's `initial-tx` (or the config `createDatabase` handed back) carries. */
type ConfigSchema<C> = C extends { 'initial-tx': infer T } ? SchemaOf<T> : SchemaOf<C>;

/** What `connect(config)` gives: a remote connection when the config names a `remote-peer`. */
type ConnectionFor<R extends RemoteTypes, C> = (RemotePeerIn<C> extends true
  ? R['conn']
  : RemotePeerIn<C> extends false
    ? LocalConnection
    : AnyConn<R>) &
  WithSchema<ConfigSchema<C>>;

/**
 * The config `createDatabase` hands back: the one given with the defaults filled in (and
 * its `remote-peer`, as Datahike does), without `initial-tx`, carrying the schema type.
 */
export type CreatedConfig<C = DatabaseConfig> = Omit<
  DatabaseConfig,
  'remote-peer' | 'initial-tx'
> & {
  store: StoreConfig;
  'keep-history?': boolean;
  'schema-flexibility': ':write' | ':read';
  branch: `:${string}`;
} & (RemotePeerIn<C> extends true
    ? { 'remote-peer': ServerPeerConfig }
    : RemotePeerIn<C> extends false
      ? unknown
      : { 'remote-peer'?: ServerPeerConfig }) &
  WithSchema<ConfigSchema<C>>;

/** Tempids (as given: `"-1"`, `"alice"`) and `"db/current-tx"` → entity ids. */
export interface Tempids {
  readonly 'db/current-tx': number;
  readonly [tempid: string]: number;
}

/** A transaction report; `D` the kind of database value its connection gives. */
export interface TransactionReport<D = DbView> {
  'db-before': D;
  'db-after': D;
  'tx-data': DatomObject[];
  tempids: Tempids;
  'tx-meta': unknown;
}

/** Tx-data on schema `S`: forms checked against it when it is typed. */
export type TxDataOf<S> = [S] extends [Untyped] ? TxData : readonly TxForm<S>[] | string;

/** `transact`'s argument on schema `S`: tx-data, or `{ 'tx-data': …, 'tx-meta': … }`. */
export type TransactArgOf<S> = TxDataOf<S> | { 'tx-data': TxDataOf<S>; 'tx-meta'?: unknown };

/** An entity read through `get` with the attributes of schema `S`; others as `EntityView`. */
export type TypedEntity<S> = Omit<EntityView, 'get'> & {
  /** A schema attribute, `db/id` or a reverse reference (`':person/_friend'`), colon or not. */
  get<A extends AttrName<S> | `:${AttrName<S>}` | `${string}/_${string}` | ':db/id' | 'db/id'>(
    attr: A,
  ): EntityValue<S, A extends `:${infer N}` ? N : A, TypedEntity<S>>;
};

type EntityFor<R extends RemoteTypes, X> = X extends DbView
  ? [SchemaOf<X>] extends [Untyped]
    ? EntityView
    : TypedEntity<SchemaOf<X>>
  : X extends R['db']
    ? R['entity']
    : EntityView | R['entity'];

/**
 * The config a function that takes one accepts: `C` as it passes `CheckedConfig`
 * (typed-config.ts; a key that does not is a mismatch naming what it takes).
 */
export type ConfigArg<C> = C & CheckedConfig<C>;

/** A time point: a tx id, a Date or a database value. */
type TimePointOf<R extends RemoteTypes> = number | Date | AnyDb<R>;

type Report<R extends RemoteTypes, X> = TransactionReport<DbFor<R, X>>;

/**
 * The public API's functions; `R` the classes of the remote objects. Those `TypedFunctions`
 * does not list keep the types of their implementation (functions.ts), except that a
 * connection or database argument may be a remote one too (the call then runs there).
 */
export type TypedApi<R extends RemoteTypes> = {
  [K in Exclude<keyof Api, keyof TypedFunctions<R>>]: OnEither<R, Api[K]>;
} & TypedFunctions<R>;

/** Function `F` with its local connection and database arguments widened to remote ones. */
type OnEither<R extends RemoteTypes, F> = F extends (...args: infer A) => infer Out
  ? (
      ...args: {
        [I in keyof A]: A[I] extends LocalConnection
          ? AnyConn<R>
          : A[I] extends DbView
            ? AnyDb<R>
            : A[I];
      }
    ) => Out
  : F;

/** The functions typed by where they run and by schema (docs: functions.ts, the API table). */
export interface TypedFunctions<R extends RemoteTypes> {
  /** Creates a database; the config handed back carries the schema type of its `initial-tx`. */
  createDatabase<const C extends ConfigInput>(cfg?: ConfigArg<C>): Promise<CreatedConfig<C>>;
  deleteDatabase<const C extends ConfigInput>(cfg?: ConfigArg<C>): Promise<null>;
  databaseExists<const C extends ConfigInput>(cfg?: ConfigArg<C>): Promise<boolean>;
  /**
   * Connects: a `RemoteConnection` for a config with `remote-peer`, a local one without, either
   * when the type cannot tell (EDN text, a `DatabaseConfig`); typed by the config's `initial-tx`.
   */
  connect<const C extends ConfigInput>(cfg?: ConfigArg<C>): Promise<ConnectionFor<R, C>>;
  release(conn: AnyConn<R>, releaseAll?: boolean): Promise<null>;
  /** The current database of a connection: a `Db` here, a `RemoteDb` on a server. */
  db<X extends AnyConn<R>>(conn: X): Promise<DbFor<R, X>>;
  /** Transacts tx-data, checked against the connection's schema type when it has one. */
  transact<X extends AnyConn<R>>(conn: X, arg: TransactArgOf<SchemaOf<X>>): Promise<Report<R, X>>;
  loadEntities<X extends AnyConn<R>>(
    conn: X,
    entities: readonly unknown[] | string,
  ): Promise<Report<R, X> | null>;
  listen<X extends AnyConn<R>>(conn: X, callback: (report: Report<R, X>) => void): Promise<unknown>;
  listen<X extends AnyConn<R>>(
    conn: X,
    key: unknown,
    callback: (report: Report<R, X>) => void,
  ): Promise<unknown>;
  unlisten(
    conn: AnyConn<R>,
    key: unknown,
  ): Promise<Record<string, (report: TransactionReport<AnyDb<R>>) => void>>;

  asOf<X extends AnyDb<R>>(database: X, t: TimePointOf<R>): Promise<ViewFor<R, X>>;
  since<X extends AnyDb<R>>(database: X, t: TimePointOf<R>): Promise<ViewFor<R, X>>;
  history<X extends AnyDb<R>>(database: X): Promise<ViewFor<R, X>>;
  /** Local databases only: the predicate runs in this process. */
  filter<X extends DbView>(
    database: X,
    pred: (db: DbView, datom: DatomObject) => boolean,
  ): Promise<DbView & WithSchema<SchemaOf<X>>>;
  isFiltered(database: AnyDb<R>): Promise<boolean>;
  withDb<X extends DbView>(
    database: X,
    arg: TransactArgOf<SchemaOf<X>>,
    txMeta?: unknown,
  ): Promise<TransactionReport<Db & WithSchema<SchemaOf<X>>>>;
  initDb: Api['initDb'];
  dbWith<X extends DbView>(
    database: X,
    arg: TransactArgOf<SchemaOf<X>>,
  ): Promise<Db & WithSchema<SchemaOf<X>>>;

  datoms(database: AnyDb<R>, ...args: unknown[]): Promise<DatomObject[]>;
  seekDatoms(database: AnyDb<R>, ...args: unknown[]): Promise<DatomObject[]>;
  rseekDatoms(database: AnyDb<R>, ...args: unknown[]): Promise<DatomObject[]>;
  indexRange(
    database: AnyDb<R>,
    ...args: [{ attrid: string; start?: unknown; end?: unknown }] | [string, unknown, unknown]
  ): Promise<DatomObject[]>;

  /** An entity; on a typed database `get` takes the schema's attributes and types their values. */
  entity<X extends AnyDb<R>>(
    database: X,
    eid: EntityRef<SchemaOf<X>>,
  ): Promise<EntityFor<R, X> | null>;
  entityDb(e: EntityView | TypedEntity<never> | R['entity']): Promise<AnyDb<R>>;
  schema(database: AnyDb<R>): Promise<Schema>;
  reverseSchema(database: AnyDb<R>): Promise<Record<string, string[]>>;
  commitAsDb<X extends AnyConn<R>>(conn: X, id: Uuid | string): Promise<DbFor<R, X>>;
  branchAsDb<X extends AnyConn<R>>(conn: X, branch: string): Promise<DbFor<R, X>>;
  gcStorage(
    conn: AnyConn<R>,
    removeBefore?: Date | null,
    opts?: GcOptions,
  ): Promise<Record<string, unknown>>;
  commitId(database: AnyDb<R>): Promise<Uuid | null>;
  parentCommitIds(database: AnyDb<R>): Promise<Uuid[]>;
  metrics(database: AnyDb<R>): Promise<Metrics>;

  /**
   * Runs a Datalog query. The answer is typed by `T` when given (`q<number>(…)`), else by
   * the `:find` of a query written as data (typed-query.ts); a text query's is `any`.
   */
  q<T = never, const Q extends QueryInput | QueryArgs = QueryInput | QueryArgs>(
    query: Q,
    ...inputs: unknown[]
  ): Promise<[T] extends [never] ? QueryResult<Q> : T>;
  queryStats(query: QueryInput | QueryArgs, ...inputs: unknown[]): Promise<Record<string, unknown>>;
  explain(query: QueryInput, ...inputs: unknown[]): Promise<string>;

  /** Pulls an entity; a data pattern on a typed database types the result (typed-pull.ts). */
  pull<X extends AnyDb<R>, const P extends PullPattern>(
    database: X,
    pattern: P,
    eid: EntityRef<SchemaOf<X>>,
  ): Promise<PullResult<SchemaOf<X>, P> | null>;
  pull<X extends AnyDb<R>, const P extends PullPattern>(
    database: X,
    arg: { selector: P; eid: EntityRef<SchemaOf<X>> },
  ): Promise<PullResult<SchemaOf<X>, P> | null>;
  pullMany<X extends AnyDb<R>, const P extends PullPattern>(
    database: X,
    pattern: P,
    eids: readonly EntityRef<SchemaOf<X>>[],
  ): Promise<(PullResult<SchemaOf<X>, P> | null)[]>;
  pullMany<X extends AnyDb<R>, const P extends PullPattern>(
    database: X,
    arg: { selector: P; eids: readonly EntityRef<SchemaOf<X>>[] },
  ): Promise<(PullResult<SchemaOf<X>, P> | null)[]>;
}
