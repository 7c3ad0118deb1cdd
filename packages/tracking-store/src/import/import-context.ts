import type { Database } from '@flowline/db';
import type { Transaction } from 'kysely';

/** Rows written by a file-store import, per table (MLflow's `migrate-filestore` summary, camelCased). */
export interface FileStoreImportCounts {
  experiments: number;
  experimentTags: number;
  runs: number;
  params: number;
  tags: number;
  metrics: number;
  latestMetrics: number;
  datasets: number;
  inputs: number;
  inputTags: number;
  registeredModels: number;
  registeredModelTags: number;
  modelVersions: number;
  modelVersionTags: number;
  registeredModelAliases: number;
}

/** Counts at zero. */
export function emptyCounts(): FileStoreImportCounts {
  return {
    experiments: 0,
    experimentTags: 0,
    runs: 0,
    params: 0,
    tags: 0,
    metrics: 0,
    latestMetrics: 0,
    datasets: 0,
    inputs: 0,
    inputTags: 0,
    registeredModels: 0,
    registeredModelTags: 0,
    modelVersions: 0,
    modelVersionTags: 0,
    registeredModelAliases: 0,
  };
}

/** What each import step writes with and reports to. */
export interface ImportContext {
  trx: Transaction<Database>;
  counts: FileStoreImportCounts;
  /** Things skipped or changed on the way, for the user. */
  warnings: string[];
  /** MLflow 3 data Flowline has no tables for, counted to say what was left out. */
  skipped: { traces: number; loggedModels: number; modelInputs: number };
}

/** Rows per insert statement: 1000 rows of up to 6 columns stay under both drivers' bound-parameter limits. */
export const INSERT_CHUNK = 1000;
