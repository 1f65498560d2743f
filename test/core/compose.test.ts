/**
 * The API composed from its parts: writers elsewhere and config routes come in only
 * through `createApi`/`composeApi` (nothing is registered by importing a module), and a
 * call runs elsewhere by the type of the object it is on.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ConfigRoute,
  composeApi,
  createApi,
  internalApi,
  type Remote,
  RUN_REMOTELY,
} from '../../src/api/index.js';
import {
  configToData,
  type DatabaseWriter,
  type WriterFactory,
} from '../../src/connection/index.js';
import { LocalWriter } from '../../src/connection/local-writer.js';
import { isKeyword, keyword } from '../../src/values/index.js';

/** A stand-in for an object living on a server: it records the calls made on it. */
class Elsewhere implements Remote {
  readonly calls: [string, readonly unknown[]][] = [];
  [RUN_REMOTELY](jsName: string, args: readonly unknown[]): Promise<unknown> {
    this.calls.push([jsName, args]);
    return Promise.resolve(`ran ${jsName} elsewhere`);
  }
}

function fileConfig(extra: Record<string, unknown> = {}) {
  return {
    store: { backend: ':file', path: mkdtempSync(join(tmpdir(), 'dh-compose-')) },
    'schema-flexibility': ':read',
    ...extra,
  };
}

describe('a composed API', () => {
  it('runs a call on a Remote object where it lives: first argument or query input', async () => {
    const api = createApi();
    const remote = new Elsewhere();
    expect(await api.db(remote as never)).toBe('ran db elsewhere');
    expect(await api.q('[:find ?e :where [?e :name]]', remote)).toBe('ran q elsewhere');
    expect(await api.q({ query: '[:find ?e :where [?e :name]]', args: [remote] })).toBe(
      'ran q elsewhere',
    );
    expect(remote.calls.map(([name]) => name)).toEqual(['db', 'q', 'q']);
    // The arguments reach it as given.
    expect(remote.calls[1]![1]).toEqual(['[:find ?e :where [?e :name]]', remote]);
  });

  it('sends calls on a config to the route that claims it, and only those', async () => {
    const seen: string[] = [];
    const route: ConfigRoute = {
      claims: (config) => (config as { elsewhere?: boolean }).elsewhere === true,
      call: async (jsName) => {
        seen.push(jsName);
        return false;
      },
    };
    const api = composeApi({ configRoutes: [route] });
    expect(await api.databaseExists({ elsewhere: true } as never)).toBe(false);
    const local = { store: { backend: ':memory', id: `compose-${process.pid}` } };
    await api.createDatabase(local);
    expect(await api.databaseExists(local)).toBe(true);
    expect(seen).toEqual(['databaseExists']);
    await api.deleteDatabase(local);
  });

  it('knows only the writers it was composed with', async () => {
    const cfg = fileConfig({ writer: { backend: ':elsewhere' } });
    await expect(internalApi.createDatabase(cfg)).rejects.toMatchObject({
      code: 'config/invalid',
    });

    const log: string[] = [];
    const elsewhere: WriterFactory = (spec) => {
      let backend: unknown;
      for (const [k, v] of spec) if (isKeyword(k) && k.fqn === 'backend') backend = v;
      if (!(isKeyword(backend) && backend.fqn === 'elsewhere')) return undefined;
      // This "other process" writes the store with the local machinery.
      const databases: DatabaseWriter = {
        async createDatabase(config) {
          log.push('create');
          const data = configToData(config);
          data.delete(keyword('writer'));
          await internalApi.createDatabase(data as never);
        },
        async deleteDatabase() {
          log.push('delete');
        },
        writerFor(context) {
          const local = new LocalWriter(context);
          return {
            get busy() {
              return local.busy;
            },
            flush: () => local.flush(),
            gcStorage: (before, opts) => local.gcStorage(before, opts),
            transact(txData, opts) {
              log.push('transact');
              return local.transact(txData, opts);
            },
          };
        },
      };
      return databases;
    };
    const api = createApi({ writers: [elsewhere] });
    await api.createDatabase(cfg);
    const conn = await api.connect(cfg);
    await api.transact(conn, [{ name: 'Ann' }]);
    expect(await api.q('[:find ?n :where [_ :name ?n]]', await api.db(conn))).toEqual([['Ann']]);
    await api.release(conn);
    await api.deleteDatabase(cfg);
    expect(log).toEqual(['create', 'transact', 'delete']);
  });
});
