/**
 * Commit records and roots blobs decode to typed values, field by field: a round trip
 * keeps every field, and a record of the wrong shape (a well-framed value, but not what
 * the commit protocol writes) is store/corrupt naming the field.
 */
import { describe, expect, it } from 'vitest';
import {
  type CommitRecord,
  decodeCommit,
  decodeRoots,
  encodeCommit,
  encodeRoots,
  type RootsRecord,
} from '../../src/connection/records.js';
import { encode, Kind, packDatoms } from '../../src/storage/codec.js';
import { keyword } from '../../src/values/index.js';

const commit: CommitRecord = {
  id: 'c2',
  parents: ['c1'],
  maxEid: 3,
  maxTx: 536870913,
  createdAt: 1,
  updatedAt: 2,
  datoms: packDatoms([]),
  base: { roots: 'roots-1', seq: 1 },
};

describe('commit records', () => {
  it('round-trip, with and without the optional fields', () => {
    expect(decodeCommit({ seq: 2, bytes: encodeCommit(commit) }, 'db')).toEqual(commit);
    const config = new Map([[keyword('keep-history?'), false]]);
    const first = { ...commit, base: { roots: null, seq: 0 }, config, checkpoint: true };
    expect(decodeCommit({ seq: 1, bytes: encodeCommit(first) }, 'db')).toEqual(first);
  });

  it('of the wrong shape are store/corrupt, naming the field', () => {
    const wrong = (r: unknown) => () =>
      decodeCommit({ seq: 7, bytes: encode(Kind.commit, r) }, 'db');
    const bad = (field: string, value: unknown) => ({ ...commit, [field]: value });
    for (const [field, value] of [
      ['id', 5],
      ['parents', ['x', 1]],
      ['maxTx', '536870913'],
      ['base', { roots: 4, seq: 1 }],
      ['datoms', { a: ['x'], d: 'not a list' }],
      ['checkpoint', 'yes'],
    ] as const)
      expect(wrong(bad(field, value)), field).toThrow(
        expect.objectContaining({
          code: 'store/corrupt',
          message: expect.stringContaining('commit record 7 of branch db'),
        }),
      );
    expect(wrong([1, 2, 3])).toThrow(expect.objectContaining({ code: 'store/corrupt' }));
  });
});

describe('roots blobs', () => {
  const roots: RootsRecord = {
    current: { eavt: 'a', aevt: 'b', avet: 'c' },
    temporal: null,
    schema: packDatoms([]),
    maxEid: 1,
    maxTx: 536870912,
    seq: 4,
    config: null,
    keepHistory: false,
    schemaFlexibility: 'read',
  };

  it('round-trip, and a wrong one is store/corrupt', () => {
    expect(decodeRoots(encodeRoots(roots), 'r')).toEqual(roots);
    const withHistory = { ...roots, temporal: { eavt: 'd', aevt: 'e', avet: 'f' } };
    expect(decodeRoots(encodeRoots(withHistory), 'r')).toEqual(withHistory);
    const broken = encode(Kind.roots, { ...roots, current: { eavt: 'a' } });
    expect(() => decodeRoots(broken, 'r')).toThrow(
      expect.objectContaining({ code: 'store/corrupt', message: expect.stringContaining('aevt') }),
    );
  });
});
