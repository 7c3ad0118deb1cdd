import { MlflowError, parseConjunction, parseOrderByItem, splitIdentifier } from '@flowline/core';

/** An experiment search clause. */
export type ExperimentClause =
  | { type: 'attribute'; key: 'name'; comparator: string; value: string }
  | { type: 'attribute'; key: 'creation_time' | 'last_update_time'; comparator: string; value: number }
  | { type: 'tag'; key: string; comparator: string; value: string | null };

/** An experiment ordering. */
export interface ExperimentOrder {
  key: 'name' | 'experiment_id' | 'creation_time' | 'last_update_time';
  ascending: boolean;
}

const STRING_COMPARATORS = ['=', '!=', 'LIKE', 'ILIKE'];
const NUMERIC_COMPARATORS = ['=', '!=', '<', '<=', '>', '>='];

function entityOf(entity: string | null): 'attribute' | 'tag' {
  if (entity === null || entity === 'attribute' || entity === 'attributes') return 'attribute';
  if (entity === 'tag' || entity === 'tags') return 'tag';
  throw MlflowError.invalidParameterValue(
    `Invalid entity type '${entity}'. Valid entity types are ('attribute', 'tag', 'tags').`,
  );
}

/** Parses an experiments/search filter (`name`, `creation_time`, `last_update_time`, `tags.<key>`). */
export function parseExperimentFilter(filter: string | undefined | null): ExperimentClause[] {
  return parseConjunction(filter).map((raw): ExperimentClause => {
    const { entity, key } = splitIdentifier(raw.identifier);
    const { comparator, value } = raw;
    if (entityOf(entity) === 'tag') {
      if (![...STRING_COMPARATORS, 'IS NULL', 'IS NOT NULL'].includes(comparator)) {
        throw MlflowError.invalidParameterValue(`Invalid comparator for tag: ${comparator}`);
      }
      if (value.kind === 'null') return { type: 'tag', key, comparator, value: null };
      if (value.kind !== 'string') {
        throw MlflowError.invalidParameterValue(`Expected a quoted string value for tag in '${raw.text}'.`);
      }
      return { type: 'tag', key, comparator, value: value.value };
    }
    if (key === 'name') {
      if (!STRING_COMPARATORS.includes(comparator)) {
        throw MlflowError.invalidParameterValue(`Invalid comparator for string attribute: ${comparator}`);
      }
      if (value.kind !== 'string') {
        throw MlflowError.invalidParameterValue(
          `Expected a quoted string value for attributes in '${raw.text}'.`,
        );
      }
      return { type: 'attribute', key, comparator, value: value.value };
    }
    if (key === 'creation_time' || key === 'last_update_time') {
      if (!NUMERIC_COMPARATORS.includes(comparator)) {
        throw MlflowError.invalidParameterValue(`Invalid comparator for numeric attribute: ${comparator}`);
      }
      if (value.kind !== 'number') {
        throw MlflowError.invalidParameterValue(`Expected numeric value type for numeric attribute: ${key}.`);
      }
      return { type: 'attribute', key, comparator, value: value.value };
    }
    throw MlflowError.invalidParameterValue(
      `Invalid attribute key '${key}' specified. Valid keys are 'name', 'creation_time', 'last_update_time'.`,
    );
  });
}

/** Parses experiments/search `order_by`; default `creation_time DESC, experiment_id ASC` as MLflow. */
export function parseExperimentOrderBy(items: readonly string[] | undefined): ExperimentOrder[] {
  if (!items || items.length === 0) {
    return [
      { key: 'creation_time', ascending: false },
      { key: 'experiment_id', ascending: true },
    ];
  }
  return items.map((item) => {
    const raw = parseOrderByItem(item);
    if (entityOf(raw.entity) !== 'attribute') {
      throw MlflowError.invalidParameterValue(`Invalid order_by entity: tag (in '${item}').`);
    }
    const key = raw.key;
    if (key !== 'name' && key !== 'experiment_id' && key !== 'creation_time' && key !== 'last_update_time') {
      throw MlflowError.invalidParameterValue(
        `Invalid attribute key '${key}' specified in order_by. Valid keys are 'name', 'experiment_id', ` +
          `'creation_time', 'last_update_time'.`,
      );
    }
    return { key, ascending: raw.ascending };
  });
}
