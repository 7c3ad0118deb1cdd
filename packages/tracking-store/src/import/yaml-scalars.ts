// Scalars of the YAML in MLflow's file store, as PyYAML reads them (see meta-yaml.ts).
/** A value read from a meta.yaml file; integers beyond 2^53 stay exact as bigint. */
export type MetaValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | MetaValue[]
  | { [key: string]: MetaValue };

/** A YAML text Flowline cannot read. */
export class YamlError extends Error {}

/** Throws a YamlError naming the (0-based) line. */
export const fail = (line: number, message: string): never => {
  throw new YamlError(`line ${line + 1}: ${message}`);
};

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

/** The text of a double-quoted scalar with its escapes (`\\n`, `\\x41`, `\\u00e9`, `\\L`, …) applied. */
export function unescapeDoubleQuoted(text: string, line: number): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[\s\S])/g, (_, e: string) => {
    if (e.length > 1 && HEX_LENGTH[e[0]!]) return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
    const out = ESCAPES[e];
    return out ?? fail(line, `unknown escape '\\${e}' in a double-quoted string`);
  });
}

/** Joins the lines of a flow scalar as YAML folds them: one break is a space, n empty lines are n breaks. */
export function fold(parts: string[]): string {
  let out = parts[0]!;
  let breaks = 0;
  for (let k = 1; k < parts.length; k++) {
    const part = parts[k]!;
    if (part === '' && k < parts.length - 1) {
      breaks++;
      continue;
    }
    // A break after LS or PS is that character itself, not a space.
    if (breaks === 0) out += /[\u2028\u2029]$/.test(out) ? part : ` ${part}`;
    else out += '\n'.repeat(breaks) + part;
    breaks = 0;
  }
  return out;
}

const INT = /^[-+]?(?:0|[1-9][0-9_]*)$/;
const FLOAT =
  /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** A plain scalar as PyYAML's resolver reads it (YAML 1.1: `yes`/`on` are true, `~` is null). */
export function resolvePlain(text: string): MetaValue {
  if (/^(?:~|null|Null|NULL|)$/.test(text)) return null;
  if (/^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(text)) return true;
  if (/^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/.test(text)) return false;
  const sign = text.startsWith('-') ? -1n : 1n;
  const digits = text.replace(/^[-+]/, '').replaceAll('_', '');
  let big: bigint | null = null;
  if (INT.test(text)) big = BigInt(digits);
  else if (/^[-+]?0x[0-9a-fA-F_]+$/.test(text) || /^[-+]?0b[01_]+$/.test(text)) big = BigInt(digits);
  else if (/^[-+]?0[0-7_]+$/.test(text)) big = BigInt(`0o${digits.slice(1)}`);
  if (big !== null) {
    const value = sign * big;
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
  if (FLOAT.test(text)) {
    const lower = text.toLowerCase().replaceAll('_', '');
    if (lower.endsWith('.nan')) return Number.NaN;
    if (lower.endsWith('.inf')) return lower.startsWith('-') ? -Infinity : Infinity;
    return Number(lower);
  }
  return text;
}
