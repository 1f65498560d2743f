import { describe, expect, it } from 'vitest';
import { Datom, datom } from '../../src/index/datom.js';
import {
  BigDec,
  Char,
  keyword,
  List,
  list,
  sym,
  TaggedValue,
  Uuid,
} from '../../src/values/index.js';
import {
  AsOfDbHandle,
  ConnectionHandle,
  DbHandle,
  decodeJson,
  EntityHandle,
  encodeJson,
  HistoricalDbHandle,
  SinceDbHandle,
  type WireTxReport,
} from '../../src/wire/index.js';
import { same } from './arbitraries.js';

const kw = keyword;
const STORE = '23196000-0000-0000-0000-000000000001';
const CID0 = '0d3a1e5c-0000-4000-8000-000000000000';
const CID1 = '0d3a1e5c-0000-4000-8000-000000000001';
const MS = 1700000000000;
const TX1 = 536870913;

const conn = new ConnectionHandle(new Uuid(STORE), kw('db'));
const db0 = new DbHandle(new Uuid(STORE), kw('db'), new Uuid(CID0), 0, 536870912);
const db1 = new DbHandle(new Uuid(STORE), kw('db'), new Uuid(CID1), 1, TX1);

const CONN_JSON = `["!datahike/Connection",[["!uuid","${STORE}"],["!kw","db"]]]`;
const db0Json = `["!datahike/DB",{"store-id":[["!uuid","${STORE}"],["!kw","db"]],"commit-id":["!uuid","${CID0}"],"max-eid":0,"max-tx":536870912}]`;
const DB1_JSON = `["!datahike/DB",{"store-id":[["!uuid","${STORE}"],["!kw","db"]],"commit-id":["!uuid","${CID1}"],"max-eid":1,"max-tx":${TX1}}]`;

describe('JSON: the shapes of Datahike’s worked session (reference 4.4)', () => {
  it('connection handle', () => {
    expect(encodeJson(conn)).toBe(CONN_JSON);
    expect(same(decodeJson(CONN_JSON), conn)).toBe(true);
  });

  it('db handle, keys in Datahike’s order', () => {
    expect(encodeJson(db1)).toBe(DB1_JSON);
    expect(same(decodeJson(DB1_JSON), db1)).toBe(true);
  });

  it('datoms', () => {
    const d = datom(1, kw('age'), 42, TX1);
    expect(encodeJson(d)).toBe(`["!datahike/Datom",[1,["!kw","age"],42,${TX1},true]]`);
    const r = datom(1, kw('age'), 42, TX1, false);
    expect(encodeJson(r)).toBe(`["!datahike/Datom",[1,["!kw","age"],42,${TX1},false]]`);
    const back = decodeJson(encodeJson(r)) as Datom;
    expect(back).toBeInstanceOf(Datom);
    expect([back.e, back.a, back.v, back.tx, back.added]).toEqual([1, kw('age'), 42, TX1, false]);
  });

  it('tx report', () => {
    const report: WireTxReport = {
      dbBefore: db0,
      dbAfter: db1,
      txData: [
        datom(TX1, kw('db/txInstant'), new Date(MS), TX1),
        datom(1, kw('age'), 42, TX1),
        datom(1, kw('name'), 'Peter', TX1),
      ],
      tempids: new Map([[kw('db/current-tx'), TX1]]),
      txMeta: new Map<unknown, unknown>([
        [kw('db/txInstant'), new Date(MS)],
        [kw('db/commitId'), new Uuid(CID1)],
      ]),
    };
    const text =
      `["!datahike/TxReport",{"db-before":${db0Json},"db-after":${DB1_JSON},` +
      `"tx-data":[["!datahike/Datom",[${TX1},["!kw","db/txInstant"],["!date","${MS}"],${TX1},true]],` +
      `["!datahike/Datom",[1,["!kw","age"],42,${TX1},true]],["!datahike/Datom",[1,["!kw","name"],"Peter",${TX1},true]]],` +
      `"tempids":{"db/current-tx":${TX1}},` +
      `"tx-meta":{"db/txInstant":["!date","${MS}"],"db/commitId":["!uuid","${CID1}"]}}]`;
    expect(encodeJson(report)).toBe(text);
    expect(same(decodeJson(text), report)).toBe(true);
  });

  it('query result, pull result, config and error bodies', () => {
    expect(encodeJson(new Set([['Peter', 42]]))).toBe('["!set",[["Peter",42]]]');
    const pulled = new Map<unknown, unknown>([
      [kw('name'), 'Peter'],
      [kw('age'), 42],
    ]);
    expect(encodeJson(pulled)).toBe('{"name":"Peter","age":42}');
    const config = `{"store":{"backend":["!kw","memory"],"id":["!uuid","${STORE}"]},"keep-history?":true,"schema-flexibility":["!kw","read"],"attribute-refs?":false,"index":["!kw","datahike.index/persistent-set"],"search-cache-size":0,"store-cache-size":1000,"crypto-hash?":false,"branch":["!kw","db"],"writer":{"backend":["!kw","self"]},"remote-peer":null}`;
    const decoded = decodeJson(config) as Map<unknown, unknown>;
    expect(decoded.get(kw('schema-flexibility'))).toBe(kw('read'));
    expect((decoded.get(kw('store')) as Map<unknown, unknown>).get(kw('id'))).toEqual(
      new Uuid(STORE),
    );
    expect(encodeJson(decoded)).toBe(config);
    const error = `{"msg":"Memory store with ID '…' does not exist.","ex-data":{"id":["!uuid","${STORE}"]}}`;
    expect(encodeJson(decodeJson(error))).toBe(error);
    expect(decodeJson('true')).toBe(true);
    expect(decodeJson('null')).toBe(null);
  });

  it('reads the time views and an entity', () => {
    const h = decodeJson(`["!datahike/HistoricalDB",{"origin":${DB1_JSON}}]`);
    expect(same(h, new HistoricalDbHandle(db1))).toBe(true);
    const a = decodeJson(
      `["!datahike/AsOfDB",{"origin":${DB1_JSON},"time-point":["!date","${MS}"]}]`,
    );
    expect(same(a, new AsOfDbHandle(db1, new Date(MS)))).toBe(true);
    const s = decodeJson(`["!datahike/SinceDB",{"origin":${DB1_JSON},"time-point":${TX1}}]`);
    expect(same(s, new SinceDbHandle(db1, TX1))).toBe(true);
    const e = decodeJson(`["!datahike/Entity",{"name":"Peter","db":${DB1_JSON},"eid":1}]`);
    expect(same(e, new EntityHandle(db1, 1, new Map([[kw('name'), 'Peter']])))).toBe(true);
    expect(encodeJson(e)).toBe(`["!datahike/Entity",{"name":"Peter","db":${DB1_JSON},"eid":1}]`);
  });
});

