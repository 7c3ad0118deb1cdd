import { existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MlflowError } from '@flowline/core';
import { isFileStoreFolder, localFolderOf, openDatabase, parseStoreUri, redactUri } from '@flowline/db';
import {
  assignExperimentIds,
  type ExperimentFolder,
  readExperiments,
  writeDatasets,
  writeExperiment,
} from './experiment-import.js';
import { listFolders } from './file-store-files.js';
import { emptyCounts, type FileStoreImportCounts, type ImportContext } from './import-context.js';
import { importRegisteredModel } from './registry-import.js';
import { importRun, type RunLocation } from './run-import.js';

// Why this lives in tracking-store although it also fills the registry's tables: the file store is one
// folder holding both, and the import must be one transaction over both, so one module owns the walk and
// the transaction. Its registry part writes MLflow's rows as the file store holds them (no registry rules to
// apply), so it needs nothing from @flowline/registry, and tracking-store stays free of that dependency.

/** Options for `importFileStore`. */
export interface ImportFileStoreOptions {
  /** Folder that relative paths and `sqlite:///relative.db` resolve against (default: `process.cwd()`). */
  cwd?: string;
  /** Called as experiments, runs and registered models are written, for a progress bar. */
  onProgress?: (done: number, total: number) => void;
}

/** What `importFileStore` did. */
export interface FileStoreImport {
  /** The file store folder read (absolute). */
  source: string;
  /** The target store URI, password masked. */
  target: string;
  counts: FileStoreImportCounts;
  /** Experiments whose file-store id does not fit Flowline's integer ids, with the id they got. */
  renumberedExperiments: Array<{ name: string; fileStoreId: string; experimentId: string }>;
  /** What was skipped or renamed, in words. */
  warnings: string[];
}

// Folders inside an experiment folder that are not runs (MLflow's RESERVED_EXPERIMENT_FOLDERS, plus logged
// models of MLflow 3).
const NOT_RUNS = new Set(['tags', 'datasets', 'traces', 'models']);

/** The file store folder `source` names: the folder itself, or its `mlruns` (MLflow's migrate-filestore rule). */
async function resolveRoot(source: string, cwd: string): Promise<string> {
  const dir = localFolderOf(source, cwd);
  if (dir === null)
    throw MlflowError.invalidParameterValue(
      `'${source}' is not a folder: give the MLflow file store as a path (./mlruns) or a file: URI.`,
    );
  const info = await stat(dir).catch(() => null);
  if (!info) throw MlflowError.resourceDoesNotExist(`No such folder: ${dir}`);
  if (!info.isDirectory())
    throw MlflowError.invalidParameterValue(`${dir} is a file; give the mlruns folder.`);
  if (isFileStoreFolder(dir)) return dir;
  if (isFileStoreFolder(join(dir, 'mlruns'))) return join(dir, 'mlruns');
  throw MlflowError.invalidParameterValue(
    `${dir} is not an MLflow file store: it has no experiment folders with a meta.yaml (such as 0/meta.yaml), ` +
      'no .trash and no models/<name>/meta.yaml. Give the folder MLflow used as --backend-store-uri.',
  );
}

async function experimentFolders(root: string, ctx: ImportContext): Promise<ExperimentFolder[]> {
  const found: Array<Omit<ExperimentFolder, 'runs'>> = [];
  // Hidden folders (.trash aside) are not experiments: editors and notebooks leave them about.
  for (const id of await listFolders(root))
    if (!id.startsWith('.') && id !== 'models') found.push({ path: join(root, id), id, trashed: false });
  for (const id of await listFolders(join(root, '.trash')))
    if (!id.startsWith('.')) found.push({ path: join(root, '.trash', id), id, trashed: true });
  const out: ExperimentFolder[] = [];
  for (const folder of found) {
    const names = await listFolders(folder.path);
    ctx.skipped.traces += (await listFolders(join(folder.path, 'traces'))).length;
    ctx.skipped.loggedModels += (await listFolders(join(folder.path, 'models'))).length;
    out.push({ ...folder, runs: names.filter((n) => !NOT_RUNS.has(n)) });
  }
  return out;
}

