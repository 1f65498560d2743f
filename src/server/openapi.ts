/**
 * The OpenAPI 3.1 document of the server, generated from the API specification table: a
 * route per remote function (GET with `?args=` for the referentially transparent ones, POST
 * for all), a response schema per return kind, examples per argument kind that work, in
 * order, against a fresh server (`EXAMPLE_ORDER`), plus `/listen`, `/health`, `/ready`,
 * `/metrics` and `/openapi.json`.
 */

import type { FastifySwaggerUiConfigOptions } from '@fastify/swagger-ui';
import { API, type ApiEntry, type ArgKind, type ReturnKind, routePath } from '../api/index.js';
import { formats, type MediaType } from '../wire/index.js';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** A tagged literal: `["<tag>", payload]`. */
function tagged(tag: string, payload: Schema, description: string): Schema {
  return {
    type: 'array',
    description,
    prefixItems: [{ const: tag }, payload],
    minItems: 2,
    maxItems: 2,
  };
}

const object = (properties: Record<string, Schema>, required: string[], extra: Schema = {}) => ({
  type: 'object',
  properties,
  required,
  ...extra,
});

/** The value model in JSON with tagged literals, and the handles the server sends. */
const SCHEMAS: Record<string, Schema> = {
  Value: {
    description:
      'Any value, in JSON with tagged literals: strings, numbers, booleans and null as they are; ["!kw","name"] a keyword, ["!uuid","…"], ["!date","<epoch ms>"], ["!set",[…]], ["!bigint","…"], ["!bigdec","…"], ["!map",[[k,v],…]] for a map with keys other than keywords; a JSON object is a map with keyword keys.',
  },
  Keyword: {
    ...tagged('!kw', { type: 'string' }, 'A keyword, written without its colon.'),
    examples: [['!kw', 'name']],
  },
  Uuid: tagged('!uuid', { type: 'string', format: 'uuid' }, 'A UUID.'),
  Instant: tagged('!date', { type: 'string' }, 'An instant: milliseconds since the epoch.'),
  Set: tagged('!set', { type: 'array', items: ref('Value') }, 'A set.'),
  StoreRef: {
    type: 'array',
    description: "A store's id and a branch.",
    prefixItems: [
      { description: "The store's id.", anyOf: [{ type: 'string' }, ref('Uuid')] },
      ref('Keyword'),
    ],
    minItems: 2,
    maxItems: 2,
  },
  Connection: {
    ...tagged(
      '!datahike/Connection',
      ref('StoreRef'),
      'A connection this server opened (/connect): send it back to mean that connection.',
    ),
    examples: [['!datahike/Connection', ['example', ['!kw', 'db']]]],
  },
  DbHandle: tagged(
    '!datahike/DB',
    object(
      {
        'store-id': ref('StoreRef'),
        'commit-id': {
          description:
            "The commit the database is of, so an answer about it never changes; null: the connection's current database.",
          anyOf: [ref('Uuid'), { type: 'null' }],
        },
        'max-eid': { type: 'integer' },
        'max-tx': { type: 'integer' },
      },
      ['store-id', 'max-eid', 'max-tx'],
    ),
    'A database value: one commit of a branch of a connected store.',
  ),
  HistoricalDb: tagged(
    '!datahike/HistoricalDB',
    object({ origin: ref('Db') }, ['origin']),
    'Every assertion and retraction of a database (/history).',
  ),
  AsOfDb: tagged(
    '!datahike/AsOfDB',
    object({ origin: ref('Db'), 'time-point': ref('TimePoint') }, ['origin', 'time-point']),
    'A database as of a point in time (/as-of).',
  ),
  SinceDb: tagged(
    '!datahike/SinceDB',
    object({ origin: ref('Db'), 'time-point': ref('TimePoint') }, ['origin', 'time-point']),
    'The datoms of a database added after a point in time (/since).',
  ),
  TimePoint: {
    description: 'A transaction id or an instant.',
    anyOf: [{ type: 'integer' }, ref('Instant')],
  },
  Db: {
    description: 'A database: a handle from /db, or a view of one.',
    anyOf: [ref('DbHandle'), ref('HistoricalDb'), ref('AsOfDb'), ref('SinceDb')],
  },
  Datom: {
    ...tagged(
      '!datahike/Datom',
      {
        type: 'array',
        prefixItems: [
          { type: 'integer', description: 'entity' },
          ref('Keyword'),
          ref('Value'),
          { type: 'integer', description: 'transaction' },
          { type: 'boolean', description: 'added (false: retracted)' },
        ],
        minItems: 5,
        maxItems: 5,
      },
      'A datom: [entity attribute value transaction added].',
    ),
    examples: [['!datahike/Datom', [3, ['!kw', 'name'], 'Peter', 536870914, true]]],
  },
  Datoms: { type: 'array', items: ref('Datom') },
  TxReport: tagged(
    '!datahike/TxReport',
    object(
      {
        'db-before': ref('Db'),
        'db-after': ref('Db'),
        'tx-data': ref('Datoms'),
        tempids: {
          type: 'object',
          description:
            'The entity id each temporary id got, and "db/current-tx" the transaction\'s id.',
          additionalProperties: { type: 'integer' },
        },
        'tx-meta': ref('Value'),
      },
      ['db-before', 'db-after', 'tx-data', 'tempids'],
    ),
    'The report of a transaction: the databases before and after, the datoms it added and retracted.',
  ),
  Entity: tagged(
    '!datahike/Entity',
    object({ db: ref('Db'), eid: { type: 'integer' } }, ['db', 'eid'], {
      additionalProperties: { description: 'Its attributes, by name.' },
    }),
    'An entity: its database, its id and its attributes.',
  ),
  Map: {
    description:
      'A map: a JSON object when every key is a keyword (written without the colon), else ["!map",[[key,value],…]].',
    anyOf: [
      { type: 'object' },
      tagged('!map', { type: 'array', items: { type: 'array', minItems: 2, maxItems: 2 } }, ''),
    ],
  },
  Config: {
    type: 'object',
    description: 'A database configuration, with the defaults filled in.',
    properties: {
      store: { type: 'object', properties: { backend: ref('Keyword') } },
      'keep-history?': { type: 'boolean' },
      'schema-flexibility': ref('Keyword'),
      branch: ref('Keyword'),
    },
    required: ['store'],
  },
  QueryResult: {
    description:
      'By the find form: a set of tuples for `:find ?a ?b`, a vector for `:find [?a ...]` and `:find [?a ?b]`, one value for `:find ?a .`.',
    anyOf: [
      {
        title: 'relation',
        ...tagged('!set', { type: 'array', items: { type: 'array' } }, 'A set of tuples.'),
      },
      { title: 'collection or tuple', type: 'array' },
      { title: 'scalar', type: ['string', 'number', 'boolean', 'null', 'object'] },
    ],
    examples: [['!set', [['Peter', 42]]]],
  },
  Pulled: {
    type: 'object',
    description:
      'The attributes the pattern names that the entity has, by name; references as nested maps.',
    examples: [{ name: 'Peter', age: 42 }],
  },
};

