export type { TrackingStore } from '@flowline/core';
// The open database stores are created on (`SqlTrackingStore.create`), so a store user needs no other import.
export type { OpenDatabase, OpenDatabaseOptions } from '@flowline/db';
export { openDatabase } from '@flowline/db';
export { DEFAULT_EXPERIMENT_ID } from './experiments.js';
export type { FileStoreImportCounts } from './import/import-context.js';
export type { FileStoreImport, ImportFileStoreOptions } from './import/import-file-store.js';
export { importFileStore } from './import/import-file-store.js';
export { sampleSteps } from './metric-history.js';
export type { ExperimentClause, ExperimentOrder } from './search/experiment-search.js';
export { parseExperimentFilter, parseExperimentOrderBy } from './search/experiment-search.js';
export type { LoggedModelClause, LoggedModelColumn } from './search/logged-model-filter.js';
export { parseLoggedModelFilter } from './search/logged-model-filter.js';
export type { LoggedModelOrder } from './search/logged-model-order.js';
export { parseLoggedModelOrderBy } from './search/logged-model-order.js';
export type { RunClause } from './search/run-filter.js';
export { parseRunFilter } from './search/run-filter.js';
export type { RunOrder } from './search/run-order.js';
export { parseRunOrderBy } from './search/run-order.js';
export type { TraceClause } from './search/trace-filter.js';
export { parseTraceFilter } from './search/trace-filter.js';
export type { TraceOrder } from './search/trace-order.js';
export { parseTraceOrderBy } from './search/trace-order.js';
export type { SqlTrackingStoreOptions } from './sql-tracking-store.js';
export { SqlTrackingStore } from './sql-tracking-store.js';

import type { TrackingStore } from '@flowline/core';
import { SqlTrackingStore, type SqlTrackingStoreOptions } from './sql-tracking-store.js';

/** Opens the tracking store for a URI (`sqlite:///…` or `postgresql://…`). */
export function openTrackingStore(uri: string, options?: SqlTrackingStoreOptions): Promise<TrackingStore> {
  return SqlTrackingStore.open(uri, options);
}
