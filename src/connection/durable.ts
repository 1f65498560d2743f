/**
 * The commit protocol of durable stores (DESIGN.md section 3).
 *
 * A branch is a log of commit records in the store. Each record holds one transaction:
 * its commit id and parent, max-eid and max-tx, its datoms (the report's tx-data), and
 * the `base`: the index roots blob written by the last flush and the log position it
 * covers. So a small transaction costs one record, not a path of index nodes per index.
 *
 * A flush writes the index nodes changed since the previous one and a roots blob, then
 * later records name it as their base. A reader opens a branch by reading its last
 * record, loading the roots of its base lazily (nodes come through an LRU cache) and
 * replaying the records after the base; so does the writer, after a flush, to let go of
 * the nodes it held in memory.
 *
 * `BranchLog` holds these algorithms over one branch of one store handle (open, catch a
 * state up, find and rebuild past commits); `DurableBranch` (branches.ts) runs them one at
 * a time on its state. The records themselves are typed in records.ts.
 */

import { randomUUID } from 'node:crypto';
import { Db, type DbConfig, type DbMeta, emptyDb, schemaFromDatoms } from '../db/index.js';
import { NodeCache, type NodeData, SortedSet, withLoadedNodes } from '../index/btree-api.js';
import {
  boundDatom,
  cmpAEVT,
  cmpAVET,
  cmpEAVT,
  type Datom,
  PREFIX_ORDER,
  TX0,
} from '../index/datom.js';
import { decodeNode, encodeNode, packDatoms, unpackDatoms } from '../storage/codec.js';
import type { LogRecord, Store } from '../storage/store.js';
import { replayTx, replayTxs, type TxReport } from '../tx/index.js';
import { DatahikeError, isDatahikeError, Uuid } from '../values/index.js';
import {
  type Base,
  type CommitRecord,
  decodeCommit,
  decodeRoots,
  encodeRoots,
  type RootsRecord,
  type TreeRoots,
} from './records.js';

/**
 * Children per node of stored trees: wider than in memory (64), since every node is a
 * blob written and fsync'd by a flush and read by a reader's miss.
 */
const STORED_BRANCHING = 256;

/** The node cache of one store handle: nodes read through it, LRU-bounded. */
export function nodeCacheFor(store: Store, max: number): NodeCache<Datom> {
  const read = (address: string, bytes: Uint8Array | null): NodeData<Datom> => {
    if (bytes === null)
      throw new DatahikeError(
        'store/missing-node',
        `Index node ${address} is missing from the ${store.label}: the store was damaged, or garbage collection removed a node a reader still used.`,
        { key: address },
      );
    return decodeNode(bytes, address);
  };
  return new NodeCache<Datom>(async (a) => read(a, await store.get(a)), {
    max,
    loadMany: async (addresses) => {
      const blobs = await store.getMany(addresses);
      return addresses.map((a, i) => read(a, blobs[i]!));
    },
  });
}

/** A record after the base: its place, its tx, its datoms. */
export interface NoveltyEntry {
  readonly seq: number;
  readonly tx: number;
  readonly datoms: readonly Datom[];
}

/**
 * The records after the base, in log order, and their datoms counted. States only ever
 * extend the newest one, so an extension appends in place to the array the older state
 * shares (it reads only its own first `length` entries); extending an older state copies.
 * A commit so costs its own entries, not a copy of the thousands before it.
 */
export class Novelty {
  private constructor(
    private readonly entries: NoveltyEntry[],
    readonly length: number,
    /** Datoms of all entries: what the next flush takes in. */
    readonly datoms: number,
  ) {}

  static of(entries: readonly NoveltyEntry[]): Novelty {
    let datoms = 0;
    for (const e of entries) datoms += e.datoms.length;
    return new Novelty(entries.slice(), entries.length, datoms);
  }

  with(more: readonly NoveltyEntry[]): Novelty {
    const entries =
      this.entries.length === this.length ? this.entries : this.entries.slice(0, this.length);
    let datoms = this.datoms;
    for (const e of more) {
      entries.push(e);
      datoms += e.datoms.length;
    }
    return new Novelty(entries, entries.length, datoms);
  }

