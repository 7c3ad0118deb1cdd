import { join } from 'node:path';
import { isMlflowError, MlflowError, RunStatus, SourceType } from '@flowline/core';
import type { MetricRow } from '../batch.js';
import { chunk, encodeMetricValue } from '../values.js';
import { corrupt, listFolders, MetaFields, readKeyFiles, readMeta, stableUuid } from './file-store-files.js';
import { type ImportContext, INSERT_CHUNK } from './import-context.js';

// MLflow's file store writes status and source_type as their proto numbers (RunStatus, SourceType).
const STATUS_BY_NUMBER: Record<number, RunStatus> = {
  1: 'RUNNING',
  2: 'SCHEDULED',
  3: 'FINISHED',
  4: 'FAILED',
  5: 'KILLED',
};
const SOURCE_TYPE_BY_NUMBER: Record<number, SourceType> = {
  1: 'NOTEBOOK',
  2: 'JOB',
  3: 'PROJECT',
  4: 'LOCAL',
  1000: 'UNKNOWN',
};
// The runs table's run_uuid is varchar(32); MLflow's run ids are 32 hex digits.
const RUN_ID = /^[a-zA-Z0-9][\w-]{0,31}$/;

/** Where a run folder sits: its experiment's file-store folder and database id, and its datasets. */
export interface RunLocation {
  experimentFolderId: string;
  experimentId: number;
  /** Dataset folder name → dataset_uuid, from `writeDatasets`. */
  datasets: Map<string, string>;
  /** Run id → folder of runs imported so far, to catch one run in two places. */
  seen: Map<string, string>;
}

function enumValue<T extends string>(
  f: MetaFields,
  key: string,
  byNumber: Record<number, T>,
  names: Record<string, T>,
): T | null {
  const value = f.meta[key];
  if (value === null || value === undefined) return null;
  const table: Record<string | number, T> = typeof value === 'number' ? byNumber : names;
  const found =
    (typeof value === 'number' || typeof value === 'string') && Object.hasOwn(table, value)
      ? table[value]
      : undefined;
  if (found === undefined)
    throw corrupt(
      f.path,
      `'${key}' ${JSON.stringify(String(value))} is not one of ${Object.values(names).join(', ')}`,
    );
  return found;
}

