/**
 * What the fault tests' child processes share with the test: the schemas, a line-wise
 * JSON channel on stdout that survives SIGKILL, a seeded random generator, and the dump
 * of a database with its integrity checks.
 */
import { writeSync } from 'node:fs';
import * as d from '../../../src/index.js';

export function fileConfig(path: string, extra: Record<string, unknown> = {}) {
  return { store: { backend: ':file', path }, ...extra };
}

/**
 * Writes one JSON line to stdout with a synchronous write(2): once this returns the
 * line is in the pipe, so a SIGKILL right after cannot lose it.
 */
export function emit(obj: unknown): void {
  const buf = Buffer.from(`${JSON.stringify(obj)}\n`);
  let at = 0;
  while (at < buf.length) {
    try {
      at += writeSync(1, buf, at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

/** Reports an unexpected error as a line and exits non-zero. */
export function die(err: unknown): never {
  const e = err as { code?: unknown; message?: unknown; stack?: unknown };
  emit({ error: { code: e?.code ?? null, message: String(e?.message ?? err), stack: e?.stack } });
  process.exit(1);
}

/** mulberry32: a small seeded generator, so a failing round can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Stops the process by itself after `ms`, so that no child outlives a crashed test. */
export function lifetime(ms: number): void {
  setTimeout(() => {
    emit({ error: { code: 'lifetime', message: `still running after ${ms} ms` } });
    process.exit(3);
  }, ms).unref();
}

export const CRASH_SCHEMA = [
  {
    'db/ident': ':n',
    'db/valueType': ':db.type/long',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/identity',
  },
  {
    'db/ident': ':payload',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
  },
  { 'db/ident': ':born', 'db/valueType': ':db.type/long', 'db/cardinality': ':db.cardinality/one' },
  {
    'db/ident': ':tag',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/many',
  },
  {
    'db/ident': ':batch',
    'db/valueType': ':db.type/long',
    'db/cardinality': ':db.cardinality/one',
    'db/unique': ':db.unique/identity',
  },
];

/** What the integrity check knows of a schema. */
export interface Attrs {
  /** Unique attributes: their datoms must be in AVET, their values distinct. */
  readonly unique: readonly string[];
  readonly cardinalityOne: readonly string[];
  /** Attributes neither unique nor indexed: AVET must not hold them. */
  readonly notInAvet: readonly string[];
}

export const CRASH_ATTRS: Attrs = {
  unique: [':n', ':batch'],
  cardinalityOne: [':n', ':payload', ':born', ':batch'],
  notInAvet: [':payload', ':born', ':tag'],
};

export interface Entity {
  n: number;
  payload: string;
  tags: string[];
  born: number;
}

export interface Dump {
  maxTx: number;
  /** The :batch markers present: one per committed transaction of the crash writer. */
  batches: number[];
  /** The entities with an :n, by n. */
  entities: Entity[];
  /** Integrity violations found; empty when the indices agree. */
  errors: string[];
  counts: Record<string, number>;
}

type DatomObject = d.DatomObject;

const key = (x: DatomObject) => `${x.e}|${x.a}|${JSON.stringify(x.v)}|${x.tx}|${x.added}`;

function sameSet(
  errors: string[],
  what: string,
  a: readonly DatomObject[],
  b: readonly DatomObject[],
): void {
  const sa = new Set(a.map(key));
  const sb = new Set(b.map(key));
  if (sa.size !== a.length) errors.push(`${what}: the first index holds duplicate datoms`);
  if (sb.size !== b.length) errors.push(`${what}: the second index holds duplicate datoms`);
  const onlyA = [...sa].filter((k) => !sb.has(k));
  const onlyB = [...sb].filter((k) => !sa.has(k));
  if (onlyA.length > 0 || onlyB.length > 0)
    errors.push(
      `${what}: ${onlyA.length} datoms only in the first (${onlyA.slice(0, 3).join(', ')}), ${onlyB.length} only in the second (${onlyB.slice(0, 3).join(', ')})`,
    );
}

/** Whether the datoms of each attribute are contiguous in an index, in the order given. */
function contiguous(errors: string[], what: string, datoms: readonly DatomObject[]): void {
  const seen = new Set<string>();
  let last: string | undefined;
  for (const x of datoms) {
    if (x.a === last) continue;
    if (seen.has(x.a)) {
      errors.push(`${what}: the datoms of ${x.a} are not contiguous`);
      return;
    }
    seen.add(x.a);
    last = x.a;
  }
}

/**
 * Reads every datom of every index (current and history), so every reachable node is
 * loaded, and checks that the indices agree: EAVT and AEVT hold the same datoms, AVET
 * holds exactly the datoms of the attributes it indexes, unique values are unique,
 * cardinality-one attributes have one value per entity, and each index is in order.
 */
export async function integrity(
  db: d.DbView,
  attrs: Attrs,
  errors: string[],
): Promise<DatomObject[]> {
  const eavt = await d.datoms(db, ':eavt');
  const aevt = await d.datoms(db, ':aevt');
  const avet = await d.datoms(db, ':avet');
  sameSet(errors, 'EAVT vs AEVT', eavt, aevt);
  const avetAttrs = new Set(avet.map((x) => x.a));
  for (const a of attrs.unique)
    if (eavt.some((x) => x.a === a) && !avetAttrs.has(a)) errors.push(`AVET lacks ${a}`);
  for (const a of attrs.notInAvet) if (avetAttrs.has(a)) errors.push(`AVET holds ${a}`);
  sameSet(
    errors,
    'AVET vs EAVT (indexed attributes)',
    avet,
    eavt.filter((x) => avetAttrs.has(x.a)),
  );
  for (let i = 1; i < eavt.length; i++)
    if (eavt[i]!.e < eavt[i - 1]!.e) {
      errors.push(`EAVT out of order at ${key(eavt[i]!)}`);
      break;
    }
  contiguous(errors, 'AEVT', aevt);
  contiguous(errors, 'AVET', avet);
  for (let i = 1; i < aevt.length; i++)
    if (aevt[i]!.a === aevt[i - 1]!.a && aevt[i]!.e < aevt[i - 1]!.e) {
      errors.push(`AEVT out of order at ${key(aevt[i]!)}`);
      break;
    }
  for (const x of eavt) if (!x.added) errors.push(`a retraction in the current index: ${key(x)}`);
  for (const a of attrs.unique) {
    const vs = eavt.filter((x) => x.a === a).map((x) => JSON.stringify(x.v));
    if (new Set(vs).size !== vs.length) errors.push(`unique attribute ${a} has duplicate values`);
  }
  for (const a of attrs.cardinalityOne) {
    const es = eavt.filter((x) => x.a === a).map((x) => x.e);
    if (new Set(es).size !== es.length)
      errors.push(`cardinality-one attribute ${a} has several values on one entity`);
  }
  // The history indices too: every node reachable from the roots loads.
  const history = await d.history(db);
  const hEavt = await d.datoms(history, ':eavt');
  const hAevt = await d.datoms(history, ':aevt');
  sameSet(errors, 'history EAVT vs AEVT', hEavt, hAevt);
  await d.datoms(history, ':avet');
  return eavt;
}

/** The crash writer's data as the database holds it, with the integrity check. */
export async function dump(db: d.DbView): Promise<Dump> {
  const errors: string[] = [];
  const eavt = await integrity(db, CRASH_ATTRS, errors);
  const byE = new Map<number, Partial<Entity> & { tags: string[] }>();
  const batches: number[] = [];
  for (const x of eavt) {
    if (x.a === ':batch') {
      batches.push(x.v as number);
      continue;
    }
    if (![':n', ':payload', ':born', ':tag'].includes(x.a)) continue;
    let ent = byE.get(x.e);
    if (ent === undefined) byE.set(x.e, (ent = { tags: [] }));
    if (x.a === ':n') ent.n = x.v as number;
    else if (x.a === ':payload') ent.payload = x.v as string;
    else if (x.a === ':born') ent.born = x.v as number;
    else ent.tags.push(x.v as string);
  }
  const entities: Entity[] = [];
  for (const [e, ent] of byE) {
    if (ent.n === undefined || ent.payload === undefined || ent.born === undefined) {
      errors.push(`entity ${e} is partial: ${JSON.stringify(ent)}`);
      continue;
    }
    entities.push({ n: ent.n, payload: ent.payload, tags: ent.tags.sort(), born: ent.born });
  }
  entities.sort((a, b) => a.n - b.n);
  batches.sort((a, b) => a - b);
  const viaQuery = (await d.q('[:find (count ?e) . :where [?e :n _]]', db)) as number | null;
  if ((viaQuery ?? 0) !== entities.length)
    errors.push(`a query counts ${viaQuery} entities with :n, the index ${entities.length}`);
  return {
    maxTx: (db as d.Db).maxTx,
    batches,
    entities,
    errors,
    counts: { eavt: eavt.length },
  };
}

// ---- the crash writer's transactions, as data both sides can apply ----

export type Op =
  | { op: 'add'; n: number; payload: string; tags: string[] }
  | { op: 'update'; n: number; payload: string; addTag: string; retractTag: string | null }
  | { op: 'retract'; n: number };

/** One transaction of the crash writer: its marker `batch` and what it does. */
export interface Tx {
  batch: number;
  ops: Op[];
}

/** The tx-data of a crash-writer transaction. */
export function txData(tx: Tx): unknown[] {
  const out: unknown[] = [{ batch: tx.batch }];
  for (const op of tx.ops) {
    if (op.op === 'add') {
      const ent: Record<string, unknown> = { n: op.n, payload: op.payload, born: tx.batch };
      if (op.tags.length > 0) ent.tag = op.tags;
      out.push(ent);
    } else if (op.op === 'update') {
      out.push({ 'db/id': [':n', op.n], payload: op.payload, tag: [op.addTag] });
      if (op.retractTag !== null) out.push([':db/retract', [':n', op.n], ':tag', op.retractTag]);
    } else out.push([':db/retractEntity', [':n', op.n]]);
  }
  return out;
}

/** Applies a crash-writer transaction to the model (entities by n). */
export function applyTx(model: Map<number, Entity>, tx: Tx): void {
  for (const op of tx.ops) {
    if (op.op === 'add')
      model.set(op.n, { n: op.n, payload: op.payload, tags: [...op.tags].sort(), born: tx.batch });
    else if (op.op === 'update') {
      const ent = model.get(op.n)!;
      const tags = new Set(ent.tags);
      tags.add(op.addTag);
      if (op.retractTag !== null) tags.delete(op.retractTag);
      model.set(op.n, { ...ent, payload: op.payload, tags: [...tags].sort() });
    } else model.delete(op.n);
  }
}
