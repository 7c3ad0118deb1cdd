// Attribute values are JSON-encoded strings, as MLflow's SDK writes them (`json.dumps` with its
// `TraceJSONEncoder`), so anything a traced function takes or returns must encode without throwing.

/**
 * Encodes a value as MLflow stores span attributes: JSON, with `undefined` as `null`, bigints as
 * decimal strings, errors as `{name, message}`, maps as objects, sets and typed arrays as arrays, and
 * repeated references (cycles) as `"[Circular]"`. Never throws.
 */
export function toAttributeJson(value: unknown): string {
  // The objects from the root to the value being encoded: a value among them is a cycle.
  // (each as given and as encoded, since a map is encoded as a new object).
  const ancestors: { given: unknown; encoded: object }[] = [];
  try {
    const text = JSON.stringify(value, function replace(this: unknown, _key, v: unknown) {
      while (ancestors.length > 0 && ancestors[ancestors.length - 1]?.encoded !== this) ancestors.pop();
      const out = encodable(v);
      if (out === null || typeof out !== 'object') return out;
      if (ancestors.some((a) => a.given === v)) return '[Circular]';
      ancestors.push({ given: v, encoded: out });
      return out;
    });
    return text ?? 'null';
  } catch {
    return JSON.stringify(String(value));
  }
}

function encodable(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'function' || typeof v === 'symbol') return undefined;
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Error) return { name: v.name, message: v.message };
  if (v instanceof Map) return Object.fromEntries(v);
  if (v instanceof Set) return [...v];
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  return v;
}

/** Decodes an attribute written by `toAttributeJson`; a value that is not JSON is returned as is. */
export function fromAttributeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