/** The response schema of each return kind. */
const RETURNS: Record<ReturnKind, Schema> = {
  'query-result': ref('QueryResult'),
  'query-stats': object(
    {
      result: ref('QueryResult'),
      plan: {
        type: 'array',
        items: object(
          {
            clause: { type: 'string' },
            estimate: { type: 'number' },
            rows: { type: 'integer' },
            ms: { type: 'number' },
          },
          ['clause'],
        ),
      },
    },
    ['result', 'plan'],
  ),
  pull: { anyOf: [ref('Pulled'), { type: 'null' }] },
  pulls: { type: 'array', items: { anyOf: [ref('Pulled'), { type: 'null' }] } },
  config: ref('Config'),
  conn: ref('Connection'),
  db: ref('Db'),
  dbs: { type: 'array', items: ref('Db') },
  'tx-report': ref('TxReport'),
  'tx-reports': { type: 'array', items: ref('TxReport') },
  'tx-log': {
    type: 'array',
    items: object(
      {
        t: { type: 'integer' },
        data: ref('Datoms'),
        'commit-id': { anyOf: [ref('Uuid'), { type: 'null' }] },
        parents: { type: 'array', items: ref('Uuid') },
      },
      ['t', 'data'],
    ),
  },
  diff: object({ asserted: ref('Datoms'), retracted: ref('Datoms') }, ['asserted', 'retracted']),
  'verify-report': object(
    {
      'valid?': { type: 'boolean' },
      verified: { type: 'integer' },
      unverifiable: { type: 'integer' },
      failures: {
        type: 'array',
        items: object(
          { seq: { type: 'integer' }, 'commit-id': ref('Uuid'), reason: { type: 'string' } },
          ['seq', 'commit-id', 'reason'],
        ),
      },
    },
    ['valid?', 'verified', 'unverifiable', 'failures'],
  ),
  datoms: ref('Datoms'),
  entity: ref('Entity'),
  schema: {
    type: 'object',
    description: 'Each attribute of the user schema, by name: its definition.',
    additionalProperties: { type: 'object' },
  },
  'reverse-schema': {
    type: 'object',
    description: 'Each schema property (db/index, db/unique, …): the attributes that have it.',
    additionalProperties: ref('Set'),
  },
  metrics: object(
    {
      count: { type: 'integer' },
      'avet-count': { type: 'integer' },
      'per-attr-counts': { type: 'object', additionalProperties: { type: 'integer' } },
      'per-entity-counts': ref('Map'),
      'temporal-count': { type: 'integer' },
      'temporal-avet-count': { type: 'integer' },
    },
    ['count'],
  ),
  'gc-report': {
    type: 'object',
    description: 'What garbage collection removed and kept.',
    additionalProperties: { type: 'integer' },
  },
  listeners: ref('Map'),
  key: ref('Keyword'),
  keywords: tagged('!set', { type: 'array', items: ref('Keyword') }, 'A set of keywords.'),
  uuid: ref('Uuid'),
  uuids: { type: 'array', items: ref('Uuid') },
  boolean: { type: 'boolean' },
  number: { type: 'number' },
  string: { type: 'string' },
  nil: { type: 'null' },
};

