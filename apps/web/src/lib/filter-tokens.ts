/**
 * A lenient lexer for MLflow's search grammar, for autocomplete: unlike the server's tokenizer it accepts
 * unterminated strings and backticked keys (the caret is inside them) and keeps every token's position.
 */

/** A lenient token of the filter grammar: `open` marks a string or backticked key the caret is still inside. */
export type FilterToken =
  | { kind: 'ident'; parts: string[]; open: boolean; at: number; end: number }
  | { kind: 'string'; value: string; open: boolean; at: number; end: number }
  | { kind: 'number' | 'op' | 'word' | 'punct'; text: string; at: number; end: number };

const BARE = /[\p{L}\p{N}_]/u;

// Reads a quoted run starting at `i` (the quote); a doubled quote is the quote itself.
function readQuoted(text: string, i: number, quote: string): { value: string; end: number; open: boolean } {
  let value = '';
  let j = i + 1;
  while (j < text.length) {
    if (text[j] === quote) {
      if (text[j + 1] === quote) {
        value += quote;
        j += 2;
        continue;
      }
      return { value, end: j + 1, open: false };
    }
    value += text[j];
    j++;
  }
  return { value, end: j, open: true };
}

/** Tokens of the text before the caret, or null where the grammar cannot go on (a stray character). */
export function lexFilter(text: string): FilterToken[] | null {
  const out: FilterToken[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/u.test(ch)) {
      i++;
      continue;
    }
    const at = i;
    if (ch === "'") {
      const q = readQuoted(text, i, "'");
      out.push({ kind: 'string', value: q.value, open: q.open, at, end: q.end });
      i = q.end;
    } else if (/[0-9]/.test(ch) || ((ch === '-' || ch === '.') && out.at(-1)?.kind === 'op')) {
      const m = /^[-+]?[0-9.]*([eE][-+]?[0-9]*)?/.exec(text.slice(i))!;
      i += Math.max(1, m[0].length);
      out.push({ kind: 'number', text: text.slice(at, i), at, end: i });
    } else if (ch === '`' || ch === '"' || BARE.test(ch)) {
      const parts: string[] = [];
      let open = false;
      let j = i;
      for (;;) {
        const c = text[j];
        if (c === '`' || c === '"') {
          const q = readQuoted(text, j, c);
          parts.push(q.value);
          j = q.end;
          open = q.open;
        } else if (c !== undefined && BARE.test(c)) {
          let k = j;
          while (k < text.length && BARE.test(text[k]!)) k++;
          parts.push(text.slice(j, k));
          j = k;
        } else {
          parts.push('');
          break;
        }
        if (open || text[j] !== '.') break;
        j++;
      }
      i = j;
      const word = parts.length === 1 && text[at] !== '`' && text[at] !== '"';
      if (word && /^(AND|OR|NOT|IN|LIKE|ILIKE|IS|NULL)$/i.test(parts[0]!)) {
        out.push({ kind: 'word', text: parts[0]!.toUpperCase(), at, end: j });
      } else if (parts.length === 1 && text[at] === '"' && !open) {
        out.push({ kind: 'string', value: parts[0]!, open: false, at, end: j });
      } else out.push({ kind: 'ident', parts, open, at, end: j });
    } else if (/[<>=!]/.test(ch)) {
      const m = /^(<=|>=|!=|<>|==|=|<|>|!)/.exec(text.slice(i))!;
      i += m[0].length;
      out.push({ kind: 'op', text: m[0], at, end: i });
    } else if (ch === '(' || ch === ')' || ch === ',') {
      out.push({ kind: 'punct', text: ch, at, end: i + 1 });
      i++;
    } else return null;
  }
  return out;
}
