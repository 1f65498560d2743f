/**
 * What the command line says about itself: the list of commands (`datahike-ts --help`), the
 * forms of one (`datahike-ts <command> --help`, `datahike-ts help <command>`), and the
 * nearest command to a misspelt one.
 */

import { type ApiEntry, type ArgKind, apiEntry, commandName } from '../api/index.js';
import { COMMANDS } from './commands.js';

/** The commands that are not API functions: their forms and what they do. */
const OWN: ReadonlyMap<
  string,
  { readonly synopsis: string; readonly forms: readonly string[]; readonly doc: string }
> = new Map([
  [
    'serve',
    {
      synopsis: 'serve [CONFIG.edn]',
      forms: ['serve', 'serve CONFIG.edn'],
      doc: 'Runs the HTTP server: port 4444 on 127.0.0.1, file databases under ./data, dev mode (no credential, loopback only) unless the config or DATAHIKE_TOKEN gives a credential. The config is an EDN map ({:port 4444 :token "…" …}); DATAHIKE_PORT, DATAHIKE_HOST, DATAHIKE_TOKEN, … override it. Swagger UI at /docs.',
    },
  ],
  [
    'import',
    {
      synopsis: 'import conn:CONFIG FILE|-',
      forms: ['import conn:CONFIG FILE', 'import conn:CONFIG -'],
      doc: 'Loads datom lines ([e a v tx added], EDN or tagged JSON, as export writes them) into the database of CONFIG, one transaction per original transaction; - reads standard input.',
    },
  ],
  [
    'export',
    {
      synopsis: 'export db:CONFIG',
      forms: ['export db:CONFIG', '--format json export db:CONFIG'],
      doc: 'Writes every datom of the database of CONFIG, history included, one [e a v tx added] per line, oldest transaction first (EDN, or tagged JSON with --format json).',
    },
  ],
  [
    'bench',
    {
      synopsis: 'bench [SUITE …]',
      forms: ['bench', 'bench SUITE …'],
      doc: 'Runs the benchmarks against DataScript (npm run bench in a checkout; bench/run.ts names the suites).',
    },
  ],
  [
    'help',
    {
      synopsis: 'help [COMMAND]',
      forms: ['help', 'help COMMAND'],
      doc: 'Lists the commands, or shows the forms of one.',
    },
  ],
]);

/** How each kind of argument is written on the command line. */
const KIND_FORMS: Record<ArgKind, string> = {
  config: 'a config: edn:FILE, or EDN such as \'{:store {:backend :file :path "./db"}}\'',
  conn: 'a connection: conn:CONFIG (a config file)',
  db: 'a database: db:CONFIG, history:CONFIG, asof:MS:CONFIG or since:MS:CONFIG',
  tx: 'tx-data: EDN, edn:FILE, json:FILE or - (standard input)',
  'tx-meta': 'transaction metadata: an EDN map',
  'time-point': 'a tx id, or an instant (#inst "…")',
  index: ':eavt, :aevt or :avet',
  component: 'an index component: an entity id, attribute or value, in EDN',
  eid: 'an entity id, a lookup ref [:attr value] or an ident',
  entity: 'an entity',
  'index-range': 'an EDN map {:attrid :attr :start v :end v}',
  query: 'a Datalog query in EDN (or a map {:query … :args […]})',
  pattern: 'a pull pattern in EDN, such as [:name {:friend [:name]}]',
  'pull-options': 'an EDN map {:selector [...] :eid e}',
  eids: 'entity ids in EDN, such as [1 2 3]',
  fn: 'a function',
  key: 'a keyword, such as :db',
  boolean: 'true or false',
  string: 'a string',
  any: "the value the doc above names, in EDN (a query's inputs: db:CONFIG and the like)",
};

const ARGUMENTS =
  'Arguments: conn:FILE db:FILE history:FILE asof:MS:FILE since:MS:FILE edn:FILE json:FILE (tagged JSON), - for standard input, anything else is read as EDN.';

function firstSentence(doc: string): string {
  return doc.split(/(?<=\.)\s/)[0]!;
}

function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`).join('\n');
}

/** `datahike-ts --help`: every command, with a line each. */
export function usage(): string {
  return [
    'usage: datahike-ts [--format edn|json|pprint|table] <command> [arguments]',
    '       datahike-ts --version',
    '',
    'Server, data files and benchmarks:',
    table([...OWN.values()].map((c) => [c.synopsis, firstSentence(c.doc)])),
    '',
    'API functions (datahike-ts <command> --help shows the forms of one):',
    table([...COMMANDS].map(([name, e]) => [name, firstSentence(e.doc)])),
    '',
    ARGUMENTS,
  ].join('\n');
}

function apiHelp(name: string, e: ApiEntry): string {
  const more = e.variadic === undefined ? '' : ` [<${e.variadic}> …]`;
  const forms = e.args.map((a) =>
    `  datahike-ts ${name} ${a.map((k) => `<${k}>`).join(' ')}${a.length > 0 ? more : ''}`.trimEnd(),
  );
  const kinds = [...new Set([...e.args.flat(), ...(e.variadic === undefined ? [] : [e.variadic])])];
  return [
    e.doc,
    '',
    'usage:',
    ...forms,
    '',
    `returns: ${e.returns}`,
    ...(kinds.length === 0 ? [] : ['', table(kinds.map((k) => [`<${k}>`, KIND_FORMS[k]]))]),
  ].join('\n');
}

/** The help of one command, or undefined when there is no such command. */
export function commandHelp(name: string): string | undefined {
  const own = OWN.get(name);
  if (own !== undefined)
    return [own.doc, '', 'usage:', ...own.forms.map((f) => `  datahike-ts ${f}`)].join('\n');
  const entry = COMMANDS.get(name);
  return entry === undefined ? undefined : apiHelp(name, entry);
}

/**
 * Edit distance: insertions, deletions, substitutions and swaps of two neighbouring
 * characters (the commonest typo), one step each.
 */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      const above = d[i - 1]!;
      row[j] = Math.min(
        above[j]! + 1,
        row[j - 1]! + 1,
        above[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
}

/** Every command name. */
export function commandNames(): string[] {
  return [...OWN.keys(), ...COMMANDS.keys()];
}

/**
 * The command nearest to a misspelt name, when it is near enough to be the one meant: at
 * two edits, or a third of the name's characters for a longer name (at most three). A function's
 * Datahike or JavaScript name (`q`, `database-exists?`, `pullMany`) gives its command.
 */
export function nearestCommand(name: string): string | undefined {
  const entry = apiEntry(name);
  const named = entry === undefined ? undefined : commandName(entry);
  if (named !== undefined) return named;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of commandNames()) {
    const d = editDistance(name, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  const allowed = Math.min(3, Math.max(2, Math.floor(name.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}
