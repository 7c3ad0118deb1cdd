import { type LoggedModelOrderBy, MlflowError } from '@flowline/core';
import { LOGGED_MODEL_ATTRIBUTES, type LoggedModelColumn } from './logged-model-filter.js';

/** A logged-model ordering: a column, or a metric's latest value (optionally on one dataset). */
export type LoggedModelOrder =
  | { type: 'attribute'; key: LoggedModelColumn; ascending: boolean }
  | { type: 'metric'; key: string; ascending: boolean; datasetName?: string; datasetDigest?: string };

/**
 * Parses `order_by` items of `searchLoggedModels` (MLflow's `_apply_order_by_search_logged_models`): a bare
 * attribute name (with MLflow's aliases) or `metrics.<name>`; ascending unless `ascending` is false.
 */
export function parseLoggedModelOrderBy(
  items: readonly LoggedModelOrderBy[] | undefined,
): LoggedModelOrder[] {
  if (items !== undefined && items !== null && !Array.isArray(items)) {
    throw MlflowError.invalidParameterValue(`'order_by' must be a list of {field_name, ascending} items.`);
  }
  return (items ?? []).map((item): LoggedModelOrder => {
    const field = item?.fieldName;
    if (typeof field !== 'string' || field === '') {
      throw MlflowError.invalidParameterValue(`Missing value for required parameter 'order_by.field_name'.`);
    }
    const ascending = item.ascending !== false;
    const dot = field.indexOf('.');
    if (dot < 0) {
      const key = LOGGED_MODEL_ATTRIBUTES[field];
      if (!key) throw MlflowError.invalidParameterValue(`Invalid order by field name: ${field}`);
      return { type: 'attribute', key, ascending };
    }
    if (field.slice(0, dot) !== 'metrics' || dot === field.length - 1) {
      throw MlflowError.invalidParameterValue(
        `Invalid order by field name: ${field}. Only metrics are supported.`,
      );
    }
    return {
      type: 'metric',
      key: field.slice(dot + 1),
      ascending,
      ...(item.datasetName ? { datasetName: item.datasetName } : {}),
      ...(item.datasetName && item.datasetDigest ? { datasetDigest: item.datasetDigest } : {}),
    };
  });
}
