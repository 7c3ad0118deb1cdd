import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adapters, Generator, GeneratorParams, Model, parseAdapterFile } from '../src/index.js';
import { initializerToInput } from './onnx-edit.js';

/** An `.onnx_adapter` file (FlatBuffers, identifier TORT) laid out front to back, 8-aligned raw data. */
function adapterFile(params: { name: string; dims: number[]; type: number; raw: Uint8Array }[]): Uint8Array {
  const view = new DataView(new ArrayBuffer(1 << 20));
  let at = 0;
  const align = (n: number, extra = 0) => {
    while ((at + extra) % n !== 0) at++;
  };
  const vtable = (tableSize: number, offsets: number[]) => {
    const start = at;
    view.setUint16(at, 4 + 2 * offsets.length, true);
    view.setUint16(at + 2, tableSize, true);
    offsets.forEach((o, i) => {
      view.setUint16(at + 4 + 2 * i, o, true);
    });
    at += 4 + 2 * offsets.length;
    align(4);
    return start;
  };
  const patches: [number, () => number][] = [];
  const uoffset = (pos: number, target: () => number) => patches.push([pos, target]);
  at = 8;
  new Uint8Array(view.buffer).set(new TextEncoder().encode('TORT'), 4);
  const vt = vtable(20, [4, 8, 12, 16]);
  const root = at;
  view.setUint32(0, root, true);
  view.setInt32(root, root - vt, true);
  view.setInt32(root + 4, 1, true);
  view.setInt32(root + 8, 7, true);
  view.setInt32(root + 12, 0, true);
  at = root + 20;
  const list = at;
  uoffset(root + 16, () => list);
  view.setUint32(list, params.length, true);
  at = list + 4 + 4 * params.length;
  params.forEach((param, i) => {
    const pvt = vtable(20, [4, 8, 12, 16]);
    const table = at;
    view.setUint32(list + 4 + 4 * i, table - (list + 4 + 4 * i), true);
    view.setInt32(table, table - pvt, true);
    view.setInt32(table + 12, param.type, true);
    at = table + 20;
    const bytes = new TextEncoder().encode(param.name);
    const name = at;
    view.setUint32(at, bytes.length, true);
    new Uint8Array(view.buffer).set(bytes, at + 4);
    at += 4 + bytes.length + 1;
    align(8, 4);
    const dims = at;
    view.setUint32(at, param.dims.length, true);
    param.dims.forEach((d, j) => {
      view.setBigInt64(dims + 4 + 8 * j, BigInt(d), true);
    });
    at += 4 + 8 * param.dims.length;
    align(8, 4);
    const raw = at;
    view.setUint32(at, param.raw.length, true);
    new Uint8Array(view.buffer).set(param.raw, at + 4);
    at += 4 + param.raw.length;
    align(4);
    uoffset(table + 4, () => name);
    uoffset(table + 8, () => dims);
    uoffset(table + 16, () => raw);
  });
  for (const [pos, target] of patches) view.setUint32(pos, target() - pos, true);
  return new Uint8Array(view.buffer.slice(0, at));
}

