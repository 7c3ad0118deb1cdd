import {
  decodePageToken,
  encodePageToken,
  MlflowError,
  type Page,
  parseConjunction,
  parseOrderByItem,
  queryFingerprint,
  splitIdentifier,
} from '@flowline/core';
import { type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { RegistryContext } from '../context.js';
import { DELETED_STAGE, type ModelRow, type VersionRow } from '../rows.js';

const STRING_OPS = ['=', '!=', 'LIKE', 'ILIKE'];
const NUMERIC_OPS = ['=', '!=', '<', '<=', '>', '>='];

function entityOf(entity: string | null): 'attribute' | 'tag' {
  if (entity === null || entity === 'attribute' || entity === 'attributes') return 'attribute';
  if (entity === 'tag' || entity === 'tags') return 'tag';
  throw MlflowError.invalidParameterValue(
    `Invalid entity type '${entity}'. Valid entity types are ('attribute', 'tag', 'tags').`,
  );
}

function checkOp(op: string, allowed: string[], what: string): void {
  if (!allowed.includes(op))
    throw MlflowError.invalidParameterValue(
      `Invalid comparator '${op}' for ${what}: use one of ${allowed.join(', ')}.`,
    );
}

function stringValue(value: { kind: string; value?: unknown }, text: string): string {
  if (value.kind !== 'string')
    throw MlflowError.invalidParameterValue(`Expected a quoted string value in '${text}'.`);
  return value.value as string;
}

/** MLflow's tag marking a registered model (and its versions) as a prompt. */
const PROMPT_TAG = 'mlflow.prompt.is_prompt';

/**
 * Whether a clause on `key` also matches rows without that tag. As MLflow's registry search, only for the
 * prompt tag: `!= 'true'` and `= 'false'` mean "not a prompt", which plain models (untagged) are; MLflow 3's
 * client adds the first to every `search_registered_models` call.
 */
function matchesUntagged(key: string, op: string, value: string): boolean {
  if (key !== PROMPT_TAG) return false;
  const v = value.toLowerCase();
  return (op === '!=' && v === 'true') || (op === '=' && v === 'false');
}

function tagCondition(
  ctx: RegistryContext,
  table: 'registered_model_tags' | 'model_version_tags',
  key: string,
  op: string,
  value: string,
  own: string,
) {
  const cond = ctx.adapter.compare(sql.ref('t.value'), op, value);
  const tagged = sql<SqlBool>`exists (select 1 from ${sql.table(table)} t where ${sql.raw(own)} and t.key = ${key} and ${cond})`;
  if (!matchesUntagged(key, op, value)) return tagged;
  return sql<SqlBool>`(${tagged} or not exists (select 1 from ${sql.table(table)} t where ${sql.raw(own)} and t.key = ${key}))`;
}

function page<T>(rows: T[], max: number, offset: number, fingerprint: string): Page<T> {
  return rows.length > max
    ? { items: rows.slice(0, max), nextPageToken: encodePageToken(offset + max, fingerprint) }
    : { items: rows };
}

function maxResults(value: number | undefined, fallback: number, cap: number): number {
  if (value === undefined || value === null) return fallback;
  // MLflow's registry store wording.
  if (!Number.isInteger(value) || value < 1) {
    throw MlflowError.invalidParameterValue(
      `Invalid value for max_results. It must be a positive integer, but got ${value}`,
    );
  }
  if (value > cap) {
    throw MlflowError.invalidParameterValue(
      `Invalid value for request parameter max_results. It must be at most ${cap}, but got value ${value}`,
    );
  }
  return value;
}

/** Registered models matching MLflow's filter (`name`, `tags.<key>`), ordered and paged. */
export async function searchModelRows(
  ctx: RegistryContext,
  options: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string },
): Promise<Page<ModelRow>> {
  const max = maxResults(options.maxResults, 100, 1000);
  const fingerprint = queryFingerprint(['models', options.filter ?? '', options.orderBy ?? []]);
  const offset = decodePageToken(options.pageToken, fingerprint);
  let query = ctx.db.selectFrom('registered_models as m').selectAll('m') as SelectQueryBuilder<any, any, any>;
  for (const clause of parseConjunction(options.filter)) {
    const { entity, key } = splitIdentifier(clause.identifier);
    if (entityOf(entity) === 'tag') {
      checkOp(clause.comparator, STRING_OPS, 'tags');
      query = query.where(
        tagCondition(
          ctx,
          'registered_model_tags',
          key,
          clause.comparator,
          stringValue(clause.value, clause.text),
          't.name = m.name',
        ),
      );
    } else if (key === 'name') {
      checkOp(clause.comparator, STRING_OPS, 'name');
      query = query.where(
        ctx.adapter.compare(sql.ref('m.name'), clause.comparator, stringValue(clause.value, clause.text)),
      );
    } else {
      throw MlflowError.invalidParameterValue(
        `Invalid attribute key '${key}' specified. Valid keys are 'name' and 'tags.<key>'.`,
      );
    }
  }
  const columns: Record<string, string> = {
    name: 'm.name',
    timestamp: 'm.creation_time',
    creation_timestamp: 'm.creation_time',
    last_updated_timestamp: 'm.last_updated_time',
  };
  let byName = false;
  for (const item of options.orderBy ?? []) {
    const raw = parseOrderByItem(item);
    const column = raw.entity === null || raw.entity === 'attribute' ? columns[raw.key] : undefined;
    if (!column)
      throw MlflowError.invalidParameterValue(
        `Invalid order_by '${item}': use name, creation_timestamp or last_updated_timestamp.`,
      );
    if (column === 'm.name') byName = true;
    query = query.orderBy(sql.ref(column), raw.ascending ? 'asc' : 'desc');
  }
  if (!byName) query = query.orderBy('m.name', 'asc');
  const rows = (await query
    .limit(max + 1)
    .offset(offset)
    .execute()) as ModelRow[];
  return page(rows, max, offset, fingerprint);
}

