export { DEFAULT_DB_CONFIG, dbFromDatoms, emptyDb, schemaFromDatoms } from './create.js';
export {
  AsOfDb,
  type DatomPredicate,
  Db,
  type DbConfig,
  type DbMeta,
  DbView,
  EMPTY_META,
  FilteredDb,
  HistoricalDb,
  SinceDb,
  TimeView,
  type TimeViewable,
} from './db.js';
export {
  componentsBound,
  countPrefix,
  type DatomTree,
  emptyIndices,
  type Indices,
} from './indices.js';
export { whenLoaded } from './loading.js';
export { checkEntityId, EMAX, type EntityId, entid, entidStrict } from './lookup.js';
export { type DatomCounts, datomCounts } from './metrics.js';
export { txAtOrBefore } from './time.js';
