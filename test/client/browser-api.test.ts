/**
 * The browser entry's `api` holds exactly the functions its type (`BrowserApi`) names: the
 * API table's remote functions, `listen`/`unlisten` and the synchronous extras.
 */
import { expect, it } from 'vitest';
import { api } from '../../src/client/browser.js';

it('has the functions its type names, and no other', () => {
  expect(Object.keys(api).sort()).toEqual(
    [
      'asOf',
      'branch',
      'branchAsDb',
      'branchHistory',
      'branches',
      'commitAsDb',
      'commitId',
      'commonAncestor',
      'connect',
      'createDatabase',
      'databaseExists',
      'datoms',
      'db',
      'deleteBranch',
      'deleteDatabase',
      'diff',
      'entity',
      'entityDb',
      'explain',
      'forceBranch',
      'gcStorage',
      'history',
      'indexPull',
      'indexRange',
      'isFiltered',
      'isPromise',
      'listen',
      'loadEntities',
      'mergeDb',
      'metrics',
      'parentCommitIds',
      'pull',
      'pullMany',
      'q',
      'queryStats',
      'randomUuid',
      'release',
      'reverseSchema',
      'rseekDatoms',
      'schema',
      'seekDatoms',
      'since',
      'transact',
      'txRange',
      'unlisten',
      'uuid',
      'verifyCommits',
    ].sort(),
  );
});
