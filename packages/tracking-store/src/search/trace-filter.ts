import { type FilterValue, MlflowError, parseConjunction, splitIdentifier } from '@flowline/core';

/** Trace attributes compared as numbers (Unix milliseconds and milliseconds). */
export type TraceNumericAttribute = 'timestamp_ms' | 'execution_time_ms' | 'end_time_ms';
/** Trace attributes compared as strings (columns of `trace_info`). */
export type TraceStringAttribute = 'status' | 'request_id' | 'client_request_id';
/** Span fields a trace filter may test; all span clauses of a filter must hold for one same span. */
export type TraceSpanField = 'name' | 'type' | 'status' | 'content';

/** A trace search clause with MLflow's entity rules applied (`SearchTraceUtils`). */
export type TraceClause =
  | { type: 'attribute'; key: TraceNumericAttribute; comparator: string; value: number }
  | { type: 'attribute'; key: TraceStringAttribute; comparator: string; value: string | string[] }
  | { type: 'name' | 'run_id' | 'text'; comparator: string; value: string | string[] }
  | { type: 'tag' | 'metadata'; key: string; comparator: string; value: string }
  | { type: 'feedback' | 'expectation'; key: string; comparator: string; value: string }
  | { type: 'span'; key: TraceSpanField; comparator: string; value: string | string[] };

type TraceEntity = 'attribute' | 'tag' | 'metadata' | 'span' | 'feedback' | 'expectation';

const ENTITIES: Record<string, TraceEntity> = {
  attribute: 'attribute',
  attributes: 'attribute',
  trace: 'attribute',
  tag: 'tag',
  tags: 'tag',
  metadata: 'metadata',
  request_metadata: 'metadata',
  span: 'span',
  feedback: 'feedback',
  expectation: 'expectation',
};

const NUMERIC = ['=', '!=', '>', '>=', '<', '<='];
const PATTERN = ['=', '!=', 'LIKE', 'ILIKE'];
const LIST = ['=', '!=', 'IN', 'NOT IN'];

type AttributeRule =
  | { kind: 'numeric'; key: TraceNumericAttribute }
  | { kind: 'string'; key: TraceStringAttribute; comparators: string[] }
  | { kind: 'name' | 'run_id' | 'text'; comparators: string[] };

/** Attribute keys and aliases (MLflow: `timestamp` → `timestamp_ms`, `name` → tag `mlflow.traceName`, …). */
const ATTRIBUTES: Record<string, AttributeRule> = {
  timestamp: { kind: 'numeric', key: 'timestamp_ms' },
  timestamp_ms: { kind: 'numeric', key: 'timestamp_ms' },
  execution_time: { kind: 'numeric', key: 'execution_time_ms' },
  execution_time_ms: { kind: 'numeric', key: 'execution_time_ms' },
  end_time_ms: { kind: 'numeric', key: 'end_time_ms' },
  status: { kind: 'string', key: 'status', comparators: LIST },
  state: { kind: 'string', key: 'status', comparators: LIST },
  request_id: { kind: 'string', key: 'request_id', comparators: LIST },
  trace_id: { kind: 'string', key: 'request_id', comparators: LIST },
  client_request_id: { kind: 'string', key: 'client_request_id', comparators: PATTERN },
  name: { kind: 'name', comparators: PATTERN },
  run_id: { kind: 'run_id', comparators: ['=', 'IN'] },
  text: { kind: 'text', comparators: ['LIKE', 'ILIKE'] },
};

const SPAN_FIELDS: Record<string, string[]> = {
  name: [...PATTERN, 'IN', 'NOT IN'],
  type: [...PATTERN, 'IN', 'NOT IN'],
  status: LIST,
  content: ['LIKE', 'ILIKE'],
};