  /** The entries after `seq` (those a flush up to `seq` did not take in). */
  after(seq: number): Novelty {
    const out: NoveltyEntry[] = [];
    for (let i = 0; i < this.length; i++)
      if (this.entries[i]!.seq > seq) out.push(this.entries[i]!);
    return Novelty.of(out);
  }

  *[Symbol.iterator](): Iterator<NoveltyEntry> {
    for (let i = 0; i < this.length; i++) yield this.entries[i]!;
  }
}

/** The state of a branch as one connection sees it. */
export interface BranchState {
  readonly db: Db;
  /** The seq of the last record applied. */
  readonly seq: number;
  readonly base: Base;
  /** The records after the base, kept so that a flush can rebuild the database. */
  readonly novelty: Novelty;
  /** The database config as stored at creation (data). */
  readonly config: unknown;
}

function dbConfigOf(r: { keepHistory?: boolean; schemaFlexibility?: 'write' | 'read' }): DbConfig {
  return {
    keepHistory: r.keepHistory ?? true,
    schemaFlexibility: r.schemaFlexibility ?? 'write',
  };
}

function meta(r: CommitRecord): DbMeta {
  return {
    commitId: new Uuid(r.id),
    parentCommitIds: r.parents.map((p) => new Uuid(p)),
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt),
  };
}

/** An empty database whose trees keep written nodes in `cache`. */
function emptyFor(config: DbConfig, cache: NodeCache<Datom>): Db {
  return emptyDb(config, { store: cache, branching: STORED_BRANCHING });
}

/** A commit record and its place in the log. */
export interface Positioned {
  readonly seq: number;
  readonly record: CommitRecord;
}

/**
 * Told of every record a replay applied, after it: its place, its datoms, and the
 * database after it when the replay made that one. Each database given was made from the
 * one given before it (or from where the replay started).
 */
export type Seen = (at: Positioned, datoms: number, db: Db | undefined) => void;

/** Which databases of a long replay are made when not all are: the last ones, and a trail. */
const KEEP_LAST = 64;
const KEEP_EVERY = 64;

/**
 * Applies commit records to a database, in order: the database after each of them (`all`),
 * or else after the last KEEP_LAST and one in KEEP_EVERY before them (undefined for the
 * others). The records between two databases made are replayed in one batch.
 */
async function replaySteps(
  db: Db,
  records: readonly CommitRecord[],
  datoms: readonly (readonly Datom[])[],
  cache: NodeCache<Datom>,
  all: boolean,
): Promise<(Db | undefined)[]> {
  const n = records.length;
  if (n === 0) return [];
  const keep = (i: number) => all || i >= n - KEEP_LAST || i % KEEP_EVERY === 0;
  return withLoadedNodes(cache, () => {
    const steps = new Array<Db | undefined>(n);
    let out = db;
    let from = 0;
    for (let i = 0; i < n; i++) {
      if (!keep(i)) continue;
      const txs = [];
      for (let j = from; j <= i; j++)
        if (datoms[j]!.length > 0) txs.push({ tx: records[j]!.maxTx, datoms: datoms[j]! });
      out = replayTxs(out, txs);
      const r = records[i]!;
      out = new Db(out.indices, out.temporal, out.schema, r.maxEid, r.maxTx, out.config, meta(r));
      steps[i] = out;
      from = i + 1;
    }
    return steps;
  });
}

/** How far past the seq a commit's max-tx implies its record is looked for (checkpoints). */
const SEARCH_WINDOW = 64;

/** One record applied: its position, what it says, and the database after it (if made). */
interface Applied {
  readonly seq: number;
  readonly record: CommitRecord;
  readonly datoms: readonly Datom[];
  readonly db: Db | undefined;
}

/**
 * Replays records on `db`, keeping each one's database (`all`), or those `replaySteps`
 * keeps otherwise (the last one always); tells `seen` of each.
 */
