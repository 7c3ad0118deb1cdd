import { describe, expect, it } from 'vitest';
import { GrammarEngine } from '../src/guidance/grammar.js';
import { larkGrammar } from '../src/guidance/lark.js';

const matcher = (source: string) => {
  const engine = new GrammarEngine(larkGrammar(source));
  return (text: string) => engine.walk(engine.initial, text)?.complete === true;
};
const expectMatches = (source: string, good: string[], bad: string[]) => {
  const match = matcher(source);
  for (const s of good) expect(match(s), s).toBe(true);
  for (const s of bad) expect(match(s), s).toBe(false);
};

const ARITHMETIC = `
// left-recursive rules are rewritten as repetition
start: sum
sum: sum ("+" | "-") product
   | product
product: product "*" atom | atom
?atom: NUMBER | "(" sum ")" | NAME -> var
NAME: /[a-z_]+/
%import common.NUMBER
%ignore " "
`;

const JSONISH = `
start: value
?value: object | array | ESCAPED_STRING | SIGNED_NUMBER | "true" | "false" | "null"
object: "{" [pair ("," pair)*] "}"
pair: ESCAPED_STRING ":" value
array: "[" [value ("," value)*] "]"
%import common (ESCAPED_STRING, SIGNED_NUMBER, WS)
%ignore WS
`;

describe('guidance Lark grammars', () => {
  it('recognizes arithmetic with left recursion, aliases, imports and %ignore', () => {
    expectMatches(
      ARITHMETIC,
      ['1', '1+2*3', ' (a + 2.5) * b_c - 3 ', '((1))'],
      ['', '1+', '(1', '1 2', 'A', '*1'],
    );
  });

  it('recognizes a JSON grammar with optional groups and multi-name imports', () => {
    expectMatches(
      JSONISH,
      ['{}', '{"a": [1, -2.5e3, {"b": null}]}', ' [ true , "x\\"y" ] '],
      ['{"a"}', '[1,]', '{,}'],
    );
  });

  it('embeds %json schemas where they stand, as llguidance does (tool calls between tags)', () => {
    const call = JSON.stringify({
      type: 'object',
      properties: {
        name: { const: 'get_weather' },
        arguments: {
          type: 'object',
          properties: { city: { type: 'string', enum: ['Oslo', 'Lima'] } },
          required: ['city'],
        },
      },
      required: ['name', 'arguments'],
    });
    const source = `start: "<call>" %json ${call} "</call>" ("<call>" %json ${call} "</call>")*`;
    const one = '<call>{"name":"get_weather","arguments":{"city":"Oslo"}}</call>';
    expectMatches(
      source,
      [one, one + one.replace('Oslo', 'Lima')],
      [
        '<call>{"name":"get_weather","arguments":{"city":"Paris"}}</call>',
        '<call>{"name":"other","arguments":{"city":"Oslo"}}</call>',
        one.slice(0, -1),
        `${one}<call>`,
      ],
    );
    // Braces and escaped quotes inside the schema's strings do not end it early.
    expectMatches(`start: %json {"type": "string", "enum": ["}", "a\\"{"]}`, ['"}"', '"a\\"{"'], ['"a"']);
  });

  it('refuses a %json without a closed schema object', () => {
    for (const source of ['start: %json', 'start: %json {"type": "object"', 'X: %json {}\nstart: X'])
      expect(() => larkGrammar(source)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('handles literals with the i flag, ranges, repeats and optional brackets', () => {
    expectMatches(
      'start: "select"i WORD ("," WORD)~0..2 [";"]\nWORD: ("a".."z")+\n%ignore " "',
      ['SELECT a', 'Select a, b , c;'],
      ['select', 'select a,b,c,d', 'select A'],
    );
    expectMatches('start: X~3\nX: "ab" | "c"', ['abcab', 'ccc'], ['cc', 'cccc']);
    expectMatches('start: item+\nitem: "x" | "y" sub?\nsub: /[0-9]/', ['x', 'y1x', 'xyy2'], ['', '1', 'y12']);
  });

  it.each([
    ['rule: "a"'],
    ['start: missing'],
    ['start: X\nX: X "a"'],
    ['start: "a"\n%import other.THING'],
    ['start: ("a"'],
  ])('refuses %j with INVALID_ARGUMENT', (source) => {
    expect(() => larkGrammar(source)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
