import { MlflowError } from '../errors.js';

/** A lexical token of MLflow's search grammar. */
export type Token =
  | { kind: 'identifier'; parts: IdentifierPart[]; text: string; at: number }
  | { kind: 'string'; value: string; quote: "'" | '"'; text: string; at: number }
  | { kind: 'number'; value: number; text: string; at: number }
  | { kind: 'operator'; value: string; text: string; at: number }
  | { kind: 'keyword'; value: string; text: string; at: number }
  | { kind: 'punct'; value: '(' | ')' | ','; text: string; at: number };

/** One dot-separated part of an identifier; `quoted` parts were in backticks or double quotes. */
export interface IdentifierPart {
  value: string;
  quoted: boolean;
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'LIKE', 'ILIKE', 'IS', 'NULL', 'ASC', 'DESC']);
const BARE = /[\p{L}\p{N}_]/u;
const MAX_FILTER_LENGTH = 100_000;

function invalid(input: string, detail: string): MlflowError {
  const shown = input.length > 200 ? `${input.slice(0, 200)}…` : input;
  return MlflowError.invalidParameterValue(`Invalid filter '${shown}': ${detail}`);
}

function readQuoted(input: string, start: number, quote: string): { value: string; end: number } {
  // A doubled quote inside a quoted string stands for the quote itself, as in SQL.
  let value = '';
  let i = start + 1;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch === quote) {
      if (input[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += ch;
    i++;
  }
  throw invalid(
    input,
    `unterminated ${quote === '`' ? 'backtick' : 'quoted'} string starting at position ${start + 1}.`,
  );
}

/**
 * Splits a filter or order-by string into tokens. Quoted strings, backtick/double-quoted identifier parts,
 * numbers, comparison operators, keywords and parentheses are recognised; anything else (`;`, comments,
 * stray symbols) is refused with its position, before any SQL is built.
 */
export function tokenize(input: string): Token[] {
  if (input.length > MAX_FILTER_LENGTH) {
    throw MlflowError.invalidParameterValue(
      `Filter is too long (${input.length} characters; the limit is ${MAX_FILTER_LENGTH}).`,
    );
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (/\s/u.test(ch)) {
      i++;
      continue;
    }
    const at = i;
    if (ch === "'") {
      const { value, end } = readQuoted(input, i, "'");
      tokens.push({ kind: 'string', value, quote: "'", text: input.slice(at, end), at });
      i = end;
      continue;
    }
    const signed = (ch === '-' || ch === '+') && tokens.at(-1)?.kind === 'operator';
    if (/[0-9.]/.test(ch) || signed) {
      const num = /^[-+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(input.slice(i));
      if (num) {
        const end = i + num[0].length;
        if (end < input.length && BARE.test(input[end]!)) {
          throw invalid(input, `malformed number '${input.slice(i, end + 1)}' at position ${i + 1}.`);
        }
        tokens.push({ kind: 'number', value: Number(num[0]), text: num[0], at });
        i = end;
        continue;
      }
    }
    if (ch === '"' || ch === '`' || BARE.test(ch)) {
      // An identifier: parts joined by dots; a part is bare, `backticked` or "double-quoted".
      // A lone double-quoted part that is not followed by a dot is a string value (MLflow accepts both).
      const parts: IdentifierPart[] = [];
      let j = i;
      for (;;) {
        const c = input[j];
        if (c === '`' || c === '"') {
          const { value, end } = readQuoted(input, j, c);
          parts.push({ value, quoted: true });
          j = end;
        } else if (c !== undefined && BARE.test(c)) {
          let k = j;
          while (k < input.length && BARE.test(input[k]!)) k++;
          parts.push({ value: input.slice(j, k), quoted: false });
          j = k;
        } else {
          throw invalid(input, `expected a name after '.' at position ${j + 1}.`);
        }
        if (input[j] !== '.') break;
        j++;
      }
      const text = input.slice(at, j);
      i = j;
      const only = parts[0]!;
      if (parts.length === 1 && !only.quoted) {
        const upper = only.value.toUpperCase();
        if (KEYWORDS.has(upper)) {
          tokens.push({ kind: 'keyword', value: upper, text, at });
          continue;
        }
      }
      if (parts.length === 1 && input[at] === '"') {
        tokens.push({ kind: 'string', value: only.value, quote: '"', text, at });
        continue;
      }
      tokens.push({ kind: 'identifier', parts, text, at });
      continue;
    }
    const op = /^(<=|>=|!=|<>|==|=|<|>)/.exec(input.slice(i));
    if (op) {
      const value = op[0] === '<>' ? '!=' : op[0] === '==' ? '=' : op[0];
      tokens.push({ kind: 'operator', value, text: op[0], at });
      i += op[0].length;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: 'punct', value: ch, text: ch, at });
      i++;
      continue;
    }
    throw invalid(
      input,
      `unexpected character '${ch}' at position ${i + 1}. Only AND-ed comparisons such as ` +
        `metrics.accuracy > 0.9 AND params.model = 'cnn' are allowed.`,
    );
  }
  return tokens;
}
