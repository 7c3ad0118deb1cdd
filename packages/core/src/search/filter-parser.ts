import { MlflowError } from '../errors.js';
import { type IdentifierPart, type Token, tokenize } from './tokenizer.js';

/** A comparison value: a number, a string, a list of strings (for IN) or nothing (for IS NULL). */
export type FilterValue =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'list'; values: string[] }
  | { kind: 'null' };

/** One parsed comparison before entity rules apply. */
export interface RawClause {
  identifier: IdentifierPart[];
  comparator: string;
  value: FilterValue;
  text: string;
}

function isKeyword(token: Token | undefined, word: string): boolean {
  return token?.kind === 'keyword' && token.value === word;
}

function invalidClauses(tokens: Token[]): MlflowError {
  const shown = tokens
    .slice(0, 5)
    .map((t) => `'${t.text}'`)
    .join(', ');
  return MlflowError.invalidParameterValue(
    `Invalid clause(s) in filter string: ${shown}. A filter is comparisons joined by AND, such as ` +
      `metrics.rmse < 1 AND params.model = 'tree'; OR and parentheses are not supported.`,
  );
}

/** Parses `clause AND clause …` into raw comparisons; an empty or blank filter gives none. */
export function parseConjunction(input: string | undefined | null): RawClause[] {
  if (input === undefined || input === null || input.trim() === '') return [];
  const tokens = tokenize(input);
  const clauses: RawClause[] = [];
  let i = 0;
  const peek = (offset = 0) => tokens[i + offset];
  while (i < tokens.length) {
    const start = i;
    const ident = tokens[i];
    if (ident?.kind !== 'identifier') throw invalidClauses(tokens.slice(i));
    i++;
    const cmpToken = peek();
    let comparator: string;
    if (cmpToken?.kind === 'operator') {
      comparator = cmpToken.value;
      i++;
    } else if (cmpToken?.kind === 'keyword' && ['LIKE', 'ILIKE', 'IN'].includes(cmpToken.value)) {
      comparator = cmpToken.value;
      i++;
    } else if (cmpToken?.kind === 'keyword' && cmpToken.value === 'NOT' && isKeyword(peek(1), 'IN')) {
      comparator = 'NOT IN';
      i += 2;
    } else if (cmpToken?.kind === 'keyword' && cmpToken.value === 'IS') {
      const not = isKeyword(peek(1), 'NOT');
      const nullToken = peek(not ? 2 : 1);
      if (!isKeyword(nullToken, 'NULL')) {
        throw MlflowError.invalidParameterValue(
          `Invalid comparison clause '${ident.text} IS …': expected IS NULL or IS NOT NULL.`,
        );
      }
      comparator = not ? 'IS NOT NULL' : 'IS NULL';
      i += not ? 3 : 2;
    } else {
      throw MlflowError.invalidParameterValue(
        `Invalid comparison clause after '${ident.text}': expected a comparator (=, !=, <, <=, >, >=, LIKE, ` +
          `ILIKE, IN, NOT IN), found ${cmpToken ? `'${cmpToken.text}'` : 'the end of the filter'}.`,
      );
    }
    let value: FilterValue;
    if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') {
      value = { kind: 'null' };
    } else if (comparator === 'IN' || comparator === 'NOT IN') {
      value = { kind: 'list', values: parseList(tokens, i, ident.text) };
      while (tokens[i]?.text !== ')') i++;
      i++;
    } else {
      const v = peek();
      if (v?.kind === 'number') value = { kind: 'number', value: v.value };
      else if (v?.kind === 'string') value = { kind: 'string', value: v.value };
      else {
        throw MlflowError.invalidParameterValue(
          `Invalid comparison clause '${ident.text} ${comparator}': expected a value (a number or a quoted ` +
            `string), found ${v ? `'${v.text}'` : 'the end of the filter'}.`,
        );
      }
      i++;
    }
    const last = tokens[i - 1]!;
    clauses.push({
      identifier: ident.parts,
      comparator,
      value,
      text: input.slice(tokens[start]!.at, last.at + last.text.length),
    });
    if (i >= tokens.length) break;
    const joiner = tokens[i]!;
    if (joiner.kind !== 'keyword' || joiner.value !== 'AND' || i + 1 >= tokens.length) {
      throw invalidClauses(tokens.slice(i));
    }
    i++;
  }
  return clauses;
}

function parseList(tokens: Token[], start: number, name: string): string[] {
  const err = (detail: string) =>
    MlflowError.invalidParameterValue(
      `While parsing a list in the query for '${name}', expected a non-empty list of string values ` +
        `such as ('a', 'b'), but ${detail}.`,
    );
  if (tokens[start]?.text !== '(') throw err('no opening parenthesis was found');
  const values: string[] = [];
  let i = start + 1;
  for (;;) {
    const t = tokens[i];
    if (!t) throw err('the list is not closed');
    if (t.kind === 'punct' && t.value === ')' && values.length === 0) throw err('got an empty list');
    if (t.kind !== 'string') throw err(`got '${t.text}'`);
    values.push(t.value);
    const sep = tokens[i + 1];
    if (sep?.kind === 'punct' && sep.value === ')') return values;
    if (sep?.kind !== 'punct' || sep.value !== ',')
      throw err(`got '${sep?.text ?? 'the end of the filter'}'`);
    i += 2;
  }
}

/** Splits an identifier into entity and key: `metrics.a.b` → (`metrics`, `a.b`); `status` → (null, `status`). */
export function splitIdentifier(parts: IdentifierPart[]): { entity: string | null; key: string } {
  if (parts.length === 1) return { entity: null, key: parts[0]!.value };
  return {
    entity: parts[0]!.value,
    key: parts
      .slice(1)
      .map((p) => p.value)
      .join('.'),
  };
}
