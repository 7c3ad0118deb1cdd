import { GenaiError } from '../errors.js';
import { charSet, union } from './charset.js';
import { jsonSchemaGrammar } from './json-schema.js';
import { alt, EMPTY, type Grammar, lit, type Node, opt, rep, seq } from './node.js';
import { parseRegex } from './regex.js';

const fail = (why: string): never => {
  throw new GenaiError('INVALID_ARGUMENT', `Guidance Lark grammar: ${why}.`);
};
const INF = Number.POSITIVE_INFINITY;

/** Lark's `common.lark` terminals, as regexes. */
const COMMON: Record<string, string> = {
  DIGIT: '[0-9]',
  HEXDIGIT: '[a-fA-F0-9]',
  INT: '[0-9]+',
  SIGNED_INT: '[+-]?[0-9]+',
  DECIMAL: '[0-9]+\\.[0-9]*|\\.[0-9]+',
  FLOAT: '[0-9]+[eE][+-]?[0-9]+|([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?',
  NUMBER: '[0-9]+([eE][+-]?[0-9]+)?|([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?',
  SIGNED_NUMBER: '[+-]?([0-9]+([eE][+-]?[0-9]+)?|([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?)',
  ESCAPED_STRING: '"([^"\\\\\\n]|\\\\.)*"',
  LETTER: '[a-zA-Z]',
  LCASE_LETTER: '[a-z]',
  UCASE_LETTER: '[A-Z]',
  WORD: '[a-zA-Z]+',
  CNAME: '[_a-zA-Z][_a-zA-Z0-9]*',
  WS_INLINE: '[ \\t]+',
  WS: '[ \\t\\f\\r\\n]+',
  NEWLINE: '(\\r?\\n)+',
  CR: '\\r',
  LF: '\\n',
};

type Token = { k: 'name' | 'str' | 're' | 'op' | 'num' | 'nl' | 'dir' | 'json'; v: string; flags?: string };

