import { MlflowError, parseOrderByItem } from '@flowline/core';
import {
  type RunNumericAttribute,
  type RunStringAttribute,
  resolveRunAttribute,
  resolveRunEntity,
} from './run-filter.js';

/** A run ordering with MLflow's entity rules applied. */
export type RunOrder =
  | { type: 'metric' | 'param' | 'tag'; key: string; ascending: boolean }
  | { type: 'attribute'; key: RunStringAttribute | RunNumericAttribute; ascending: boolean };

/** Parses runs/search `order_by` items; a field may appear only once. */
export function parseRunOrderBy(items: readonly string[] | undefined): RunOrder[] {
  const orders = (items ?? []).map((item): RunOrder => {
    const raw = parseOrderByItem(item);
    const type = raw.entity === null ? 'attribute' : resolveRunEntity(raw.entity);
    if (type === 'dataset') {
      throw MlflowError.invalidParameterValue(
        `Invalid order_by clause '${item}': runs cannot be ordered by dataset fields.`,
      );
    }
    if (type === 'attribute') {
      const attr = resolveRunAttribute(raw.key);
      if (!attr) {
        throw MlflowError.invalidParameterValue(
          `Invalid attribute key '${raw.key}' specified in order_by '${item}'. Valid keys are 'run_id', ` +
            `'run_name', 'status', 'artifact_uri', 'user_id', 'start_time', 'end_time', 'created'.`,
        );
      }
      return { type, key: attr.name, ascending: raw.ascending };
    }
    return { type, key: raw.key, ascending: raw.ascending };
  });
  const seen = new Set<string>();
  for (const o of orders) {
    const id = `${o.type}:${o.key}`;
    if (seen.has(id)) {
      throw MlflowError.invalidParameterValue(
        `\`order_by\` contains duplicate fields: ${o.type} '${o.key}' appears more than once.`,
      );
    }
    seen.add(id);
  }
  return orders;
}
