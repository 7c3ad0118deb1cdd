import type { LifecycleStage } from '@flowline/core';
import { type RawBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { StoreContext } from '../context.js';
import { parseExperimentFilter, parseExperimentOrderBy } from './experiment-search.js';

/** Builds the experiments query for a filter, order and stages (limit and offset left to the caller). */
export function compileExperimentSearch(
  ctx: StoreContext,
  options: { filter?: string; orderBy?: string[]; stages: LifecycleStage[] },
): SelectQueryBuilder<any, any, any> {
  const clauses = parseExperimentFilter(options.filter);
  const orders = parseExperimentOrderBy(options.orderBy);
  let query = ctx.db
    .selectFrom('experiments as e')
    .selectAll('e')
    .where('e.lifecycle_stage', 'in', options.stages) as SelectQueryBuilder<any, any, any>;
  for (const clause of clauses) {
    if (clause.type === 'attribute') {
      query = query.where(ctx.adapter.compare(sql.ref(`e.${clause.key}`), clause.comparator, clause.value));
      continue;
    }
    const tagExists = (extra?: RawBuilder<SqlBool>) =>
      sql<SqlBool>`exists (select 1 from experiment_tags t where t.experiment_id = e.experiment_id and t.key = ${clause.key}${
        extra ? sql` and ${extra}` : sql``
      })`;
    if (clause.comparator === 'IS NULL') query = query.where(sql<SqlBool>`not ${tagExists()}`);
    else if (clause.comparator === 'IS NOT NULL') query = query.where(tagExists());
    else
      query = query.where(
        tagExists(ctx.adapter.compare(sql.ref('t.value'), clause.comparator, clause.value!)),
      );
  }
  for (const order of orders) {
    const column = sql.ref(`e.${order.key}`);
    // Missing values sort last in both directions, as MLflow's sorter does.
    query = query
      .orderBy(sql`case when ${column} is null then 1 else 0 end`)
      .orderBy(column, order.ascending ? 'asc' : 'desc');
  }
  if (!orders.some((o) => o.key === 'experiment_id')) query = query.orderBy('e.experiment_id', 'desc');
  return query;
}
