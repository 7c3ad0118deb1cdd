import { GenaiError } from '../errors.js';
import { type CharSet, charSet, complement, intersect } from './charset.js';
import { alt, EMPTY, type Grammar, lit, type Node, opt, rep, seq } from './node.js';
import { parseRegex } from './regex.js';

type Schema = Record<string, unknown>;
const INF = Number.POSITIVE_INFINITY;
const fail = (why: string): never => {
  throw new GenaiError('INVALID_ARGUMENT', `Guidance JSON schema: ${why}.`);
};

/** One optional space after `,` and `:`: compact JSON, and a model cannot run on in whitespace. */
const SPACE = opt(lit(' '));
const COMMA = seq(lit(','), SPACE);
const COLON = seq(lit(':'), SPACE);
/** Characters a string holds unescaped: not `"`, `\` or a control character. */
const PLAIN: CharSet = complement(
  charSet([
    [0, 0x1f],
    [0x22, 0x22],
    [0x5c, 0x5c],
  ]),
);
const re = (source: string) => parseRegex(source);
const STRING_CHAR = alt({ t: 'set', set: PLAIN }, re('\\\\(["\\\\/bfnrt]|u[0-9a-fA-F]{4})'));
// Digits are bounded (15 before the point, 16 after, 2 in the exponent, so it stays finite) so a number always ends.
const INT_BODY = '(0|[1-9][0-9]{0,14})';
/** The largest integer written without a bound (15 digits). */
const LIMIT = 999_999_999_999_999;
const NUMBER = re(`-?${INT_BODY}(\\.[0-9]{1,16})?([eE][+-]?[0-9]{1,2})?`);
const FORMATS: Record<string, string> = {
  date: '[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])',
  time: '([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])',
  email: "[a-zA-Z0-9._%+'-]{1,64}@[a-zA-Z0-9-]{1,63}(\\.[a-zA-Z0-9-]{1,63}){0,8}\\.[a-zA-Z]{2,24}",
  uuid: '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}',
};
FORMATS['date-time'] = `${FORMATS.date}T${FORMATS.time}`;

/** `node` with every character set cut to what a JSON string holds unescaped. */
function plainOnly(node: Node): Node {
  switch (node.t) {
    case 'set':
      return { t: 'set', set: intersect(node.set, PLAIN) };
    case 'rep':
      return { ...node, item: plainOnly(node.item) };
    case 'ref':
      return node;
    default:
      return { t: node.t, items: node.items.map(plainOnly) };
  }
}

/** A JSON Schema `pattern`, which matches anywhere unless anchored, over unescaped characters. */
function patternNode(pattern: string): Node {
  const any = rep({ t: 'set', set: PLAIN }, 0, INF);
  const anchoredEnd = pattern.endsWith('$') && !pattern.endsWith('\\$');
  return seq(pattern.startsWith('^') ? EMPTY : any, plainOnly(re(pattern)), anchoredEnd ? EMPTY : any);
}

/** Digits between two equal-length digit strings `a` ≤ `b`, as a regex. */
function sameLength(a: string, b: string): string {
  if (a === b) return a;
  if (/^0*$/.test(a) && /^9*$/.test(b)) return `[0-9]{${a.length}}`;
  if (a[0] === b[0]) return a[0]! + sameLength(a.slice(1), b.slice(1));
  const n = a.length - 1;
  const [x, y] = [Number(a[0]), Number(b[0])];
  const parts = [a[0]! + sameLength(a.slice(1), '9'.repeat(n))];
  if (y - x > 1) parts.push(`[${x + 1}-${y - 1}]${n > 0 ? `[0-9]{${n}}` : ''}`);
  parts.push(b[0]! + sameLength('0'.repeat(n), b.slice(1)));
  return `(${parts.join('|')})`;
}

/** Integers `lo` … `hi` (0 ≤ lo ≤ hi, no leading zeros) as a regex. */
function rangeRegex(lo: number, hi: number): string {
  const [a, b] = [String(lo), String(hi)];
  const parts: string[] = [];
  for (let len = a.length; len <= b.length; len++)
    parts.push(
      sameLength(len === a.length ? a : `1${'0'.repeat(len - 1)}`, len === b.length ? b : '9'.repeat(len)),
    );
  return parts.join('|');
}

