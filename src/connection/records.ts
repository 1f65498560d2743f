/**
 * The records of the commit protocol as bytes and back, typed: a commit record (one per
 * transaction in the branch log, or a checkpoint) and the roots blob of a flush. Frames
 * decode structures as Maps (so that values keep keyword keys); each record is read here
 * field by field with its type checked, so a record of the wrong shape is `store/corrupt`
 * naming the field, never a half-typed object.
 */

import { decode, encode, Kind, type PackedDatoms } from '../storage/codec.js';
import type { LogRecord } from '../storage/store.js';
import { DatahikeError } from '../values/index.js';

/** Where replay starts: the roots blob of the last flush and the record it includes. */
export interface Base {
  readonly roots: string | null;
  readonly seq: number;
}

export interface CommitRecord {
  readonly id: string;
  readonly parents: readonly string[];
  readonly maxEid: number;
  readonly maxTx: number;
  /** Milliseconds: when the database was created, and this commit's tx instant. */
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly datoms: PackedDatoms;
  readonly base: Base;
  /** The creation record (and roots) carry the database config, as data. */
  readonly config?: unknown;
  /** A copy of the head naming a newer base, written when a writer closes: not a commit. */
  readonly checkpoint?: boolean;
  /** The branch was deleted here (a checkpoint copy of its head): it is no longer listed. */
  readonly deleted?: boolean;
}

export interface TreeRoots {
  readonly eavt: string;
  readonly aevt: string;
  readonly avet: string;
}

/** The roots blob of a flush: the trees' root nodes and what the database needs besides. */
export interface RootsRecord {
  readonly current: TreeRoots;
  readonly temporal: TreeRoots | null;
  readonly schema: PackedDatoms;
  readonly maxEid: number;
  readonly maxTx: number;
  readonly seq: number;
  readonly config: unknown;
  readonly keepHistory?: boolean;
  readonly schemaFlexibility?: 'write' | 'read';
}

/** A decoded structure read field by field; a field of the wrong type is damage. */
class Fields {
  private constructor(
    private readonly map: Map<unknown, unknown>,
    private readonly where: string,
  ) {}

  static of(x: unknown, where: string): Fields {
    if (!(x instanceof Map)) throw shape(where, 'it is not a map');
    return new Fields(x, where);
  }

  private get(name: string, what: string, ok: (v: unknown) => boolean): unknown {
    const v = this.map.get(name);
    if (!ok(v)) throw shape(this.where, `its ${name} is not ${what}`);
    return v;
  }

  string(name: string): string {
    return this.get(name, 'a string', (v) => typeof v === 'string') as string;
  }

  number(name: string): number {
    return this.get(name, 'a number', (v) => typeof v === 'number') as number;
  }

  strings(name: string): string[] {
    return this.get(
      name,
      'a list of strings',
      (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
    ) as string[];
  }

  /** A boolean, or undefined when the field is absent (or nil). */
  flag(name: string): boolean | undefined {
    const v = this.get(name, 'a boolean', (v) => v == null || typeof v === 'boolean');
    return v == null ? undefined : (v as boolean);
  }

  list(name: string): unknown[] {
    return this.get(name, 'a list', Array.isArray) as unknown[];
  }

  /** The field as data, whatever it holds (null for nil). */
  raw(name: string): unknown {
    return this.map.get(name) ?? null;
  }

  has(name: string): boolean {
    return this.map.get(name) != null;
  }

  nested(name: string): Fields {
    return Fields.of(this.map.get(name), `${this.where} (${name})`);
  }
}

function shape(where: string, why: string): DatahikeError {
  return new DatahikeError(
    'store/corrupt',
    `${where} is corrupt (${why}): the store was damaged or written by something else; restore it from a backup.`,
    { key: where, reason: why },
  );
}

function packedDatoms(f: Fields): PackedDatoms {
  const a = f.strings('a');
  const d = f.list('d');
  return f.flag('r') === true ? { a, d, r: true } : { a, d };
}

function treeRoots(f: Fields): TreeRoots {
  return { eavt: f.string('eavt'), aevt: f.string('aevt'), avet: f.string('avet') };
}

export function encodeCommit(r: CommitRecord): Uint8Array {
  return encode(Kind.commit, r);
}

export function decodeCommit(rec: LogRecord, branch: string): CommitRecord {
  const where = `commit record ${rec.seq} of branch ${branch}`;
  const f = Fields.of(decode(rec.bytes, Kind.commit, where), where);
  const base = f.nested('base');
  const roots = base.raw('roots');
  if (roots !== null && typeof roots !== 'string')
    throw shape(where, 'its base names no roots key');
  const record: CommitRecord = {
    id: f.string('id'),
    parents: f.strings('parents'),
    maxEid: f.number('maxEid'),
    maxTx: f.number('maxTx'),
    createdAt: f.number('createdAt'),
    updatedAt: f.number('updatedAt'),
    datoms: packedDatoms(f.nested('datoms')),
    base: { roots, seq: base.number('seq') },
  };
  const checkpoint = f.flag('checkpoint');
  const deleted = f.flag('deleted');
  return {
    ...record,
    ...(f.has('config') ? { config: f.raw('config') } : {}),
    ...(checkpoint === undefined ? {} : { checkpoint }),
    ...(deleted === undefined ? {} : { deleted }),
  };
}

export function encodeRoots(r: RootsRecord): Uint8Array {
  return encode(Kind.roots, r);
}

export function decodeRoots(bytes: Uint8Array, key: string): RootsRecord {
  const where = `index roots ${key}`;
  const f = Fields.of(decode(bytes, Kind.roots, where), where);
  const flexibility = f.raw('schemaFlexibility');
  if (flexibility !== null && flexibility !== 'write' && flexibility !== 'read')
    throw shape(where, 'its schemaFlexibility is neither write nor read');
  const keepHistory = f.flag('keepHistory');
  return {
    current: treeRoots(f.nested('current')),
    temporal: f.has('temporal') ? treeRoots(f.nested('temporal')) : null,
    schema: packedDatoms(f.nested('schema')),
    maxEid: f.number('maxEid'),
    maxTx: f.number('maxTx'),
    seq: f.number('seq'),
    config: f.raw('config'),
    ...(keepHistory === undefined ? {} : { keepHistory }),
    ...(flexibility === null ? {} : { schemaFlexibility: flexibility }),
  };
}
