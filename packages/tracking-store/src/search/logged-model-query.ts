import { type LoggedModelDatasetFilter, type LoggedModelOrderBy, MlflowError } from '@flowline/core';
import { type RawBuilder, type Selectable, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { StoreContext } from '../context.js';
import { type LoggedModelDatabase, type LoggedModelsTable, loggedModelDb } from '../logged-models/tables.js';
import { type LoggedModelClause, parseLoggedModelFilter } from './logged-model-filter.js';
import { parseLoggedModelOrderBy } from './logged-model-order.js';

/** The search query over `logged_models as m`, selecting whole rows. */
export type LoggedModelSearchQuery = SelectQueryBuilder<
  LoggedModelDatabase & { m: LoggedModelsTable },
  'm',
  Selectable<LoggedModelsTable>
>;

/** Checks the `datasets` argument: each needs a name (MLflow's message), the digest is optional. */
export function checkDatasetFilters(datasets: unknown): LoggedModelDatasetFilter[] {
  if (datasets === undefined || datasets === null) return [];
  if (!Array.isArray(datasets)) {
    throw MlflowError.invalidParameterValue(
      `'datasets' must be a list of {dataset_name, dataset_digest} items.`,
    );
  }
  return datasets.map((d: LoggedModelDatasetFilter) => {
    if (typeof d?.datasetName !== 'string' || d.datasetName === '') {
      throw MlflowError.invalidParameterValue('`dataset_name` in the `datasets` clause must be specified.');
    }
    return d.datasetDigest
      ? { datasetName: d.datasetName, datasetDigest: d.datasetDigest }
      : { datasetName: d.datasetName };
  });
}

/** `(name = a [and digest = b]) or …` over a metrics alias, for the `datasets` argument. */
function datasetCondition(alias: string, datasets: readonly LoggedModelDatasetFilter[]): RawBuilder<SqlBool> {
  const one = (d: LoggedModelDatasetFilter) =>
    d.datasetDigest
      ? sql<SqlBool>`(${sql.ref(`${alias}.dataset_name`)} = ${d.datasetName} and ${sql.ref(`${alias}.dataset_digest`)} = ${d.datasetDigest})`
      : sql<SqlBool>`${sql.ref(`${alias}.dataset_name`)} = ${d.datasetName}`;
  return sql<SqlBool>`(${sql.join(datasets.map(one), sql` or `)})`;
}

function clauseCondition(
  ctx: StoreContext,
  clause: LoggedModelClause,
  datasets: readonly LoggedModelDatasetFilter[],
): RawBuilder<SqlBool> {
  switch (clause.type) {
    case 'attribute':
      return ctx.adapter.compare(sql.ref(`m.${clause.key}`), clause.comparator, clause.value);
    case 'metric': {
      // Any point of the metric matches, not only the latest (as MLflow's subquery join).
      const cond = ctx.adapter.compare(sql.ref('lm.metric_value'), clause.comparator, clause.value);
      const onDatasets = datasets.length > 0 ? sql<SqlBool>` and ${datasetCondition('lm', datasets)}` : sql``;
      return sql<SqlBool>`exists (select 1 from logged_model_metrics lm where lm.model_id = m.model_id
        and lm.metric_name = ${clause.key} and ${cond}${onDatasets})`;
    }
    case 'param': {
      const cond = ctx.adapter.compare(sql.ref('lp.param_value'), clause.comparator, clause.value);
      return sql<SqlBool>`exists (select 1 from logged_model_params lp where lp.model_id = m.model_id
        and lp.param_key = ${clause.key} and ${cond})`;
    }
    case 'tag': {
      const cond = ctx.adapter.compare(sql.ref('lt.tag_value'), clause.comparator, clause.value);
      return sql<SqlBool>`exists (select 1 from logged_model_tags lt where lt.model_id = m.model_id
        and lt.tag_key = ${clause.key} and ${cond})`;
    }
  }
}

/**
 * Builds the logged-model search query (MLflow's `search_logged_models`): active models of the experiments,
 * filter clauses as EXISTS subqueries, and ordering with missing values last, then `creation_timestamp_ms DESC`
 * unless creation time is a key, then `model_id` so pages are stable.
 */
export function compileLoggedModelSearch(
  ctx: StoreContext,
  options: {
    experimentIds: number[];
    filter?: string;
    datasets?: readonly LoggedModelDatasetFilter[];
    orderBy?: readonly LoggedModelOrderBy[];
  },
): LoggedModelSearchQuery {
  const clauses = parseLoggedModelFilter(options.filter);
  const orders = parseLoggedModelOrderBy(options.orderBy);
  const datasets = options.datasets ?? [];
  let query = loggedModelDb(ctx)
    .selectFrom('logged_models as m')
    .selectAll('m')
    .where(sql<SqlBool>`m.experiment_id in (${sql.join(options.experimentIds)})`)
    .where(sql<SqlBool>`m.lifecycle_stage <> ${'deleted'}`);
  for (const clause of clauses) query = query.where(clauseCondition(ctx, clause, datasets));
  if (datasets.length > 0 && !clauses.some((c) => c.type === 'metric')) {
    // With no metric clause, `datasets` alone keeps models with a metric on one of them (as MLflow).
    query = query.where(
      sql<SqlBool>`exists (select 1 from logged_model_metrics ld where ld.model_id = m.model_id
        and ${datasetCondition('ld', datasets)})`,
    );
  }
  for (const order of orders) {
    const direction = order.ascending ? sql`asc` : sql`desc`;
    let value: RawBuilder<unknown>;
    if (order.type === 'attribute') {
      value = sql.ref(`m.${order.key}`);
    } else {
      // The latest point (by timestamp, then step) of the metric, on the dataset when one is named.
      const onDataset = order.datasetName
        ? order.datasetDigest
          ? sql` and lo.dataset_name = ${order.datasetName} and lo.dataset_digest = ${order.datasetDigest}`
          : sql` and lo.dataset_name = ${order.datasetName}`
        : sql``;
      value = sql`(select lo.metric_value from logged_model_metrics lo where lo.model_id = m.model_id
        and lo.metric_name = ${order.key}${onDataset}
        order by lo.metric_timestamp_ms desc, lo.metric_step desc limit 1)`;
    }
    query = query
      .orderBy(sql`case when ${value} is null then 1 else 0 end`)
      .orderBy(sql`${value} ${direction}`);
  }
  if (!orders.some((o) => o.type === 'attribute' && o.key === 'creation_timestamp_ms')) {
    query = query.orderBy(sql`m.creation_timestamp_ms desc`);
  }
  return query.orderBy(sql`m.model_id asc`);
}
