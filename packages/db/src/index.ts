export { adapterFor } from './adapters/adapter-for.js';
export { postgresAdapter } from './adapters/postgres/postgres-adapter.js';
export type { ConnectOptions, SqlAdapter } from './adapters/sql-adapter.js';
export { ConcurrentSqliteDialect, isSqliteBusy } from './adapters/sqlite/concurrent-sqlite-dialect.js';
export { sqliteAdapter } from './adapters/sqlite/sqlite-adapter.js';
export type { DatabaseCopy } from './copy-database.js';
export { copyDatabase } from './copy-database.js';
export type {
  Database,
  DatasetsTable,
  ExperimentsTable,
  ExperimentTagsTable,
  InputsTable,
  InputTagsTable,
  LatestMetricsTable,
  MetricsTable,
  ModelVersionsTable,
  ModelVersionTagsTable,
  ParamsTable,
  RegisteredModelAliasesTable,
  RegisteredModelsTable,
  RegisteredModelTagsTable,
  RunsTable,
  TagsTable,
} from './database.js';
export type { SqlDialectName } from './dialect.js';
export { fileStoreHint, IMPORT_TARGET_HINT, isFileStoreFolder, localFolderOf } from './file-store.js';
export type { ColumnInfo } from './introspect.js';
export { hasTable, listColumns } from './introspect.js';
export type { MigrationReport } from './migrate.js';
export {
  checkSchema,
  MIGRATION_TABLE,
  MLFLOW_HEAD_REVISION,
  migrateToLatest,
  migrationsFor,
  pendingMigrations,
  unknownMigrations,
} from './migrate.js';
export type { OpenDatabase, OpenDatabaseOptions } from './open-database.js';
export { openDatabase, redactUri } from './open-database.js';
export type { StoreLocation } from './store-uri.js';
export { DEFAULT_STORE_URI, parseStoreUri } from './store-uri.js';
