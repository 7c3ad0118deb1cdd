import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleSchema, saveInputExample } from '../src/input-example.js';

let dir: string;
let count = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-example-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Saves an example in a new folder; returns the info and both files, parsed. */
async function save(example: unknown, options: Parameters<typeof saveInputExample>[2] = {}) {
  const path = await mkdtemp(join(dir, `${count++}-`));
  const info = await saveInputExample(path, example, options);
  const read = async (name: string) => JSON.parse(await readFile(join(path, name), 'utf8'));
  return { info, data: await read('input_example.json'), serving: await read('serving_input_example.json') };
}

describe("saveInputExample writes the forms of MLflow's _Example", () => {
  it('tensors (ndarrays) and records of tensors: {"inputs": nested lists}, type ndarray', async () => {
    const tensor = await save({ data: Float32Array.from([0.5, 1, 2, Number.NaN]), dims: [2, 2] });
    expect(tensor.serving).toEqual({
      inputs: [
        [0.5, 1],
        [2, null],
      ],
    });
    expect(tensor.data).toEqual(tensor.serving);
    expect(tensor.info).toEqual({
      artifact_path: 'input_example.json',
      type: 'ndarray',
      format: 'tf-serving',
      serving_input_path: 'serving_input_example.json',
    });
    const named = await save({ ids: { data: BigInt64Array.from([1n, 2n]), dims: [2] } });
    expect(named.serving).toEqual({ inputs: { ids: [1, 2] } });
  });

  it('lists of scalars: {"inputs": [...]}', async () => {
    const { serving, data, info } = await save(['a', 'b']);
    expect(serving).toEqual({ inputs: ['a', 'b'] });
    expect(data).toEqual(serving);
    expect(info.type).toBe('ndarray');
  });

  it('tables: {"dataframe_split": …} with columns for records, without for rows of values', async () => {
    const records = await save([{ a: 1, b: 'x' }, { a: 2 }]);
    expect(records.serving).toEqual({
      dataframe_split: {
        columns: ['a', 'b'],
        data: [
          [1, 'x'],
          [2, null],
        ],
      },
    });
    expect(records.data).toEqual(records.serving.dataframe_split);
    expect(records.info).toMatchObject({ type: 'dataframe', pandas_orient: 'split' });
    const rows = await save([
      [1, 2],
      [3, 4],
    ]);
    expect(rows.serving).toEqual({
      dataframe_split: {
        data: [
          [1, 2],
          [3, 4],
        ],
      },
    });
    expect((await save({ a: 1, b: [1, 2] })).serving).toEqual({
      dataframe_split: { columns: ['a', 'b'], data: [[1, [1, 2]]] },
    });
    const scalar = await save('hello');
    expect(scalar.serving).toEqual({ dataframe_split: { data: [['hello']] } });
    expect(scalar.info).toMatchObject({ type: 'dataframe', pandas_orient: 'values' });
  });

  it('params: {"inputs": data, "params": …} in input_example.json and "params" in the serving body', async () => {
    const { data, serving, info } = await save(['a'], { params: { top_k: 2 } });
    expect(data).toEqual({ inputs: { inputs: ['a'] }, params: { top_k: 2 } });
    expect(serving).toEqual({ inputs: ['a'], params: { top_k: 2 } });
    expect(info.params).toBe('true');
  });

  it('LLM requests are kept as they are and served unwrapped, params at the top', async () => {
    const request = { messages: [{ role: 'user', content: 'hi' }] };
    const chat = await save(request, { llm: true, params: { max_tokens: 3 } });
    expect(chat.serving).toEqual({ ...request, max_tokens: 3 });
    expect(chat.data).toEqual({ inputs: request, params: { max_tokens: 3 } });
    expect(chat.info.type).toBe('json_object');
    expect((await save('plain text', { llm: true })).serving).toEqual({ inputs: 'plain text' });
  });

  it('refuses examples it cannot write', async () => {
    await expect(save(null)).rejects.toThrow(/got nothing/);
    await expect(save([1, { a: 1 }])).rejects.toThrow(/only records, only lists/);
    await expect(save({ a: [1, 2], b: [1] })).rejects.toThrow(/same length/);
  });
});

describe('exampleSchema', () => {
  it('reads rows of values as unnamed columns and an LLM request as one row', () => {
    expect(exampleSchema([[1, 0.5]])).toEqual({
      kind: 'columns',
      columns: [
        { type: 'long', required: true },
        { type: 'double', required: true },
      ],
    });
    expect(() => exampleSchema([[1, 2], [3]])).toThrow(/same length/);
    expect(exampleSchema({ input: ['a', 'b'] }, true)).toEqual({
      kind: 'columns',
      columns: [{ name: 'input', type: 'array', items: { type: 'string' }, required: true }],
    });
    expect(exampleSchema({ data: new Float32Array(4), dims: [1, 4] })).toEqual({
      kind: 'tensors',
      tensors: [{ dtype: 'float32', shape: [-1, 4] }],
    });
  });
});
