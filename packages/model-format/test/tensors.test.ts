import { describe, expect, it } from 'vitest';
import { enforceInput } from '../src/signature/enforce.js';
import { enforceTensors } from '../src/signature/tensors.js';
import type { Schema } from '../src/signature/types.js';

const unnamed: Extract<Schema, { kind: 'tensors' }> = {
  kind: 'tensors',
  tensors: [{ dtype: 'float32', shape: [-1, 2] }],
};
const named: Extract<Schema, { kind: 'tensors' }> = {
  kind: 'tensors',
  tensors: [
    { name: 'x', dtype: 'float32', shape: [-1, 2] },
    { name: 'ids', dtype: 'int64', shape: [-1] },
  ],
};

describe('enforceTensors (MLflow: np.array(data, dtype=spec) then _enforce_tensor_spec)', () => {
  it('casts JSON numbers, integers included, to a typed tensor of the spec dtype', () => {
    const out = enforceTensors(
      [
        [1, 2],
        [0.5, -3],
      ],
      unnamed,
    ) as { data: Float32Array; dims: number[] };
    expect(out.data).toBeInstanceOf(Float32Array);
    expect([...out.data]).toEqual([1, 2, 0.5, -3]);
    expect(out.dims).toEqual([2, 2]);
    const ids = enforceTensors({ x: [[1, 2]], ids: [7], extra: 'dropped' }, named) as Record<
      string,
      { data: unknown }
    >;
    expect(Object.keys(ids)).toEqual(['x', 'ids']);
    expect(ids.ids!.data).toEqual(BigInt64Array.from([7n]));
  });

  it('checks the rank and every fixed dimension; -1 takes any size', () => {
    expect(() => enforceTensors([[1, 2, 3]], unnamed)).toThrow(
      'Shape of the input [1, 3] does not match expected shape [-1, 2].',
    );
    expect(() => enforceTensors([1, 2], unnamed)).toThrow(/Shape of the input \[2\]/);
    expect(() => enforceTensors([[1, 2], [3]], unnamed)).toThrow(/rectangular list of numbers/);
    expect((enforceTensors(Array(5).fill([0, 0]), unnamed) as { dims: number[] }).dims).toEqual([5, 2]);
  });

  it('refuses values that do not convert safely, and typed arrays of another dtype', () => {
    expect(() => enforceTensors({ x: [[1, 2]], ids: [0.5] }, named)).toThrow(
      "Input 'ids' has 0.5, which cannot be safely converted to int64.",
    );
    expect(() => enforceTensors([['a', 2]], unnamed)).toThrow(/"a", which cannot be safely converted/);
    expect(() => enforceTensors({ data: new Float64Array(2), dims: [1, 2] }, unnamed)).toThrow(
      /dtype float64, which does not match the expected dtype float32/,
    );
    const typed = { data: new Float32Array(2), dims: [1, 2] };
    expect(enforceTensors(typed, unnamed)).toBe(typed);
  });

  it('takes the forms MLflow takes: one tensor for one named input, table columns, rows as a matrix', () => {
    const one: Extract<Schema, { kind: 'tensors' }> = {
      kind: 'tensors',
      tensors: [{ name: 'x', dtype: 'float32', shape: [-1, 2] }],
    };
    expect(Object.keys(enforceTensors([[1, 2]], one) as object)).toEqual(['x']);
    expect(enforceTensors([{ a: 1, b: 2 }], one)).toMatchObject({ x: { dims: [1, 2] } });
    const columns = enforceTensors(
      [
        { x: [1, 2], ids: 3 },
        { x: [3, 4], ids: 4 },
      ],
      named,
    );
    expect(columns).toMatchObject({ x: { dims: [2, 2] }, ids: { dims: [2] } });
    expect(() => enforceTensors({ y: [[1, 2]] }, named)).toThrow(/Missing input tensor 'x'/);
    expect(() => enforceTensors([[1, 2]], named)).toThrow(/named tensors x, ids/);
    expect(() => enforceTensors({ x: [[1, 2]] }, unnamed)).toThrow(/takes one tensor/);
  });
});

describe('enforceInput for column schemas', () => {
  it('takes rows of values as positional columns, and lists of values for one unnamed column', () => {
    const positional: Schema = {
      kind: 'columns',
      columns: [
        { type: 'double', required: true },
        { type: 'long', required: true },
      ],
    };
    expect(enforceInput([[0.5, 2]], positional)).toEqual([{ 0: 0.5, 1: 2 }]);
    expect(() => enforceInput([[0.5, 2.5]], positional)).toThrow(/column 1\. Can not safely convert/);
    const text: Schema = { kind: 'columns', columns: [{ type: 'string', required: true }] };
    expect(enforceInput(['a', 'b'], text)).toEqual(['a', 'b']);
    expect(enforceInput('a', text)).toEqual('a');
    expect(() => enforceInput([1], text)).toThrow(/Can not safely convert number/);
    const lists: Schema = {
      kind: 'columns',
      columns: [{ type: 'array', items: { type: 'double' }, required: true }],
    };
    expect(enforceInput([[1, 2]], lists)).toEqual([[1, 2]]);
  });
});
