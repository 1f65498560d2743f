/**
 * Type tests of the browser entry (checked by `npm run typecheck`, never run): its `api`
 * has the remote functions by name, typed as the package's, on remote objects.
 */
import { expectTypeOf } from 'vitest';
import type { ServerPeerConfig } from '../../src/client/browser.js';
import {
  api,
  type BrowserApi,
  type RemoteConnection,
  type RemoteDb,
} from '../../src/client/browser.js';

const cfg = {
  store: { backend: ':memory', id: 'browser' },
  'remote-peer': { backend: ':datahike-server', url: 'http://localhost:4444' },
};
expectTypeOf((await api.createDatabase(cfg))['remote-peer']).toEqualTypeOf<ServerPeerConfig>();
const conn = await api.connect(cfg);
expectTypeOf(conn).toEqualTypeOf<RemoteConnection>();
const db = await api.db(conn);
expectTypeOf(db).toEqualTypeOf<RemoteDb>();
expectTypeOf(
  await api.q<number>('[:find (count ?e) . :where [?e :name]]', db),
).toEqualTypeOf<number>();
expectTypeOf(await api.pull(db, [':name'], 1)).toEqualTypeOf<Record<string, unknown> | null>();
expectTypeOf((await api.transact(conn, [{ name: 'Ann' }]))['db-after']).toEqualTypeOf<RemoteDb>();
expectTypeOf(api.uuid).toEqualTypeOf<BrowserApi['uuid']>();

// @ts-expect-error a misspelled function
api.trasnact(conn, []);
// @ts-expect-error runs only where the database is: not in the browser
api.filter(db, () => true);
// @ts-expect-error a config here must name its server
await api.connect({ store: { backend: ':memory' } });
// @ts-expect-error configs are checked as the package's
await api.connect({ ...cfg, 'keep-histroy?': true });

// The names test/client/browser-api.test.ts finds at runtime.
expectTypeOf<keyof BrowserApi>().toEqualTypeOf<
  | 'asOf'
  | 'branch'
  | 'branchAsDb'
  | 'branchHistory'
  | 'branches'
  | 'commitAsDb'
  | 'commitId'
  | 'commonAncestor'
  | 'connect'
  | 'createDatabase'
  | 'databaseExists'
  | 'datoms'
  | 'db'
  | 'deleteBranch'
  | 'deleteDatabase'
  | 'diff'
  | 'entity'
  | 'entityDb'
  | 'explain'
  | 'forceBranch'
  | 'gcStorage'
  | 'history'
  | 'indexPull'
  | 'indexRange'
  | 'isFiltered'
  | 'isPromise'
  | 'listen'
  | 'loadEntities'
  | 'mergeDb'
  | 'metrics'
  | 'parentCommitIds'
  | 'pull'
  | 'pullMany'
  | 'q'
  | 'queryStats'
  | 'randomUuid'
  | 'release'
  | 'reverseSchema'
  | 'rseekDatoms'
  | 'schema'
  | 'seekDatoms'
  | 'since'
  | 'transact'
  | 'txRange'
  | 'unlisten'
  | 'uuid'
  | 'verifyCommits'
>();
