/** The OpenAPI 3 document of the server, generated from the API specification table. */

import { API, type ApiEntry } from '../api/index.js';

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

/** Example argument lists (JSON with tagged literals) for the routes a newcomer tries first. */
const EXAMPLES: Record<string, unknown> = {
  'create-database': ['{:store {:backend :file :id "people"}}'],
  connect: ['{:store {:backend :file :id "people"}}'],
  transact: [
    ['!datahike/Connection', ['people-store-id', ['!kw', 'db']]],
    [{ name: 'Peter', age: 42 }],
  ],
  q: [
    '[:find ?n ?a :where [?e :name ?n] [?e :age ?a]]',
    [
      '!datahike/DB',
      {
        'store-id': ['…', ['!kw', 'db']],
        'commit-id': ['!uuid', '…'],
        'max-eid': 1,
        'max-tx': 536870913,
      },
    ],
  ],
};

function operation(entry: ApiEntry, method: 'get' | 'post') {
  const path = entry.name.replace(/[?!]$/, '');
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
                ...(EXAMPLES[path] ? { example: EXAMPLES[path] } : {}),
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
    const p = `/${e.name.replace(/[?!]$/, '')}`;
    paths[p] = e.referentiallyTransparent
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
