import type { OtlpAnyValue, OtlpKeyValue, ProtoLong } from './otlp-proto.js';

/** A protobufjs 64-bit integer as a bigint (a `Long` prints its own decimal, signed or not). */
export function longToBigInt(value: ProtoLong | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  return BigInt(String(value));
}

/** A 64-bit integer as a number when it is exactly representable, else its decimal string. */
function intValue(value: ProtoLong): number | string {
  const big = longToBigInt(value);
  const n = Number(big);
  return Number.isSafeInteger(n) ? n : big.toString();
}

/**
 * An OTLP `AnyValue` as a JS value: strings, booleans and doubles as themselves, 64-bit integers as numbers
 * (as decimal strings past 2^53), arrays and key-value lists as arrays and objects, bytes as base64 (as
 * MLflow does), an empty value as null.
 */
export function anyValueToJs(value: OtlpAnyValue | null | undefined): unknown {
  if (!value) return null;
  if (value.stringValue !== null && value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== null && value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== null && value.intValue !== undefined) return intValue(value.intValue);
  if (value.doubleValue !== null && value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(anyValueToJs);
  if (value.kvlistValue) return keyValuesToRecord(value.kvlistValue.values);
  if (value.bytesValue) return Buffer.from(value.bytesValue).toString('base64');
  return null;
}

/** OTLP key-values as an object (a repeated key keeps its last value). */
export function keyValuesToRecord(values: OtlpKeyValue[] | null | undefined): Record<string, unknown> {
  // fromEntries defines own properties, so a key such as `__proto__` is data, not a prototype.
  return Object.fromEntries((values ?? []).map(({ key, value }) => [key ?? '', anyValueToJs(value)]));
}

/**
 * A span attribute's value as MLflow means it: MLflow's SDKs send every span attribute JSON-encoded (a
 * string `'"LLM"'`, an object `'{"a":1}'`), so a string that is valid JSON is read as the JSON it holds, as
 * MLflow reads its stored attributes; any other string (a plain OpenTelemetry SDK's `"GET"`) is kept as it is.
 */
export function decodeJsonEncoded(value: unknown): unknown {
  if (typeof value !== 'string' || value === '') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * Span attributes: decoded from `AnyValue`, a string value then read as the JSON it may hold (only a string
 * as sent: a 64-bit integer past 2^53, decoded to a decimal string, stays that string).
 */
export function spanAttributes(values: OtlpKeyValue[] | null | undefined): Record<string, unknown> {
  return Object.fromEntries(
    (values ?? []).map(({ key, value }) => {
      const text = value?.stringValue;
      return [key ?? '', typeof text === 'string' ? decodeJsonEncoded(text) : anyValueToJs(value)];
    }),
  );
}