async function applyRecords(
  db: Db,
  records: readonly Positioned[],
  cache: NodeCache<Datom>,
  all: boolean,
  seen: Seen | undefined,
): Promise<Applied[]> {
  const datoms = records.map((r) => unpackDatoms(r.record.datoms));
  const steps = await replaySteps(
    db,
    records.map((r) => r.record),
    datoms,
    cache,
    all,
  );
  return records.map((at, i) => {
    seen?.(at, datoms[i]!.length, steps[i]);
    return { seq: at.seq, record: at.record, datoms: datoms[i]!, db: steps[i] };
  });
}

/** keep-history? and schema-flexibility from a stored config (data with keyword keys). */
function storedDbConfig(config: unknown): {
  keepHistory?: boolean;
  schemaFlexibility?: 'write' | 'read';
} {
  if (!(config instanceof Map)) return {};
  let keepHistory: boolean | undefined;
  let schemaFlexibility: 'write' | 'read' | undefined;
  for (const [k, v] of config as Map<{ fqn?: string }, unknown>) {
    if (k.fqn === 'keep-history?' && typeof v === 'boolean') keepHistory = v;
    if (k.fqn === 'schema-flexibility') {
      const name = (v as { fqn?: string }).fqn;
      if (name === 'read' || name === 'write') schemaFlexibility = name;
    }
  }
  return { keepHistory, schemaFlexibility };
}

/** What a refresh found: the state caught up, and a report per commit it took in. */
export interface CaughtUp {
  readonly state: BranchState;
  readonly reports: TxReport[];
}

/** Reports of applied records after `after` (checkpoints are not commits). */
function reportsOf(start: Db, applied: readonly Applied[], after: number): TxReport[] {
  const reports: TxReport[] = [];
  let before = start;
  for (const a of applied) {
    // Without listeners a long replay makes only some databases: only those are reported.
    if (a.db === undefined) continue;
    if (a.seq > after && a.record.checkpoint !== true)
      reports.push({
        dbBefore: before,
        dbAfter: a.db,
        txData: a.datoms,
        tempids: new Map(),
        txMeta: null,
      });
    before = a.db;
  }
  return reports;
}

/**
 * The log of one branch as one store handle reads it: opening the branch, catching a state
 * up with what was appended since, and finding and rebuilding past commits. `seen` hears
 * of every record a replay applies (the connection's history of commits).
 */
export class BranchLog {
  constructor(
    readonly store: Store,
    readonly branch: string,
    readonly cache: NodeCache<Datom>,
    private readonly seen?: Seen,
  ) {}

  /** The records `from..to` of a branch, decoded; null when the log lacks some of them. */
  private async readRecords(from: number, to: number): Promise<Positioned[] | null> {
    if (to < from) return [];
    const records = (await this.store.readLog(this.branch, from, to)).map((r) => ({
      seq: r.seq,
      record: decodeCommit(r, this.branch),
    }));
    return records.length === to - from + 1 && records[0]!.seq === from ? records : null;
  }

  private missingRecords(from: number, to: number): DatahikeError {
    return new DatahikeError(
      'store/corrupt',
      `The ${this.branch} log of the ${this.store.label} lacks records between ${from} and ${to}.`,
      { branch: this.branch, from, to },
    );
  }

  /** Reads a branch from its last record: the base's roots, then the records after them. */
  async open(): Promise<BranchState | null> {
    const last = await this.store.lastRecord(this.branch);
    if (last === null) return null;
    const head = decodeCommit(last, this.branch);
    if (head.deleted === true) return null;
    return (await this.fromBase(head.base, last.seq, head, false)).state;
  }