function skippedWarnings(ctx: ImportContext): string[] {
  const { traces, loggedModels, modelInputs } = ctx.skipped;
  const parts = [
    traces > 0 ? `${traces} trace${traces === 1 ? '' : 's'}` : '',
    loggedModels > 0 ? `${loggedModels} logged model${loggedModels === 1 ? '' : 's'}` : '',
    modelInputs > 0 ? `${modelInputs} model input${modelInputs === 1 ? '' : 's'} of runs` : '',
  ].filter(Boolean);
  return parts.length === 0
    ? []
    : [
        `Not imported: ${parts.join(', ')} (MLflow 3 data that Flowline does not store). Their files stay in place.`,
      ];
}

/**
 * Imports an MLflow file store (`./mlruns`, what `mlflow server --backend-store-uri ./mlruns` wrote) into a
 * database, as MLflow's `migrate-filestore` does: experiments (deleted ones in `.trash` too) with their tags,
 * runs with params, tags, full metric history and dataset inputs, and the model registry. Artifacts stay
 * where they are: experiments and runs keep their artifact locations. It runs in one transaction, so a
 * failure leaves the database as it was; importing the same folder again rewrites the same rows (no
 * duplicates), leaving anything else in the database alone.
 */
export async function importFileStore(
  source: string,
  target: string,
  options: ImportFileStoreOptions = {},
): Promise<FileStoreImport> {
  const cwd = options.cwd ?? process.cwd();
  const root = await resolveRoot(source, cwd);
  // A SQLite file this import creates is removed again if the import fails, so nothing is left behind.
  const location = parseStoreUri(target, cwd);
  const file = location.filename;
  const newFile = file !== undefined && file !== ':memory:' && !existsSync(file) ? file : null;
  const database = await openDatabase(target, { cwd, poolSize: 1 });
  let imported = false;
  const counts = emptyCounts();
  const warnings: string[] = [];
  const renumbered: FileStoreImport['renumberedExperiments'] = [];
  try {
    await database.migrate();
    await database.db.transaction().execute(async (trx) => {
      const ctx: ImportContext = {
        trx,
        counts,
        warnings,
        skipped: { traces: 0, loggedModels: 0, modelInputs: 0 },
      };
      const folders = await experimentFolders(root, ctx);
      const experiments = await readExperiments(folders, warnings);
      await assignExperimentIds(trx, experiments);
      const models = await listFolders(join(root, 'models'));
      const total = experiments.reduce((n, e) => n + 1 + e.folder.runs.length, models.length);
      let done = 0;
      const tick = () => options.onProgress?.(++done, total);
      options.onProgress?.(0, total);
      const seen = new Map<string, string>();
      for (const exp of experiments) {
        await writeExperiment(ctx, exp);
        if (exp.folder.id !== String(exp.targetId))
          renumbered.push({ name: exp.name, fileStoreId: exp.folder.id, experimentId: String(exp.targetId) });
        tick();
        const where: RunLocation = {
          experimentFolderId: exp.folder.id,
          experimentId: exp.targetId,
          datasets: await writeDatasets(ctx, exp),
          seen,
        };
        for (const run of exp.folder.runs) {
          await importRun(ctx, join(exp.folder.path, run), run, where);
          tick();
        }
      }
      const names = new Map<string, string>();
      for (const model of models) {
        await importRegisteredModel(ctx, join(root, 'models', model), model, names);
        tick();
      }
      await database.adapter.syncSerial(trx, 'experiments', 'experiment_id');
      warnings.push(...skippedWarnings(ctx));
    });
    imported = true;
  } finally {
    await database.close();
    if (!imported && newFile)
      await Promise.all(['', '-wal', '-shm', '-journal'].map((s) => rm(`${newFile}${s}`, { force: true })));
  }
  renumbered.sort((a, b) => Number(a.experimentId) - Number(b.experimentId));
  return { source: root, target: redactUri(target), counts, renumberedExperiments: renumbered, warnings };
}
