import { describe, expect, it } from 'vitest';
import { GrammarEngine } from '../src/guidance/grammar.js';
import { responseFormatGuidance } from '../src/guidance/index.js';
import { jsonSchemaGrammar } from '../src/guidance/json-schema.js';
import { GenaiError } from '../src/index.js';

const matcher = (schema: object) => {
  const engine = new GrammarEngine(jsonSchemaGrammar(JSON.stringify(schema)));
  return (text: string) => engine.walk(engine.initial, text)?.complete === true;
};
const expectMatches = (schema: object, good: string[], bad: string[]) => {
  const match = matcher(schema);
  for (const s of good) expect(match(s), s).toBe(true);
  for (const s of bad) expect(match(s), s).toBe(false);
};

describe('guidance JSON schema', () => {
  it('lists properties in schema order, required ones always, optional ones maybe, no others', () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'integer' }, b: { type: 'string' }, c: { type: 'boolean' } },
      required: ['b'],
      additionalProperties: false,
    };
    expectMatches(
      schema,
      ['{"b":"x"}', '{"a":1,"b":"x"}', '{"a": -3, "b": "", "c": true}', '{"b":"x","c":false}'],
      ['{}', '{"a":1}', '{"b":"x","a":1}', '{"b":"x","d":1}', '{ "b":"x"}', '{"b":"x"} ', '{"b":  "x"}'],
    );
  });

  it('handles strings: escapes, lengths, enum, const, pattern and formats', () => {
    expectMatches(
      { type: 'string' },
      ['""', '"a\\"b\\\\c\\u00e9\\n"', '"日本"'],
      ['"a"b"', '"\n"', '"\\x"', '"\\u12"'],
    );
    expectMatches({ type: 'string', minLength: 2, maxLength: 3 }, ['"ab"', '"a\\nb"'], ['"a"', '"abcd"']);
    expectMatches(
      { enum: ['red', 1, null, { k: [1] }] },
      ['"red"', '1', 'null', '{"k":[1]}'],
      ['"blue"', '2'],
    );
    expectMatches({ const: 'x' }, ['"x"'], ['"y"']);
    expectMatches({ type: 'string', pattern: '^[a-z]+-\\d$' }, ['"ab-1"'], ['"ab-"', '"-1"']);
    expectMatches({ type: 'string', pattern: 'cat' }, ['"cat"', '"a cat!"'], ['"dog"', '"c\\"at"']);
    expectMatches({ type: 'string', format: 'date' }, ['"2024-02-29"'], ['"2024-13-01"', '"24-01-01"']);
    expectMatches(
      { type: 'string', format: 'date-time' },
      ['"2024-02-29T23:59:60Z"'.replace('60', '59'), '"2024-01-01T00:00:00.5+02:00"'],
      ['"2024-01-01 00:00:00Z"'],
    );
    expectMatches(
      { type: 'string', format: 'uuid' },
      ['"123e4567-e89b-12d3-a456-426614174000"'],
      ['"123e4567"'],
    );
    expectMatches({ type: 'string', format: 'email' }, ['"a.b@example.com"'], ['"a@b"', '"@x.com"']);
  });

  it('handles numbers, integers with exact bounds, booleans and null', () => {
    expectMatches({ type: 'number' }, ['0', '-1.5', '3e10', '2.5E-3'], ['01', '1.', '.5', '+1', '1e']);
    expectMatches({ type: 'integer' }, ['0', '-12', '999999999999999'], ['1.0', '-0', '1000000000000000']);
    const bounded = matcher({ type: 'integer', minimum: -7, maximum: 1234 });
    for (let n = -20; n <= 1300; n++) expect(bounded(String(n)), String(n)).toBe(n >= -7 && n <= 1234);
    expectMatches({ type: 'integer', exclusiveMinimum: 9 }, ['10', '123'], ['9', '-1']);
    expectMatches({ type: ['boolean', 'null'] }, ['true', 'false', 'null'], ['1']);
  });

  it('handles arrays with item counts, anyOf and nested objects', () => {
    expectMatches(
      { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 3 },
      ['[1]', '[1,2,3]', '[1, 2]'],
      ['[]', '[1,2,3,4]', '[1,]'],
    );
    expectMatches({ type: 'array', items: { type: 'integer' } }, ['[]', '[5]'], ['[,]']);
    expectMatches(
      {
        anyOf: [
          { type: 'integer' },
          {
            type: 'object',
            properties: { x: { type: 'null' } },
            required: ['x'],
            additionalProperties: false,
          },
        ],
      },
      ['3', '{"x":null}'],
      ['{}', '"3"'],
    );
  });

  it('follows $defs and recursive $ref', () => {
    const tree = {
      $defs: {
        node: {
          type: 'object',
          properties: { v: { type: 'integer' }, kids: { type: 'array', items: { $ref: '#/$defs/node' } } },
          required: ['v', 'kids'],
          additionalProperties: false,
        },
      },
      $ref: '#/$defs/node',
    };
    expectMatches(
      tree,
      ['{"v":1,"kids":[]}', '{"v":1,"kids":[{"v":2,"kids":[{"v":3,"kids":[]}]}]}'],
      ['{"v":1,"kids":[{"v":2}]}'],
    );
    expectMatches(
      {
        type: 'object',
        properties: { next: { anyOf: [{ $ref: '#' }, { type: 'null' }] } },
        required: ['next'],
        additionalProperties: false,
      },
      ['{"next":{"next":null}}'],
      ['{"next":{}}'],
    );
  });

  it('takes any JSON object for json_object and any value for {}', () => {
    const format = responseFormatGuidance({ type: 'json_object' });
    expect(format).toEqual({ type: 'json_schema', data: '{"type":"object"}' });
    expectMatches(
      { type: 'object' },
      ['{}', '{"a":[1,{"b":null}],"c":"d"}', '{"a": true}'],
      ['[]', '"x"', '{"a"}'],
    );
    expectMatches({}, ['[]', '1', '"x"', '{"a":{}}'], ['', 'nul']);
    expect(
      responseFormatGuidance({
        type: 'json_schema',
        json_schema: { name: 'x', schema: { type: 'integer' } },
      }),
    ).toEqual({ type: 'json_schema', data: '{"type":"integer"}' });
    expect(responseFormatGuidance({ type: 'text' })).toBeUndefined();
    expect(() => responseFormatGuidance({ type: 'yaml' })).toThrow(GenaiError);
  });

  it.each([
    ['not json'],
    ['{"$ref":"http://x/y"}'],
    ['{"$ref":"#/$defs/missing"}'],
    ['{"type":"decimal"}'],
    ['{"enum":[]}'],
    ['{"type":"integer","minimum":5,"maximum":1}'],
  ])('refuses %s with INVALID_ARGUMENT', (data) => {
    expect(() => jsonSchemaGrammar(data)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