  /**
   * Where a commit is in a branch's log; null when the log holds no such commit. Every
   * transaction adds one to max-tx and one record to the log (the creation record is seq 1
   * at tx0; checkpoints repeat a commit), so a commit with max-tx `t` is at seq
   * `t - tx0 + 1` or a little after: with its max-tx the search reads a few records there,
   * without it (or when they do not hold it) the whole log. `note` hears of every record read.
   */
  async findCommit(
    commitId: string,
    maxTx: number | undefined,
    note: (at: Positioned) => void,
  ): Promise<Positioned | null> {
    const look = (records: readonly LogRecord[]) => {
      for (const r of records) {
        const at = { seq: r.seq, record: decodeCommit(r, this.branch) };
        note(at);
        if (at.record.id === commitId) return at;
      }
      return null;
    };
    if (maxTx !== undefined && Number.isSafeInteger(maxTx) && maxTx >= TX0) {
      const from = maxTx - TX0 + 1;
      const found = look(await this.store.readLog(this.branch, from, from + SEARCH_WINDOW - 1));
      if (found !== null) return found;
    }
    return look(await this.store.readLog(this.branch, 1));
  }

  /**
   * The database at `seq` from a database this process has at an earlier seq, replaying the
   * records in between; null when the log no longer holds them all.
   */
  async replayOnto(
    from: { readonly seq: number; readonly db: Db },
    seq: number,
  ): Promise<Db | null> {
    const records = await this.readRecords(from.seq + 1, seq);
    if (records === null) return null;
    const applied = await applyRecords(from.db, records, this.cache, false, this.seen);
    return applied[applied.length - 1]?.db ?? from.db;
  }

  /**
   * The database at `seq` from the roots of `base` (what that commit's record names) and
   * the records after them; null when the log no longer holds them all.
   */
  async dbFromBase(base: Base, seq: number): Promise<Db | null> {
    const records = await this.readRecords(base.seq + 1, seq);
    if (records === null || records.length === 0) return null;
    const { db } = await this.stateFrom(base, records, records.at(-1)!.record, false);
    return db;
  }

  /** The state at `seq` built from a base, and each record replayed on the way. */
  private async fromBase(
    base: Base,
    seq: number,
    head: CommitRecord,
    all: boolean,
  ): Promise<{ state: BranchState; start: Db; applied: Applied[] }> {
    const records = await this.readRecords(base.seq + 1, seq);
    if (records === null) throw this.missingRecords(base.seq + 1, seq);
    const { db, config, start, applied } = await this.stateFrom(base, records, head, all);
    return {
      state: {
        db,
        seq,
        base,
        novelty: Novelty.of(
          applied.map((a) => ({ seq: a.seq, tx: a.record.maxTx, datoms: a.datoms })),
        ),
        config,
      },
      start,
      applied,
    };
  }

  /** The roots of `base` (or an empty database) with `records` replayed, and the config. */
  private async stateFrom(
    base: Base,
    records: readonly Positioned[],
    head: CommitRecord,
    all: boolean,
  ): Promise<{ db: Db; config: unknown; start: Db; applied: Applied[] }> {
    let db: Db;
    let config: unknown;
    if (base.roots === null) {
      config = records[0]?.record.config ?? head.config;
      db = emptyFor(dbConfigOf(storedDbConfig(config)), this.cache);
    } else {
      const loaded = await this.loadRoots(base.roots);
      db = loaded.db;
      config = loaded.roots.config;
    }
    const start = db;
    const applied = await applyRecords(db, records, this.cache, all, this.seen);
    db = applied[applied.length - 1]?.db ?? db;
    if (db.meta.commitId === undefined) db = db.withMeta(meta(head));
    return { db, config, start, applied };
  }

  /**
   * The log no longer holds, at the position a connection's state has reached, the commit the
   * state holds: the store was recreated, restored from a backup or damaged behind the process.
   */
  diverged(state: BranchState, found: string): DatahikeError {
    const id = state.db.meta.commitId?.str;
    return new DatahikeError(
      'connection/diverged',
      `The ${this.branch} log of the ${this.store.label} no longer agrees with this connection: it had commit ${id} at position ${state.seq}, the log ${found}. The store was recreated, restored or damaged behind this process; the connection now follows the store as it is, and commits it held that the log lacks are not in it.`,
      { branch: this.branch, seq: state.seq, commitId: id },
    );
  }

