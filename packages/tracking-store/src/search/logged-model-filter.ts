import {
  type FilterValue,
  LOGGED_MODEL_STATUS_NUMBERS,
  MlflowError,
  parseConjunction,
  splitIdentifier,
} from '@flowline/core';

/** `logged_models` columns a filter or order-by may name. */
export type LoggedModelColumn =
  | 'model_id'
  | 'experiment_id'
  | 'name'
  | 'artifact_location'
  | 'creation_timestamp_ms'
  | 'last_updated_timestamp_ms'
  | 'status'
  | 'model_type'
  | 'source_run_id'
  | 'status_message';

/** A logged-model search clause with MLflow's entity rules applied (`search_logged_model_utils`). */
export type LoggedModelClause =
  | { type: 'attribute'; key: LoggedModelColumn; comparator: string; value: string | number }
  | { type: 'metric'; key: string; comparator: string; value: number }
  | { type: 'param' | 'tag'; key: string; comparator: string; value: string };

const ENTITIES: Record<string, 'attribute' | 'metric' | 'param' | 'tag'> = {
  attributes: 'attribute',
  metrics: 'metric',
  params: 'param',
  tags: 'tag',
};

/** Attribute names and MLflow's aliases (`SqlLoggedModel.ALIASES`), to columns. */
export const LOGGED_MODEL_ATTRIBUTES: Readonly<Record<string, LoggedModelColumn>> = {
  model_id: 'model_id',
  experiment_id: 'experiment_id',
  name: 'name',
  artifact_location: 'artifact_location',
  creation_timestamp_ms: 'creation_timestamp_ms',
  creation_timestamp: 'creation_timestamp_ms',
  creation_time: 'creation_timestamp_ms',
  last_updated_timestamp_ms: 'last_updated_timestamp_ms',
  last_updated_timestamp: 'last_updated_timestamp_ms',
  status: 'status',
  model_type: 'model_type',
  source_run_id: 'source_run_id',
  status_message: 'status_message',
};

const NUMERIC_COLUMNS = new Set<LoggedModelColumn>(['creation_timestamp_ms', 'last_updated_timestamp_ms']);
const NUMERIC = ['=', '!=', '<', '<=', '>', '>='];
const STRING = ['=', '!=', 'LIKE', 'ILIKE'];

function invalidFilter(filter: string, cause?: unknown): MlflowError {
  return MlflowError.invalidParameterValue(
    `Invalid filter string: ${filter}. Expected a list of comparisons separated by 'AND' ` +
      `(e.g. 'metrics.loss > 0.1 AND params.lr = 0.01').`,
    cause === undefined ? undefined : { cause },
  );
}

function checkComparator(comparator: string, allowed: string[], what: string): void {
  if (!allowed.includes(comparator)) {
    throw MlflowError.invalidParameterValue(
      `Invalid comparison operator '${comparator}' for ${what}: use one of ${allowed.join(', ')}.`,
    );
  }
}

function numberValue(value: FilterValue, what: string, text: string): number {
  const n =
    value.kind === 'number' ? value.value : value.kind === 'string' ? Number(value.value) : Number.NaN;
  if (value.kind === 'string' && value.value.trim() === '') {
    throw MlflowError.invalidParameterValue(`Invalid numeric value for ${what} in '${text}'.`);
  }
  if (Number.isNaN(n))
    throw MlflowError.invalidParameterValue(`Invalid numeric value for ${what} in '${text}'.`);
  return n;
}

function stringValue(value: FilterValue, what: string, text: string): string {
  if (value.kind === 'string') return value.value;
  if (value.kind === 'number') return String(value.value);
  throw MlflowError.invalidParameterValue(`Expected a quoted string value for ${what} in '${text}'.`);
}

/**
 * `status` is an integer column; a filter names the status (`LOGGED_MODEL_READY`, or `READY` as the Python
 * entity does) or its number.
 */
function statusValue(comparator: string, value: FilterValue, text: string): number {
  checkComparator(comparator, ['=', '!='], "attribute 'status'");
  const raw = stringValue(value, "attribute 'status'", text).trim().toUpperCase();
  const names = LOGGED_MODEL_STATUS_NUMBERS as Record<string, number>;
  const n =
    names[raw] ??
    names[`LOGGED_MODEL_${raw}`] ??
    (raw === 'FAILED' ? names.LOGGED_MODEL_UPLOAD_FAILED : undefined) ??
    (/^\d+$/.test(raw) ? Number(raw) : undefined);
  if (n === undefined) {
    throw MlflowError.invalidParameterValue(
      `Invalid status '${raw}' in '${text}': use one of ${Object.keys(names).join(', ')}.`,
    );
  }
  return n;
}

function attributeClause(
  key: string,
  comparator: string,
  value: FilterValue,
  text: string,
): LoggedModelClause {
  const column = LOGGED_MODEL_ATTRIBUTES[key];
  if (!column) {
    throw MlflowError.invalidParameterValue(
      `Invalid attribute name: ${key}. Valid attributes are ${Object.keys(LOGGED_MODEL_ATTRIBUTES).join(', ')}.`,
    );
  }
  if (column === 'status')
    return { type: 'attribute', key: column, comparator, value: statusValue(comparator, value, text) };
  if (NUMERIC_COLUMNS.has(column)) {
    checkComparator(comparator, NUMERIC, `attribute '${key}'`);
    return {
      type: 'attribute',
      key: column,
      comparator,
      value: numberValue(value, `attribute '${key}'`, text),
    };
  }
  if (column === 'experiment_id') {
    checkComparator(comparator, ['=', '!='], "attribute 'experiment_id'");
    return {
      type: 'attribute',
      key: column,
      comparator,
      value: numberValue(value, "attribute 'experiment_id'", text),
    };
  }
  checkComparator(comparator, STRING, `attribute '${key}'`);
  return {
    type: 'attribute',
    key: column,
    comparator,
    value: stringValue(value, `attribute '${key}'`, text),
  };
}

/**
 * Parses a logged-model search filter (MLflow's `search_logged_model_utils`): comparisons joined by `AND` on
 * attributes (bare or `attributes.`), `metrics.`, `params.` and `tags.`.
 */
export function parseLoggedModelFilter(filter: string | undefined | null): LoggedModelClause[] {
  let raws: ReturnType<typeof parseConjunction>;
  try {
    raws = parseConjunction(filter);
  } catch (cause) {
    throw invalidFilter(String(filter), cause);
  }
  return raws.map((raw): LoggedModelClause => {
    const { entity, key } = splitIdentifier(raw.identifier);
    const { comparator, value, text } = raw;
    if (['IN', 'NOT IN', 'IS NULL', 'IS NOT NULL'].includes(comparator)) throw invalidFilter(String(filter));
    if (entity === null) return attributeClause(key, comparator, value, text);
    const type = ENTITIES[entity];
    if (!type) {
      throw MlflowError.invalidParameterValue(
        `Invalid entity type: ${entity}. Expected one of ${Object.keys(ENTITIES).join(', ')}.`,
      );
    }
    switch (type) {
      case 'attribute':
        return attributeClause(key, comparator, value, text);
      case 'metric':
        checkComparator(comparator, NUMERIC, `metric '${key}'`);
        return { type, key, comparator, value: numberValue(value, `metric '${key}'`, text) };
      default:
        checkComparator(comparator, STRING, `${type} '${key}'`);
        return { type, key, comparator, value: stringValue(value, `${type} '${key}'`, text) };
    }
  });
}
