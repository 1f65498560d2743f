/**
 * The built-in functions: exactly DataScript's `datascript.built-ins` list (plus Datahike's
 * `before?`/`after?` and the nested `q`), each with Clojure's meaning; nothing else resolves.
 */

import { describe, expect, it } from 'vitest';
import { internalApi } from '../../src/api/index.js';
import { parseEdn } from '../../src/edn/index.js';
import { BUILTINS } from '../../src/query/index.js';
import { Char } from '../../src/values/index.js';

const api = internalApi;
const edn = (s: string) => parseEdn(s);
/** The value of `(f args...)`, args as EDN. */
const call = (f: string, args = '') => api.q(`[:find ?r . :where [(${f} ${args}) ?r]]`);
const holds = async (f: string, args = '') =>
  (await api.q(`[:find ?x . :where [(${f} ${args})] [(ground true) ?x]]`)) === true;

// DataScript 1.7.8, src/datascript/built_ins.cljc, query-fns.
const DATASCRIPT =
  `= == not= != < > <= >= + - * / quot rem mod inc dec max min zero? pos? neg? even? odd?
  compare rand rand-int true? false? nil? some? not and or complement identical? identity keyword
  meta name namespace type vector list set hash-map array-map count range not-empty empty?
  contains? str subs get pr-str print-str println-str prn-str re-find re-matches re-seq re-pattern
  -differ? get-else get-some missing? ground clojure.string/blank? clojure.string/includes?
  clojure.string/starts-with? clojure.string/ends-with? tuple untuple`.split(/\s+/);

describe('the built-in list', () => {
  it('is DataScript’s, with Datahike’s before?, after? and the nested q', () => {
    const names = [...BUILTINS.keys()].sort();
    const expected = [...DATASCRIPT, 'before?', 'after?', 'q', 'datahike.query/q'];
    expect(names).toEqual(expected.sort());
  });

  it('resolves nothing outside it', async () => {
    for (const f of [
      'int?',
      'clojure.string/lower-case',
      'println',
      'eval',
      'js/alert',
      '.toString',
      'my.ns/f',
    ])
      await expect(call(f, '1'), f).rejects.toThrow(/Unknown function/);
    // clojure.core/ names the same functions.
    expect(await call('clojure.core/inc', '1')).toBe(2);
  });
});

