/** The OpenAPI 3 document of the server, generated from the API specification table. */

import { API, type ApiEntry, routePath } from '../api/index.js';

const ERROR = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, data: {} },
      required: ['code', 'message'],
    },
  },
};

const CONN = ['!datahike/Connection', ['people', ['!kw', 'db']]];
const DB = [
  '!datahike/DB',
  {
    'store-id': ['people', ['!kw', 'db']],
    'commit-id': ['!uuid', '8b3c5e1a-0000-4000-8000-000000000001'],
    'max-eid': 2,
    'max-tx': 536870914,
  },
];

/** An example JSON value for each kind of argument the API table names. */
const BY_KIND: Record<string, unknown> = {
  config: '{:store {:backend :file :id "people"}}',
  conn: CONN,
  db: DB,
  tx: [{ name: 'Peter', age: 42 }],
  'tx-meta': { source: 'import' },
  'time-point': 536870913,
  index: ['!kw', 'eavt'],
  component: ['!kw', 'name'],
  eid: 1,
  entity: ['!datahike/Entity', { db: DB, eid: 1 }],
  'index-range': { attrid: ['!kw', 'age'], start: 18, end: 65 },
  query: '[:find ?n ?a :where [?e :name ?n] [?e :age ?a]]',
  pattern: '[:name :age]',
  'pull-options': { selector: '[:name]', eid: 1 },
  eids: [1, 2],
  key: ['!kw', 'db'],
  boolean: true,
  string: '8b3c5e1a-0000-4000-8000-000000000001',
  any: DB,
};

/**
 * The example argument list of a route: its first arity, one example per argument, and a
 * database for query inputs (any values after the query).
 */
function example(entry: ApiEntry): unknown[] {
  const arity = entry.args.find((a) => a.length > 0) ?? [];
  const out: unknown[] = arity.map((k) => BY_KIND[k] ?? null);
  if (entry.variadic === 'any') out.push(BY_KIND.any);
  return out;
}

function operation(entry: ApiEntry, method: 'get' | 'post') {
  return {
    operationId:
      method === 'get' || !entry.referentiallyTransparent ? entry.name : `${entry.name}-post`,
    summary: entry.doc.split(/(?<=\.)\s/)[0],
    description: `${entry.doc}\n\nArguments: ${entry.args.map((a) => `[${a.join(' ')}]`).join(' or ')}. Returns: ${entry.returns}.`,
    tags: [entry.category],
    ...(method === 'get'
      ? {
          parameters: [
            {
              name: 'args',
              in: 'query',
              required: false,
              description:
                'The argument list, encoded in the request format, as base64url (or send it as the body).',
              schema: { type: 'string' },
            },
          ],
        }
      : {}),
    requestBody: {
      required: false,
      description: 'The arguments as one list.',
      content: Object.fromEntries(
        ['application/json', 'application/transit+json', 'application/edn'].map((t) => [
          t,
          t === 'application/json'
            ? {
                schema: { type: 'array', items: {} },
                example: example(entry),
              }
            : { schema: { type: 'string' } },
        ]),
      ),
    },
    responses: {
      '200': {
        description: `The result (${entry.returns}), in the Accept format.`,
        content: { 'application/json': { schema: {} } },
      },
      '400': {
        description: 'Malformed body or arguments.',
        content: { 'application/json': { schema: ERROR } },
      },
      '401': {
        description: 'Missing or wrong token.',
        content: { 'application/json': { schema: ERROR } },
      },
      '404': {
        description: 'Unknown database, connection or commit.',
        content: { 'application/json': { schema: ERROR } },
      },
      '409': {
        description: 'Another writer moved the database.',
        content: { 'application/json': { schema: ERROR } },
      },
      '422': {
        description: 'The transaction cannot be applied.',
        content: { 'application/json': { schema: ERROR } },
      },
    },
    security: [{ token: [] }, { authorization: [] }],
  };
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of API) {
    if (!e.remote) continue;
    paths[routePath(e)] = e.referentiallyTransparent
      ? { get: operation(e, 'get'), post: operation(e, 'post') }
      : { post: operation(e, 'post') };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'datahike-ts HTTP API',
      version: '1',
      description:
        'Every function of the datahike-ts API. A request body is the list of arguments in JSON with tagged literals (["!kw","name"], ["!uuid","…"], …), transit-json or EDN; a string in a position that takes a query, pull pattern, config or tx-data may carry EDN.',
    },
    tags: [...new Set(API.map((e) => e.category))].map((name) => ({ name })),
    components: {
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
