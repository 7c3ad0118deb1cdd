import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultFlavors,
  type Flavor,
  FlavorRegistry,
  loadModel,
  parseMLmodel,
  saveModel,
} from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-flavors-'));
  await writeFile(join(dir, 'echo.mjs'), 'export default class { predict(_c, rows) { return rows; } }');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A flavor defined outside the package: a model that adds a saved constant to each number. */
const closed: string[] = [];
const adder: Flavor<{ add: number }> = {
  name: 'adder',
  async save(folder, spec) {
    await writeFile(join(folder, 'add.json'), JSON.stringify(spec.add));
    return { flavors: { adder: { data: 'add.json' } }, metadata: { kind: 'adder' } };
  },
  async load(folder, config) {
    const add = JSON.parse(await readFile(join(folder, String(config.data)), 'utf8')) as number;
    return {
      predict: async (input) => (input as number[]).map((x) => x + add),
      close: async () => {
        closed.push(folder);
      },
    };
  },
};

describe('the flavor registry', () => {
  it('saves and loads a flavor registered from outside, touching nothing else', async () => {
    const flavors = defaultFlavors().register(adder);
    const path = join(dir, 'adder');
    const saved = await saveModel({ path, flavor: 'adder', model: { add: 10 }, flavors, metadata: { a: 1 } });
    expect(saved.flavors).toEqual({ adder: { data: 'add.json' } });
    expect(parseMLmodel(await readFile(join(path, 'MLmodel'), 'utf8')).metadata).toEqual({
      kind: 'adder',
      a: 1,
    });
    const model = await loadModel(path, { flavors });
    expect(await model.predict([1, 2])).toEqual([11, 12]);
    await model.close();
    expect(closed).toEqual([path]);
    // Without it registered, the model is refused with its flavor named.
    await expect(loadModel(path)).rejects.toThrow(/flavors adder, and Flowline cannot run any of them/);
  });

  it('imports a lazily registered flavor the first time it is used, once', async () => {
    let imports = 0;
    const flavors = new FlavorRegistry().registerLazy(
      'adder',
      async () => {
        imports++;
        return adder;
      },
      { shorthand: 'adds' },
    );
    expect(imports).toBe(0);
    const options = { path: join(dir, 'lazy'), flavors, adds: { add: 1 } };
    await saveModel(options as Parameters<typeof saveModel>[0]);
    const model = await loadModel(join(dir, 'lazy'), { flavors });
    expect(await model.predict([1])).toEqual([2]);
    await model.close();
    expect(imports).toBe(1);
  });

  it('dispatches saveModel by flavor name or a built-in shorthand, and wants exactly one model', async () => {
    const byName = await saveModel({
      path: join(dir, 'by-name'),
      flavor: 'custom_js',
      model: { code: join(dir, 'echo.mjs') },
    });
    const byShorthand = await saveModel({
      path: join(dir, 'by-key'),
      custom: { code: join(dir, 'echo.mjs') },
    });
    expect(byName.flavors).toEqual(byShorthand.flavors);
    expect(defaultFlavors().shorthands()).toEqual({
      custom: 'custom_js',
      onnx: 'onnx',
      transformers: 'transformers',
      onnxGenai: 'onnx_genai',
    });
    await expect(saveModel({ path: join(dir, 'none') })).rejects.toThrow(/exactly one model/);
    await expect(
      saveModel({ path: join(dir, 'two'), flavor: 'onnx', model: {}, custom: { code: 'x.mjs' } }),
    ).rejects.toThrow(/exactly one model/);
    await expect(saveModel({ path: join(dir, 'unknown'), flavor: 'sklearn', model: {} })).rejects.toThrow(
      /No flavor named 'sklearn'; registered: custom_js, onnx, transformers, onnx_genai/,
    );
  });
});
