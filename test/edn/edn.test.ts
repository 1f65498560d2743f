import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseEdn,
  parseEdnAll,
  printEdn,
  registerPrinter,
  registerTag,
} from '../../src/edn/index.js';
import {
  BigDec,
  Char,
  DatahikeError,
  equals,
  isList,
  keyword,
  List,
  sym,
  TaggedValue,
  Uuid,
} from '../../src/values/index.js';

/** Structural equality that also looks inside maps and sets. */
function same(a: unknown, b: unknown): boolean {
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      const match = [...b].find(([k2]) => same(k, k2));
      if (match === undefined || !same(v, match[1])) return false;
    }
    return true;
  }
  if (a instanceof Set && b instanceof Set)
    return a.size === b.size && [...a].every((x) => [...b].some((y) => same(x, y)));
  if (Array.isArray(a) && Array.isArray(b))
    return isList(a) === isList(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a instanceof Char && b instanceof Char) return a.char === b.char;
  return equals(a, b);
}

function parseError(text: string): DatahikeError {
  try {
    parseEdn(text);
  } catch (e) {
    return e as DatahikeError;
  }
  throw new Error(`no error for ${text}`);
}

describe('EDN reader', () => {
  it('reads scalars', () => {
    expect(parseEdn('nil')).toBeNull();
    expect(parseEdn('true')).toBe(true);
    expect(parseEdn('false')).toBe(false);
    expect(parseEdn('42')).toBe(42);
    expect(parseEdn('-7')).toBe(-7);
    expect(parseEdn('+3')).toBe(3);
    expect(parseEdn('9007199254740993')).toBe(9007199254740993n);
    expect(parseEdn('12N')).toBe(12n);
    expect(parseEdn('0x1F')).toBe(31);
    expect(parseEdn('1.5')).toBe(1.5);
    expect(parseEdn('1e3')).toBe(1000);
    expect(parseEdn('-2.5E-3')).toBe(-0.0025);
    expect(parseEdn('1.50M')).toEqual(BigDec.parse('1.5'));
    expect(parseEdn('##Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseEdn('##-Inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(parseEdn('##NaN')).toBeNaN();
    expect(parseEdn('1/2')).toBe(0.5);
  });

  it('reads strings with escapes and characters', () => {
    expect(parseEdn('"a\\tb\\nc\\r\\\\\\"\\u00e9\\b\\f"')).toBe('a\tb\nc\r\\"é\b\f');
    expect((parseEdn('\\a') as Char).char).toBe('a');
    expect((parseEdn('\\newline') as Char).char).toBe('\n');
    expect((parseEdn('\\space') as Char).char).toBe(' ');
    expect((parseEdn('\\tab') as Char).char).toBe('\t');
    expect((parseEdn('\\u0041') as Char).char).toBe('A');
    expect((parseEdn('\\(') as Char).char).toBe('(');
  });

  it('reads keywords and symbols, interned', () => {
    expect(parseEdn(':a')).toBe(keyword('a'));
    expect(parseEdn(':person/name')).toBe(keyword('person/name'));
    expect(parseEdn('?e')).toBe(sym('?e'));
    expect(parseEdn('clojure.string/includes?')).toBe(sym('clojure.string/includes?'));
    for (const s of ['...', '_', '$', '$src', '%', '.', '/', '-', '+'])
      expect(parseEdn(s)).toBe(sym(s));
  });

  it('reads collections', () => {
    const l = parseEdn('(a 1 "x")');
    expect(l).toBeInstanceOf(List);
    expect([...(l as unknown[])]).toEqual([sym('a'), 1, 'x']);
    expect(parseEdn('[1 [2] ()]')).toEqual([1, [2], new List()]);
    const m = parseEdn('{:a 1, "b" [2], 3 nil}') as Map<unknown, unknown>;
    expect(m.get(keyword('a'))).toBe(1);
    expect(m.get('b')).toEqual([2]);
    expect(m.get(3)).toBeNull();
    expect(parseEdn('#{1 2 :a}')).toEqual(new Set([1, 2, keyword('a')]));
  });

  it('skips comments, commas and discarded forms', () => {
    expect(parseEdn('; leading\n[1, 2 ;; inline\n #_ 3 4 #_ #_ 5 6 7]')).toEqual([1, 2, 4, 7]);
    expect(parseEdn('#_ :gone 1')).toBe(1);
    expect(parseEdnAll('1 2 ; c\n 3')).toEqual([1, 2, 3]);
  });

  it('reads #inst, #uuid, registered and unknown tags', () => {
    expect(parseEdn('#inst "2020-01-02T03:04:05.678-00:00"')).toEqual(
      new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678)),
    );
    expect(parseEdn('#inst "2020-01-02"')).toEqual(new Date(Date.UTC(2020, 0, 2)));
    expect(parseEdn('#inst "2020-01-02T03:04:05+01:00"')).toEqual(
      new Date(Date.UTC(2020, 0, 2, 2, 4, 5)),
    );
    expect(parseEdn('#uuid "550E8400-e29b-41d4-a716-446655440000"')).toEqual(
      new Uuid('550e8400-e29b-41d4-a716-446655440000'),
    );
    registerTag('test/point', (v) => ({ point: v }));
    expect(parseEdn('#test/point [1 2]')).toEqual({ point: [1, 2] });
    const unknown = parseEdn('#my/thing {:a 1}') as TaggedValue;
    expect(unknown).toBeInstanceOf(TaggedValue);
    expect(unknown.tag).toBe('my/thing');
    expect(
      parseEdn('#datahike/Connection[#uuid "550e8400-e29b-41d4-a716-446655440000" :db]'),
    ).toBeInstanceOf(TaggedValue);
    expect(parseEdn('#my/tag 1', { tags: new Map([['my/tag', () => 'mine']]) })).toBe('mine');
  });

  it('says where and what for malformed input', () => {
    const e1 = parseError('[1 2\n  {:a 1}');
    expect(e1).toBeInstanceOf(DatahikeError);
    expect(e1.code).toBe('edn/parse');
    expect(e1.message).toContain(
      "expected ']' to close the vector opened at line 1, column 1, found end of input",
    );
    expect(e1.data).toMatchObject({ line: 2, column: 9 });
    expect(parseError('[1 2)').message).toContain('found ")"');
    expect(parseError(')').message).toContain('line 1, column 1');
    expect(parseError('"bad \\q escape"').message).toContain('unknown escape \\q');
    expect(parseError('#inst "yesterday"').message).toContain('#inst');
    expect(parseError('#uuid "nope"').message).toContain('#uuid');
    expect(parseError('{:a 1 :b}').message).toContain('even number of forms');
    expect(parseError('#{1 1}').message).toContain('duplicate set element');
    expect(parseError('::kw').message).toContain('auto-resolved');
    expect(parseError('1 2').message).toContain('end of input after one form');
    expect(parseError('"open').message).toContain('close the string');
    expect(parseError('12abc').message).toContain('invalid number');
    expect(parseError('\n\n   [').data).toMatchObject({ line: 3 });
  });
});