/** Integers within the schema's bounds, exactly; unbounded sides stop at 15 digits. */
function integerNode(s: Schema): Node {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const xmin = num(s.exclusiveMinimum);
  const xmax = num(s.exclusiveMaximum);
  const lo = Math.max(
    num(s.minimum) !== undefined ? Math.ceil(num(s.minimum)!) : -LIMIT,
    xmin !== undefined ? Math.floor(xmin) + 1 : -LIMIT,
  );
  const hi = Math.min(
    num(s.maximum) !== undefined ? Math.floor(num(s.maximum)!) : LIMIT,
    xmax !== undefined ? Math.ceil(xmax) - 1 : LIMIT,
  );
  if (lo > hi) fail(`integer bounds ${lo}…${hi} admit no value`);
  const parts: string[] = [];
  if (lo < 0) parts.push(`-(${rangeRegex(Math.max(1, -Math.min(hi, -1)), -lo)})`);
  if (hi >= 0) parts.push(rangeRegex(Math.max(0, lo), hi));
  return re(parts.join('|'));
}

/**
 * Compiles a JSON Schema (OpenAI's strict-mode subset) to a grammar of compact JSON: objects list their
 * `properties` in schema order (required ones always, others optionally; no other keys), so
 * `additionalProperties` only matters for objects without `properties`. Supports type (and type lists),
 * enum, const, string min/maxLength, pattern and formats date, time, date-time, email, uuid, number and
 * integer (integer bounds exactly when the range is under 1000 wide, else their sign), boolean, null,
 * array items with min/maxItems, anyOf/oneOf, and `$ref` into the document (recursion included).
 */