/**
 * The example database every example works on: a store in memory, with a schema. On a fresh
 * server, `EXAMPLE_ORDER` runs the examples that make it first and those that end it last.
 */
export const EXAMPLE_CONFIG =
  '{:store {:backend :memory :id "example"} :initial-tx [{:db/ident :name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity} {:db/ident :age :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/index true}]}';

const KW = (name: string) => ['!kw', name];
const CONN = ['!datahike/Connection', ['example', KW('db')]];
/** No commit id: the connection's current database, whatever commits came before. */
const DB = [
  '!datahike/DB',
  { 'store-id': ['example', KW('db')], 'commit-id': null, 'max-eid': 0, 'max-tx': 0 },
];
const PETER = [KW('name'), 'Peter'];
const QUERY = '[:find ?n ?a :where [?e :name ?n] [?e :age ?a]]';

/** An example of each kind of argument, on the example database. */
const BY_KIND: Record<ArgKind, unknown> = {
  config: EXAMPLE_CONFIG,
  conn: CONN,
  db: DB,
  tx: [
    { name: 'Peter', age: 42 },
    { name: 'Paul', age: 37 },
  ],
  'tx-meta': { source: 'example' },
  // The example database's first transaction (its schema).
  'time-point': 536870913,
  index: KW('aevt'),
  component: KW('name'),
  eid: PETER,
  entity: ['!datahike/Entity', { db: DB, eid: 3 }],
  'index-range': { attrid: KW('age'), start: 18, end: 65 },
  query: QUERY,
  pattern: '[:name :age]',
  'pull-options': { selector: '[:name :age]', eid: PETER },
  eids: [1, 2],
  fn: null,
  key: KW('db'),
  boolean: false,
  string: 'the uuid GET /commit-id answers',
  any: DB,
};

/** Examples that are not the first arity's kinds, by function. */
const EXAMPLES: Partial<Record<ApiEntry['jsName'], unknown[]>> = {
  pull: [DB, '[:name :age]', PETER],
  pullMany: [DB, '[:name :age]', [PETER, [KW('name'), 'Paul']]],
  indexPull: [DB, { index: KW('avet'), selector: '[:name :age]', start: [KW('age')] }],
  // A branch "feature" made from :db, given a head and merged back; deleted at the end.
  branch: [CONN, KW('db'), KW('feature')],
  forceBranch: [DB, KW('feature'), [KW('db')]],
  mergeDb: [CONN, [KW('feature')], [{ name: 'Mary', age: 29 }]],
  deleteBranch: [CONN, KW('feature')],
  commonAncestor: [CONN, KW('db'), KW('db')],
  // Exported datoms: [e a v tx added].
  loadEntities: [CONN, [[5, KW('name'), 'Mary', 536870915, true]]],
};

