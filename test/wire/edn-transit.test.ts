import { describe, expect, it } from 'vitest';
import { datom } from '../../src/index/datom.js';
import { keyword, list, TaggedValue, Uuid } from '../../src/values/index.js';
import {
  AsOfDbHandle,
  ConnectionHandle,
  DbHandle,
  decodeEdn,
  decodeTransit,
  EntityHandle,
  encodeEdn,
  encodeTransit,
  HistoricalDbHandle,
  type WireTxReport,
} from '../../src/wire/index.js';
import { same } from './arbitraries.js';

const kw = keyword;
const STORE = '23196000-0000-0000-0000-000000000001';
const CID = '0d3a1e5c-0000-4000-8000-000000000001';
const TX1 = 536870913;
const conn = new ConnectionHandle(new Uuid(STORE), kw('db'));
const db = new DbHandle(new Uuid(STORE), kw('db'), new Uuid(CID), 1, TX1);
const DB_EDN = `#datahike/DB {:store-id [#uuid "${STORE}" :db], :commit-id #uuid "${CID}", :max-eid 1, :max-tx ${TX1}}`;

const report: WireTxReport = {
  dbBefore: db,
  dbAfter: db,
  txData: [datom(1, kw('name'), 'Peter', TX1)],
  tempids: new Map<unknown, unknown>([
    [kw('db/current-tx'), TX1],
    [-1, 1],
    ['bob', 2],
  ]),
  txMeta: null,
};

describe('EDN: Datahike’s printed forms (reference 4.5)', () => {
  it('connection, db and datom print as Datahike prints them', () => {
    expect(encodeEdn(conn)).toBe(`#datahike/Connection[#uuid "${STORE}" :db]`);
    expect(encodeEdn(db)).toBe(DB_EDN);
    expect(encodeEdn(datom(1, kw('name'), 'Peter', TX1))).toBe(
      `#datahike/Datom [1 :name "Peter" ${TX1} true]`,
    );
    expect(encodeEdn(new HistoricalDbHandle(db))).toBe(
      `#datahike/HistoricalDB {:origin ${DB_EDN}}`,
    );
    expect(encodeEdn(new AsOfDbHandle(db, TX1))).toBe(
      `#datahike/AsOfDB {:origin ${DB_EDN}, :time-point ${TX1}}`,
    );
  });

  it('reads Datahike’s text, whatever the key order and spacing', () => {
    const text = `#datahike/DB {:store-id [#uuid "${STORE}" :db] :commit-id #uuid "${CID}" :max-tx ${TX1} :max-eid 1}`;
    expect(same(decodeEdn(text), db)).toBe(true);
    expect(same(decodeEdn(`#datahike/Connection [#uuid "${STORE}" :db]`), conn)).toBe(true);
  });

  it('tx report: printed in the record form, both tags read', () => {
    const text = encodeEdn(report);
    expect(text).toBe(
      `#datahike.db.TxReport{:db-before ${DB_EDN}, :db-after ${DB_EDN}, :tx-data [#datahike/Datom [1 :name "Peter" ${TX1} true]], :tempids {:db/current-tx ${TX1}, -1 1, "bob" 2}, :tx-meta nil}`,
    );
    expect(same(decodeEdn(text), report)).toBe(true);
    expect(
      same(decodeEdn(text.replace('#datahike.db.TxReport', '#datahike/TxReport')), report),
    ).toBe(true);
  });

  it('entity (our form: Datahike prints a plain map)', () => {
    const e = new EntityHandle(db, 1, new Map([[kw('person/name'), 'Peter']]));
    const text = encodeEdn(e);
    expect(text).toBe(`#datahike/Entity {:person/name "Peter", :db ${DB_EDN}, :eid 1}`);
    expect(same(decodeEdn(text), e)).toBe(true);
  });

  it('leaves global EDN printing and reading alone', async () => {
    const { parseEdn, printEdn } = await import('../../src/edn/index.js');
    encodeEdn(db);
    expect(parseEdn('#datahike/DB {:x 1}')).toBeInstanceOf(TaggedValue);
    expect(printEdn(list(1))).toBe('(1)');
  });

  it('unpaired surrogates are escaped', () => {
    expect(encodeEdn('a\udc00')).toBe('"a\\udc00"');
    expect(decodeEdn('"a\\udc00"')).toBe('a\udc00');
  });
});

describe('transit-json: Datahike’s handlers (reference 5)', () => {
  it('handles in the illustrated shapes', () => {
    expect(encodeTransit(conn)).toBe(`["~#datahike/Connection",["~u${STORE}","~:db"]]`);
    expect(encodeTransit(db)).toBe(
      `["~#datahike/DB",["^ ","~:store-id",["~u${STORE}","~:db"],"~:commit-id","~u${CID}","~:max-eid",1,"~:max-tx",${TX1}]]`,
    );
    expect(encodeTransit(datom(1, kw('name'), 'Peter', TX1))).toBe(
      `["~#datahike/Datom",[1,"~:name","Peter",${TX1},true]]`,
    );
    expect(same(decodeTransit(encodeTransit(report)), report)).toBe(true);
  });

  it('transit’s own types for everything else', () => {
    expect(encodeTransit(1)).toBe('["~#\'",1]');
    expect(encodeTransit(kw('a/b'))).toBe('["~#\'","~:a/b"]');
    expect(encodeTransit(new Set([1]))).toBe('["~#set",[1]]');
    expect(encodeTransit(list(1))).toBe('["~#list",[1]]');
    expect(encodeTransit(12n)).toBe('["~#\'","~n12"]');
    expect(encodeTransit(new Map([[[1], 2]]))).toBe('["~#cmap",[[1],2]]');
    expect(encodeTransit(new Map([[1.5, 2]]))).toBe('["^ ","~d1.5",2]');
    expect(encodeTransit(new Date(5))).toBe('["~#\'","~m5"]');
  });

  it('reads Clojure’s longs beyond 2^53 as bigints, and unknown tags as tagged values', () => {
    expect(decodeTransit('["~#\'","~i9007199254740993"]')).toBe(9007199254740993n);
    expect(decodeTransit('[1,"~i9007199254740993"]')).toEqual([1, 9007199254740993n]);
    const d = decodeTransit(
      '["~#datahike/Datom",["~i5","~:a","~i9007199254740993",536870913,true]]',
    );
    expect(same(d, datom(5, kw('a'), 9007199254740993n, 536870913))).toBe(true);
    const t = decodeTransit('["~#point",[1,2]]');
    expect(same(t, new TaggedValue('point', [1, 2]))).toBe(true);
    expect(decodeTransit(encodeTransit(t))).toEqual(t);
  });
});
