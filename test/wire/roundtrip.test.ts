import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DatahikeError } from '../../src/values/index.js';
import {
  decodeEdn,
  decodeJson,
  decodeTransit,
  encodeEdn,
  encodeJson,
  encodeTransit,
} from '../../src/wire/index.js';
import {
  anyDateArb,
  collectionArbs,
  collectionsOf,
  handleArbs,
  same,
  scalarArbs,
  valueArb,
} from './arbitraries.js';

type Enc = (v: unknown) => string;
type Dec = (input: string | Uint8Array) => unknown;

const FORMATS: [string, Enc, Dec][] = [
  ['json', encodeJson, decodeJson],
  ['edn', encodeEdn, decodeEdn],
  ['transit+json', encodeTransit, decodeTransit],
];

const utf8 = new TextEncoder();

/** Encodes, decodes from the text and from its UTF-8 bytes, and compares. */
function roundTrip(enc: Enc, dec: Dec, v: unknown): void {
  const text = enc(v);
  const back = dec(text);
  if (!same(back, v)) throw new Error(`text ${text} decoded differently`);
  if (!same(dec(utf8.encode(text)), v)) throw new Error(`bytes of ${text} decoded differently`);
}

const ARBS: Record<string, fc.Arbitrary<unknown>> = {
  ...scalarArbs,
  ...handleArbs,
  ...collectionArbs,
};

describe.each(FORMATS)('%s round trips', (_name, enc, dec) => {
  for (const [type, arb] of Object.entries(ARBS)) {
    it(`${type}, alone and inside collections`, () => {
      fc.assert(
        fc.property(fc.oneof(arb, collectionsOf(arb)), (v) => roundTrip(enc, dec, v)),
        { numRuns: 150 },
      );
    });
  }

  it('nested values of every kind', () => {
    fc.assert(
      fc.property(valueArb, (v) => roundTrip(enc, dec, v)),
      { numRuns: 400 },
    );
  });
});

describe('instants beyond #inst', () => {
  it('JSON and transit carry any valid Date', () => {
    fc.assert(
      fc.property(anyDateArb, (d) => {
        roundTrip(encodeJson, decodeJson, d);
        roundTrip(encodeTransit, decodeTransit, d);
      }),
    );
  });

  it('EDN refuses years outside 0–9999 instead of printing garbage', () => {
    for (const d of [new Date('+010000-01-01T00:00:00Z'), new Date('-000001-01-01T00:00:00Z')]) {
      let err: unknown;
      try {
        encodeEdn(d);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DatahikeError);
      expect((err as DatahikeError).code).toBe('wire/unencodable');
    }
  });

  it('no format encodes an invalid Date', () => {
    for (const [, enc] of FORMATS) expect(() => enc(new Date(Number.NaN))).toThrow(/invalid Date/);
  });
});
