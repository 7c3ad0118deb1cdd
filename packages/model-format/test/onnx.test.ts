import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMlpModel } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, saveModel } from '../src/index.js';
import { expectCloseRows, runFresh } from './helpers.js';

const mlp = createMlpModel({ inputs: 4, hidden: 8, outputs: 3, seed: 7 });
const batch = [
  [0.1, 0.2, 0.3, 0.4],
  [1, -1, 0.5, 2],
];
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-onnx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the onnx flavor', () => {
  it('saves a generated MLP with a tensor signature and predicts what the network computes', async () => {
    const path = join(dir, 'mlp');
    const saved = await saveModel({
      path,
      onnx: { model: mlp.bytes },
      signature: {
        inputs: { kind: 'tensors', tensors: [{ name: 'input', dtype: 'float32', shape: [-1, 4] }] },
        outputs: { kind: 'tensors', tensors: [{ name: 'output', dtype: 'float32', shape: [-1, 3] }] },
      },
    });
    expect(saved.flavors.onnx).toMatchObject({ data: 'model.onnx', providers: ['CPUExecutionProvider'] });
    expect(saved.flavors.python_function).toEqual({ loader_module: 'mlflow.onnx', data: 'model.onnx' });
    const model = await loadModel(path);
    expectCloseRows(await model.predict(batch), mlp.reference(batch));
    expectCloseRows(await model.predict({ input: batch }), mlp.reference(batch));
    expectCloseRows(
      await model.predict({ data: Float32Array.from(batch.flat()), dims: [2, 4] }),
      mlp.reference(batch),
    );
    expectCloseRows(await model.predict([{ a: 0.1, b: 0.2, c: 0.3, d: 0.4 }]), mlp.reference([batch[0]!]));
    await expect(model.predict([[1, 2], [3]])).rejects.toThrow(/rectangular list of numbers/);
    // The signature's shape is checked before the graph runs, as MLflow's _enforce_tensor_spec does.
    await expect(model.predict([[1, 2, 3]])).rejects.toThrow(
      "Shape of input 'input' [1, 3] does not match expected shape [-1, 4].",
    );
    await expect(model.predict({ other: batch })).rejects.toThrow(/Missing input tensor 'input'/);
    // Without a signature, the graph itself refuses the wrong shape.
    await saveModel({ path: join(dir, 'bare'), onnx: { model: mlp.bytes } });
    await expect((await loadModel(join(dir, 'bare'))).predict([[1, 2, 3]])).rejects.toThrow(
      /ONNX model refused the input/,
    );
  });

  it('loads in a fresh process from the folder alone', async () => {
    const path = join(dir, 'fresh');
    await saveModel({ path, onnx: { model: mlp.bytes } });
    const script = `import { loadModel } from '@flowline/model-format';
      const m = await loadModel(process.argv[1]);
      console.log(JSON.stringify(await m.predict(${JSON.stringify(batch)})));`;
    expectCloseRows(await runFresh(script, [path]), mlp.reference(batch));
  });

  it("reads a model folder written by MLflow's Python onnx flavor unchanged", async () => {
    const path = join(dir, 'from-mlflow');
    await mkdir(path);
    await writeFile(join(path, 'model.onnx'), mlp.bytes);
    await writeFile(
      join(path, 'MLmodel'),
      `artifact_path: model
flavors:
  onnx:
    code: null
    data: model.onnx
    onnx_version: 1.16.2
    providers:
    - CUDAExecutionProvider
    - CPUExecutionProvider
  python_function:
    data: model.onnx
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.onnx
    python_version: 3.11.7
mlflow_version: 2.17.0
model_size_bytes: ${mlp.bytes.length}
model_uuid: 0123456789abcdef0123456789abcdef
run_id: a1b2c3d4e5f60718293a4b5c6d7e8f90
signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}, "name": "input"}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}, "name": "output"}]'
  params: null
utc_time_created: '2024-10-01 08:00:00.000000'
`,
    );
    const model = await loadModel(path);
    expect(model.metadata.mlflowVersion).toBe('2.17.0');
    expectCloseRows(await model.predict({ input: batch }), mlp.reference(batch));
  });
});
