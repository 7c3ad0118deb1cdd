import { type FilterValue, MlflowError, parseConjunction, splitIdentifier } from '@flowline/core';

/** A run search clause with MLflow's entity rules applied. */
export type RunClause =
  | { type: 'metric'; key: string; comparator: string; value: number }
  | { type: 'param' | 'tag'; key: string; comparator: string; value: string | null }
  | { type: 'attribute'; key: RunStringAttribute; comparator: string; value: string | string[] }
  | { type: 'attribute'; key: RunNumericAttribute; comparator: string; value: number }
  | { type: 'dataset'; key: 'name' | 'digest' | 'context'; comparator: string; value: string | string[] };

/** Run attributes compared as strings. */
export type RunStringAttribute = 'run_id' | 'run_name' | 'status' | 'artifact_uri' | 'user_id';
/** Run attributes compared as numbers. */
export type RunNumericAttribute = 'start_time' | 'end_time';

const ENTITY_ALIASES: Record<string, 'metric' | 'param' | 'tag' | 'attribute' | 'dataset'> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

const STRING_ATTRIBUTES: Record<string, RunStringAttribute> = {
  run_id: 'run_id',
  run_name: 'run_name',
  'run name': 'run_name',
  'Run name': 'run_name',
  'Run Name': 'run_name',
  status: 'status',
  artifact_uri: 'artifact_uri',
  user_id: 'user_id',
};
const NUMERIC_ATTRIBUTES: Record<string, RunNumericAttribute> = {
  start_time: 'start_time',
  end_time: 'end_time',
  created: 'start_time',
  Created: 'start_time',
};

const NUMERIC_COMPARATORS = ['>', '>=', '!=', '=', '<', '<='];
const STRING_COMPARATORS = ['!=', '=', 'LIKE', 'ILIKE'];
const LIST_COMPARATORS = ['IN', 'NOT IN'];
const NULL_COMPARATORS = ['IS NULL', 'IS NOT NULL'];

/** The entity a prefix names (`metrics` → metric), or an error listing the valid prefixes. */
export function resolveRunEntity(entity: string): 'metric' | 'param' | 'tag' | 'attribute' | 'dataset' {
  const resolved = ENTITY_ALIASES[entity];
  if (!resolved) {
    throw MlflowError.invalidParameterValue(
      `Invalid entity type '${entity}'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset'].`,
    );
  }
  return resolved;
}

/** The canonical attribute for a (possibly aliased) attribute key, or null when it is not one. */
export function resolveRunAttribute(
  key: string,
): { kind: 'string'; name: RunStringAttribute } | { kind: 'numeric'; name: RunNumericAttribute } | null {
  const s = STRING_ATTRIBUTES[key];
  if (s) return { kind: 'string', name: s };
  const n = NUMERIC_ATTRIBUTES[key];
  if (n) return { kind: 'numeric', name: n };
  return null;
}

function checkComparator(comparator: string, allowed: string[], what: string): void {
  if (!allowed.includes(comparator)) {
    throw MlflowError.invalidParameterValue(
      `Invalid comparator '${comparator}' for ${what}: use one of ${allowed.join(', ')}.`,
    );
  }
}

function expectString(value: FilterValue, what: string, clause: string): string {
  if (value.kind !== 'string') {
    throw MlflowError.invalidParameterValue(
      `Expected a quoted string value for ${what} (e.g. 'my-value'). Got value in '${clause}'.`,
    );
  }
  return value.value;
}

function expectNumber(value: FilterValue, what: string, clause: string): number {
  if (value.kind !== 'number') {
    throw MlflowError.invalidParameterValue(`Expected numeric value type for ${what}. Found '${clause}'.`);
  }
  return value.value;
}

/** Parses a runs/search filter into typed clauses, with MLflow's rules and messages for each entity. */
export function parseRunFilter(filter: string | undefined | null): RunClause[] {
  return parseConjunction(filter).map((raw): RunClause => {
    const { entity, key } = splitIdentifier(raw.identifier);
    const type = entity === null ? 'attribute' : resolveRunEntity(entity);
    const { comparator, value, text } = raw;
    switch (type) {
      case 'metric':
        checkComparator(comparator, NUMERIC_COMPARATORS, 'metrics');
        return { type, key, comparator, value: expectNumber(value, 'metric', text) };
      case 'param':
      case 'tag':
        checkComparator(comparator, [...STRING_COMPARATORS, ...NULL_COMPARATORS], `${type}s`);
        return {
          type,
          key,
          comparator,
          value:
            value.kind === 'null' ? null : expectString(value, type === 'param' ? 'parameter' : 'tag', text),
        };
      case 'dataset': {
        if (key !== 'name' && key !== 'digest' && key !== 'context') {
          throw MlflowError.invalidParameterValue(
            `Invalid dataset key '${key}' specified. Valid keys are 'name', 'digest' and 'context'.`,
          );
        }
        checkComparator(comparator, [...STRING_COMPARATORS, ...LIST_COMPARATORS], 'dataset attributes');
        return {
          type,
          key,
          comparator,
          value: value.kind === 'list' ? value.values : expectString(value, 'dataset attributes', text),
        };
      }
      default: {
        const attr = resolveRunAttribute(key);
        if (!attr) {
          throw MlflowError.invalidParameterValue(
            `Invalid attribute key '${key}' specified. Valid keys are 'run_id', 'run_name', 'status', ` +
              `'artifact_uri', 'user_id', 'start_time', 'end_time' (aliases: 'created', 'run name').`,
          );
        }
        if (attr.kind === 'numeric') {
          checkComparator(comparator, NUMERIC_COMPARATORS, `numeric attribute '${key}'`);
          return {
            type: 'attribute',
            key: attr.name,
            comparator,
            value: expectNumber(value, `numeric attribute: ${key}`, text),
          };
        }
        checkComparator(comparator, [...STRING_COMPARATORS, ...LIST_COMPARATORS], `attribute '${key}'`);
        if (value.kind === 'list' && attr.name !== 'run_id') {
          throw MlflowError.invalidParameterValue(
            `Only the 'run_id' attribute supports comparison with a list of quoted string values.`,
          );
        }
        return {
          type: 'attribute',
          key: attr.name,
          comparator,
          value: value.kind === 'list' ? value.values : expectString(value, 'attributes', text),
        };
      }
    }
  });
}