/**
 * The order in which the examples work against a fresh server: the database is made,
 * connected to and given data first; a release and the delete end it.
 */
export const EXAMPLE_ORDER: readonly string[] = (() => {
  const first = ['create-database', 'connect', 'transact'];
  // After /commit-id, whose answer it takes; the example branch goes after its uses.
  const last = ['commit-as-db', 'delete-branch!', 'release', 'delete-database'];
  const rest = API.filter((e) => e.remote && ![...first, ...last].includes(e.name)).map(
    (e) => e.name,
  );
  return [...first, ...rest, ...last];
})();

/** The example argument list of a function. */
export function exampleArgs(entry: ApiEntry): unknown[] {
  const given = EXAMPLES[entry.jsName];
  if (given !== undefined) return given;
  const arity = entry.args.find((a) => a.length > 0) ?? [];
  const out: unknown[] = arity.map((k) => BY_KIND[k]);
  if (entry.variadic === 'any') out.push(BY_KIND.any);
  return out;
}

const MEDIA_TYPES: readonly MediaType[] = [
  'application/json',
  'application/transit+json',
  'application/edn',
];

/** An example argument list written in each wire format. */
function inEachFormat(args: unknown[]): Record<MediaType, string> {
  const value = formats['application/json'].decode(JSON.stringify(args));
  return Object.fromEntries(MEDIA_TYPES.map((t) => [t, formats[t].encode(value)])) as Record<
    MediaType,
    string
  >;
}

const arities = (e: ApiEntry) =>
  `${e.args.map((a) => `[${a.join(' ')}]`).join(' or ')}${e.variadic === undefined ? '' : ` followed by any number of ${e.variadic}`}`;

/** The error answers, by status: each a component response. */
const ERROR_RESPONSES: Record<string, string> = {
  '400': 'Malformed body or arguments.',
  '401': 'Missing or wrong credential.',
  '403':
    "The credential lacks the function's right, the store is not allowed, or (dev mode) the request is not addressed to a loopback name.",
  '404': 'Unknown database, connection or commit.',
  '409': 'Another writer moved the database.',
  '413': 'The request or the answer is too large.',
  '415': 'A Content-Type that is not JSON, transit-json or EDN.',
  '422': 'The transaction cannot be applied.',
  '429': 'Too many requests for this credential.',
  '503': 'A timeout, a store that does not answer, or the server shutting down.',
};

const errorRef = (status: string) => ({ $ref: `#/components/responses/Error${status}` });

const ERRORS = Object.fromEntries(Object.keys(ERROR_RESPONSES).map((s) => [s, errorRef(s)]));

/** Anyone in dev mode; a token (either header) otherwise. */
const SECURITY = [{}, { token: [] }, { authorization: [] }];

function argsParameter(entry: ApiEntry, examples: Record<MediaType, string>) {
  const json = examples['application/json'];
  return {
    name: 'args',
    in: 'query',
    required: entry.args.every((a) => a.length > 0),
    description: `The argument list (${arities(entry)}) in the request's format (JSON unless the Content-Type says otherwise), encoded as base64url. The example is ${json}.`,
    schema: { type: 'string', pattern: '^[A-Za-z0-9_-]*={0,2}$' },
    example: Buffer.from(json).toString('base64url'),
  };
}

function operation(entry: ApiEntry, method: 'get' | 'post') {
  const examples = inEachFormat(exampleArgs(entry));
  const summary = entry.doc.split(/(?<=\.)\s/)[0]!;
  const how =
    method === 'get'
      ? 'GET takes the argument list as `?args=`; POST takes the same list as its body.'
      : entry.referentiallyTransparent
        ? 'The body is the argument list; GET takes the same list as `?args=`.'
        : 'The body is the argument list.';
  const order =
    entry.name === 'commit-as-db'
      ? ' The example needs a commit id: run GET /commit-id on the example database and put its uuid in place of the string.'
      : '';
  return {
    operationId: method === 'get' ? entry.name : `${entry.name}-post`,
    summary,
    description: `${entry.doc}\n\nArguments: ${arities(entry)}. Returns: ${entry.returns}. ${how}${order}`,
    tags: [entry.category],
    ...(method === 'get'
      ? { parameters: [argsParameter(entry, examples)] }
      : {
          requestBody: {
            required: entry.args.every((a) => a.length > 0),
            description: `The argument list: ${arities(entry)}.`,
            content: Object.fromEntries(
              MEDIA_TYPES.map((t) => [
                t,
                t === 'application/json'
                  ? {
                      schema: { type: 'array', items: ref('Value') },
                      example: exampleArgs(entry),
                    }
                  : { schema: { type: 'string' }, example: examples[t] },
              ]),
            ),
          },
        }),
    responses: {
      '200': {
        description: `The result (${entry.returns}), in the Accept format (else the request's).`,
        content: {
          'application/json': { schema: RETURNS[entry.returns] },
          'application/transit+json': { schema: { type: 'string' } },
          'application/edn': { schema: { type: 'string' } },
        },
      },
      ...ERRORS,
    },
    security: SECURITY,
  };
}

