// Conversions between JavaScript values and MLflow's stored forms, in one place.

const MAX = Number.MAX_VALUE;

/** A metric value as MLflow stores it: NaN → 0 with `is_nan`, ±Infinity → ±1.7976931348623157e308. */
export function encodeMetricValue(value: number): { value: number; isNan: 0 | 1 } {
  if (Number.isNaN(value)) return { value: 0, isNan: 1 };
  if (value === Number.POSITIVE_INFINITY) return { value: MAX, isNan: 0 };
  if (value === Number.NEGATIVE_INFINITY) return { value: -MAX, isNan: 0 };
  return { value, isNan: 0 };
}

/** The metric value a stored row stands for; MLflow's ±max-double sentinel reads back as ±Infinity. */
export function decodeMetricValue(value: number, isNan: unknown): number {
  if (fromDbBool(isNan)) return Number.NaN;
  if (value >= MAX) return Number.POSITIVE_INFINITY;
  if (value <= -MAX) return Number.NEGATIVE_INFINITY;
  return value;
}

/** A boolean column's value: Postgres answers true/false, SQLite 1/0. */
export function fromDbBool(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}

/** A BIGINT or INTEGER column's value as a number (or null). */
export function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'number' ? value : Number(value);
}

/** Splits a list into chunks, to keep bound parameters under each driver's limit. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
