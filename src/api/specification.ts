/**
 * The API specification table: one entry per public function, the single source from
 * which the HTTP routes, the remote client, the CLI commands and the OpenAPI document are
 * generated. Names follow Datahike (`database-exists?`, `as-of`); `jsName` is the exported
 * function.
 */

import type { Api } from './functions.js';

/** Argument kinds, the vocabulary shared by the server, client and CLI generators. */
export type ArgKind =
  | 'config'
  | 'conn'
  | 'db'
  | 'tx'
  | 'tx-meta'
  | 'time-point'
  | 'index'
  | 'component'
  | 'eid'
  | 'entity'
  | 'index-range'
  | 'query'
  | 'pattern'
  | 'pull-options'
  | 'eids'
  | 'fn'
  | 'key'
  | 'boolean'
  | 'string'
  | 'any';

/**
 * What a function returns, by kind: the OpenAPI document gives each its response schema,
 * the CLI and the API reference its name.
 */
export type ReturnKind =
  | 'query-result'
  | 'query-stats'
  | 'pull'
  | 'pulls'
  | 'config'
  | 'conn'
  | 'db'
  | 'dbs'
  | 'tx-report'
  | 'tx-reports'
  | 'tx-log'
  | 'diff'
  | 'verify-report'
  | 'datoms'
  | 'entity'
  | 'schema'
  | 'reverse-schema'
  | 'metrics'
  | 'gc-report'
  | 'listeners'
  | 'key'
  | 'keywords'
  | 'uuid'
  | 'uuids'
  | 'boolean'
  | 'number'
  | 'string'
  | 'nil';

export type Right = 'read' | 'write' | 'admin';

export interface ApiEntry {
  /** Datahike's name: `database-exists?`, `as-of`. */
  readonly name: string;
  /** `isPromise` is a helper of the JavaScript API only, with no entry. */
  readonly jsName: Exclude<keyof Api, 'isPromise'>;
  /** The arities, each a list of argument kinds; a trailing `…` kind repeats. */
  readonly args: readonly (readonly ArgKind[])[];
  readonly variadic?: ArgKind;
  readonly returns: ReturnKind;
  readonly doc: string;
  /** Can be called over HTTP. */
  readonly remote: boolean;
  /** Same arguments, same answer: served as a cacheable GET. */
  readonly referentiallyTransparent: boolean;
  /**
   * The right a caller needs: `read` (queries, connecting, database values), `write`
   * (commits) or `admin` (creating and deleting databases, garbage collection).
   */
  readonly right: Right;
  /**
   * What the call does to a database's store or to a connection, which the server tracks
   * per credential (isolation, quotas): `create` and `delete` a database, `open` a
   * connection, `release` one.
   */
  readonly lifecycle?: 'create' | 'delete' | 'open' | 'release';
  /** Reads database values only: a server may answer it in a read worker (durable stores). */
  readonly worker?: true;
  /**
   * The CLI command: by default the name without a trailing `?` or `!`; `false` for
   * functions that make no sense from a shell (they return live objects or take callbacks).
   */
  readonly command?: string | false;
  /**
   * Served as a stream of server-sent events instead of a call: `subscribe` opens one (its
   * route is the function's), `unsubscribe` ends one in the client.
   */
  readonly events?: 'subscribe' | 'unsubscribe';
  /**
   * The last argument of its longest arity is an options map that takes a `progress`
   * callback (`{ progress: (message) => … }`, or `:progress` in a map): the CLI passes one
   * that shows the messages on a terminal.
   */
  readonly progress?: true;
  readonly category:
    | 'database'
    | 'connection'
    | 'transaction'
    | 'query'
    | 'time'
    | 'index'
    | 'entity'
    | 'schema'
    | 'util';
}

