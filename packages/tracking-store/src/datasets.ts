import {
  type DatasetInput,
  type DatasetSummary,
  generateUuid,
  Limits,
  MlflowError,
  MlflowTags,
  validateDatasetInputs,
} from '@flowline/core';
import type { StoreContext } from './context.js';
import { experimentKey } from './experiments.js';
import { requireActiveRunRow } from './runs.js';

/**
 * Records datasets used by a run. A dataset is stored once per experiment (by name and digest); a run's
 * link to it is written once, and tags of a repeated link are left as first logged, as MLflow does.
 */
export async function logInputs(ctx: StoreContext, runId: string, inputs: DatasetInput[]): Promise<void> {
  if (!Array.isArray(inputs)) throw MlflowError.invalidParameterValue(`'datasets' must be a list.`);
  const checked = validateDatasetInputs(inputs);
  const unique = new Map<string, DatasetInput>();
  for (const input of checked) {
    const id = `${input.dataset.name}\u0000${input.dataset.digest}`;
    if (!unique.has(id)) unique.set(id, input);
  }
  await ctx.db.transaction().execute(async (trx) => {
    const run = await requireActiveRunRow(trx, runId);
    const experimentId = run.experiment_id!;
    for (const { dataset, tags } of unique.values()) {
      await trx
        .insertInto('datasets')
        .values({
          dataset_uuid: generateUuid(),
          experiment_id: experimentId,
          name: dataset.name,
          digest: dataset.digest,
          dataset_source_type: dataset.sourceType,
          dataset_source: dataset.source,
          dataset_schema: dataset.schema ?? null,
          dataset_profile: dataset.profile ?? null,
        })
        .onConflict((oc) => oc.columns(['experiment_id', 'name', 'digest']).doNothing())
        .execute();
      const { dataset_uuid: datasetUuid } = await trx
        .selectFrom('datasets')
        .select('dataset_uuid')
        .where('experiment_id', '=', experimentId)
        .where('name', '=', dataset.name)
        .where('digest', '=', dataset.digest)
        .executeTakeFirstOrThrow();
      const inputUuid = generateUuid();
      const inserted = await trx
        .insertInto('inputs')
        .values({
          input_uuid: inputUuid,
          source_type: 'DATASET',
          source_id: datasetUuid,
          destination_type: 'RUN',
          destination_id: run.run_uuid,
        })
        .onConflict((oc) =>
          oc.columns(['source_type', 'source_id', 'destination_type', 'destination_id']).doNothing(),
        )
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0 && tags.length > 0) {
        const byKey = new Map(tags.map((t) => [t.key, t.value]));
        await trx
          .insertInto('input_tags')
          .values([...byKey].map(([name, value]) => ({ input_uuid: inputUuid, name, value })))
          .execute();
      }
    }
  });
}

/** Distinct (experiment, name, digest, context) of datasets used in up to 20 experiments (MLflow caps at 1000 rows). */
export async function searchDatasets(ctx: StoreContext, experimentIds: string[]): Promise<DatasetSummary[]> {
  const ids = (experimentIds ?? []).map(String);
  if (ids.length === 0) {
    throw MlflowError.invalidParameterValue(
      'SearchDatasets request must specify at least one experiment_id.',
    );
  }
  if (ids.length > Limits.maxSearchDatasetsExperiments) {
    throw MlflowError.invalidParameterValue(
      `SearchDatasets request cannot specify more than ${Limits.maxSearchDatasetsExperiments} experiment_ids. Received ${ids.length} experiment_ids.`,
    );
  }
  const keys = ids.map(experimentKey).filter((k): k is number => k !== null);
  if (keys.length === 0) return [];
  const rows = await ctx.db
    .selectFrom('datasets as d')
    .innerJoin('inputs as i', (j) =>
      j.onRef('i.source_id', '=', 'd.dataset_uuid').on('i.source_type', '=', 'DATASET'),
    )
    .leftJoin('input_tags as t', (j) =>
      j.onRef('t.input_uuid', '=', 'i.input_uuid').on('t.name', '=', MlflowTags.datasetContext),
    )
    .select(['d.experiment_id', 'd.name', 'd.digest', 't.value as context'])
    .distinct()
    .where('d.experiment_id', 'in', keys)
    .orderBy('d.experiment_id')
    .orderBy('d.name')
    .orderBy('d.digest')
    .limit(1000)
    .execute();
  return rows.map((r) => ({
    experimentId: String(r.experiment_id),
    name: r.name,
    digest: r.digest,
    ...(r.context ? { context: r.context } : {}),
  }));
}