describe('EDN printer', () => {
  it('prints every kind of value', () => {
    expect(printEdn(null)).toBe('nil');
    expect(printEdn([1, 'a', keyword('k/w'), sym('s'), true])).toBe('[1 "a" :k/w s true]');
    expect(printEdn(new List(1, 2))).toBe('(1 2)');
    expect(printEdn(new Map([[keyword('a'), 1]]))).toBe('{:a 1}');
    expect(printEdn({ a: 1, 'db/id': 2 })).toBe('{:a 1, :db/id 2}');
    expect(printEdn(new Set([1]))).toBe('#{1}');
    expect(printEdn(12n)).toBe('12N');
    expect(printEdn(BigDec.parse('1.50'))).toBe('1.5M');
    expect(printEdn(1.5)).toBe('1.5');
    expect(printEdn(Number.NaN)).toBe('##NaN');
    expect(printEdn(new Date(Date.UTC(2020, 0, 2)))).toBe('#inst "2020-01-02T00:00:00.000-00:00"');
    expect(printEdn(new Uuid('550e8400-e29b-41d4-a716-446655440000'))).toBe(
      '#uuid "550e8400-e29b-41d4-a716-446655440000"',
    );
    expect(printEdn(new Char('\n'))).toBe('\\newline');
    expect(printEdn('q"\\\n')).toBe('"q\\"\\\\\\n"');
    expect(printEdn(new TaggedValue('x/y', [1]))).toBe('#x/y [1]');
    expect(parseEdn(printEdn(new Uint8Array([1, 2, 255])))).toEqual(new Uint8Array([1, 2, 255]));
  });

  it('uses registered printers', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    registerPrinter(
      (v) => v instanceof Point,
      (v, print) => `#test/pt ${print([(v as Point).x])}`,
    );
    expect(printEdn([new Point(3)])).toBe('[#test/pt [3]]');
  });

  it('round-trips generated values', () => {
    const scalar = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: false }).filter((x) => !Object.is(x, -0)),
      fc.bigInt(),
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.stringMatching(/^[a-z][a-z0-9-]{0,8}(\/[a-z][a-z0-9?!-]{0,8})?$/).map((s) => keyword(s)),
      fc.stringMatching(/^[a-z?][a-z0-9-]{0,8}$/).map((s) => sym(s)),
      fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(Date.UTC(9999, 0)) }),
      fc.uuid().map((u) => new Uuid(u)),
      fc.tuple(fc.bigInt(), fc.integer({ min: 0, max: 10 })).map(([u, s]) => new BigDec(u, s)),
      fc.constantFrom('a', '\n', ' ', '\t', 'é', '(').map((c) => new Char(c)),
    );
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        scalar,
        tie('vec'),
        tie('list'),
        tie('map'),
        tie('set'),
      ),
      vec: fc.array(tie('v'), { maxLength: 4 }),
      list: fc.array(tie('v'), { maxLength: 4 }).map((xs) => {
        const l = new List<unknown>();
        for (const x of xs) l.push(x);
        return l;
      }),
      map: fc
        .uniqueArray(fc.tuple(scalar, tie('v')), {
          maxLength: 4,
          comparator: (a, b) => equals(a[0], b[0]),
        })
        .map((es) => new Map(es)),
      set: fc.uniqueArray(scalar, { maxLength: 4, comparator: equals }).map((xs) => new Set(xs)),
    }));
    fc.assert(
      fc.property(value.v, (v) => {
        const text = printEdn(v);
        expect(same(parseEdn(text), v)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