describe('JSON: rules and our extensions', () => {
  it('every object key becomes a keyword, as in Datahike', () => {
    const m = decodeJson('{"-1":1,"a/b":2,"":3}') as Map<unknown, unknown>;
    expect([...m.keys()]).toEqual([kw('-1'), kw('a/b'), kw('')]);
  });

  it('maps with other keys use !map', () => {
    const m = new Map<unknown, unknown>([
      ['x', 1],
      [2, kw('y')],
      [[1], null],
    ]);
    const text = encodeJson(m);
    expect(text).toBe('["!map",[["x",1],[2,["!kw","y"]],[[1],null]]]');
    expect(same(decodeJson(text), m)).toBe(true);
  });

  it('numbers: big integers, doubles beyond 2^53, NaN and infinities', () => {
    expect(decodeJson('9007199254740993')).toBe(9007199254740993n);
    expect(decodeJson('-9007199254740991')).toBe(-9007199254740991);
    expect(decodeJson('1.5e3')).toBe(1500);
    expect(encodeJson(2 ** 60)).toBe('1.152921504606847e+18');
    expect(decodeJson(encodeJson(2 ** 60))).toBe(2 ** 60);
    expect(encodeJson(12n)).toBe('["!bigint","12"]');
    expect(encodeJson([Number.NaN, Infinity, -Infinity])).toBe(
      '[["!double","NaN"],["!double","Infinity"],["!double","-Infinity"]]',
    );
    expect(encodeJson(-0)).toBe('0');
  });

  it('the other extension tags', () => {
    expect(encodeJson(BigDec.parse('1.50'))).toBe('["!bigdec","1.5"]');
    expect(encodeJson(new Uint8Array([0, 1, 255]))).toBe('["!bytes","AAH/"]');
    expect(encodeJson(new Char('c'))).toBe('["!char","c"]');
    expect(encodeJson(list(1, 2))).toBe('["!list",[1,2]]');
    expect(encodeJson(new TaggedValue('my/tag', [1]))).toBe('["!tagged",["my/tag",[1]]]');
    expect(encodeJson(sym('?e'))).toBe('["!sym","?e"]');
    expect(decodeJson('["!list",[]]')).toBeInstanceOf(List);
  });

  it('instants: string or number payloads, and !inst', () => {
    expect(encodeJson(new Date(MS))).toBe(`["!date","${MS}"]`);
    for (const t of [
      `["!date","${MS}"]`,
      `["!date",${MS}]`,
      `["!inst","${MS}"]`,
      '["!inst","2023-11-14T22:13:20.000Z"]',
    ])
      expect((decodeJson(t) as Date).getTime()).toBe(MS);
  });

  it('a string at the head of an array that is a tag is escaped', () => {
    expect(encodeJson(['!kw', 'x'])).toBe('[["!str","!kw"],"x"]');
    expect(decodeJson('[["!str","!kw"],"x"]')).toEqual(['!kw', 'x']);
    expect(encodeJson(new Set(['!set']))).toBe('["!set",[["!str","!set"]]]');
    expect(encodeJson(['!unknown', 1])).toBe('["!unknown",1]');
    expect(decodeJson('["!unknown",1]')).toEqual(['!unknown', 1]);
  });

  it('tempids: an object when it round-trips, !map otherwise', () => {
    const report = (tempids: Map<unknown, unknown>): WireTxReport => ({
      dbBefore: db0,
      dbAfter: db1,
      txData: [],
      tempids,
      txMeta: null,
    });
    const plain = report(
      new Map<unknown, unknown>([
        [kw('db/current-tx'), TX1],
        [-1, 1],
        ['bob', 2],
      ]),
    );
    const text = encodeJson(plain);
    expect(text).toContain('"tempids":{"db/current-tx":536870913,"-1":1,"bob":2}');
    expect(same(decodeJson(text), plain)).toBe(true);
    const odd = report(
      new Map<unknown, unknown>([
        ['12', 1],
        [kw('x'), 2],
      ]),
    );
    const oddText = encodeJson(odd);
    expect(oddText).toContain('"tempids":["!map",[["12",1],[["!kw","x"],2]]]');
    expect(same(decodeJson(oddText), odd)).toBe(true);
  });

  it('unpaired surrogates are escaped, so the text is valid UTF-8', () => {
    const text = encodeJson('a\ud800b');
    expect(text).toBe('"a\\ud800b"');
    expect(decodeJson(new TextEncoder().encode(text))).toBe('a\ud800b');
  });
});