/** The entity a filter or order-by prefix names, or MLflow's "Invalid entity type" error. */
export function resolveTraceEntity(entity: string): TraceEntity {
  const resolved = ENTITIES[entity];
  if (!resolved) {
    throw MlflowError.invalidParameterValue(
      `Invalid entity type '${entity}'. Valid values are ['attribute', 'trace', 'tag', 'metadata', 'span', 'feedback', 'expectation'].`,
    );
  }
  return resolved;
}

function checkComparator(comparator: string, allowed: string[], what: string): void {
  if (!allowed.includes(comparator)) {
    throw MlflowError.invalidParameterValue(
      `Invalid comparator '${comparator}' for ${what}: use one of ${allowed.join(', ')}.`,
    );
  }
}

function stringValue(value: FilterValue, comparator: string, what: string, text: string): string | string[] {
  if (comparator === 'IN' || comparator === 'NOT IN') {
    if (value.kind !== 'list') {
      throw MlflowError.invalidParameterValue(`Expected a list of quoted strings for ${what} in '${text}'.`);
    }
    return value.values;
  }
  if (value.kind !== 'string') {
    throw MlflowError.invalidParameterValue(
      `Expected a quoted string value for ${what} (e.g. 'my-value'). Got value in '${text}'.`,
    );
  }
  return value.value;
}

function parseAttribute(key: string, comparator: string, value: FilterValue, text: string): TraceClause {
  const rule = ATTRIBUTES[key];
  if (!rule) {
    throw MlflowError.invalidParameterValue(
      `Invalid attribute key '${key}' specified. Valid keys are ${Object.keys(ATTRIBUTES)
        .map((k) => `'${k}'`)
        .join(', ')}.`,
    );
  }
  if (rule.kind === 'numeric') {
    checkComparator(comparator, NUMERIC, `numeric attribute '${key}'`);
    if (value.kind !== 'number') {
      throw MlflowError.invalidParameterValue(
        `Expected numeric value type for numeric attribute: ${key}. Found '${text}'.`,
      );
    }
    return { type: 'attribute', key: rule.key, comparator, value: value.value };
  }
  checkComparator(comparator, rule.comparators, `attribute '${key}'`);
  const v = stringValue(value, comparator, `attribute '${key}'`, text);
  return rule.kind === 'string'
    ? { type: 'attribute', key: rule.key, comparator, value: v }
    : { type: rule.kind, comparator, value: v };
}

function parseSpan(key: string, comparator: string, value: FilterValue, text: string): TraceClause {
  const allowed = SPAN_FIELDS[key];
  if (!allowed) {
    throw MlflowError.invalidParameterValue(
      `Invalid span attribute '${key}'. Supported attributes: name, status, type, content.`,
    );
  }
  if (!allowed.includes(comparator)) {
    throw MlflowError.invalidParameterValue(
      `span.${key} comparator '${comparator}' not one of ${allowed.map((c) => `'${c}'`).join(', ')}.`,
    );
  }
  return {
    type: 'span',
    key: key as TraceSpanField,
    comparator,
    value: stringValue(value, comparator, `span.${key}`, text),
  };
}

/** Parses a trace search filter (AND-joined comparisons) into typed clauses, with MLflow's rules and messages. */
export function parseTraceFilter(filter: string | undefined | null): TraceClause[] {
  return parseConjunction(filter).map((raw): TraceClause => {
    const { entity, key } = splitIdentifier(raw.identifier);
    const type = entity === null ? 'attribute' : resolveTraceEntity(entity);
    const { comparator, value, text } = raw;
    switch (type) {
      case 'attribute':
        return parseAttribute(key, comparator, value, text);
      case 'span':
        return parseSpan(key, comparator, value, text);
      default: {
        checkComparator(
          comparator,
          PATTERN,
          type === 'tag' ? 'tags' : type === 'metadata' ? 'metadata' : `${type}s`,
        );
        const v = stringValue(value, comparator, type, text);
        return { type, key, comparator, value: v as string };
      }
    }
  });
}