/** What each category of the API table holds: the document's tags, the API reference's sections. */
export const CATEGORY_DOCS: Record<ApiEntry['category'], string> = {
  database: 'Creating, deleting and collecting databases; commits and branches.',
  connection: 'Connections to databases and their current values; /listen streams commits.',
  transaction: 'Transactions and loading exported datoms.',
  query: 'Datalog queries and pull.',
  time: 'Views of a database in time: as of, since, history.',
  index: 'Datoms straight from the indices.',
  entity: 'Entities: lazy views of one entity.',
  schema: 'The schema and datom counts.',
  util: 'Helpers: UUIDs, temporary ids, the version.',
};

const TAGS: Record<string, string> = {
  ...CATEGORY_DOCS,
  server: 'Health, readiness, Prometheus metrics and this document.',
};

const listenEntry = API.find((e) => e.events === 'subscribe');

function listenOperation(entry: ApiEntry, method: 'get' | 'post') {
  const examples = inEachFormat([CONN]);
  return {
    operationId: method === 'get' ? entry.name : `${entry.name}-post`,
    summary: 'A server-sent event per commit of a connection.',
    description:
      "Opens a stream of server-sent events: first `event: ready` (its `id:` the transaction it starts after), then `event: tx` per commit, `id:` its transaction id, `data:` the report in the request's format. A client that reconnects with `Last-Event-ID` first gets the commits it missed, read from the log when the server no longer remembers them; `Last-Event-ID: tx − 1` starts a stream at transaction tx. The argument list is [conn]: as `?args=` for GET, as the body for POST.",
    tags: [entry.category],
    ...(method === 'get'
      ? { parameters: [argsParameter(entry, examples)] }
      : {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { type: 'array', items: ref('Connection'), minItems: 1, maxItems: 1 },
                example: [CONN],
              },
            },
          },
        }),
    responses: {
      '200': {
        description: 'The event stream; it ends when the client closes it or the server stops.',
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      },
      ...ERRORS,
    },
    security: SECURITY,
  };
}

const status = (value: string) =>
  object({ status: { type: 'string', const: value } }, ['status'], {
    examples: [{ status: value }],
  });