/** Model versions matching MLflow's filter (`name`, `version_number`, `run_id`, `source_path`, `tags.<key>`). */
export async function searchVersionRows(
  ctx: RegistryContext,
  options: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string },
): Promise<Page<VersionRow>> {
  // MLflow's proto default for search_model_versions is its ceiling.
  const max = maxResults(options.maxResults, 200_000, 200_000);
  const fingerprint = queryFingerprint(['versions', options.filter ?? '', options.orderBy ?? []]);
  const offset = decodePageToken(options.pageToken, fingerprint);
  let query = ctx.db
    .selectFrom('model_versions as v')
    .selectAll('v')
    .where('v.current_stage', '!=', DELETED_STAGE) as SelectQueryBuilder<any, any, any>;
  for (const clause of parseConjunction(options.filter)) {
    const { entity, key } = splitIdentifier(clause.identifier);
    if (entityOf(entity) === 'tag') {
      checkOp(clause.comparator, STRING_OPS, 'tags');
      query = query.where(
        tagCondition(
          ctx,
          'model_version_tags',
          key,
          clause.comparator,
          stringValue(clause.value, clause.text),
          't.name = v.name and t.version = v.version',
        ),
      );
      continue;
    }
    if (key === 'version_number') {
      checkOp(clause.comparator, NUMERIC_OPS, 'version_number');
      if (clause.value.kind !== 'number')
        throw MlflowError.invalidParameterValue(`Expected a number for version_number in '${clause.text}'.`);
      query = query.where(ctx.adapter.compare(sql.ref('v.version'), clause.comparator, clause.value.value));
      continue;
    }
    const column = { name: 'v.name', run_id: 'v.run_id', source_path: 'v.source' }[key];
    if (!column) {
      throw MlflowError.invalidParameterValue(
        `Invalid attribute key '${key}' specified. Valid keys are 'name', 'version_number', 'run_id', 'source_path' and 'tags.<key>'.`,
      );
    }
    checkOp(clause.comparator, key === 'run_id' ? [...STRING_OPS, 'IN', 'NOT IN'] : STRING_OPS, key);
    const value = clause.value.kind === 'list' ? clause.value.values : stringValue(clause.value, clause.text);
    query = query.where(ctx.adapter.compare(sql.ref(column), clause.comparator, value));
  }
  const columns: Record<string, string> = {
    name: 'v.name',
    version_number: 'v.version',
    timestamp: 'v.creation_time',
    creation_timestamp: 'v.creation_time',
    last_updated_timestamp: 'v.last_updated_time',
  };
  const used = new Set<string>();
  // MLflow's default: the most recently updated first (then its tie-breakers, name and version).
  const orderBy =
    options.orderBy && options.orderBy.length > 0 ? options.orderBy : ['last_updated_timestamp DESC'];
  for (const item of orderBy) {
    const raw = parseOrderByItem(item);
    const column = raw.entity === null || raw.entity === 'attribute' ? columns[raw.key] : undefined;
    if (!column)
      throw MlflowError.invalidParameterValue(
        `Invalid order_by '${item}': use name, version_number, creation_timestamp or last_updated_timestamp.`,
      );
    used.add(column);
    query = query.orderBy(sql.ref(column), raw.ascending ? 'asc' : 'desc');
  }
  if (!used.has('v.name')) query = query.orderBy('v.name', 'asc');
  if (!used.has('v.version')) query = query.orderBy('v.version', 'desc');
  const rows = (await query
    .limit(max + 1)
    .offset(offset)
    .execute()) as VersionRow[];
  return page(rows, max, offset, fingerprint);
}