export function jsonSchemaGrammar(source: string | object): Grammar {
  let root: unknown = source;
  if (typeof source === 'string')
    try {
      root = JSON.parse(source);
    } catch (cause) {
      throw new GenaiError('INVALID_ARGUMENT', 'Guidance JSON schema is not valid JSON.', { cause });
    }
  const rules: Node[] = [];
  const ruleOf = new Map<unknown, number>();
  const newRule = (build: () => Node) => {
    const id = rules.length;
    rules.push(EMPTY);
    rules[id] = build();
    return id;
  };
  const ruleFor = (schema: unknown): number => {
    let id = ruleOf.get(schema);
    if (id === undefined) {
      id = rules.length;
      ruleOf.set(schema, id);
      rules.push(EMPTY);
      rules[id] = body(schema);
    }
    return id;
  };
  const ref = (schema: unknown): Node => ({ t: 'ref', rule: ruleFor(schema) });
  const string = (content: Node) => seq(lit('"'), content, lit('"'));
  let anyValue: number | undefined;
  const any = (): Node => {
    if (anyValue === undefined) {
      anyValue = rules.length;
      rules.push(EMPTY);
      const v: Node = { t: 'ref', rule: anyValue };
      const str = string(rep(STRING_CHAR, 0, INF));
      const members = opt(seq(str, COLON, v, rep(seq(COMMA, str, COLON, v), 0, INF)));
      const items = opt(seq(v, rep(seq(COMMA, v), 0, INF)));
      rules[anyValue] = alt(
        seq(lit('{'), members, lit('}')),
        seq(lit('['), items, lit(']')),
        str,
        NUMBER,
        lit('true'),
        lit('false'),
        lit('null'),
      );
    }
    return { t: 'ref', rule: anyValue };
  };
  const resolve = (pointer: string): unknown => {
    if (!pointer.startsWith('#')) fail(`only local $ref ("#/…") is supported, not ${pointer}`);
    let at: unknown = root;
    for (const raw of pointer.slice(1).split('/').filter(Boolean)) {
      const part = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
      at = at && typeof at === 'object' ? (at as Schema)[part] : undefined;
      if (at === undefined) fail(`$ref ${pointer} points at nothing`);
    }
    return at;
  };

  const object = (s: Schema): Node => {
    const props = s.properties as Record<string, unknown> | undefined;
    if (!props || Object.keys(props).length === 0) {
      const extra = s.additionalProperties;
      if (extra === false) return lit('{}');
      const value = extra === undefined || extra === true ? any() : ref(extra);
      const member = seq(string(rep(STRING_CHAR, 0, INF)), COLON, value);
      return seq(lit('{'), opt(seq(member, rep(seq(COMMA, member), 0, INF))), lit('}'));
    }
    const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
    const items = Object.entries(props).map(([name, schema]) => ({
      node: seq(lit(JSON.stringify(name)), COLON, ref(schema)),
      required: required.has(name),
    }));
    // members(i, comma): properties i… with a comma first when one came before; shared as rules.
    const memo = new Map<string, Node>();
    const members = (i: number, comma: boolean): Node => {
      if (i === items.length) return EMPTY;
      const key = `${i}${comma}`;
      const known = memo.get(key);
      if (known) return known;
      const item = items[i]!;
      const take = seq(comma ? COMMA : EMPTY, item.node, members(i + 1, true));
      const node = item.required
        ? take
        : { t: 'ref' as const, rule: newRule(() => alt(take, members(i + 1, comma))) };
      memo.set(key, node);
      return node;
    };
    return seq(lit('{'), members(0, false), lit('}'));
  };

  const array = (s: Schema): Node => {
    const item = s.items === undefined || s.items === true ? any() : ref(s.items);
    const min = typeof s.minItems === 'number' ? s.minItems : 0;
    const max = typeof s.maxItems === 'number' ? s.maxItems : INF;
    if (min > max) fail(`minItems ${min} > maxItems ${max}`);
    if (max === 0) return lit('[]');
    const list = seq(item, rep(seq(COMMA, item), Math.max(0, min - 1), max - 1));
    return seq(lit('['), min === 0 ? opt(list) : list, lit(']'));
  };

  const typed = (type: string, s: Schema): Node => {
    switch (type) {
      case 'object':
        return object(s);
      case 'array':
        return array(s);
      case 'string': {
        if (typeof s.pattern === 'string') return string(patternNode(s.pattern));
        if (typeof s.format === 'string' && FORMATS[s.format])
          return string(plainOnly(re(FORMATS[s.format]!)));
        const min = typeof s.minLength === 'number' ? s.minLength : 0;
        const max = typeof s.maxLength === 'number' ? s.maxLength : INF;
        return string(rep(STRING_CHAR, min, max));
      }
      case 'number':
        return typeof s.minimum === 'number' && s.minimum >= 0
          ? re(`${INT_BODY}(\\.[0-9]{1,16})?([eE][+-]?[0-9]{1,2})?`)
          : NUMBER;
      case 'integer':
        return integerNode(s);
      case 'boolean':
        return alt(lit('true'), lit('false'));
      case 'null':
        return lit('null');
      default:
        return fail(`unknown type ${JSON.stringify(type)}`);
    }
  };

  const body = (schema: unknown): Node => {
    if (schema === true) return any();
    if (!schema || typeof schema !== 'object' || Array.isArray(schema))
      return fail(`${JSON.stringify(schema)} is not a schema (it matches nothing)`);
    const s = schema as Schema;
    if (typeof s.$ref === 'string') return ref(resolve(s.$ref));
    if ('const' in s) return lit(JSON.stringify(s.const));
    if (Array.isArray(s.enum)) {
      if (s.enum.length === 0) fail('an empty enum matches nothing');
      return alt(...s.enum.map((v) => lit(JSON.stringify(v))));
    }
    const choices = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
    if (Array.isArray(choices) && choices.length > 0) return alt(...choices.map(ref));
    if (Array.isArray(s.allOf)) {
      if (s.allOf.length !== 1) fail('allOf with more than one schema is not supported');
      return ref(s.allOf[0]);
    }
    const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
    if (types.length === 0) {
      if (s.properties) return object(s);
      if (s.items) return array(s);
      return any();
    }
    return alt(...types.map((t) => typed(t, s)));
  };

  const start = ruleFor(root);
  return { rules, start };
}
