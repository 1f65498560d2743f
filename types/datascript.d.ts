/** Minimal typings for the parts of DataScript's JavaScript API the tests and benchmarks call. */
declare module 'datascript' {
  type DB = { readonly __datascriptDb: unique symbol };
  type Datom = { e: number; a: string; v: unknown; tx: number };
  const ds: {
    empty_db(schema?: object): DB;
    init_db(datoms: readonly Datom[], schema?: object): DB;
    db_with(db: DB, txData: readonly unknown[]): DB;
    datoms(db: DB, index: string, ...components: unknown[]): Datom[];
    q(query: string, ...inputs: unknown[]): unknown;
    pull(db: DB, pattern: string, eid: unknown): unknown;
  };
  export default ds;
}
