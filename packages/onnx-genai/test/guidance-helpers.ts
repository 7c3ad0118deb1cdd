import { seededRandom } from '../src/index.js';

type Schema = Record<string, unknown>;

/** A plain validator for the JSON Schema subset guidance compiles (no validator package is a dependency). */
export function validate(value: unknown, schema: unknown, root: unknown = schema): string | undefined {
  if (schema === true || schema === undefined) return undefined;
  const s = schema as Schema;
  if (typeof s.$ref === 'string') {
    let at: unknown = root;
    for (const part of s.$ref.slice(1).split('/').filter(Boolean)) at = (at as Schema)[part];
    return validate(value, at, root);
  }
  if ('const' in s) return JSON.stringify(value) === JSON.stringify(s.const) ? undefined : 'const';
  if (Array.isArray(s.enum))
    return s.enum.some((v) => JSON.stringify(v) === JSON.stringify(value)) ? undefined : 'enum';
  const anyOf = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (anyOf) return anyOf.some((c) => validate(value, c, root) === undefined) ? undefined : 'anyOf';
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length > 1)
    return types.some((t) => validate(value, { ...s, type: t }, root) === undefined) ? undefined : 'type';
  switch (types[0]) {
    case 'object': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not an object';
      const props = (s.properties ?? {}) as Record<string, unknown>;
      for (const r of (s.required ?? []) as string[]) if (!(r in value)) return `missing ${r}`;
      for (const [k, v] of Object.entries(value)) {
        if (k in props) {
          const e = validate(v, props[k], root);
          if (e) return `${k}: ${e}`;
        } else if (s.additionalProperties === false) return `extra ${k}`;
        else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
          const e = validate(v, s.additionalProperties, root);
          if (e) return `${k}: ${e}`;
        }
      }
      return undefined;
    }
    case 'array': {
      if (!Array.isArray(value)) return 'not an array';
      if (typeof s.minItems === 'number' && value.length < s.minItems) return 'minItems';
      if (typeof s.maxItems === 'number' && value.length > s.maxItems) return 'maxItems';
      for (const v of value) {
        const e = validate(v, s.items, root);
        if (e) return `[]: ${e}`;
      }
      return undefined;
    }
    case 'string': {
      if (typeof value !== 'string') return 'not a string';
      const n = [...value].length;
      if (typeof s.minLength === 'number' && n < s.minLength) return 'minLength';
      if (typeof s.maxLength === 'number' && n > s.maxLength) return 'maxLength';
      if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) return 'pattern';
      return undefined;
    }
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'not a number';
      if (types[0] === 'integer' && !Number.isInteger(value)) return 'not an integer';
      if (typeof s.minimum === 'number' && value < s.minimum) return 'minimum';
      if (typeof s.maximum === 'number' && value > s.maximum) return 'maximum';
      return undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'not a boolean';
    case 'null':
      return value === null ? undefined : 'not null';
    default:
      return undefined;
  }
}

/** Options for `randomSchema`. */
export interface RandomSchemaOptions {
  /** Every string and array gets a maximum length, so an answer sampled under the schema always ends. */
  bounded?: boolean;
}

/** Random schemas of the strict-mode subset: objects (nested, optional keys), arrays, enums, anyOf, scalars. */
export function randomSchema(seed: number, options: RandomSchemaOptions = {}): Schema {
  const random = seededRandom(seed);
  const bounded = options.bounded ?? false;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const name = () => pick(['id', 'name', 'age', 'tags', 'kind', 'x', 'value', 'items', 'ok', 'note']);
  const gen = (depth: number): Schema => {
    const kinds =
      depth > 2
        ? ['string', 'integer', 'number', 'boolean', 'null', 'enum', 'bounded']
        : [
            'object',
            'object',
            'array',
            'anyOf',
            'string',
            'integer',
            'number',
            'boolean',
            'enum',
            'const',
            'bounded',
            'pattern',
          ];
    switch (pick(kinds)) {
      case 'object': {
        const properties: Record<string, Schema> = {};
        for (let k = 0, n = 1 + Math.floor(random() * 4); k < n; k++)
          properties[`${name()}${k}`] = gen(depth + 1);
        const keys = Object.keys(properties);
        const required = keys.filter(() => random() < 0.7);
        return { type: 'object', properties, required, additionalProperties: false };
      }
      case 'array': {
        const minItems = Math.floor(random() * 2);
        return {
          type: 'array',
          items: gen(depth + 1),
          minItems,
          ...(random() < 0.5 || bounded ? { maxItems: minItems + 2 } : {}),
        };
      }
      case 'anyOf':
        return { anyOf: [gen(depth + 1), gen(depth + 1)] };
      case 'enum':
        return { enum: ['red', 'green', 42, null].filter(() => random() < 0.7).concat(['blue']) };
      case 'const':
        return { const: pick(['fixed', 7, true]) };
      case 'bounded':
        return { type: 'integer', minimum: -5, maximum: 20 + Math.floor(random() * 3000) };
      case 'pattern':
        return { type: 'string', pattern: '^[a-z]{2,5}-\\d{2}$' };
      case 'string':
        if (random() < 0.5) return bounded ? { type: 'string', maxLength: 6 } : { type: 'string' };
        return { type: 'string', minLength: 1, maxLength: 6 };
      default:
        return { type: pick(['integer', 'number', 'boolean', 'null']) };
    }
  };
  return random() < 0.8
    ? {
        type: 'object',
        properties: { root: gen(1), [name()]: gen(1) },
        required: ['root'],
        additionalProperties: false,
      }
    : gen(0);
}

/** Printable ASCII as single-character tokens, plus multi-character pieces that cross JSON boundaries. */
export function syntheticVocabulary(): { tokens: string[]; eos: number[] } {
  const chars = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
  const pieces = [
    '{"',
    '":',
    '":"',
    '","',
    '"}',
    '"},',
    '}}',
    ']}',
    '[{',
    '[]',
    '{}',
    ' "',
    '",',
    ', "',
    ': ',
    'true',
    'false',
    'null',
    'nu',
    'll',
    'tr',
    'ue',
    '12',
    '0.',
    '.5',
    '-1',
    'e+',
    '1e',
    '"red"',
    'red',
    'blue',
    'gr',
    'een',
    'name',
    'id',
    'age',
    'tags',
    'kind',
    'value',
    'items',
    'ok',
    'note',
    'root',
    '0"',
    '1":',
    'x0',
    ' ',
    '  ',
    '\n',
    '\\"',
    '\\n',
    '\\u00',
    'é',
    '日本',
    '😀',
  ];
  return { tokens: ['', ...chars, ...pieces, ''], eos: [0] };
}
