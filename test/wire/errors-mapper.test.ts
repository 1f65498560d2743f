import { describe, expect, it } from 'vitest';
import { DatahikeError, keyword, Uuid } from '../../src/values/index.js';
import {
  ConnectionHandle,
  DbHandle,
  DEFAULT_MEDIA_TYPE,
  decodeEdn,
  decodeJson,
  decodeTransit,
  EntityHandle,
  encodeEdn,
  encodeJson,
  encodeTransit,
  formats,
  type Handle,
  type HandleMapper,
  HistoricalDbHandle,
  pickFormat,
} from '../../src/wire/index.js';
import { same } from './arbitraries.js';

function errorOf(f: () => unknown): DatahikeError {
  try {
    f();
  } catch (e) {
    if (e instanceof DatahikeError) return e;
    throw new Error(`expected a DatahikeError, got ${e}`, { cause: e });
  }
  throw new Error('expected an error');
}

const CASES: [string, (t: string | Uint8Array) => unknown, string, Record<string, unknown>][] = [
  // format, decoder, input, expected data (position where the format knows it)
  ['json', decodeJson, '[1,}', { line: 1, column: 4, position: 3 }],
  ['json', decodeJson, '{"a":1', { line: 1, column: 7 }],
  ['json', decodeJson, '[1]\n x', { line: 2, column: 2 }],
  ['json', decodeJson, '"abc', { line: 1, column: 1 }],
  ['json', decodeJson, '01', { position: 1 }],
  ['json', decodeJson, '["!kw",1]', { position: 0 }],
  ['json', decodeJson, '["!kw","a","b"]', { position: 0 }],
  ['json', decodeJson, '[1, ["!uuid","nope"]]', { position: 4 }],
  ['json', decodeJson, '["!datahike/Datom",[1,"a",1,2,true]]', { position: 0 }],
  ['json', decodeJson, '["!datahike/DB",{"store-id":[1]}]', { position: 0 }],
  ['json', decodeJson, '["!bytes","***"]', { position: 0 }],
  ['json', decodeJson, '', { position: 0 }],
  ['edn', decodeEdn, '[1 2', { line: 1, column: 5 }],
  ['edn', decodeEdn, '{:a}', { line: 1, column: 1 }],
  ['edn', decodeEdn, '\n#datahike/DB {:x 1}', { line: 2, column: 1 }],
  ['edn', decodeEdn, '#datahike/Connection [1]', { line: 1, column: 1 }],
  ['edn', decodeEdn, '#datahike/Datom [1 2 3]', { line: 1, column: 1 }],
  ['transit+json', decodeTransit, '[1,}', { line: 1, column: 4 }],
  ['transit+json', decodeTransit, '["~#datahike/DB",5]', {}],
  ['transit+json', decodeTransit, '["~#\'","~uxyz"]', {}],
  ['transit+json', decodeTransit, '["~#set",5]', {}],
];

describe('malformed input is wire/malformed, naming the format and the position', () => {
  it.each(CASES)('%s: %j', (format, decode, input, where) => {
    const err = errorOf(() => decode(input));
    expect(err.code).toBe('wire/malformed');
    expect(err.data.format).toBe(format);
    expect(err.data).toMatchObject(where);
    if (where.line !== undefined) expect(err.message).toContain(`line ${where.line}, column`);
  });

  it('invalid UTF-8 and absurd nesting', () => {
    for (const [decode, limit] of [
      [decodeJson, 1510],
      [decodeEdn, 510],
      [decodeTransit, 1010],
    ] as const) {
      expect(errorOf(() => decode(new Uint8Array([0x5b, 0xff, 0x5d]))).code).toBe('wire/malformed');
      expect(errorOf(() => decode('['.repeat(200_000))).code).toBe('wire/malformed');
      const err = errorOf(() => decode(`${'['.repeat(limit + 1)}${']'.repeat(limit + 1)}`));
      expect(err.message).toMatch(new RegExp(`deeper than ${limit} levels`));
      expect(err.data.column).toBe(limit + 1);
      expect(decode(`${'['.repeat(limit)}${']'.repeat(limit)}`)).toBeInstanceOf(Array);
    }
  });
});

describe('a failure leaves nothing behind', () => {
  it('transit: a failed write or read does not spoil the next one (string caches)', () => {
    class Opaque {}
    const [a, b] = [keyword('aaaa/bbbb'), keyword('cccc/dddd')];
    const v = [a, b, a, b, new Map([[a, b]])];
    const good = encodeTransit(v);
    expect(
      errorOf(() => encodeTransit([keyword('zzzz/yyyy'), keyword('xxxx'), new Opaque()])).code,
    ).toBe('wire/unencodable');
    expect(encodeTransit(v)).toBe(good);
    expect(
      errorOf(() => decodeTransit('[["~:qqqq/rrrr","~:ssss/tttt"],"^0","^1",["~#set",5]]')).code,
    ).toBe('wire/malformed');
    expect(same(decodeTransit(good), v)).toBe(true);
  });
});