describe('Clojure semantics', () => {
  it('logic: not, and, or, complement, identical?', async () => {
    expect(await call('not', 'nil')).toBe(true);
    expect(await call('not', '0')).toBe(false);
    expect(await call('and', '1 2 3')).toBe(3);
    expect(await call('and', '1 nil 3')).toBe(null);
    expect(await call('and', '1 false 3')).toBe(false);
    expect(await call('and')).toBe(true);
    expect(await call('or', 'nil false 2 3')).toBe(2);
    expect(await call('or', 'nil false')).toBe(false);
    expect(await call('or')).toBe(null);
    const odd = await api
      .q('[:find ?r . :where [(complement even?) ?f] [(?f 3) ?r]]')
      .catch((e) => e);
    // A built-in is a name, not a value; complement takes a function passed in.
    expect(odd).toBeInstanceOf(Error);
    expect(
      await api.q(
        '[:find ?r . :in ?even :where [(complement ?even) ?f] [(?f 3) ?r]]',
        (x: number) => x % 2 === 0,
      ),
    ).toBe(true);
    expect(await holds('identical?', ':a :a')).toBe(true);
    expect(await holds('identical?', '[1] [1]')).toBe(false);
  });

  it('collections: count, contains?, get, empty?, not-empty, set, hash-map, array-map, range', async () => {
    expect(await call('count', '{:a 1 :b 2}')).toBe(2);
    expect(await call('count', 'nil')).toBe(0);
    expect(await holds('contains?', '{:a 1} :a')).toBe(true);
    expect(await holds('contains?', '#{[1 2]} [1 2]')).toBe(true);
    expect(await holds('contains?', '[:x :y] 1')).toBe(true);
    expect(await holds('contains?', '[:x :y] 2')).toBe(false);
    expect(await call('get', '{:a 1} :a')).toBe(1);
    expect(await call('get', '{:a 1} :b :none')).toEqual(edn(':none'));
    expect(await call('get', '[:x :y] 1')).toEqual(edn(':y'));
    expect(await call('get', '#{:x} :x')).toEqual(edn(':x'));
    expect(await call('get', '"abc" 1')).toEqual(new Char('b'));
    expect(await holds('empty?', '[]')).toBe(true);
    expect(await holds('empty?', 'nil')).toBe(true);
    expect(await holds('empty?', '"a"')).toBe(false);
    expect(await call('not-empty', '[1]')).toEqual([1]);
    expect(await api.q('[:find ?r :where [(not-empty []) ?r]]')).toEqual(new Set());
    expect(await call('set', '[1 2 1]')).toEqual(new Set([1, 2]));
    expect(await call('hash-map', ':a 1 :b 2')).toEqual(edn('{:a 1 :b 2}'));
    expect(await call('array-map', ':a 1')).toEqual(edn('{:a 1}'));
    expect(await call('range', '3')).toEqual([0, 1, 2]);
    expect(await call('range', '1 7 2')).toEqual([1, 3, 5]);
    expect(await call('vector', '1 2')).toEqual([1, 2]);
    expect(await call('list', '1 2')).toEqual(edn('(1 2)'));
  });

  it('text: str, pr-str, print-str, println-str, prn-str, subs, name, namespace, keyword', async () => {
    expect(await call('str', '"a" 1 nil :k [1 "b"]')).toBe('a1:k[1 "b"]');
    expect(await call('pr-str', '"a" 1 :k')).toBe('"a" 1 :k');
    expect(await call('print-str', '"a" 1 :k')).toBe('a 1 :k');
    expect(await call('println-str', '"a"')).toBe('a\n');
    expect(await call('prn-str', '"a"')).toBe('"a"\n');
    expect(await call('subs', '"hello" 1 3')).toBe('el');
    expect(await call('name', ':a/b')).toBe('b');
    expect(await call('namespace', ':a/b')).toBe('a');
    expect(await call('keyword', '"a" "b"')).toEqual(edn(':a/b'));
    expect(await call('meta', '[1]')).toBe(null);
  });

  it('numbers: arithmetic, comparison across kinds, rand and rand-int', async () => {
    expect(await call('+', '1 2 3')).toBe(6);
    expect(await call('quot', '7 2')).toBe(3);
    expect(await call('mod', '-7 3')).toBe(2);
    expect(await call('rem', '-7 3')).toBe(-1);
    expect(await call('compare', ':a/c :a-/b')).toBe(-1);
    expect(await holds('==', '1 1N 1.0M')).toBe(true);
    expect(await holds('<', '1 2N 2.5M 3')).toBe(true);
    expect(await holds('before?', '#inst "2020-01-01" #inst "2021-01-01"')).toBe(true);
    expect(await holds('after?', '#inst "2020-01-01" #inst "2021-01-01"')).toBe(false);
    for (let i = 0; i < 20; i++) {
      const r = (await call('rand-int', '5')) as number;
      expect(Number.isInteger(r) && r >= 0 && r < 5).toBe(true);
      const x = (await call('rand')) as number;
      expect(x >= 0 && x < 1).toBe(true);
    }
  });

  it('aggregates take their count from an input: (sample ?n ?x), (rand ?n ?x)', async () => {
    const xs = [1, 2, 3, 4, 5];
    const [[sample]] = (await api.q(
      '[:find (sample ?n ?x) :in ?n [?x ...]]',
      3,
      xs,
    )) as unknown[][];
    expect((sample as number[]).length).toBe(3);
    expect(new Set(sample as number[]).size).toBe(3);
    const [[picks]] = (await api.q('[:find (rand ?n ?x) :in ?n [?x ...]]', 4, xs)) as unknown[][];
    expect((picks as number[]).length).toBe(4);
    const [[one]] = (await api.q('[:find (rand ?x) :in [?x ...]]', xs)) as unknown[][];
    expect(xs).toContain(one);
  });
});