/** The end of the JSON object starting at `from` (strings and escapes skipped), for `%json {…}`. */
function jsonEnd(source: string, from: number): number {
  let depth = 0;
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (c === '"') {
      for (i++; i < source.length && source[i] !== '"'; i++) if (source[i] === '\\') i++;
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return fail('%json needs a JSON schema object, and this one is not closed');
}

function lex(source: string): Token[] {
  const out: Token[] = [];
  const re =
    /\s*?(\n)|[ \t\r]+|\/\/[^\n]*|(%[a-z]+)|([?!]?[_a-zA-Z][_a-zA-Z0-9.]*)|"((?:[^"\\]|\\.)*)"(i?)|\/((?:[^/\\\n]|\\.)+)\/([imsux]*)|(\d+)|(->|\.\.|[:|()[\]?*+~,{}])|(.)/gy;
  for (let m = re.exec(source); m && m[0] !== ''; m = re.exec(source)) {
    if (m[1]) out.push({ k: 'nl', v: '\n' });
    else if (m[2] === '%json') {
      const open = source.slice(re.lastIndex).search(/\S/) + re.lastIndex;
      if (source[open] !== '{') fail('%json needs a JSON schema object after it');
      re.lastIndex = jsonEnd(source, open);
      out.push({ k: 'json', v: source.slice(open, re.lastIndex) });
    } else if (m[2]) out.push({ k: 'dir', v: m[2] });
    else if (m[3]) out.push({ k: 'name', v: m[3] });
    else if (m[4] !== undefined)
      out.push({ k: 'str', v: JSON.parse(`"${m[4].replace(/\\'/g, "'")}"`), flags: m[5] });
    else if (m[6] !== undefined) out.push({ k: 're', v: m[6].replace(/\\\//g, '/'), flags: m[7] });
    else if (m[8]) out.push({ k: 'num', v: m[8] });
    else if (m[9]) out.push({ k: 'op', v: m[9] });
    else if (m[10]) fail(`unexpected ${JSON.stringify(m[10])}`);
  }
  return out;
}

/** ASCII letters in both cases (Lark's `i` flag). */
function caseless(node: Node): Node {
  switch (node.t) {
    case 'set': {
      const extra: [number, number][] = [];
      for (let i = 0; i < node.set.length; i += 2)
        for (let c = Math.max(node.set[i]!, 65); c <= Math.min(node.set[i + 1]!, 122); c++)
          if (/[a-zA-Z]/.test(String.fromCharCode(c))) extra.push([c ^ 32, c ^ 32]);
      return { t: 'set', set: union(node.set, charSet(extra)) };
    }
    case 'rep':
      return { ...node, item: caseless(node.item) };
    case 'ref':
      return node;
    default:
      return { t: node.t, items: node.items.map(caseless) };
  }
}

/** `a: a x | y` becomes `a: y x*` (direct left recursion, which a top-down recognizer cannot follow). */
function unLeftRecurse(id: number, body: Node): Node {
  const alts = body.t === 'alt' ? body.items : [body];
  const starts = (n: Node) => n.t === 'seq' && n.items[0]?.t === 'ref' && n.items[0].rule === id;
  const tails = alts.filter(starts).map((n) => seq(...(n as { items: readonly Node[] }).items.slice(1)));
  if (tails.length === 0) return body;
  return seq(alt(...alts.filter((n) => !starts(n))), rep(alt(...tails), 0, INF));
}

/**
 * Compiles a Lark grammar (the EBNF subset: `rule: a | b`, `TERMINAL: …`, "literals"(i), /regex/flags,
 * `( )`, `[ ]`, `? * +`, `~ n` and `~ m..n`, `%import common.NAME`, `%ignore`, and llguidance's
 * `%json {schema}`, which matches JSON valid against the schema where it stands) whose start rule is
 * `start`. Terminals are matched by characters, not by Lark's greedy lexer, and `%ignore` text may
 * appear before any terminal and at the end.
 */
export function larkGrammar(source: string): Grammar {
  const tokens = lex(source);
  let i = 0;
  const rules: Node[] = [];
  const ruleIds = new Map<string, number>();
  const terminals = new Map<string, Token[]>();
  const ruleBodies: [number, Token[]][] = [];
  const ignores: Token[][] = [];
  const ruleId = (name: string) => {
    let id = ruleIds.get(name);
    if (id === undefined) {
      id = rules.length;
      rules.push(EMPTY);
      ruleIds.set(name, id);
    }
    return id;
  };
  // Split into definitions: a name (with optional .priority) then ':' up to a newline not followed by '|'.
  const definition = (): Token[] => {
    const body: Token[] = [];
    while (i < tokens.length) {
      const t = tokens[i]!;
      if (t.k === 'nl') {
        let j = i;
        while (tokens[j]?.k === 'nl') j++;
        if (tokens[j]?.k !== 'op' || tokens[j]?.v !== '|') break;
        i = j;
        continue;
      }
      body.push(t);
      i++;
    }
    return body;
  };
  while (i < tokens.length) {
    const t = tokens[i++]!;
    if (t.k === 'nl') continue;
    if (t.k === 'dir') {
      const args = definition();
      if (t.v === '%ignore') ignores.push(args);
      else if (t.v === '%import') {
        const names = args.filter((a) => a.k === 'name').map((a) => a.v.replace(/^common\./, ''));
        for (const n of names.filter((n) => n !== 'common'))
          terminals.set(n, [
            { k: 're', v: COMMON[n] ?? fail(`%import of ${n} (only common.lark terminals)`) },
          ]);
      } else fail(`${t.v} is not supported`);
      continue;
    }
    if (t.k !== 'name') fail(`expected a rule name, got ${JSON.stringify(t.v)}`);
    const name = t.v.replace(/^[?!]/, '').replace(/\.$/, '');
    if (tokens[i]?.k === 'num') i++; // `name.2:` priority, split by the lexer as `name.` `2`
    if (tokens[i]?.k !== 'op' || tokens[i++]?.v !== ':') fail(`expected ':' after ${name}`);
    const body = definition();
    if (/^_?[A-Z]/.test(name)) terminals.set(name, body);
    else ruleBodies.push([ruleId(name), body]);
  }

  // A `%json {schema}` grammar's rules join this grammar's, renumbered; the schema is matched where it stands.
  const embed = (grammar: Grammar): Node => {
    const offset = rules.length;
    const shift = (n: Node): Node =>
      n.t === 'ref'
        ? { t: 'ref', rule: n.rule + offset }
        : n.t === 'rep'
          ? { ...n, item: shift(n.item) }
          : n.t === 'set'
            ? n
            : { t: n.t, items: n.items.map(shift) };
    rules.push(...grammar.rules.map(shift));
    return { t: 'ref', rule: grammar.start + offset };
  };
  const terminalNodes = new Map<string, Node>();
  const inProgress = new Set<string>();
  let ignore: Node | undefined;
  const parse = (body: Token[], inTerminal: boolean): Node => {
    let p = 0;
    // The operator at `at` (a string token "+" is not one).
    const opAt = (at: number) => (body[at]?.k === 'op' ? body[at]!.v : undefined);
    const wrap = (n: Node) => (inTerminal || !ignore ? n : seq(ignore, n));
    const atom = (): Node => {
      const t = body[p++] ?? fail('unexpected end of a definition');
      if (t.k === 'op' && (t.v === '(' || t.v === '[')) {
        const inner = alts();
        if (opAt(p++) !== (t.v === '(' ? ')' : ']')) fail(`unclosed ${t.v}`);
        return t.v === '[' ? opt(inner) : inner;
      }
      if (t.k === 'str') {
        if (opAt(p) === '..' && body[p + 1]?.k === 'str') {
          const to = body[p + 1]!.v;
          p += 2;
          return wrap({ t: 'set', set: charSet([[t.v.codePointAt(0)!, to.codePointAt(0)!]]) });
        }
        return wrap(t.flags ? caseless(lit(t.v)) : lit(t.v));
      }
      if (t.k === 'json') {
        if (inTerminal) fail('%json cannot be part of a terminal');
        return wrap(embed(jsonSchemaGrammar(t.v)));
      }
      if (t.k === 're') return wrap(t.flags?.includes('i') ? caseless(parseRegex(t.v)) : parseRegex(t.v));
      if (t.k === 'name') {
        if (terminals.has(t.v)) return wrap(terminal(t.v));
        if (/^_?[A-Z]/.test(t.v)) fail(`unknown terminal ${t.v}`);
        if (inTerminal) fail(`terminal refers to rule ${t.v}`);
        return { t: 'ref', rule: ruleId(t.v) };
      }
      return fail(`unexpected ${JSON.stringify(t.v)}`);
    };
    const expr = (): Node => {
      let n = atom();
      for (;;) {
        const op = opAt(p);
        if (op === '?' || op === '*' || op === '+') {
          p++;
          n = rep(n, op === '+' ? 1 : 0, op === '?' ? 1 : INF);
        } else if (op === '~') {
          const lo = Number(body[p + 1]?.v);
          const hi = opAt(p + 2) === '..' ? Number(body[p + 3]?.v) : lo;
          if (!Number.isInteger(lo) || !Number.isInteger(hi)) fail('~ needs a count');
          p += opAt(p + 2) === '..' ? 4 : 2;
          n = rep(n, lo, hi);
        } else return n;
      }
    };
    const alts = (): Node => {
      const items: Node[] = [];
      for (;;) {
        const parts: Node[] = [];
        while (p < body.length && !['|', ')', ']', '->'].includes(opAt(p) ?? '')) parts.push(expr());
        if (opAt(p) === '->') p += 2; // an alias names the tree node; the language is the same
        items.push(parts.length === 0 ? EMPTY : seq(...parts));
        if (opAt(p) !== '|') return alt(...items);
        p++;
      }
    };
    const node = alts();
    if (p < body.length) fail(`unexpected ${JSON.stringify(body[p]!.v)}`);
    return node;
  };
  const terminal = (name: string): Node => {
    const known = terminalNodes.get(name);
    if (known) return known;
    if (inProgress.has(name)) fail(`terminal ${name} is recursive`);
    inProgress.add(name);
    const node = parse(terminals.get(name)!, true);
    inProgress.delete(name);
    terminalNodes.set(name, node);
    return node;
  };
  if (ignores.length > 0) ignore = rep(alt(...ignores.map((body) => parse(body, true))), 0, INF);
  for (const [id, body] of ruleBodies) rules[id] = unLeftRecurse(id, parse(body, false));
  const start = ruleIds.get('start');
  if (start === undefined || !ruleBodies.some(([id]) => id === start)) return fail('there is no start rule');
  for (const [name, id] of ruleIds)
    if (!ruleBodies.some(([r]) => r === id)) fail(`rule ${name} is used but not defined`);
  if (!ignore) return { rules, start };
  rules.push(seq({ t: 'ref', rule: start }, ignore));
  return { rules, start: rules.length - 1 };
}