  /**
   * Catches a branch state up with the records appended since; null when nothing is new.
   * Checks that the log still holds the state's own head where the state has it: when it
   * does not, throws `connection/diverged` rather than building on a log that moved away.
   */
  async refresh(
    state: BranchState,
    /** Whether every commit taken in needs its report (someone listens). */
    withReports = true,
  ): Promise<CaughtUp | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.refreshOnce(state, withReports);
      } catch (err) {
        // Records missing up to a head read a moment before: the log may have been cut back
        // meanwhile (an append whose fsync failed, seen before it was cut off). Then again:
        // damage is still there the next time.
        const missing = isDatahikeError(err, 'store/corrupt') && typeof err.data.to === 'number';
        if (!missing || attempt >= 2) throw err;
      }
    }
  }

  private async refreshOnce(state: BranchState, withReports: boolean): Promise<CaughtUp | null> {
    const own = state.db.meta.commitId?.str;
    const last = await this.store.lastRecord(this.branch);
    if (last === null) throw this.diverged(state, 'is empty');
    if (last.seq < state.seq) throw this.diverged(state, `ends at ${last.seq}`);
    const head = decodeCommit(last, this.branch);
    const check = (seq: number, record: CommitRecord) => {
      if (seq === state.seq && record.id !== own)
        throw this.diverged(state, `holds commit ${record.id} there`);
    };
    if (last.seq === state.seq) {
      check(last.seq, head);
      return null;
    }
    // After a flush, start from its roots rather than replaying on top of memory.
    if (head.base.seq > state.base.seq) {
      const {
        state: next,
        start,
        applied,
      } = await this.fromBase(head.base, last.seq, head, withReports);
      for (const a of applied) check(a.seq, a.record);
      const reports = reportsOf(start, applied, state.seq);
      // Commits between the state and the new base are reported from their own records.
      if (withReports && head.base.seq > state.seq) {
        const gap = await this.readRecords(state.seq + 1, head.base.seq);
        if (gap === null) throw this.missingRecords(state.seq + 1, head.base.seq);
        const between = await applyRecords(state.db, gap, this.cache, true, this.seen);
        reports.unshift(...reportsOf(state.db, between, state.seq));
      }
      return { state: next, reports };
    }
    // From the state's own head (when the log still has it: garbage collection may have
    // truncated up to the base), so that it is checked too.
    const records = await this.store.readLog(this.branch, state.seq, last.seq);
    const from = records[0]?.seq === state.seq ? state.seq : state.seq + 1;
    if (records.length !== last.seq - from + 1 || records[0]?.seq !== from)
      throw this.missingRecords(state.seq + 1, last.seq);
    const decoded = records.map((r) => ({ seq: r.seq, record: decodeCommit(r, this.branch) }));
    if (from === state.seq) check(state.seq, decoded.shift()!.record);
    const applied = await applyRecords(state.db, decoded, this.cache, withReports, this.seen);
    return {
      state: {
        db: applied[applied.length - 1]!.db!,
        seq: last.seq,
        base: state.base,
        novelty: state.novelty.with(
          applied.map((a) => ({ seq: a.seq, tx: a.record.maxTx, datoms: a.datoms })),
        ),
        config: state.config,
      },
      reports: reportsOf(state.db, applied, state.seq),
    };
  }

  private async loadRoots(key: string): Promise<{ db: Db; roots: RootsRecord }> {
    const bytes = await this.store.get(key);
    if (bytes === null)
      throw new DatahikeError(
        'store/missing-node',
        `The index roots ${key} are missing from the ${this.store.label}: the store was damaged.`,
        { key },
      );
    const roots = decodeRoots(bytes, key);
    const trees = (r: TreeRoots) => ({
      eavt: SortedSet.fromRoot(cmpEAVT, r.eavt, { store: this.cache, branching: STORED_BRANCHING }),
      aevt: SortedSet.fromRoot(cmpAEVT, r.aevt, { store: this.cache, branching: STORED_BRANCHING }),
      avet: SortedSet.fromRoot(cmpAVET, r.avet, { store: this.cache, branching: STORED_BRANCHING }),
    });
    const config = dbConfigOf(roots);
    const db = new Db(
      trees(roots.current),
      roots.temporal === null ? null : trees(roots.temporal),
      schemaFromDatoms(unpackDatoms(roots.schema), config.schemaFlexibility),
      roots.maxEid,
      roots.maxTx,
      config,
    );
    return { db, roots };
  }

  /**
   * Writes the nodes of `db` that are not in the store yet, and its roots blob. Returns
   * the blobs to put (the roots last) and the roots key; nothing is written here.
   */
  async flushBlobs(
    db: Db,
    seq: number,
    config: unknown,
  ): Promise<{ blobs: [string, Uint8Array][]; rootsKey: string; db: Db }> {
    const blobs: [string, Uint8Array][] = [];
    const write = (data: NodeData<Datom>) => {
      const address = randomUUID();
      blobs.push([address, encodeNode(data)]);
      return address;
    };
    const flushTrees = (ix: Db['indices']) => ({
      eavt: ix.eavt.flush(write),
      aevt: ix.aevt.flush(write),
      avet: ix.avet.flush(write),
    });
    const current = flushTrees(db.indices);
    const temporal = db.temporal === null ? null : flushTrees(db.temporal);
    const schemaDatoms = await withLoadedNodes(this.cache, () => {
      const out: Datom[] = [];
      for (const e of new Set(db.schema.idents.values())) {
        const bound = boundDatom(e);
        // From the tree as it was: the flushed copy's nodes may not be in the store yet.
        for (const d of db.indices.eavt.sliceToArray(bound, bound, PREFIX_ORDER.eavt)) out.push(d);
      }
      return out;
    });
    const addr = (t: {
      eavt: SortedSet<Datom>;
      aevt: SortedSet<Datom>;
      avet: SortedSet<Datom>;
    }) => ({
      eavt: t.eavt.rootAddress!,
      aevt: t.aevt.rootAddress!,
      avet: t.avet.rootAddress!,
    });
    const roots: RootsRecord = {
      current: addr(current),
      temporal: temporal === null ? null : addr(temporal),
      schema: packDatoms(schemaDatoms),
      maxEid: db.maxEid,
      maxTx: db.maxTx,
      seq,
      config,
      keepHistory: db.config.keepHistory,
      schemaFlexibility: db.config.schemaFlexibility,
    };
    const rootsKey = `roots-${randomUUID()}`;
    blobs.push([rootsKey, encodeRoots(roots)]);
    const flushed = new Db(current, temporal, db.schema, db.maxEid, db.maxTx, db.config, db.meta);
    return { blobs, rootsKey, db: flushed };
  }

  /** The database after a flush: the flushed one plus the novelty committed meanwhile. */
  async rebase(flushed: Db, base: Base, state: BranchState): Promise<BranchState> {
    const later = state.novelty.after(base.seq);
    let db = flushed;
    if (later.length > 0)
      db = await withLoadedNodes(this.cache, () => {
        let out = flushed;
        for (const n of later) out = replayTx(out, n.tx, n.datoms as Datom[]);
        return out;
      });
    db = new Db(
      db.indices,
      db.temporal,
      db.schema,
      state.db.maxEid,
      state.db.maxTx,
      db.config,
      state.db.meta,
    );
    return { db, seq: state.seq, base, novelty: later, config: state.config };
  }
}

/** The creation record of a new branch: no datoms, the config, no roots. */
export function creationRecord(config: unknown, now: Date): CommitRecord {
  return {
    id: randomUUID(),
    parents: [],
    maxEid: 0,
    maxTx: TX0,
    createdAt: now.getTime(),
    updatedAt: now.getTime(),
    datoms: packDatoms([]),
    base: { roots: null, seq: 0 },
    config,
  };
}

/** The record of a committed transaction. */
export function commitRecord(db: Db, txData: readonly Datom[], base: Base): CommitRecord {
  const m = db.meta;
  return {
    id: m.commitId!.str,
    parents: m.parentCommitIds.map((p) => p.str),
    maxEid: db.maxEid,
    maxTx: db.maxTx,
    createdAt: m.createdAt?.getTime() ?? 0,
    updatedAt: m.updatedAt?.getTime() ?? 0,
    datoms: packDatoms(txData),
    base,
  };
}