const decoder = createTinyDecoder({ seed: 5 });
const { hidden, vocabSize } = decoder.shape;
let dir: string;
let model: Model;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-genai-adapters-'));
  const edited = initializerToInput(decoder.files['onnx/model.onnx'] as Uint8Array, 'w_lm', [
    hidden,
    vocabSize,
  ]);
  model = await Model.load(
    await writeModelFiles(join(dir, 'lm'), { ...decoder.files, 'onnx/model.onnx': edited.model }),
  );
  const f32 = (values: Float32Array) => new Uint8Array(values.buffer);
  await writeFile(
    join(dir, 'base.onnx_adapter'),
    adapterFile([{ name: 'w_lm', dims: [hidden, vocabSize], type: 1, raw: f32(edited.values) }]),
  );
  await writeFile(
    join(dir, 'zero.onnx_adapter'),
    adapterFile([
      { name: 'w_lm', dims: [hidden, vocabSize], type: 1, raw: f32(new Float32Array(hidden * vocabSize)) },
    ]),
  );
  await writeFile(
    join(dir, 'stranger.onnx_adapter'),
    adapterFile([{ name: 'lora_B_nowhere', dims: [1], type: 1, raw: f32(new Float32Array(1)) }]),
  );
  await writeFile(
    join(dir, 'int.onnx_adapter'),
    adapterFile([{ name: 'w_lm', dims: [1], type: 6, raw: new Uint8Array(4) }]),
  );
  await writeFile(join(dir, 'junk.onnx_adapter'), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
});
afterAll(async () => {
  await model?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Adapters (og.Adapters)', () => {
  it('parses an .onnx_adapter file: versions, names, dims, typed data', () => {
    const file = parseAdapterFile(
      adapterFile([
        { name: 'a', dims: [2, 1], type: 1, raw: new Uint8Array(new Float32Array([1.5, -2]).buffer) },
        { name: 'b', dims: [3], type: 7, raw: new Uint8Array(new BigInt64Array([1n, 2n, 3n]).buffer) },
      ]),
    );
    expect(file).toMatchObject({ formatVersion: 1, adapterVersion: 7, modelVersion: 0 });
    expect(
      file.parameters.map((p) => [p.name, p.dims, p.type, Array.from(p.data as ArrayLike<unknown>)]),
    ).toEqual([
      ['a', [2, 1], 'float32', [1.5, -2]],
      ['b', [3], 'int64', [1n, 2n, 3n]],
    ]);
    expect(() => parseAdapterFile(new Uint8Array(12))).toThrow(/TORT/);
  });

  it('an active adapter’s parameters are the graph’s LoRA inputs: the base weights give the reference, zero weights a zero head', async () => {
    const prompt = [decoder.vocab.the!, decoder.vocab.cat!];
    expect(model.session.inputNames).toContain('w_lm');
    const adapters = new Adapters(model);
    adapters.loadAdapter(join(dir, 'base.onnx_adapter'), 'base');
    adapters.loadAdapter(join(dir, 'zero.onnx_adapter'), 'zero');
    expect(adapters.names()).toEqual(['base', 'zero']);

    const params = new GeneratorParams(model);
    params.setSearchOptions({ max_length: 8 });
    const based = new Generator(model, params);
    based.setActiveAdapter(adapters, 'base');
    based.appendTokens(prompt);
    while (!based.isDone()) await based.generateNextToken();
    expect(based.getSequence(0)).toEqual([
      ...prompt,
      ...decoder.greedy(prompt, 6).filter((t) => !decoder.eosTokenIds.includes(t)),
    ]);

    const zeroed = new Generator(model, params);
    zeroed.setActiveAdapter(adapters, 'zero');
    zeroed.appendTokens(prompt);
    // A zero LM head: every logit is 0, so greedy takes id 0.
    expect(Array.from((await zeroed.getLogits()).data as Float32Array).every((v) => v === 0)).toBe(true);
    await zeroed.generateNextToken();
    expect(zeroed.getNextTokens()).toEqual([0]);

    // Without an adapter the graph lacks its input.
    const bare = new Generator(model, params);
    bare.appendTokens(prompt);
    await expect(bare.generateNextToken()).rejects.toThrow(/w_lm/);

    adapters.unloadAdapter('zero');
    expect(() => adapters.unloadAdapter('zero')).toThrow(/No adapter named 'zero'/);
    expect(() => new Generator(model, params).setActiveAdapter(adapters, 'zero')).toThrow(
      /loadAdapter it first/,
    );
    expect(() => adapters.loadAdapter(join(dir, 'base.onnx_adapter'), 'base')).toThrow(/already loaded/);
  });

  it('refuses parameters the graph does not take, of another type, and files that are not adapters', () => {
    const adapters = new Adapters(model);
    expect(() => adapters.loadAdapter(join(dir, 'stranger.onnx_adapter'), 's')).toThrow(
      /'lora_B_nowhere'.*not an input/,
    );
    expect(() => adapters.loadAdapter(join(dir, 'int.onnx_adapter'), 'i')).toThrow(
      /int32, but the graph input is float32/,
    );
    expect(() => adapters.loadAdapter(join(dir, 'junk.onnx_adapter'), 'j')).toThrow(/Not an .onnx_adapter/);
    expect(() => adapters.loadAdapter(join(dir, 'missing.onnx_adapter'), 'm')).toThrow(/Cannot read/);
    expect(adapters.names()).toEqual([]);
  });
});
