/**
 * Every error code a `DatahikeError` can carry, with the HTTP status the server answers it
 * with and one line saying what it means. `DatahikeError` takes only these codes, so a new
 * one is added here (and DEVELOPERS.md's list, which test/values/error-codes.test.ts
 * checks against this table, is regenerated from it).
 *
 * Statuses: 4xx are the client's to fix (422: a transaction that cannot be applied), 503
 * asks to try again later, 500 is a failure of the server or its store.
 */

export interface ErrorCodeInfo {
  readonly status: number;
  readonly doc: string;
}

export const ERROR_CODES = {
  'edn/parse': { status: 400, doc: 'EDN text that does not parse (with line and column).' },

  'transact/syntax': { status: 422, doc: 'A tx-data form of the wrong shape.' },
  'transact/wrong-type': { status: 422, doc: "A value that does not fit its attribute's type." },
  'transact/schema': {
    status: 422,
    doc: 'An attribute the schema does not know (schema on write).',
  },
  'transact/unique': { status: 422, doc: 'A unique value that another entity already has.' },
  'transact/upsert-conflict': {
    status: 422,
    doc: 'One tempid upserting to two different entities.',
  },
  'transact/unknown-tempid': {
    status: 422,
    doc: 'A tempid used as a value that no entity in the transaction asserts.',
  },
  'transact/unknown-ident': { status: 422, doc: 'An ident in tx-data that names no entity.' },
  'transact/nil-value': { status: 422, doc: 'A nil value in an assertion.' },
  'transact/cas': { status: 422, doc: 'A `:db/cas` whose expected value is not the current one.' },
  'transact/unknown-op': { status: 422, doc: 'A list form whose operation is no known one.' },
  'transact/fn-failed': { status: 422, doc: 'A transaction function that threw.' },
  'transact/composite-tuple': {
    status: 422,
    doc: 'A composite tuple asserted by hand with another value than its components make.',
  },
  'transact/eid-overflow': { status: 422, doc: 'Entity ids exhausted below the first tx id.' },

  'pull/invalid-pattern': { status: 400, doc: 'A pull pattern of the wrong shape.' },
  'lookup-ref/malformed': { status: 422, doc: 'A lookup ref that is not `[attribute value]`.' },
  'lookup-ref/not-found': { status: 422, doc: 'A lookup ref or ident that names no entity.' },
  'lookup-ref/not-unique': { status: 422, doc: 'A lookup ref on an attribute that is not unique.' },
  'entity-id/invalid': {
    status: 422,
    doc: 'Not an entity id (also an id beyond 2^31 - 1).',
  },
  'entity-id/unknown-ident': { status: 422, doc: 'An ident that names no entity.' },

  'schema/invalid': { status: 422, doc: 'A schema attribute definition that is not valid.' },
  'schema/invalid-change': {
    status: 422,
    doc: 'A schema change the data does not allow (for example making a shared value unique).',
  },

  'config/invalid': { status: 400, doc: 'A database configuration that is not valid.' },
  'config/missing-package': {
    status: 400,
    doc: 'A store backend whose optional package (pg, better-sqlite3, the S3 client) is not installed.',
  },
  'config/mismatch': {
    status: 400,
    doc: 'A configuration that disagrees with the one the database was created with.',
  },

  'store/exists': { status: 409, doc: 'Creating a database where one already is.' },
  'store/not-empty': {
    status: 409,
    doc: 'Creating a database where something else is (a non-empty folder, a foreign file, table or prefix).',
  },
  'store/not-found': {
    status: 500,
    doc: 'No store where the configuration points (no file, table or bucket).',
  },
  'store/unsupported-backend': { status: 500, doc: 'A store backend (or `:dbtype`) not known.' },
  'store/unavailable': { status: 503, doc: 'The store does not answer; nothing was written.' },
  'store/full': { status: 503, doc: 'The store is full; the write was undone.' },
  'store/io': { status: 503, doc: 'The store failed to read or write; the write was undone.' },
  'store/commit-unknown': {
    status: 503,
    doc: 'A commit that may or may not have been written: check before retrying.',
  },
  'store/corrupt': { status: 500, doc: 'Damaged store contents (with where).' },
  'store/version': { status: 500, doc: 'Store contents written by an unknown format version.' },
  'store/missing-node': { status: 500, doc: 'An index node a commit needs is not in the store.' },
  'store/locked': { status: 500, doc: "Another process holds the file store's lock." },
  'store/closed': { status: 500, doc: 'A store used after it was closed.' },

  'database/not-found': { status: 404, doc: 'No database in the configured store.' },
  'connection/released': { status: 400, doc: 'A connection used after it was released.' },
  'connection/diverged': {
    status: 409,
    doc: "The store's log no longer holds this connection's commit (recreated or restored).",
  },
  'connection/not-found': {
    status: 404,
    doc: 'A connection handle this server did not open (or no longer has).',
  },
  'writer/conflict': { status: 409, doc: 'Another writer moved the database.' },
  'writer/not-visible': {
    status: 400,
    doc: 'The remote writer committed, but the commit did not show up in the shared store.',
  },
  'writer/bad-answer': { status: 400, doc: 'The remote writer answered without a commit id.' },
  'db/no-history': { status: 400, doc: 'A history read on a database that keeps no history.' },
  'index-range/not-indexed': {
    status: 400,
    doc: 'An AVET read (`indexRange`, `datoms`) of an attribute that is not indexed.',
  },
  'commit/not-found': { status: 404, doc: 'No commit with that id on the branch.' },
  'branch/not-found': { status: 404, doc: 'No branch of that name in the store.' },
  'branch/exists': { status: 409, doc: 'A branch of that name exists already (branch).' },
  'branch/protected': { status: 400, doc: 'The :db branch cannot be deleted (deleteBranch).' },
  'api/invalid-argument': { status: 400, doc: 'An API function given an argument it cannot take.' },

  'query/invalid': { status: 400, doc: 'A query of the wrong shape.' },
  'query/timeout': { status: 503, doc: 'A query that ran past its timeout.' },
  'query/insufficient-binding': {
    status: 400,
    doc: 'A clause whose inputs are never bound (a predicate or `not` on unbound variables).',
  },
  'query/unknown-function': { status: 400, doc: 'A function or aggregate that is not known.' },
  'query/unknown-source': { status: 400, doc: 'A source the `:in` clause does not bind.' },
  'query/bad-source': { status: 400, doc: 'A source that is neither a database nor a collection.' },
  'query/arity': { status: 400, doc: 'A function or rule called with the wrong argument count.' },
  'query/unbound-variable': {
    status: 400,
    doc: 'A variable in `:find` or a rule head that the body does not bind.',
  },
  'query/binding': { status: 400, doc: 'An input that does not fit its `:in` binding form.' },
  'query/type': { status: 400, doc: 'A built-in function given a value of the wrong type.' },
  'query/function-failed': { status: 400, doc: 'A function called by the query threw.' },

  'wire/malformed': { status: 400, doc: 'JSON, transit or EDN on the wire that does not decode.' },
  'wire/unencodable': { status: 400, doc: 'A value the chosen wire format cannot carry.' },

  'server/config': { status: 400, doc: 'A server configuration that is not valid.' },
  'server/unauthorized': { status: 401, doc: 'A missing or wrong token.' },
  'server/answer-too-large': {
    status: 413,
    doc: "An answer larger than the server's `:max-answer-bytes`.",
  },
  'server/rate-limited': {
    status: 429,
    doc: "More requests than the server's `:rate-limit` allows this credential; retry after `Retry-After`.",
  },
  'server/quota': {
    status: 429,
    doc: 'A per-credential cap reached (`:max-listen-streams`, `:max-databases`).',
  },
  'server/busy': { status: 503, doc: 'Every read worker is busy and the queue is full; retry.' },
  'server/out-of-memory': {
    status: 503,
    doc: 'A read that went past the worker memory cap (`:worker-memory-mb`); the worker was replaced.',
  },
  'server/timeout': {
    status: 503,
    doc: "A read past the server's `:timeout`: the engine stopped it, or its worker was ended.",
  },
  'limit/exceeded': {
    status: 400,
    doc: "An input or a computation past one of the server's limits; `data.limit` names it.",
  },
  'server/forbidden': {
    status: 403,
    doc: "A credential without the right the call needs, a store outside the server's `:stores`, or a refused dev-mode request.",
  },
  'server/bad-request': { status: 400, doc: 'A request body that is not the list of arguments.' },
  'server/bad-arguments': {
    status: 400,
    doc: 'Arguments that fit no arity, or a connection or database in the wrong position.',
  },
  'server/not-found': { status: 404, doc: 'No such route.' },
  'server/body-too-large': { status: 413, doc: 'A request body beyond `:body-limit`.' },
  'server/unsupported-media-type': {
    status: 415,
    doc: 'A Content-Type that is not JSON, transit or EDN.',
  },
  'server/shutting-down': { status: 503, doc: 'The server is stopping.' },
  'server/internal': { status: 500, doc: 'A failure of the server itself (logged).' },
  'server/unencodable': {
    status: 500,
    doc: "An error whose body the requested format cannot carry: sent as plain JSON, with that error's status.",
  },

  'client/not-remote': {
    status: 400,
    doc: 'A call that cannot run on a server (it needs this process, or has a function in it).',
  },
  'client/unreachable': { status: 503, doc: 'The datahike server does not answer.' },
  'client/outcome-unknown': {
    status: 503,
    doc: 'A write was sent but its answer was lost: it may or may not have been applied.',
  },
  'client/server-error': {
    status: 500,
    doc: 'The server answered with an error that is not ours.',
  },

  // Errors of the B+-tree (BTreeError, not a DatahikeError): misuse by the code above it.
  'index/bad-branching': { status: 500, doc: 'A tree branching factor out of range.' },
  'index/no-store': { status: 500, doc: 'A tree reaching a stored node without a store.' },
  'index/transient-sealed': { status: 500, doc: 'A transient tree used after it was sealed.' },
  'index/unwritten-child': { status: 500, doc: 'A node written before its children.' },
  'index/invariant': { status: 500, doc: 'A broken B+-tree invariant (a bug).' },
  'index/node-not-loaded': {
    status: 500,
    doc: 'A node not in memory, which `withLoadedNodes` loads: seen outside it, a bug.',
  },

  'cli/usage': { status: 400, doc: 'A command line that is not a known command or form.' },
  'cli/file': { status: 400, doc: 'A file the command cannot read.' },
  'cli/import': { status: 400, doc: 'A line of an import file that is not a datom.' },
  'cli/bench': { status: 500, doc: 'The benchmarks are missing (no checkout) or failed.' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The HTTP status for a code; a code this table does not know (from a newer server) is a 500. */
export function statusOfCode(code: string): number {
  return (ERROR_CODES as Record<string, ErrorCodeInfo>)[code]?.status ?? 500;
}
