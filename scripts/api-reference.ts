/**
 * `npm run docs`: writes docs/api.md, the one-page API reference, from the API specification
 * table (src/api/specification.ts): every function with its JavaScript call, arities,
 * result, HTTP route, CLI command and right, by category. test/docs/api-reference.test.ts
 * fails when docs/api.md is not what this writes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  API,
  type ApiEntry,
  type ArgKind,
  commandName,
  type ReturnKind,
  routePath,
} from '../src/api/index.js';
import { CATEGORY_DOCS } from '../src/server/openapi.js';

export const API_REFERENCE = join(import.meta.dirname, '..', 'docs', 'api.md');

/** What each kind of argument is, as a JavaScript caller gives it. */
const ARG_KINDS: Record<ArgKind, string> = {
  config: "a database config: an object (`{ store: { backend: ':file', path } }`) or EDN text",
  conn: 'a connection (`connect`)',
  db: 'a database value (`db(conn)`, `asOf`, `since`, `history`, `filter`, …)',
  tx: 'tx-data: an array of entity maps and list forms, or EDN text',
  'tx-meta': 'metadata for the transaction entity: an object',
  'time-point': 'a transaction id or a `Date`',
  index: "an index: `':eavt'`, `':aevt'` or `':avet'`",
  component: 'a leading component of an index: an entity id, attribute or value',
  eid: "an entity id, a lookup ref (`[':email', 'a@b.c']`) or an ident",
  entity: 'an entity (`entity(db, eid)`)',
  'index-range': "`{ attrid: ':age', start, end }`",
  query: 'a Datalog query: EDN text, an array form, or `{ query, args }`',
  pattern: "a pull pattern: EDN text or an array (`[':name', { ':friend': [':name'] }]`)",
  'pull-options': '`{ selector, eid }` (or `eids` for `pullMany`)',
  eids: 'an array of entity ids or lookup refs',
  fn: 'a function',
  key: "a key (a keyword string such as `':db'`)",
  boolean: '`true` or `false`',
  string: 'a string',
  any: "a value of the kind the function's doc names (for a query: its inputs, such as databases, scalars, collections and rules)",
};

/** What each kind of result is, as the JavaScript API hands it out. */
const RETURN_KINDS: Record<ReturnKind, string> = {
  'query-result':
    'by the find form: an array of tuples (`:find ?a ?b`), an array (`[?a ...]`), a tuple (`[?a ?b]`) or one value (`?a .`)',
  'query-stats': '`{ result, plan }`: the result and per-clause estimates, rows and times',
  pull: 'an object of the pulled attributes (references as nested objects), or `null`',
  pulls: 'an array of pulled objects',
  config: 'the config with its defaults filled in',
  conn: 'a connection',
  db: 'a database value',
  dbs: 'an array of database values',
  'tx-reports': 'transaction reports, one at a time (an async iterator)',
  'tx-log':
    'an array of `{ t, data, "commit-id", parents }`: each transaction of the log with its datoms',
  'tx-report': "`{ 'db-before', 'db-after', 'tx-data', tempids, 'tx-meta' }`",
  diff: '`{ asserted, retracted }`: the datoms only in the second database, and only in the first',
  'verify-report':
    '`{ "valid?", verified, unverifiable, failures }`: what the check of each commit found',
  datoms: 'an array of datoms `{ e, a, v, tx, added }`',
  entity: 'an entity: `get(attr)`, `keys()`, … read lazily',
  schema: 'attribute name → its definition',
  'reverse-schema': 'schema property → the attributes that have it',
  metrics: '`{ count, "avet-count", "per-attr-counts", … }`',
  'gc-report': '`{ removed, marked, kept }`',
  listeners: 'the listeners left, by key',
  key: "the listener's key",
  keywords: "an array of keywords (`':db'`, …)",
  uuid: 'a UUID value',
  uuids: 'an array of UUID values',
  boolean: '`true` or `false`',
  number: 'a number',
  string: 'a string',
  nil: '`null` (or nothing)',
};

const code = (s: string) => `\`${s}\``;

/** `q(query, ...any)`: one line per arity. */
function calls(e: ApiEntry): string[] {
  return e.args.map((arity) => {
    const names = arity.map((k) => k.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()));
    if (e.variadic !== undefined && arity.length > 0) names.push(`...${e.variadic}`);
    return code(`${e.jsName}(${names.join(', ')})`);
  });
}

function route(e: ApiEntry): string {
  if (e.events === 'subscribe') return `${code(`GET/POST ${routePath(e)}`)} (server-sent events)`;
  if (!e.remote) return '—';
  return code(`${e.referentiallyTransparent ? 'GET/POST' : 'POST'} ${routePath(e)}`);
}

function entry(e: ApiEntry): string {
  const command = commandName(e);
  const kinds = [...new Set([...e.args.flat(), ...(e.variadic === undefined ? [] : [e.variadic])])];
  return [
    `### ${e.jsName}`,
    '',
    e.doc,
    '',
    ...calls(e).map((c) => `- ${c}`),
    `- returns ${code(e.returns)}: ${RETURN_KINDS[e.returns]}`,
    `- Datahike: ${code(e.name)} · HTTP: ${route(e)} · CLI: ${command === undefined ? '—' : code(`dthk ${command}`)} · right: ${e.right}`,
    ...(kinds.length === 0
      ? []
      : [`- arguments: ${kinds.map((k) => `${code(k)} ${ARG_KINDS[k]}`).join('; ')}`]),
  ].join('\n');
}

/** The reference as Markdown. */
export function apiReference(): string {
  const categories = [...new Set(API.map((e) => e.category))];
  const sections = categories.map((c) =>
    [
      `## ${c[0]!.toUpperCase()}${c.slice(1)}`,
      '',
      CATEGORY_DOCS[c],
      '',
      API.filter((e) => e.category === c)
        .map(entry)
        .join('\n\n'),
    ].join('\n'),
  );
  const index = categories.map(
    (c) =>
      `- ${c}: ${API.filter((e) => e.category === c)
        .map((e) => `[${e.jsName}](#${e.jsName.toLowerCase()})`)
        .join(', ')}`,
  );
  return `${[
    '# API reference',
    '',
    '<!-- Generated from src/api/specification.ts by `npm run docs`; do not edit by hand. -->',
    '',
    "Every public function of `datahike-ts`, by category. Each returns a Promise, but for `randomUuid` and `uuid`, which are synchronous (as is `isPromise`, a helper outside the table). The same table makes the HTTP routes (their schemas and examples: `/openapi.json`, Swagger UI at `/docs`), the remote client and the command line (`dthk <command> --help`). Values follow the README's Conventions: keywords as `':ns/name'` strings, maps as objects, datoms as `{ e, a, v, tx, added }`.",
    '',
    ...index,
    '',
    ...sections.flatMap((s) => [s, '']),
  ]
    .join('\n')
    .trimEnd()}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(API_REFERENCE, apiReference());
  console.log(`wrote ${API_REFERENCE}`);
}
