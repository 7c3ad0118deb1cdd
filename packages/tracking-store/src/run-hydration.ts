import {
  type DatasetInput,
  type Metric,
  MlflowTags,
  type Param,
  type Run,
  type RunStatus,
  type RunTag,
} from '@flowline/core';
import type { Database } from '@flowline/db';
import type { Kysely, Selectable } from 'kysely';
import { loadRunModels } from './run-outputs.js';
import { chunk, decodeMetricValue, toNumber } from './values.js';

/** A `runs` row. */
export type RunRow = Selectable<Database['runs']>;
type Db = Kysely<Database>;

// Bound parameters per IN list stay well under SQLite's and Postgres's limits.
const IN_CHUNK = 900;

function group<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

async function inChunks<T>(ids: readonly string[], load: (ids: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (const part of chunk(ids, IN_CHUNK)) out.push(...(await load(part)));
  return out;
}

/**
 * Loads params, tags, latest metrics, dataset and model inputs and model outputs for these runs (a few
 * queries, not per run).
 */
export async function hydrateRuns(db: Db, rows: readonly RunRow[]): Promise<Run[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.run_uuid);
  const [params, tags, metrics, inputs, models] = await Promise.all([
    inChunks(ids, (part) =>
      db
        .selectFrom('params')
        .select(['run_uuid', 'key', 'value'])
        .where('run_uuid', 'in', part)
        .orderBy('key')
        .execute(),
    ),
    inChunks(ids, (part) =>
      db
        .selectFrom('tags')
        .select(['run_uuid', 'key', 'value'])
        .where('run_uuid', 'in', part)
        .orderBy('key')
        .execute(),
    ),
    inChunks(ids, (part) =>
      db.selectFrom('latest_metrics').selectAll().where('run_uuid', 'in', part).orderBy('key').execute(),
    ),
    inChunks(ids, (part) =>
      db
        .selectFrom('inputs as i')
        .innerJoin('datasets as d', 'd.dataset_uuid', 'i.source_id')
        .select([
          'i.destination_id as run_uuid',
          'i.input_uuid',
          'd.name',
          'd.digest',
          'd.dataset_source_type',
          'd.dataset_source',
          'd.dataset_schema',
          'd.dataset_profile',
        ])
        .where('i.destination_id', 'in', part)
        .where('i.destination_type', '=', 'RUN')
        .where('i.source_type', '=', 'DATASET')
        .orderBy('d.name')
        .execute(),
    ),
    loadRunModels(db, ids),
  ]);
  const inputIds = inputs.map((i) => i.input_uuid);
  const inputTags = await inChunks(inputIds, (part) =>
    db.selectFrom('input_tags').selectAll().where('input_uuid', 'in', part).orderBy('name').execute(),
  );
  const paramsBy = group(params, (r) => r.run_uuid);
  const tagsBy = group(tags, (r) => r.run_uuid);
  const metricsBy = group(metrics, (r) => r.run_uuid);
  const inputsBy = group(inputs, (r) => r.run_uuid);
  const inputTagsBy = group(inputTags, (r) => r.input_uuid);

  return rows.map((row) => {
    const runTags: RunTag[] = (tagsBy.get(row.run_uuid) ?? []).map((t) => ({
      key: t.key,
      value: t.value ?? '',
    }));
    const runParams: Param[] = (paramsBy.get(row.run_uuid) ?? []).map((p) => ({
      key: p.key,
      value: p.value,
    }));
    const runMetrics: Metric[] = (metricsBy.get(row.run_uuid) ?? []).map((m) => ({
      key: m.key,
      value: decodeMetricValue(m.value, m.is_nan),
      timestamp: toNumber(m.timestamp) ?? 0,
      step: toNumber(m.step) ?? 0,
    }));
    const datasetInputs: DatasetInput[] = (inputsBy.get(row.run_uuid) ?? []).map((i) => ({
      dataset: {
        name: i.name,
        digest: i.digest,
        sourceType: i.dataset_source_type,
        source: i.dataset_source,
        schema: i.dataset_schema,
        profile: i.dataset_profile,
      },
      tags: (inputTagsBy.get(i.input_uuid) ?? []).map((t) => ({ key: t.name, value: t.value })),
    }));
    // Runs from old MLflow releases have no name column value; the tag holds it.
    const runName = row.name || runTags.find((t) => t.key === MlflowTags.runName)?.value || '';
    return {
      info: {
        runId: row.run_uuid,
        runName,
        experimentId: String(row.experiment_id),
        userId: row.user_id ?? '',
        status: (row.status ?? 'RUNNING') as RunStatus,
        startTime: toNumber(row.start_time),
        endTime: toNumber(row.end_time),
        artifactUri: row.artifact_uri ?? '',
        lifecycleStage: row.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
      },
      data: { metrics: runMetrics, params: runParams, tags: runTags },
      inputs: { datasetInputs, modelInputs: models.inputs.get(row.run_uuid) ?? [] },
      outputs: { modelOutputs: models.outputs.get(row.run_uuid) ?? [] },
    };
  });
}
