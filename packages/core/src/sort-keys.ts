/**
 * A copy of a JSON-like value with every object's keys in sorted order (arrays keep their order; dates and
 * other non-plain values stay as they are), as Python's `sort_keys=True` writes JSON and YAML.
 */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeysDeep((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
