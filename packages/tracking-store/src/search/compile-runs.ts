import { type LifecycleStage, MlflowTags } from '@flowline/core';
import { type RawBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { StoreContext } from '../context.js';
import { parseRunFilter, type RunClause } from './run-filter.js';
import { parseRunOrderBy } from './run-order.js';

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  run_id: 'r.run_uuid',
  run_name: 'r.name',
  status: 'r.status',
  artifact_uri: 'r.artifact_uri',
  user_id: 'r.user_id',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
};

function datasetCondition(
  ctx: StoreContext,
  clause: Extract<RunClause, { type: 'dataset' }>,
): RawBuilder<SqlBool> {
  const edge = sql`i.destination_id = r.run_uuid and i.destination_type = 'RUN' and i.source_type = 'DATASET'`;
  if (clause.key === 'context') {
    const cond = ctx.adapter.compare(sql.ref('it.value'), clause.comparator, clause.value);
    return sql<SqlBool>`exists (select 1 from inputs i join input_tags it on it.input_uuid = i.input_uuid
      where ${edge} and it.name = ${MlflowTags.datasetContext} and ${cond})`;
  }
  const cond = ctx.adapter.compare(sql.ref(`d.${clause.key}`), clause.comparator, clause.value);
  return sql<SqlBool>`exists (select 1 from inputs i join datasets d on d.dataset_uuid = i.source_id
    where ${edge} and ${cond})`;
}

/** The SQL condition for one run clause; every user value is a bound parameter. */
function clauseCondition(ctx: StoreContext, clause: RunClause): RawBuilder<SqlBool> {
  switch (clause.type) {
    case 'metric': {
      // NaN is stored as 0 with is_nan set: it equals nothing, and differs from everything.
      const cond = ctx.adapter.compare(sql.ref('m.value'), clause.comparator, clause.value);
      const nan =
        clause.comparator === '!=' ? sql`(m.is_nan = ${1} or ${cond})` : sql`(m.is_nan = ${0} and ${cond})`;
      return sql<SqlBool>`exists (select 1 from latest_metrics m where m.run_uuid = r.run_uuid and m.key = ${clause.key} and ${nan})`;
    }
    case 'param':
    case 'tag': {
      const table = sql.raw(clause.type === 'param' ? 'params' : 'tags');
      const base = sql`select 1 from ${table} p where p.run_uuid = r.run_uuid and p.key = ${clause.key}`;
      if (clause.comparator === 'IS NULL') return sql<SqlBool>`not exists (${base})`;
      if (clause.comparator === 'IS NOT NULL') return sql<SqlBool>`exists (${base})`;
      const cond = ctx.adapter.compare(sql.ref('p.value'), clause.comparator, clause.value!);
      return sql<SqlBool>`exists (${base} and ${cond})`;
    }
    case 'dataset':
      return datasetCondition(ctx, clause);
    default: {
      if (clause.key === 'run_name') {
        // As MLflow: the name lives in the mlflow.runName tag (runs from old MLflow releases have no name column value).
        const cond = ctx.adapter.compare(sql.ref('t.value'), clause.comparator, clause.value);
        return sql<SqlBool>`exists (select 1 from tags t where t.run_uuid = r.run_uuid and t.key = ${MlflowTags.runName} and ${cond})`;
      }
      return ctx.adapter.compare(sql.ref(ATTRIBUTE_COLUMNS[clause.key]!), clause.comparator, clause.value);
    }
  }
}

/**
 * Builds the runs query for a search: experiments, lifecycle stages, filter clauses (EXISTS subqueries) and
 * MLflow's ordering (missing values last, NaN metrics just before them, then start_time DESC and run id).
 */
export function compileRunSearch(
  ctx: StoreContext,
  options: { experimentIds: number[]; stages: LifecycleStage[]; filter?: string; orderBy?: string[] },
): SelectQueryBuilder<any, any, any> {
  const clauses = parseRunFilter(options.filter);
  const orders = parseRunOrderBy(options.orderBy);
  let query = ctx.db
    .selectFrom('runs as r')
    .selectAll('r')
    .where('r.experiment_id', 'in', options.experimentIds)
    .where('r.lifecycle_stage', 'in', options.stages) as SelectQueryBuilder<any, any, any>;
  for (const clause of clauses) query = query.where(clauseCondition(ctx, clause));

  orders.forEach((order, index) => {
    const direction = order.ascending ? 'asc' : 'desc';
    if (order.type === 'attribute') {
      const column = sql.ref(ATTRIBUTE_COLUMNS[order.key]!);
      query = query.orderBy(sql`case when ${column} is null then 1 else 0 end`).orderBy(column, direction);
      return;
    }
    const alias = `o${index}`;
    const table = order.type === 'metric' ? 'latest_metrics' : order.type === 'param' ? 'params' : 'tags';
    query = query.leftJoin(`${table} as ${alias}`, (join) =>
      join.onRef(`${alias}.run_uuid`, '=', 'r.run_uuid').on(`${alias}.key`, '=', order.key),
    );
    const value = sql.ref(`${alias}.value`);
    const rank =
      order.type === 'metric'
        ? sql`case when ${value} is null then 2 when ${sql.ref(`${alias}.is_nan`)} = ${1} then 1 else 0 end`
        : sql`case when ${value} is null then 1 else 0 end`;
    query = query.orderBy(rank).orderBy(value, direction);
  });
  if (!orders.some((o) => o.type === 'attribute' && o.key === 'start_time')) {
    query = query.orderBy('r.start_time', 'desc');
  }
  return query.orderBy('r.run_uuid', 'asc');
}
