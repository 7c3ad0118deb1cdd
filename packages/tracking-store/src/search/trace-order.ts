import { MlflowError, parseOrderByItem } from '@flowline/core';
import { resolveTraceEntity } from './trace-filter.js';

/** A trace ordering: a `trace_info` column, the trace name, its run, or a tag. */
export type TraceOrder =
  | {
      type: 'attribute';
      key: 'experiment_id' | 'timestamp_ms' | 'execution_time_ms' | 'status' | 'request_id';
      ascending: boolean;
    }
  | { type: 'name' | 'run_id'; ascending: boolean }
  | { type: 'tag'; key: string; ascending: boolean };

const ATTRIBUTE_KEYS: Record<string, TraceOrder> = {
  experiment_id: { type: 'attribute', key: 'experiment_id', ascending: true },
  timestamp: { type: 'attribute', key: 'timestamp_ms', ascending: true },
  timestamp_ms: { type: 'attribute', key: 'timestamp_ms', ascending: true },
  execution_time: { type: 'attribute', key: 'execution_time_ms', ascending: true },
  execution_time_ms: { type: 'attribute', key: 'execution_time_ms', ascending: true },
  status: { type: 'attribute', key: 'status', ascending: true },
  state: { type: 'attribute', key: 'status', ascending: true },
  request_id: { type: 'attribute', key: 'request_id', ascending: true },
  trace_id: { type: 'attribute', key: 'request_id', ascending: true },
  name: { type: 'name', ascending: true },
  run_id: { type: 'run_id', ascending: true },
};

/** Parses trace search `order_by` items (MLflow's `SearchTraceUtils` keys, plus `tag.<key>`). */
export function parseTraceOrderBy(items: readonly string[] | undefined): TraceOrder[] {
  return (items ?? []).map((item): TraceOrder => {
    const raw = parseOrderByItem(item);
    const entity = raw.entity === null ? 'attribute' : resolveTraceEntity(raw.entity);
    if (entity === 'tag') return { type: 'tag', key: raw.key, ascending: raw.ascending };
    const base = entity === 'attribute' ? ATTRIBUTE_KEYS[raw.key] : undefined;
    if (!base) {
      throw MlflowError.invalidParameterValue(
        `Invalid order_by key '${raw.entity ? `${raw.entity}.` : ''}${raw.key}' in '${item}'. Valid keys are ` +
          `${Object.keys(ATTRIBUTE_KEYS)
            .map((k) => `'${k}'`)
            .join(', ')} and 'tag.<key>'.`,
      );
    }
    return { ...base, ascending: raw.ascending };
  });
}
