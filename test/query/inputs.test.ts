/**
 * Lookup refs and idents given as inputs, in every binding form, in value position, with
 * several sources, inside get-else and on time views: resolved where the query reads them
 * as entities, against that clause's source, and reported as written.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { internalApi } from '../../src/api/index.js';
import { parseEdn } from '../../src/edn/index.js';
import type * as d from '../../src/index.js';

const api = internalApi;
const edn = (s: string) => parseEdn(s);
let db: d.DbView;

beforeAll(async () => {
  const cfg = await api.createDatabase(
    '{:store {:backend :memory :id "inputs-test"} :schema-flexibility :read}',
  );
  const conn = await api.connect(cfg as never);
  await api.transact(
    conn,
    `[{:db/ident :uid :db/unique :db.unique/identity :db/cardinality :db.cardinality/one}
      {:db/ident :friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}]`,
  );
  await api.transact(
    conn,
    `[{:db/id 100 :uid "u100" :name "alice" :friend [101]} {:db/id 101 :uid "u101" :name "bob"}
      {:db/id 102 :db/ident :carol :name "carol" :friend [100]}]`,
  );
  await api.transact(conn, '[[:db/retract 101 :name "bob"] [:db/add 101 :name "robert"]]');
  db = await api.db(conn);
});

describe('lookup refs and idents as inputs', () => {
  it('resolve in scalar, collection, tuple and relation bindings, reported as written', async () => {
    const alice = edn('[:uid "u100"]');
    expect(await api.q('[:find ?e ?n :in $ ?e :where [?e :name ?n]]', db, alice)).toEqual(
      new Set([[alice, 'alice']]),
    );
    expect(
      await api.q('[:find ?e ?n :in $ [?e ...] :where [?e :name ?n]]', db, [
        alice,
        edn(':carol'),
        101,
      ]),
    ).toEqual(
      new Set([
        [alice, 'alice'],
        [edn(':carol'), 'carol'],
        [101, 'robert'],
      ]),
    );
    expect(
      await api.q('[:find ?e ?f :in $ [?e ?f] :where [?e :friend ?f]]', db, [
        alice,
        edn('[:uid "u101"]'),
      ]),
    ).toEqual(new Set([[alice, edn('[:uid "u101"]')]]));
    expect(
      await api.q('[:find ?e ?n :in $ [[?e ?n]] :where [?e :name ?n]]', db, [
        [alice, 'alice'],
        [edn(':carol'), 'nobody'],
      ]),
    ).toEqual(new Set([[alice, 'alice']]));
  });

  it('resolve in value position of a reference attribute, and in get-else', async () => {
    expect(
      await api.q(
        '[:find ?n :in $ ?f :where [?e :friend ?f] [?e :name ?n]]',
        db,
        edn('[:uid "u100"]'),
      ),
    ).toEqual(new Set([['carol']]));
    expect(
      await api.q('[:find ?n :in $ ?f :where [?e :friend ?f] [?e :name ?n]]', db, edn(':carol')),
    ).toEqual(new Set());
    expect(
      await api.q(
        '[:find ?v . :in $ ?e :where [(get-else $ ?e :uid "none") ?v]]',
        db,
        edn(':carol'),
      ),
    ).toBe('none');
    expect(
      await api.q(
        '[:find ?v . :in $ ?e :where [(get-else $ ?e :uid "none") ?v]]',
        db,
        edn('[:uid "u101"]'),
      ),
    ).toBe('u101');
  });

  it('resolve against history and as-of views', async () => {
    const bob = edn('[:uid "u101"]');
    const history = await api.history(db);
    expect(
      await api.q('[:find ?n ?added :in $ ?e :where [?e :name ?n _ ?added]]', history, bob),
    ).toEqual(
      new Set([
        ['bob', true],
        ['bob', false],
        ['robert', true],
      ]),
    );
    const before = await api.asOf(db, db.maxTx - 1);
    expect(await api.q('[:find ?n . :in $ ?e :where [?e :name ?n]]', before, bob)).toBe('bob');
  });

  it('match nothing where they name no entity, and leave lookalikes alone', async () => {
    expect(
      await api.q('[:find ?n :in $ ?e :where [?e :name ?n]]', db, edn('[:uid "nobody"]')),
    ).toEqual(new Set());
    expect(
      await api.q('[:find ?n :in $ ?e :where [?e :name ?n]]', db, edn('[:name "alice"]')),
    ).toEqual(new Set());
    expect(
      await api.q('[:find ?p :in $ ?p :where [100 :name _]]', db, edn('[:name "alice"]')),
    ).toEqual(new Set([[edn('[:name "alice"]')]]));
  });
});

describe('nil as an input', () => {
  it('binds a scalar and the elements of collections, tuples and relations', async () => {
    expect(await api.q('[:find ?x :in ?x]', null)).toEqual(new Set([[null]]));
    expect(await api.q('[:find ?x :in [?x ...]]', edn('[nil 1]'))).toEqual(new Set([[null], [1]]));
    expect(await api.q('[:find ?a ?b :in [?a ?b]]', edn('[1 nil]'))).toEqual(new Set([[1, null]]));
    expect(await api.q('[:find ?a ?b :in [[?a ?b]]]', edn('[[nil 2]]'))).toEqual(
      new Set([[null, 2]]),
    );
    // nil as the collection itself is an empty one
    expect(await api.q('[:find ?x :in [?x ...]]', null)).toEqual(new Set());
  });

  it('takes part in aggregates, ordered first (Clojure compare)', async () => {
    expect(
      await api.q('[:find (min ?x) (max ?x) (count ?x) :in [?x ...]]', edn('[nil 1 2]')),
    ).toEqual([[null, 2, 3]]);
    expect(await api.q('[:find (min ?x) (count ?x) :where [(ground [nil 1 2]) [?x ...]]]')).toEqual(
      [[null, 3]],
    );
  });

  it('matches no datom, in a pattern, per row and inside not', async () => {
    expect(await api.q('[:find ?e :in $ ?x :where [?e :name ?x]]', db, null)).toEqual(new Set());
    expect(
      await api.q('[:find ?e ?x :in $ [?x ...] :where [?e :name ?x]]', db, edn('[nil "alice"]')),
    ).toEqual(new Set([[100, 'alice']]));
    expect(await api.q('[:find ?v :in $ ?e :where [?e :name ?v]]', db, null)).toEqual(new Set());
    expect(
      await api.q('[:find ?e :in $ ?x :where [?e :uid] (not [?e :name ?x])]', db, null),
    ).toEqual(new Set([[100], [101]]));
  });

  it('from a function binds nothing', async () => {
    expect(
      await api.q('[:find ?e ?y :in $ :where [?e :uid] [(get-some $ ?e :missing) ?y]]', db),
    ).toEqual(new Set());
  });
});
