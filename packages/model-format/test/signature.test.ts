import { describe, expect, it } from 'vitest';
import { enforceColumns, enforceParams, inferSignature } from '../src/index.js';
import { schemaFromJson, schemaToJson } from '../src/signature/types.js';

describe('inferSignature', () => {
  it('maps records, columnar data, scalars and nested values as MLflow maps pandas columns', () => {
    const sig = inferSignature(
      [
        {
          id: 1,
          score: 0.5,
          name: 'a',
          ok: true,
          tags: ['x'],
          meta: { k: 'v' },
          at: new Date(0),
          raw: new Uint8Array([1]),
        },
        {
          id: 2,
          score: 1,
          name: 'b',
          ok: false,
          tags: ['y', 'z'],
          meta: { k: 'w' },
          at: new Date(1),
          raw: new Uint8Array([2]),
        },
      ],
      { label: ['yes', 'no'] },
      { temperature: 0.7, top_k: 5, stop: ['\n'] },
    );
    expect(schemaToJson(sig.inputs!)).toEqual([
      { type: 'long', name: 'id', required: true },
      { type: 'double', name: 'score', required: true },
      { type: 'string', name: 'name', required: true },
      { type: 'boolean', name: 'ok', required: true },
      { type: 'array', items: { type: 'string' }, name: 'tags', required: true },
      { type: 'object', properties: { k: { type: 'string', required: true } }, name: 'meta', required: true },
      { type: 'datetime', name: 'at', required: true },
      { type: 'binary', name: 'raw', required: true },
    ]);
    expect(schemaToJson(sig.outputs!)).toEqual([{ type: 'string', name: 'label', required: true }]);
    expect(sig.params).toEqual([
      { name: 'temperature', type: 'double', default: 0.7, shape: null },
      { name: 'top_k', type: 'long', default: 5, shape: null },
      { name: 'stop', type: 'string', default: ['\n'], shape: [-1] },
    ]);
  });

  it('marks columns missing in some rows as optional, and infers tensors from typed arrays', () => {
    const sig = inferSignature([{ a: 1, b: 'x' }, { a: 2 }], { data: new Float32Array(8), dims: [2, 4] });
    expect(sig.inputs).toEqual({
      kind: 'columns',
      columns: [
        { name: 'a', type: 'long', required: true },
        { name: 'b', type: 'string', required: false },
      ],
    });
    expect(sig.outputs).toEqual({ kind: 'tensors', tensors: [{ dtype: 'float32', shape: [-1, 4] }] });
  });

  it('refuses examples it cannot type, saying why', () => {
    expect(() => inferSignature([])).toThrow(/empty example/);
    expect(() => inferSignature([{ a: 1 }, { a: 'x' }])).toThrow(/different types/);
    expect(() => inferSignature([{ a: [] }])).toThrow(/empty list/);
  });

  it("round-trips MLflow's JSON and refuses mixed or half-named schemas", () => {
    const json = [
      { type: 'array', items: { type: 'array', items: { type: 'double' } }, name: 'matrix', required: true },
      { type: 'map', values: { type: 'long' }, name: 'counts', required: false },
      { type: 'any', name: 'free', required: true },
    ];
    expect(schemaToJson(schemaFromJson(json))).toEqual(json);
    expect(() =>
      schemaFromJson([
        { type: 'double', name: 'a' },
        { type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1] } },
      ]),
    ).toThrow(/mix/);
    expect(() => schemaFromJson([{ type: 'double', name: 'a' }, { type: 'double' }])).toThrow(
      /all named or all unnamed/,
    );
    expect(() =>
      schemaFromJson([{ type: 'tensor', 'tensor-spec': { dtype: 'complex', shape: [1] } }]),
    ).toThrow(/dtype/);
  });
});

describe('schema enforcement', () => {
  const schema = schemaFromJson([
    { type: 'long', name: 'age', required: true },
    { type: 'double', name: 'income', required: true },
    { type: 'string', name: 'city', required: false },
    { type: 'datetime', name: 'since', required: false },
  ]);
  if (schema.kind !== 'columns') throw new Error('unexpected');

  it('converts safely: integers widen to double, ISO strings become datetimes, extra columns drop', () => {
    const [row] = enforceColumns(
      [{ age: 30, income: 50000, city: 'Oslo', since: '2020-01-02T00:00:00Z', extra: 1 }],
      schema,
    );
    expect(row).toEqual({ age: 30, income: 50000, city: 'Oslo', since: new Date('2020-01-02T00:00:00Z') });
  });

  it('names the column and the expected type when a value cannot convert', () => {
    expect(() => enforceColumns([{ age: 30.5, income: 1 }], schema)).toThrow(
      /column age\. Can not safely convert number \(30\.5\) to long/,
    );
    expect(() => enforceColumns([{ age: 30, income: '1' }], schema)).toThrow(
      /column income\. Can not safely convert string/,
    );
    expect(() => enforceColumns([{ age: 30, income: 1, since: 'not a date' }], schema)).toThrow(
      /column since.*datetime/,
    );
  });

  it('reports missing required inputs, and optional ones may be absent', () => {
    expect(() => enforceColumns([{ income: 1, other: 2 }], schema)).toThrow(
      /Model is missing inputs \['age'\]\. Note that there were extra inputs: \['other'\]/,
    );
    expect(enforceColumns([{ age: 1, income: 2 }], schema)).toEqual([{ age: 1, income: 2 }]);
  });

  it('fills param defaults, checks given params, and refuses unknown ones', () => {
    const specs = [
      { name: 'temperature', type: 'double' as const, default: 0.5, shape: null },
      { name: 'stop', type: 'string' as const, default: ['\n'], shape: [-1] },
    ];
    expect(enforceParams({ temperature: 1 }, specs)).toEqual({ temperature: 1, stop: ['\n'] });
    expect(() => enforceParams({ temperature: 'hot' }, specs)).toThrow(/param temperature/);
    expect(() => enforceParams({ stop: 'x' }, specs)).toThrow(/must be a list of string/);
    expect(() => enforceParams({ top_p: 1 }, specs)).toThrow(/Unrecognized params top_p/);
    expect(() => enforceParams({ a: 1 }, undefined)).toThrow(/takes no params/);
  });
});
