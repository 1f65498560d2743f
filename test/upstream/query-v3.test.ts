/**
 * Ported from DataScript 1.7.8, test/datascript/test/query_v3.cljc: the validation cases
 * (input counts against :in, a pattern over something that is not a source).
 */

import { describe, it } from 'vitest';
import { edn, expectQError } from './query-helpers.js';

describe('validation', () => {
  it('checks the number of inputs', async () => {
    await expectQError('query/arity', /takes 2 input.*1 were given/, '[:find ?a :in $ ?a]', 0);
    await expectQError(
      'query/arity',
      /takes 1 input.*2 were given/,
      '[:find ?a :in $ :where [?a]]',
      0,
      1,
    );
    await expectQError(
      'query/arity',
      /takes 1 input.*2 were given/,
      '[:find ?a :where [?a]]',
      0,
      1,
    );
  });

  it('refuses a pattern over a value that is not a collection', async () => {
    await expectQError(
      'query/bad-source',
      /Cannot match \[\?a 1\]: the source is not a database or a collection of tuples, got :a/,
      '[:find ?a :where [?a 1]]',
      edn(':a'),
    );
  });
});
