import { GenaiError } from '../errors.js';
import { type CharSet, charSet, charsOf, complement, DIGIT, DOT, SPACE, union, WORD } from './charset.js';
import { alt, EMPTY, type Node, rep, seq } from './node.js';

const fail = (source: string, why: string): never => {
  throw new GenaiError('INVALID_ARGUMENT', `Guidance regex /${source}/: ${why}.`);
};

const CLASS_ESCAPES: Record<string, CharSet> = {
  d: DIGIT,
  D: complement(DIGIT),
  w: WORD,
  W: complement(WORD),
  s: SPACE,
  S: complement(SPACE),
};
const CHAR_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', f: '\f', v: '\v', '0': '\0' };

/**
 * Parses a regular expression (JavaScript syntax: literals, escapes, `.`, classes, groups, alternation,
 * `? * + {m} {m,} {m,n}`) into a grammar node matching whole strings: `^`/`$` at the ends are implied
 * and accepted. Backreferences, lookaround and `\b` are refused.
 */
export function parseRegex(source: string): Node {
  const chars = [...source];
  let i = 0;
  const peek = () => chars[i];
  const eat = (c: string) => {
    if (chars[i] !== c) return false;
    i++;
    return true;
  };

  const escaped = (inClass: boolean): CharSet => {
    const c = chars[i++] ?? fail(source, 'ends with a lone backslash');
    if (CLASS_ESCAPES[c]) return CLASS_ESCAPES[c]!;
    if (CHAR_ESCAPES[c] !== undefined) return charsOf(CHAR_ESCAPES[c]!);
    if (c === 'x' || c === 'u') {
      let hex: string;
      if (c === 'u' && chars[i] === '{') {
        const end = chars.indexOf('}', i);
        if (end < 0) fail(source, 'unclosed \\u{');
        hex = chars.slice(i + 1, end).join('');
        i = end + 1;
      } else {
        hex = chars.slice(i, i + (c === 'x' ? 2 : 4)).join('');
        i += hex.length;
      }
      if (!/^[0-9a-fA-F]+$/.test(hex)) fail(source, `bad \\${c} escape`);
      const cp = Number.parseInt(hex, 16);
      return charSet([[cp, cp]]);
    }
    if (!inClass && (c === 'b' || c === 'B' || /[1-9]/.test(c)))
      fail(source, `\\${c} (word boundaries and backreferences) is not supported`);
    if (inClass && c === 'b') return charsOf('\b');
    if (/[a-zA-Z0-9]/.test(c)) fail(source, `unknown escape \\${c}`);
    return charsOf(c);
  };

  const charClass = (): CharSet => {
    const negated = eat('^');
    let set: CharSet = [];
    let first = true;
    while (peek() !== ']' || first) {
      first = false;
      const c = chars[i++] ?? fail(source, 'unclosed [');
      let lo: CharSet = c === '\\' ? escaped(true) : charsOf(c);
      if (
        peek() === '-' &&
        chars[i + 1] !== ']' &&
        chars[i + 1] !== undefined &&
        lo.length === 2 &&
        lo[0] === lo[1]
      ) {
        i++;
        const d = chars[i++]!;
        const hi = d === '\\' ? escaped(true) : charsOf(d);
        if (hi.length !== 2 || hi[0] !== hi[1] || hi[0]! < lo[0]!) fail(source, 'bad class range');
        lo = charSet([[lo[0]!, hi[0]!]]);
      }
      set = union(set, lo);
    }
    i++;
    return negated ? complement(set) : set;
  };

  const atom = (): Node => {
    const c = chars[i++]!;
    if (c === '(') {
      if (eat('?')) {
        if (eat(':')) {
          /* non-capturing */
        } else if (eat('<') && peek() !== '=' && peek() !== '!') {
          while (i < chars.length && chars[i] !== '>') i++;
          i++;
        } else fail(source, 'lookaround is not supported');
      }
      const inner = alternation();
      if (!eat(')')) fail(source, 'unclosed (');
      return inner;
    }
    if (c === '[') return { t: 'set', set: charClass() };
    if (c === '.') return { t: 'set', set: DOT };
    if (c === '\\') return { t: 'set', set: escaped(false) };
    if ('*+?{'.includes(c) && !(c === '{' && !/^\{\d/.test(chars.slice(i - 1, i + 1).join(''))))
      fail(source, `nothing to repeat before ${c}`);
    return { t: 'set', set: charsOf(c) };
  };

  const quantified = (): Node => {
    let node = atom();
    for (;;) {
      let min: number;
      let max: number;
      if (eat('*')) [min, max] = [0, Number.POSITIVE_INFINITY];
      else if (eat('+')) [min, max] = [1, Number.POSITIVE_INFINITY];
      else if (eat('?')) [min, max] = [0, 1];
      else if (peek() === '{' && /^\{\d+(,\d*)?\}/.test(chars.slice(i, i + 24).join(''))) {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(chars.slice(i, i + 24).join(''))!;
        i += m[0].length;
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] ? Number(m[3]) : Number.POSITIVE_INFINITY;
        if (max < min) fail(source, `bad repetition ${m[0]}`);
      } else return node;
      eat('?'); // lazy or greedy match the same strings
      node = rep(node, min, max);
    }
  };

  const sequence = (): Node => {
    const items: Node[] = [];
    while (i < chars.length && peek() !== '|' && peek() !== ')') {
      if (peek() === '^' && (i === 0 || chars[i - 1] === '(' || chars[i - 1] === '|')) i++;
      else if (peek() === '$' && (i === chars.length - 1 || chars[i + 1] === '|' || chars[i + 1] === ')'))
        i++;
      else items.push(quantified());
    }
    return items.length === 0 ? EMPTY : seq(...items);
  };

  const alternation = (): Node => {
    const items = [sequence()];
    while (eat('|')) items.push(sequence());
    return alt(...items);
  };

  const node = alternation();
  if (i < chars.length) fail(source, `unexpected ${chars[i]}`);
  return node;
}
