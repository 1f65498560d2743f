/**
 * The datom `[e a v tx added]` and the orders of the indices that hold it.
 *
 * `tx` and `added` share one field (`t`: the tx id, negated for a retraction): a datom is
 * held by three indices and there may be millions, so every field counts.
 */

import { compareKeywords, compareValues, type Keyword } from '../values/index.js';

/** Transaction ids start here, as in Datahike and Datomic (2^29). */
export const TX0 = 536870912;

export class Datom {
  constructor(
    readonly e: number,
    readonly a: Keyword,
    readonly v: unknown,
    /** The tx id, negative when this datom records a retraction. */
    readonly t: number,
  ) {}

  get tx(): number {
    return this.t < 0 ? -this.t : this.t;
  }

  get added(): boolean {
    return this.t > 0;
  }
}

/**
 * A fact that is no longer current, as the history indices hold it: asserted in
 * transaction `t` and retracted in `retractedAt`. One record stands for both events, so
 * a retraction costs one entry per history index, not two.
 */
export class RetractedDatom extends Datom {
  constructor(
    e: number,
    a: Keyword,
    v: unknown,
    t: number,
    readonly retractedAt: number,
  ) {
    super(e, a, v, t);
  }
}

export function datom(e: number, a: Keyword, v: unknown, tx: number = TX0, added = true): Datom {
  return new Datom(e, a, v, added ? tx : -tx);
}

export type IndexName = 'eavt' | 'aevt' | 'avet';

export type DatomOrder = (d1: Datom, d2: Datom) => number;

function cmpTx(d1: Datom, d2: Datom): number {
  const t1 = d1.t < 0 ? -d1.t : d1.t;
  const t2 = d2.t < 0 ? -d2.t : d2.t;
  if (t1 !== t2) return t1 - t2;
  // Within one transaction a retraction sorts before an assertion of the same fact.
  return (d1.t > 0 ? 1 : 0) - (d2.t > 0 ? 1 : 0);
}

function cmpA(a1: Keyword, a2: Keyword): number {
  return a1 === a2 ? 0 : compareKeywords(a1, a2);
}

/** Full orders: every component compared; they keep datoms in the trees. */
export function cmpEAVT(d1: Datom, d2: Datom): number {
  return d1.e - d2.e || cmpA(d1.a, d2.a) || compareValues(d1.v, d2.v) || cmpTx(d1, d2);
}

export function cmpAEVT(d1: Datom, d2: Datom): number {
  return cmpA(d1.a, d2.a) || d1.e - d2.e || compareValues(d1.v, d2.v) || cmpTx(d1, d2);
}

export function cmpAVET(d1: Datom, d2: Datom): number {
  return cmpA(d1.a, d2.a) || compareValues(d1.v, d2.v) || d1.e - d2.e || cmpTx(d1, d2);
}

/**
 * Prefix orders: a component that is `undefined` in either datom matches anything. They
 * order range bounds, so that a bound built from a prefix selects every datom with it.
 */
function pE(d1: Datom, d2: Datom): number {
  return d1.e === undefined || d2.e === undefined ? 0 : d1.e - d2.e;
}
function pA(d1: Datom, d2: Datom): number {
  return d1.a === undefined || d2.a === undefined ? 0 : cmpA(d1.a, d2.a);
}
function pV(d1: Datom, d2: Datom): number {
  return d1.v === undefined || d2.v === undefined ? 0 : compareValues(d1.v, d2.v);
}
function pT(d1: Datom, d2: Datom): number {
  return d1.t === undefined || d2.t === undefined ? 0 : cmpTx(d1, d2);
}

export function prefixEAVT(d1: Datom, d2: Datom): number {
  return pE(d1, d2) || pA(d1, d2) || pV(d1, d2) || pT(d1, d2);
}

export function prefixAEVT(d1: Datom, d2: Datom): number {
  return pA(d1, d2) || pE(d1, d2) || pV(d1, d2) || pT(d1, d2);
}

export function prefixAVET(d1: Datom, d2: Datom): number {
  return pA(d1, d2) || pV(d1, d2) || pE(d1, d2) || pT(d1, d2);
}

export const FULL_ORDER: Record<IndexName, DatomOrder> = {
  eavt: cmpEAVT,
  aevt: cmpAEVT,
  avet: cmpAVET,
};

export const PREFIX_ORDER: Record<IndexName, DatomOrder> = {
  eavt: prefixEAVT,
  aevt: prefixAEVT,
  avet: prefixAVET,
};

/** A bound for a range scan; `undefined` components match anything. */
export function boundDatom(e?: number, a?: Keyword, v?: unknown, tx?: number): Datom {
  return new Datom(e as number, a as Keyword, v, tx as number);
}