/** A float as Python's float() reads it (MLflow writes `nan`, `inf` and `-inf` for the non-finite). */
function parsePythonFloat(text: string): number | null {
  const t = text.toLowerCase();
  if (/^[+-]?nan$/.test(t)) return Number.NaN;
  if (/^[+-]?inf(inity)?$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  return /^[+-]?(\d[\d_]*(\.[\d_]*)?|\.\d[\d_]*)(e[+-]?\d+)?$/.test(t) ? Number(t.replaceAll('_', '')) : null;
}

/** Every point of every metric file (`metrics/<key>`, lines `timestamp value [step]`), as stored rows. */
async function readMetrics(dir: string, runId: string): Promise<MetricRow[]> {
  const rows = new Map<string, MetricRow>();
  for (const [key, text] of await readKeyFiles(dir)) {
    text.split(/\r?\n/).forEach((line, n) => {
      if (line.trim() === '') return;
      const parts = line.trim().split(' ');
      const [ts, raw, step = '0'] = parts;
      const value = parsePythonFloat(raw ?? '');
      if (
        (parts.length !== 2 && parts.length !== 3) ||
        !/^-?\d+$/.test(ts!) ||
        !/^-?\d+$/.test(step) ||
        value === null
      )
        throw corrupt(join(dir, key), `line ${n + 1} should be 'timestamp value step', got '${line.trim()}'`);
      const encoded = encodeMetricValue(value);
      const row = {
        key,
        value: encoded.value,
        timestamp: Number(ts),
        step: Number(step),
        is_nan: encoded.isNan,
        run_uuid: runId,
      };
      // The metrics primary key covers every column, so identical points are one row.
      rows.set(`${key}\u0000${row.timestamp}\u0000${row.step}\u0000${row.value}\u0000${row.is_nan}`, row);
    });
  }
  return [...rows.values()];
}

/** Per key, the point with the greatest (step, timestamp, value): what the SQL store keeps in latest_metrics. */
function latestPerKey(rows: MetricRow[]): MetricRow[] {
  const best = new Map<string, MetricRow>();
  for (const row of rows) {
    const c = best.get(row.key);
    const greater =
      !c ||
      (row.step !== c.step
        ? row.step > c.step
        : row.timestamp !== c.timestamp
          ? row.timestamp > c.timestamp
          : row.value > c.value);
    if (greater) best.set(row.key, row);
  }
  return [...best.values()];
}

interface RunInputRow {
  inputUuid: string;
  datasetUuid: string;
  tags: Map<string, string>;
}

/** The run's dataset inputs (`inputs/<id>/meta.yaml`, each naming a dataset folder of the experiment). */
async function readInputs(
  ctx: ImportContext,
  dir: string,
  runId: string,
  where: RunLocation,
): Promise<RunInputRow[]> {
  const out = new Map<string, RunInputRow>();
  for (const name of await listFolders(dir)) {
    const meta = await readMeta(join(dir, name));
    if (!meta) continue;
    const f = new MetaFields(meta, join(dir, name, 'meta.yaml'));
    const sourceType = f.string('source_type');
    if (sourceType === 'MODEL') {
      ctx.skipped.modelInputs++;
      continue;
    }
    const datasetUuid = where.datasets.get(f.string('source_id') ?? '');
    if (sourceType !== 'DATASET' || datasetUuid === undefined) {
      // MLflow's file store skips such inputs too ("Failed to find dataset … Skipping").
      ctx.warnings.push(`Skipped ${f.path}: it names no dataset of the experiment.`);
      continue;
    }
    if (!out.has(datasetUuid))
      out.set(datasetUuid, {
        inputUuid: stableUuid(`input/${runId}/${name}`),
        datasetUuid,
        tags: f.stringMap('tags'),
      });
  }
  return [...out.values()];
}

/**
 * Imports one run folder (meta.yaml, params/, tags/, metrics/, inputs/) into the run's rows, replacing what an
 * earlier import wrote for it. Folders without a meta.yaml are not runs (MLflow skips them too).
 */
export async function importRun(
  ctx: ImportContext,
  dir: string,
  folder: string,
  where: RunLocation,
): Promise<void> {
  const meta = await readMeta(dir);
  if (!meta) return;
  const f = new MetaFields(meta, join(dir, 'meta.yaml'));
  const runId = f.string('run_uuid') ?? f.string('run_id') ?? folder;
  const recordedExperiment = f.string('experiment_id');
  if (runId !== folder || !RUN_ID.test(runId)) {
    ctx.warnings.push(`Skipped ${dir}: its meta.yaml names run '${runId}', which does not match the folder.`);
    return;
  }
  if (recordedExperiment !== null && recordedExperiment !== where.experimentFolderId) {
    ctx.warnings.push(
      `Skipped ${dir}: it records experiment '${recordedExperiment}', not '${where.experimentFolderId}', so MLflow ignores it too.`,
    );
    return;
  }
  const twin = where.seen.get(runId);
  if (twin) throw corrupt(dir, `run ${runId} is also in ${twin}`);
  where.seen.set(runId, dir);

  const status = enumValue(f, 'status', STATUS_BY_NUMBER, RunStatus) ?? 'RUNNING';
  const sourceType = enumValue(f, 'source_type', SOURCE_TYPE_BY_NUMBER, SourceType) ?? 'LOCAL';
  const stage = f.string('lifecycle_stage') ?? 'active';
  if (stage !== 'active' && stage !== 'deleted')
    throw corrupt(f.path, `lifecycle_stage should be 'active' or 'deleted', got '${stage}'`);
  const params = await readKeyFiles(join(dir, 'params'));
  const tags = await readKeyFiles(join(dir, 'tags'));
  const metrics = await readMetrics(join(dir, 'metrics'), runId);
  const latest = latestPerKey(metrics);
  const inputs = await readInputs(ctx, join(dir, 'inputs'), runId, where);
  const row = {
    run_uuid: runId,
    // Runs of old MLflow releases have no run_name; the mlflow.runName tag holds it.
    name: f.string('run_name') || tags.get('mlflow.runName') || null,
    source_type: sourceType,
    source_name: f.string('source_name') ?? '',
    entry_point_name: f.string('entry_point_name') ?? '',
    user_id: f.string('user_id'),
    status,
    start_time: f.int('start_time'),
    end_time: f.int('end_time'),
    source_version: f.string('source_version') ?? '',
    lifecycle_stage: stage,
    artifact_uri: f.string('artifact_uri'),
    experiment_id: where.experimentId,
    deleted_time: f.int('deleted_time'),
  };

  const { trx } = ctx;
  try {
    for (const table of ['metrics', 'latest_metrics', 'params', 'tags'] as const)
      await trx.deleteFrom(table).where('run_uuid', '=', runId).execute();
    const earlier = trx
      .selectFrom('inputs')
      .select('input_uuid')
      .where('destination_type', '=', 'RUN')
      .where('destination_id', '=', runId)
      .where('source_type', '=', 'DATASET');
    await trx.deleteFrom('input_tags').where('input_uuid', 'in', earlier).execute();
    await trx.deleteFrom('inputs').where('input_uuid', 'in', earlier).execute();
    await trx
      .insertInto('runs')
      .values(row)
      .onConflict((oc) =>
        oc.column('run_uuid').doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          source_type: eb.ref('excluded.source_type'),
          source_name: eb.ref('excluded.source_name'),
          entry_point_name: eb.ref('excluded.entry_point_name'),
          user_id: eb.ref('excluded.user_id'),
          status: eb.ref('excluded.status'),
          start_time: eb.ref('excluded.start_time'),
          end_time: eb.ref('excluded.end_time'),
          source_version: eb.ref('excluded.source_version'),
          lifecycle_stage: eb.ref('excluded.lifecycle_stage'),
          artifact_uri: eb.ref('excluded.artifact_uri'),
          experiment_id: eb.ref('excluded.experiment_id'),
          deleted_time: eb.ref('excluded.deleted_time'),
        })),
      )
      .execute();
    const keyed = (m: Map<string, string>) => [...m].map(([key, value]) => ({ run_uuid: runId, key, value }));
    for (const part of chunk(keyed(params), INSERT_CHUNK))
      await trx.insertInto('params').values(part).execute();
    for (const part of chunk(keyed(tags), INSERT_CHUNK)) await trx.insertInto('tags').values(part).execute();
    for (const part of chunk(metrics, INSERT_CHUNK)) await trx.insertInto('metrics').values(part).execute();
    for (const part of chunk(latest, INSERT_CHUNK))
      await trx.insertInto('latest_metrics').values(part).execute();
    for (const input of inputs) {
      await trx
        .insertInto('inputs')
        .values({
          input_uuid: input.inputUuid,
          source_type: 'DATASET',
          source_id: input.datasetUuid,
          destination_type: 'RUN',
          destination_id: runId,
        })
        .execute();
      if (input.tags.size > 0)
        await trx
          .insertInto('input_tags')
          .values([...input.tags].map(([name, value]) => ({ input_uuid: input.inputUuid, name, value })))
          .execute();
      ctx.counts.inputTags += input.tags.size;
    }
  } catch (error) {
    if (isMlflowError(error)) throw error;
    throw MlflowError.internal(
      `Could not write run ${runId} from ${dir}: ${(error as Error)?.message ?? error}`,
      {
        cause: error,
      },
    );
  }
  ctx.counts.runs++;
  ctx.counts.params += params.size;
  ctx.counts.tags += tags.size;
  ctx.counts.metrics += metrics.length;
  ctx.counts.latestMetrics += latest.length;
  ctx.counts.inputs += inputs.length;
}