describe('values without a wire form', () => {
  it('are wire/unencodable', () => {
    class Opaque {}
    for (const encode of [encodeJson, encodeEdn, encodeTransit]) {
      expect(errorOf(() => encode([new Opaque()])).code).toBe('wire/unencodable');
      expect(errorOf(() => encode(() => 1)).code).toBe('wire/unencodable');
      const cyclic: unknown[] = [];
      cyclic.push(cyclic);
      expect(errorOf(() => encode(cyclic)).code).toBe('wire/unencodable');
    }
  });

  it('up to 500 levels of nesting encode and decode, deeper is refused', () => {
    const nest = (levels: number, wrap: (x: unknown) => unknown) => {
      let v: unknown = 1;
      for (let i = 0; i < levels; i++) v = wrap(v);
      return v;
    };
    for (const [encode, decode] of [
      [encodeJson, decodeJson],
      [encodeEdn, decodeEdn],
      [encodeTransit, decodeTransit],
    ] as const) {
      for (const wrap of [
        (x: unknown) => new Set([x]),
        (x: unknown) => new Map([[keyword('a'), x]]),
        (x: unknown) => new Map([[1, x]]),
        (x: unknown) => [x],
      ]) {
        const v = nest(500, wrap);
        expect(same(decode(encode(v)), v)).toBe(true);
        expect(errorOf(() => encode(nest(501, wrap))).code).toBe('wire/unencodable');
      }
    }
  });
});

// ---- mapper --------------------------------------------------------------------------

class LiveConn {
  constructor(readonly id: string) {}
}
class LiveDb {
  constructor(
    readonly conn: LiveConn,
    readonly t: number,
  ) {}
}
class LiveHistory {
  constructor(readonly db: LiveDb) {}
}
class LiveEntity {
  constructor(
    readonly db: unknown,
    readonly eid: number,
  ) {}
}

const db = keyword('db');
const commit = new Uuid('00000000-0000-4000-8000-000000000001');

/** A server-like mapper: live objects out as handles, handles in as live objects. */
const mapper: HandleMapper = {
  toHandle(x) {
    if (x instanceof LiveConn) return new ConnectionHandle(x.id, db);
    if (x instanceof LiveDb) return new DbHandle(x.conn.id, db, commit, 1, x.t);
    if (x instanceof LiveHistory) return new HistoricalDbHandle(x.db);
    if (x instanceof LiveEntity) return new EntityHandle(x.db, x.eid);
    return undefined;
  },
  fromHandle(h: Handle) {
    if (h instanceof ConnectionHandle) {
      if (h.storeId === 'missing')
        throw new DatahikeError('connection/not-found', 'No such connection.');
      return new LiveConn(h.storeId as string);
    }
    if (h instanceof DbHandle) return new LiveDb(new LiveConn(h.storeId as string), h.maxTx);
    if (h instanceof HistoricalDbHandle) return new LiveHistory(h.origin as LiveDb);
    if (h instanceof EntityHandle) return new LiveEntity(h.db, h.eid);
    return h;
  },
};

describe('handle mappers', () => {
  const live = [
    new LiveConn('s1'),
    new LiveHistory(new LiveDb(new LiveConn('s1'), 7)),
    new Map([[keyword('e'), new LiveEntity(new LiveDb(new LiveConn('s2'), 9), 3)]]),
  ];
  const handles = [
    new ConnectionHandle('s1', db),
    new HistoricalDbHandle(new DbHandle('s1', db, commit, 1, 7)),
    new Map([[keyword('e'), new EntityHandle(new DbHandle('s2', db, commit, 1, 9), 3)]]),
  ];

  it.each([
    ['json', encodeJson, decodeJson],
    ['edn', encodeEdn, decodeEdn],
    ['transit+json', encodeTransit, decodeTransit],
  ] as const)('%s: objects out as handles, handles in as objects, nested', (_f, enc, dec) => {
    const text = enc(live, mapper);
    expect(text).toBe(enc(handles));
    expect(dec(text)).toEqual(handles);
    expect(dec(text, mapper)).toEqual(live);
  });

  it.each([
    ['json', decodeJson, '["!datahike/Connection",["missing",["!kw","db"]]]'],
    ['edn', decodeEdn, '#datahike/Connection["missing" :db]'],
    ['transit+json', decodeTransit, '["~#datahike/Connection",["missing","~:db"]]'],
  ] as const)('%s: a mapper’s own error comes through unchanged', (_f, dec, text) => {
    expect(errorOf(() => dec(text, mapper)).code).toBe('connection/not-found');
  });
});

describe('formats', () => {
  it('by media type, ignoring parameters and case', () => {
    expect(pickFormat('application/json')).toBe(formats['application/json']);
    expect(pickFormat('application/json; charset=utf-8')).toBe(formats['application/json']);
    expect(pickFormat('Application/EDN;charset=UTF-8')).toBe(formats['application/edn']);
    expect(pickFormat(' application/transit+json ')).toBe(formats['application/transit+json']);
    expect(pickFormat('text/html, application/edn;q=0.9')).toBe(formats['application/edn']);
    expect(pickFormat('text/plain')).toBeUndefined();
    expect(pickFormat(undefined)).toBeUndefined();
    expect(formats[DEFAULT_MEDIA_TYPE].mediaType).toBe('application/json');
  });

  it('each format encodes and decodes through the table', () => {
    for (const f of Object.values(formats)) {
      const v = new Map([[keyword('a'), [1, 'x', null]]]);
      expect(f.decode(f.encode(v))).toEqual(v);
    }
  });
});