export const API: readonly ApiEntry[] = [
  {
    name: 'q',
    jsName: 'q',
    args: [['query']],
    variadic: 'any',
    returns: 'query-result',
    doc: 'Runs a Datalog query.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    worker: true,
    command: 'query',
    category: 'query',
  },
  {
    name: 'query-stats',
    jsName: 'queryStats',
    args: [['query']],
    variadic: 'any',
    returns: 'query-stats',
    doc: 'Runs a query and returns its result with per-clause statistics.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    worker: true,
    category: 'query',
  },
  {
    name: 'pull',
    jsName: 'pull',
    args: [
      ['db', 'pull-options'],
      ['db', 'pattern', 'eid'],
    ],
    returns: 'pull',
    doc: 'Pulls the attributes a pattern names from one entity.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    worker: true,
    category: 'query',
  },
  {
    name: 'pull-many',
    jsName: 'pullMany',
    args: [
      ['db', 'pull-options'],
      ['db', 'pattern', 'eids'],
    ],
    returns: 'pulls',
    doc: 'Pulls the attributes a pattern names from many entities.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    worker: true,
    category: 'query',
  },
  {
    name: 'explain',
    jsName: 'explain',
    args: [['query']],
    variadic: 'any',
    returns: 'string',
    doc: 'The plan of a query.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    worker: true,
    category: 'query',
  },
  {
    name: 'database-exists?',
    jsName: 'databaseExists',
    args: [['config'], []],
    returns: 'boolean',
    doc: 'True when the configured store holds a database.',
    remote: true,
    referentiallyTransparent: false,
    right: 'read',
    category: 'database',
  },
  {
    name: 'create-database',
    jsName: 'createDatabase',
    args: [['config'], []],
    returns: 'config',
    doc: 'Creates a database and returns its configuration with defaults filled in.',
    remote: true,
    referentiallyTransparent: false,
    right: 'admin',
    lifecycle: 'create',
    category: 'database',
  },
  {
    name: 'delete-database',
    jsName: 'deleteDatabase',
    args: [['config'], []],
    returns: 'nil',
    doc: 'Deletes a database and its store.',
    remote: true,
    referentiallyTransparent: false,
    right: 'admin',
    lifecycle: 'delete',
    category: 'database',
  },
  {
    name: 'connect',
    jsName: 'connect',
    args: [['config'], []],
    returns: 'conn',
    doc: 'Connects to an existing database.',
    remote: true,
    referentiallyTransparent: false,
    right: 'read',
    lifecycle: 'open',
    command: false,
    category: 'connection',
  },
  {
    name: 'db',
    jsName: 'db',
    args: [['conn']],
    returns: 'db',
    doc: 'The current database value of a connection.',
    remote: true,
    referentiallyTransparent: false,
    right: 'read',
    command: false,
    category: 'connection',
  },
  {
    name: 'release',
    jsName: 'release',
    args: [['conn'], ['conn', 'boolean']],
    returns: 'nil',
    doc: 'Releases a connection.',
    remote: true,
    referentiallyTransparent: false,
    right: 'read',
    lifecycle: 'release',
    command: false,
    category: 'connection',
  },
  {
    name: 'transact',
    jsName: 'transact',
    args: [['conn', 'tx']],
    returns: 'tx-report',
    doc: 'Transacts tx-data and returns the report once committed.',
    remote: true,
    referentiallyTransparent: false,
    right: 'write',
    category: 'transaction',
  },
  {
    name: 'load-entities',
    jsName: 'loadEntities',
    args: [['conn', 'tx']],
    returns: 'tx-report',
    doc: 'Loads exported datoms, one transaction per original transaction.',
    remote: true,
    referentiallyTransparent: false,
    right: 'write',
    category: 'transaction',
  },
  {
    name: 'listen',
    jsName: 'listen',
    args: [
      ['conn', 'fn'],
      ['conn', 'key', 'fn'],
    ],
    returns: 'key',
    doc: 'Calls a function with the report of every later transaction.',
    remote: false,
    referentiallyTransparent: false,
    right: 'read',
    command: false,
    events: 'subscribe',
    category: 'connection',
  },
  {
    name: 'unlisten',
    jsName: 'unlisten',
    args: [['conn', 'key']],
    returns: 'listeners',
    doc: 'Removes a listener; returns the listeners left, by key.',
    remote: false,
    referentiallyTransparent: false,
    right: 'read',
    command: false,
    events: 'unsubscribe',
    category: 'connection',
  },
  {
    name: 'with',
    jsName: 'withDb',
    args: [
      ['db', 'tx'],
      ['db', 'tx', 'tx-meta'],
    ],
    returns: 'tx-report',
    doc: 'Applies tx-data to a database value without committing.',
    remote: false,
    referentiallyTransparent: true,
    right: 'read',
    category: 'transaction',
  },
  {
    name: 'db-with',
    jsName: 'dbWith',
    args: [['db', 'tx']],
    returns: 'db',
    doc: 'The database value after applying tx-data, without committing.',
    remote: false,
    referentiallyTransparent: true,
    right: 'read',
    command: false,
    category: 'transaction',
  },
  {
    name: 'init-db',
    jsName: 'initDb',
    args: [['tx'], ['tx', 'config']],
    returns: 'db',
    doc: 'A database value holding exactly the given datoms, built in one pass.',
    remote: false,
    referentiallyTransparent: true,
    right: 'read',
    command: false,
    category: 'transaction',
  },
  {
    name: 'as-of',
    jsName: 'asOf',
    args: [['db', 'time-point']],
    returns: 'db',
    doc: 'The database as of a point in time.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    command: false,
    category: 'time',
  },
  {
    name: 'since',
    jsName: 'since',
    args: [['db', 'time-point']],
    returns: 'db',
    doc: 'Only the datoms added after a point in time.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    command: false,
    category: 'time',
  },
  {
    name: 'history',
    jsName: 'history',
    args: [['db']],
    returns: 'db',
    doc: 'Every assertion and retraction ever made.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    command: false,
    category: 'time',
  },
  {
    name: 'filter',
    jsName: 'filter',
    args: [['db', 'fn']],
    returns: 'db',
    doc: 'A view keeping only the datoms a predicate accepts.',
    remote: false,
    referentiallyTransparent: true,
    right: 'read',
    command: false,
    category: 'time',
  },
  {
    name: 'is-filtered',
    jsName: 'isFiltered',
    args: [['db']],
    returns: 'boolean',
    doc: 'True for a filtered view.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    command: false,
    category: 'time',
  },
  {
    name: 'datoms',
    jsName: 'datoms',
    args: [['db', 'index']],
    variadic: 'component',
    returns: 'datoms',
    doc: 'Datoms of an index whose leading components match.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    worker: true,
    category: 'index',
  },
  {
    name: 'seek-datoms',
    jsName: 'seekDatoms',
    args: [['db', 'index']],
    variadic: 'component',
    returns: 'datoms',
    doc: 'Datoms from the given components to the end of the index.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    worker: true,
    category: 'index',
  },
  {
    name: 'rseek-datoms',
    jsName: 'rseekDatoms',
    args: [['db', 'index']],
    variadic: 'component',
    returns: 'datoms',
    doc: 'Datoms from the given components back to the start of the index.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    worker: true,
    category: 'index',
  },
  {
    name: 'index-range',
    jsName: 'indexRange',
    args: [
      ['db', 'index-range'],
      ['db', 'component', 'any', 'any'],
    ],
    returns: 'datoms',
    doc: 'AVET datoms of an indexed attribute within a value range.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    worker: true,
    category: 'index',
  },
  {
    name: 'index-pull',
    jsName: 'indexPull',
    args: [['db', 'any']],
    returns: 'pulls',
    doc: "Walks :avet or :aevt from {:start [attr …]} within the attribute ({:reverse true}: backwards) and pulls each datom's entity with {:selector …}; {:offset n :limit n}.",
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    category: 'index',
  },
  {
    name: 'entity',
    jsName: 'entity',
    args: [['db', 'eid']],
    returns: 'entity',
    doc: 'A lazy view of one entity.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    worker: true,
    category: 'entity',
  },
  {
    name: 'entity-db',
    jsName: 'entityDb',
    args: [['entity']],
    returns: 'db',
    doc: 'The database an entity reads from.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    command: false,
    category: 'entity',
  },
  {
    name: 'schema',
    jsName: 'schema',
    args: [['db']],
    returns: 'schema',
    doc: 'The user schema by attribute.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    category: 'schema',
  },
  {
    name: 'reverse-schema',
    jsName: 'reverseSchema',
    args: [['db']],
    returns: 'reverse-schema',
    doc: 'Schema properties mapped to the attributes that have them.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    category: 'schema',
  },
  {
    name: 'commit-as-db',
    jsName: 'commitAsDb',
    args: [['conn', 'string']],
    returns: 'db',
    doc: "The database as of one commit of the connection's branch, by commit id.",
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    category: 'database',
  },
  {
    name: 'branch-as-db',
    jsName: 'branchAsDb',
    args: [['conn', 'key']],
    returns: 'db',
    doc: 'The newest database of another branch of the same store.',
    remote: true,
    referentiallyTransparent: false,
    right: 'read',
    category: 'database',
  },
  {
    name: 'tx-range',
    jsName: 'txRange',
    args: [['conn'], ['conn', 'any'], ['conn', 'any', 'any']],
    returns: 'tx-log',
    doc: 'The transactions of the log from start (inclusive) to end (exclusive), each a tx id, a Date or nil: {:t :data :commit-id :parents} each, in order.',
    remote: true,
    referentiallyTransparent: false,
    right: 'read',
    category: 'time',
  },
  {
    name: 'reports',
    jsName: 'reports',
    args: [['conn'], ['conn', 'any']],
    returns: 'tx-reports',
    doc: 'The reports of the transactions from {:from tx} on, read from the log, then live as they commit: each once, in order.',
    remote: false,
    referentiallyTransparent: false,
    right: 'read',
    command: false,
    category: 'connection',
  },
  {
    name: 'branches',
    jsName: 'branches',
    args: [['conn']],
    returns: 'keywords',
    doc: "The branches of the connection's store.",
    remote: true,
    referentiallyTransparent: false,
    right: 'read',
    category: 'database',
  },
  {
    name: 'branch!',
    jsName: 'branch',
    args: [['conn', 'any', 'key']],
    returns: 'nil',
    doc: 'Starts a new branch at a branch head (keyword) or a commit (id); makes no commit.',
    remote: true,
    referentiallyTransparent: false,
    right: 'write',
    category: 'database',
  },
  {
    name: 'delete-branch!',
    jsName: 'deleteBranch',
    args: [['conn', 'key']],
    returns: 'nil',
    doc: 'Deletes a branch (not :db); what only it reached goes at the next gc.',
    remote: true,
    referentiallyTransparent: false,
    right: 'write',
    category: 'database',
  },
  {
    name: 'force-branch!',
    jsName: 'forceBranch',
    args: [['db', 'key', 'any']],
    returns: 'nil',
    doc: 'Makes a database value the head of a branch (created if need be), as a new commit with the given parents (branches or commit ids).',
    remote: true,
    referentiallyTransparent: false,
    right: 'write',
    category: 'database',
  },
  {
    name: 'merge-db!',
    jsName: 'mergeDb',
    args: [
      ['conn', 'any', 'tx'],
      ['conn', 'any', 'tx', 'tx-meta'],
    ],
    returns: 'tx-report',
    doc: "Transacts tx-data as a commit whose parents are the branch's head and the given branches or commits (a merge).",
    remote: true,
    referentiallyTransparent: false,
    right: 'write',
    category: 'transaction',
  },
  {
    name: 'branch-history',
    jsName: 'branchHistory',
    args: [['conn']],
    returns: 'dbs',
    doc: "The databases of the commits the branch's head reaches through its parents, newest first.",
    remote: true,
    referentiallyTransparent: false,
    right: 'read',
    category: 'database',
  },
  {
    name: 'diff',
    jsName: 'diff',
    args: [['db', 'db']],
    returns: 'diff',
    doc: 'The datoms asserted and retracted from one database value to another of the same store: {:asserted [datoms] :retracted [datoms]}; its cost grows with the difference.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    category: 'database',
  },
  {
    name: 'common-ancestor',
    jsName: 'commonAncestor',
    args: [['conn', 'any', 'any']],
    returns: 'uuid',
    doc: 'The newest commit two commits (ids, or branches by their heads) both reach through their parents (nil when none).',
    remote: true,
    referentiallyTransparent: false,
    right: 'read',
    category: 'database',
  },
  {
    name: 'verify-commits',
    jsName: 'verifyCommits',
    args: [['conn'], ['conn', 'any']],
    returns: 'verify-report',
    doc: "Checks that the branch's commits are what their content-hash ids say, from {:from commit-id} on: {:valid? :verified :unverifiable :failures}.",
    remote: true,
    referentiallyTransparent: false,
    right: 'read',
    category: 'database',
  },
  {
    name: 'gc-storage',
    jsName: 'gcStorage',
    args: [['conn'], ['conn', 'time-point'], ['conn', 'time-point', 'any']],
    returns: 'gc-report',
    doc: 'Removes from the store what no kept commit reaches (commits before the date, if one is given, are dropped); blobs go only after a grace period ({:graceMs ms}, five minutes by default).',
    remote: true,
    referentiallyTransparent: false,
    right: 'admin',
    progress: true,
    category: 'database',
  },
  {
    name: 'commit-id',
    jsName: 'commitId',
    args: [['db']],
    returns: 'uuid',
    doc: 'The id of the commit a database value comes from.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    category: 'database',
  },
  {
    name: 'parent-commit-ids',
    jsName: 'parentCommitIds',
    args: [['db']],
    returns: 'uuids',
    doc: 'The ids of the commits a commit was made on (one, or none for the first).',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    category: 'database',
  },
  {
    name: 'metrics',
    jsName: 'metrics',
    args: [['db']],
    returns: 'metrics',
    doc: 'Datom counts of a database.',
    remote: true,
    referentiallyTransparent: true,
    right: 'read',
    category: 'schema',
  },
  {
    name: 'tempid',
    jsName: 'tempid',
    args: [[], ['any'], ['any', 'any']],
    returns: 'number',
    doc: 'A fresh temporary id.',
    remote: false,
    referentiallyTransparent: false,
    right: 'read',
    command: false,
    category: 'util',
  },
  {
    name: 'random-uuid',
    jsName: 'randomUuid',
    args: [[]],
    returns: 'uuid',
    doc: 'A random UUID.',
    remote: false,
    referentiallyTransparent: false,
    right: 'read',
    category: 'util',
  },
  {
    name: 'uuid',
    jsName: 'uuid',
    args: [['string']],
    returns: 'uuid',
    doc: 'The UUID value of a string.',
    remote: false,
    referentiallyTransparent: true,
    right: 'read',
    category: 'util',
  },
  {
    name: 'datahike-version',
    jsName: 'datahikeVersion',
    args: [[]],
    returns: 'string',
    doc: 'The datahike-ts version.',
    remote: false,
    referentiallyTransparent: true,
    right: 'read',
    category: 'util',
  },
];

/** The entry for a Datahike-spelled or JavaScript name. */
export function apiEntry(name: string): ApiEntry | undefined {
  return API.find((e) => e.name === name || e.jsName === name);
}

/** The HTTP route of an entry: `/` and Datahike's name without a trailing `?` or `!`. */
export function routePath(entry: ApiEntry): string {
  return `/${entry.name.replace(/[?!]$/, '')}`;
}

/** The CLI command of an entry, or undefined when it is none. */
export function commandName(entry: ApiEntry): string | undefined {
  if (entry.command === false) return undefined;
  return entry.command ?? entry.name.replace(/[?!]$/, '');
}

/** The argument positions at which some arity of the entry takes an argument of this kind. */
export function positionsOf(entry: ApiEntry, kind: ArgKind): number[] {
  const at = new Set<number>();
  for (const arity of entry.args)
    for (let i = 0; i < arity.length; i++) if (arity[i] === kind) at.add(i);
  return [...at].sort((a, b) => a - b);
}