/** The routes that are not API functions. */
function serverPaths(metricsGet: unknown): Record<string, Record<string, unknown>> {
  return {
    '/health': {
      get: {
        operationId: 'health',
        summary: 'Whether the process answers.',
        tags: ['server'],
        security: [],
        responses: {
          '200': {
            description: 'It does.',
            content: { 'application/json': { schema: status('ok') } },
          },
          '403': errorRef('403'),
        },
      },
    },
    '/ready': {
      get: {
        operationId: 'ready',
        summary: 'Whether the server takes requests.',
        tags: ['server'],
        security: [],
        responses: {
          '200': {
            description: 'It does.',
            content: { 'application/json': { schema: status('ready') } },
          },
          '503': {
            description: 'It is shutting down.',
            content: { 'application/json': { schema: status('shutting down') } },
          },
          '403': errorRef('403'),
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document.',
        tags: ['server'],
        security: [],
        responses: {
          '200': {
            description: 'The OpenAPI document.',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
          '403': errorRef('403'),
        },
      },
    },
    ...(metricsGet === undefined ? {} : { '/metrics': { get: metricsGet } }),
  };
}

/** GET /metrics: the Prometheus text, or with `?args=` the `metrics` function. */
function metricsGet(entry: ApiEntry | undefined) {
  const base = {
    operationId: 'prometheus',
    summary: 'Prometheus metrics of the server, or with ?args= the datom counts of a database.',
    description:
      'Without arguments: requests, latencies, commits, flushes and memory in the Prometheus text format. With `?args=` it is the `metrics` function; POST takes the same list as its body.',
    tags: ['server'],
    security: SECURITY,
  };
  const prometheus = { 'text/plain': { schema: { type: 'string' } } };
  if (entry === undefined)
    return { ...base, responses: { '200': { description: 'The metrics.', content: prometheus } } };
  return {
    ...base,
    parameters: [{ ...argsParameter(entry, inEachFormat(exampleArgs(entry))), required: false }],
    responses: {
      '200': {
        description: 'The Prometheus text, or the datom counts when ?args= is given.',
        content: { ...prometheus, 'application/json': { schema: RETURNS[entry.returns] } },
      },
      ...ERRORS,
    },
  };
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  let metricsEntry: ApiEntry | undefined;
  for (const e of API) {
    if (e === listenEntry)
      paths[routePath(e)] = { get: listenOperation(e, 'get'), post: listenOperation(e, 'post') };
    if (!e.remote) continue;
    const path = routePath(e);
    // GET /metrics without arguments is the Prometheus endpoint.
    if (path === '/metrics') {
      metricsEntry = e;
      paths[path] = { post: operation(e, 'post') };
    } else
      paths[path] = e.referentiallyTransparent
        ? { get: operation(e, 'get'), post: operation(e, 'post') }
        : { post: operation(e, 'post') };
  }
  const server = serverPaths(metricsGet(metricsEntry));
  for (const [path, ops] of Object.entries(server)) paths[path] = { ...ops, ...paths[path] };
  return {
    openapi: '3.1.0',
    info: {
      title: 'datahike-ts HTTP API',
      version: '1',
      license: { name: 'EPL-1.0', identifier: 'EPL-1.0' },
      description: [
        'Every function of the datahike-ts API as a route. Its arguments travel as one list, in JSON with tagged literals (["!kw","name"], ["!uuid","…"], ["!set",[…]]), transit-json or EDN (the Content-Type; the answer comes in the Accept format, else the request\'s). A string in a position that takes a query, pull pattern, config or tx-data may carry EDN. Reads answer GET with the list base64url-encoded in `?args=`, and POST with the list as the body; everything else is POST.',
        '',
        `**Trying the examples** on a fresh server (\`npm start\`: dev mode, no credential): they all work on one database, "example", in memory. Run POST /create-database, POST /connect and POST /transact first, in that order; then every read's example works as it is (the database handle they send has no commit id: it means the connection's current database; a handle from /db names its commit, and an answer about it never changes). /commit-as-db needs the uuid /commit-id answers. Run /release and /delete-database last. In order: ${EXAMPLE_ORDER.join(', ')}.`,
        '',
        'In dev mode every API request, GET included, carries a Content-Type of application/json, application/transit+json or application/edn (this page sends one). With a credential configured, send it as `token: <t>` or `Authorization: token <t>`.',
      ].join('\n'),
    },
    servers: [{ url: '/', description: 'The server this document came from.' }],
    // The tags of the operations there are.
    tags: Object.entries(TAGS)
      .filter(([name]) =>
        Object.values(paths).some((ops) =>
          Object.values(ops).some((op) => (op as { tags: string[] }).tags.includes(name)),
        ),
      )
      .map(([name, description]) => ({ name, description })),
    components: {
      schemas: {
        ...SCHEMAS,
        Error: object(
          {
            error: object(
              { code: { type: 'string' }, message: { type: 'string' }, data: ref('Value') },
              ['code', 'message'],
            ),
          },
          ['error'],
        ),
      },
      responses: Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([s, description]) => [
          `Error${s}`,
          { description, content: { 'application/json': { schema: ref('Error') } } },
        ]),
      ),
      securitySchemes: {
        token: { type: 'apiKey', in: 'header', name: 'token' },
        authorization: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'token <secret>',
        },
      },
    },
    paths,
  };
}

/**
 * Swagger UI's settings: a request without a Content-Type (a GET) is sent as JSON, which dev
 * mode asks of every API request. The function runs in the page.
 */
export const SWAGGER_UI_CONFIG: FastifySwaggerUiConfigOptions = {
  requestInterceptor: (req) => {
    if (req.headers['Content-Type'] === undefined && req.headers['content-type'] === undefined)
      req.headers['Content-Type'] = 'application/json';
    return req;
  },
};
