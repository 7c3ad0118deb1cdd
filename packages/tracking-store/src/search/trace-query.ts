import { TraceMetadataKey, TraceTagKey } from '@flowline/core';
import { type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { StoreContext } from '../context.js';
import { dumpJson } from '../traces/json.js';
import { traceDb } from '../traces/tables.js';
import { parseTraceFilter, type TraceClause } from './trace-filter.js';
import { parseTraceOrderBy } from './trace-order.js';

const COLUMNS: Record<string, RawBuilder<unknown>> = {
  experiment_id: sql`t.experiment_id`,
  timestamp_ms: sql`t.timestamp_ms`,
  execution_time_ms: sql`t.execution_time_ms`,
  end_time_ms: sql`(t.timestamp_ms + t.execution_time_ms)`,
  status: sql`t.status`,
  request_id: sql`t.request_id`,
  client_request_id: sql`t.client_request_id`,
};

function keyValueExists(
  ctx: StoreContext,
  table: 'trace_tags' | 'trace_request_metadata',
  key: string,
  comparator: string,
  value: string | readonly string[],
): RawBuilder<SqlBool> {
  const cond = ctx.adapter.compare(sql.ref('kv.value'), comparator, value);
  return sql<SqlBool>`exists (select 1 from ${sql.table(table)} kv
    where kv.request_id = t.request_id and kv.key = ${key} and ${cond})`;
}

/** `run_id = X`: the trace's `mlflow.sourceRun` metadata, or a `link_traces_to_run` association (MLflow). */
function runCondition(ctx: StoreContext, comparator: string, value: string | string[]): RawBuilder<SqlBool> {
  const linked = ctx.adapter.compare(sql.ref('ea.destination_id'), comparator, value);
  return sql<SqlBool>`(${keyValueExists(ctx, 'trace_request_metadata', TraceMetadataKey.SOURCE_RUN, comparator, value)}
    or exists (select 1 from entity_associations ea where ea.source_type = ${'trace'}
      and ea.source_id = t.request_id and ea.destination_type = ${'run'} and ${linked}))`;
}

/**
 * `feedback.<name>` / `expectation.<name>`: a valid assessment of that kind and name whose value matches. Values
 * are stored as JSON text, so `=` and `!=` compare with the value as written and as a JSON string
 * (`'good'` matches the stored `"good"`, `'5'` the stored `5`); `LIKE` patterns see the JSON text.
 */
function assessmentCondition(
  ctx: StoreContext,
  clause: Extract<TraceClause, { type: 'feedback' | 'expectation' }>,
): RawBuilder<SqlBool> {
  const value = sql.ref('a.value');
  const { comparator } = clause;
  let cond: RawBuilder<SqlBool>;
  if (comparator === '=' || comparator === '!=') {
    const raw = ctx.adapter.compare(value, comparator, clause.value);
    const dumped = ctx.adapter.compare(value, comparator, dumpJson(clause.value));
    cond = comparator === '=' ? sql<SqlBool>`(${raw} or ${dumped})` : sql<SqlBool>`(${raw} and ${dumped})`;
  } else {
    cond = ctx.adapter.compare(value, comparator, clause.value);
  }
  return sql<SqlBool>`exists (select 1 from assessments a where a.trace_id = t.request_id
    and a.assessment_type = ${clause.type} and a.name = ${clause.key} and a.valid = ${1} and ${cond})`;
}

function clauseCondition(
  ctx: StoreContext,
  clause: Exclude<TraceClause, { type: 'span' }>,
): RawBuilder<SqlBool> {
  switch (clause.type) {
    case 'tag':
      return keyValueExists(ctx, 'trace_tags', clause.key, clause.comparator, clause.value);
    case 'metadata':
      return keyValueExists(ctx, 'trace_request_metadata', clause.key, clause.comparator, clause.value);
    case 'name':
      return keyValueExists(ctx, 'trace_tags', TraceTagKey.TRACE_NAME, clause.comparator, clause.value);
    case 'run_id':
      return runCondition(ctx, clause.comparator, clause.value);
    case 'feedback':
    case 'expectation':
      return assessmentCondition(ctx, clause);
    case 'text': {
      const on = (column: string) => ctx.adapter.compare(sql.ref(column), clause.comparator, clause.value);
      return sql<SqlBool>`exists (select 1 from spans s where s.trace_id = t.request_id
        and (${on('s.name')} or ${on('s.type')} or ${on('s.content')}))`;
    }
    default:
      return ctx.adapter.compare(COLUMNS[clause.key]!, clause.comparator, clause.value);
  }
}

/** All span clauses as one EXISTS, so they must hold for the same span (as MLflow). */
function spanCondition(
  ctx: StoreContext,
  clauses: Extract<TraceClause, { type: 'span' }>[],
): RawBuilder<SqlBool> {
  const conditions = clauses.map((c) => ctx.adapter.compare(sql.ref(`s.${c.key}`), c.comparator, c.value));
  return sql<SqlBool>`exists (select 1 from spans s where s.trace_id = t.request_id
    and s.experiment_id = t.experiment_id and ${sql.join(conditions, sql` and `)})`;
}

/** The search query, loosely typed: its joins are made per order-by item, under generated aliases. */
export type TraceSearchQuery = SelectQueryBuilder<
  Record<string, Record<string, unknown>>,
  string,
  Record<string, unknown>
>;

/**
 * Builds the trace search query: experiments, filter clauses (EXISTS subqueries, span clauses on one span) and
 * MLflow's ordering (missing values last, then `timestamp_ms DESC` and `request_id ASC` as tie-breakers).
 */
export function compileTraceSearch(
  ctx: StoreContext,
  options: { experimentIds: number[]; filter?: string; orderBy?: string[] },
): TraceSearchQuery {
  const clauses = parseTraceFilter(options.filter);
  const orders = parseTraceOrderBy(options.orderBy);
  let query = (traceDb(ctx) as unknown as Kysely<Record<string, Record<string, unknown>>>)
    .selectFrom('trace_info as t')
    .selectAll('t')
    .where(sql<SqlBool>`t.experiment_id in (${sql.join(options.experimentIds)})`) as TraceSearchQuery;
  const spanClauses = clauses.filter((c): c is Extract<TraceClause, { type: 'span' }> => c.type === 'span');
  for (const clause of clauses) {
    if (clause.type !== 'span') query = query.where(clauseCondition(ctx, clause));
  }
  if (spanClauses.length > 0) query = query.where(spanCondition(ctx, spanClauses));

  orders.forEach((order, index) => {
    const direction = order.ascending ? sql`asc` : sql`desc`;
    let value: RawBuilder<unknown>;
    if (order.type === 'attribute') {
      value = COLUMNS[order.key]!;
    } else {
      const alias = `o${index}`;
      const table = order.type === 'run_id' ? 'trace_request_metadata' : 'trace_tags';
      const key =
        order.type === 'tag'
          ? order.key
          : order.type === 'name'
            ? TraceTagKey.TRACE_NAME
            : TraceMetadataKey.SOURCE_RUN;
      query = query.leftJoin(`${table} as ${alias}`, (join) =>
        join.onRef(`${alias}.request_id`, '=', 't.request_id').on(`${alias}.key`, '=', key),
      );
      value = sql.ref(`${alias}.value`);
    }
    query = query
      .orderBy(sql`case when ${value} is null then 1 else 0 end`)
      .orderBy(sql`${value} ${direction}`);
  });
  if (!orders.some((o) => o.type === 'attribute' && o.key === 'timestamp_ms')) {
    query = query.orderBy(sql`t.timestamp_ms desc`);
  }
  if (!orders.some((o) => o.type === 'attribute' && o.key === 'request_id')) {
    query = query.orderBy(sql`t.request_id asc`);
  }
  return query;
}
