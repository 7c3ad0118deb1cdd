import { MlflowError } from '../errors.js';
import { splitIdentifier } from './filter-parser.js';
import { tokenize } from './tokenizer.js';

/** One parsed `order_by` item: an optional entity prefix, a key and a direction. */
export interface RawOrderBy {
  entity: string | null;
  key: string;
  ascending: boolean;
}

/** Parses `<entity>.<key> [ASC|DESC]` (ASC by default, keywords in any case, keys may be quoted). */
export function parseOrderByItem(item: string): RawOrderBy {
  if (typeof item !== 'string' || item.trim() === '') {
    throw MlflowError.invalidParameterValue(`Invalid order_by clause '${item}'. Could not be parsed.`);
  }
  const tokens = tokenize(item);
  const [ident, direction, ...rest] = tokens;
  if (ident?.kind !== 'identifier' || rest.length > 0) {
    throw MlflowError.invalidParameterValue(
      `Invalid order_by clause '${item}'. Could not be parsed; use '<entity>.<key> [ASC|DESC]', ` +
        `such as 'metrics.accuracy DESC'.`,
    );
  }
  if (
    direction &&
    (direction.kind !== 'keyword' || (direction.value !== 'ASC' && direction.value !== 'DESC'))
  ) {
    throw MlflowError.invalidParameterValue(
      `Invalid ordering key in order_by clause '${item}': expected ASC or DESC, found '${direction.text}'.`,
    );
  }
  const { entity, key } = splitIdentifier(ident.parts);
  return { entity, key, ascending: direction?.value !== 'DESC' };
}
