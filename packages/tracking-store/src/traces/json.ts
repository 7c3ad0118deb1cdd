// JSON as MLflow's Python store writes it, and read back without losing nanosecond precision.

/**
 * `value` as Python's `json.dumps` writes it (`", "` and `": "` separators, non-ASCII kept), which is how
 * MLflow stores span attribute values, span dicts and trace metadata: text written here matches what
 * MLflow itself would have stored, for `LIKE` filters as much as for readers. BigInts are written as
 * integers; non-finite numbers as `null` (the UI's `JSON.parse` cannot read Python's `NaN`).
 */
export function dumpJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      return JSON.stringify(String(value));
  }
  if (Array.isArray(value)) return `[${value.map(dumpJson).join(', ')}]`;
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${dumpJson(v)}`).join(', ')}}`;
}

// Nanosecond times (~1.7e18) do not fit a double: these keys' integers are read as BigInt.
const TIME_KEYS =
  /(?<!\\)"(time_unix_nano|start_time_unix_nano|end_time_unix_nano|start_time|end_time|timestamp)"(\s*:\s*)(-?\d+)/g;
const MARK = '\u0000n';

/** Parses a stored span dict, reading its nanosecond time fields as BigInt. */
export function parseSpanJson(text: string): unknown {
  const marked = text.replace(TIME_KEYS, (_m, key: string, sep: string, digits: string) => {
    return `"${key}"${sep}"\\u0000n${digits}"`;
  });
  return JSON.parse(marked, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(MARK) ? BigInt(value.slice(MARK.length)) : value,
  );
}

/** A stored JSON text's value, or the text itself when it is not JSON (as MLflow's readers fall back). */
export function loadJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Cuts text to `max` characters (MLflow truncates previews and tag values rather than refusing them). */
export function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}
