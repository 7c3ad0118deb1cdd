import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createMLModel,
  inferSignature,
  parseMLmodel,
  readMLmodel,
  saveInputExample,
  serializeMLmodel,
  writeMLmodel,
} from '../src/index.js';

// An MLmodel as MLflow 2.x/3.x writes it for a scikit-learn model with a signature and an input example.
const FROM_MLFLOW = `artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.5.1
mlflow_version: 2.16.0
model_size_bytes: 1234
model_uuid: 4f1c0d3a2b8e4d0f9a7c6b5e4d3c2b1a
run_id: a1b2c3d4e5f60718293a4b5c6d7e8f90
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  serving_input_path: serving_input_example.json
  type: dataframe
signature:
  inputs: '[{"type": "double", "name": "sepal length (cm)", "required": true}, {"type": "long", "name": "petals", "required": false}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: '[{"name": "threshold", "type": "double", "default": 0.5, "shape": null}]'
utc_time_created: '2024-09-01 12:34:56.789012'
`;

describe('MLmodel', () => {
  it("reads MLflow's file field by field, signature included", () => {
    const model = parseMLmodel(FROM_MLFLOW);
    expect(model).toMatchObject({
      artifactPath: 'model',
      runId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      modelUuid: '4f1c0d3a2b8e4d0f9a7c6b5e4d3c2b1a',
      utcTimeCreated: '2024-09-01 12:34:56.789012',
      mlflowVersion: '2.16.0',
      modelSizeBytes: 1234,
      savedInputExampleInfo: {
        artifact_path: 'input_example.json',
        type: 'dataframe',
        pandas_orient: 'split',
      },
    });
    expect(model.flavors.python_function).toMatchObject({
      loader_module: 'mlflow.sklearn',
      env: { virtualenv: 'python_env.yaml' },
    });
    expect(model.signature).toEqual({
      inputs: {
        kind: 'columns',
        columns: [
          { type: 'double', name: 'sepal length (cm)', required: true },
          { type: 'long', name: 'petals', required: false },
        ],
      },
      outputs: { kind: 'tensors', tensors: [{ dtype: 'int64', shape: [-1] }] },
      params: [{ name: 'threshold', type: 'double', default: 0.5, shape: null }],
    });
  });

  it("writes the same file back: MLflow's keys, order, and JSON-string signature", () => {
    expect(serializeMLmodel(parseMLmodel(FROM_MLFLOW))).toBe(FROM_MLFLOW);
  });

  it('keeps keys it does not model (newer MLflow fields) through a round trip', () => {
    const text = `${FROM_MLFLOW}resources:\n  api_version: '1'\n`;
    const model = parseMLmodel(text);
    expect(model.extra).toEqual({ resources: { api_version: '1' } });
    expect(parseMLmodel(serializeMLmodel(model)).extra).toEqual({ resources: { api_version: '1' } });
  });

  it('refuses files that are not models with a clear message', () => {
    expect(() => parseMLmodel('artifact_path: x\n')).toThrow(/no flavors/);
    expect(() => parseMLmodel('flavors: [unclosed')).toThrow(/not valid YAML/);
    expect(() =>
      parseMLmodel(`flavors: {a: {}}\nsignature:\n  inputs: '[{"type": "decimal", "name": "x"}]'\n`),
    ).toThrow(/unknown type 'decimal'/);
  });

  it('writes a new model folder with a fresh uuid, MLflow-style timestamp and input example files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flowline-mlmodel-'));
    const example = [
      { age: 31, income: 52000.5, city: 'Oslo' },
      { age: 45, income: 61000, city: 'Bergen' },
    ];
    const model = createMLModel({
      artifactPath: 'model',
      flavors: { custom_js: { entry: 'model.mjs' } },
      signature: inferSignature(example, [0.2, 0.9]),
      savedInputExampleInfo: await saveInputExample(dir, example),
    });
    expect(model.modelUuid).toMatch(/^[0-9a-f]{32}$/);
    expect(model.utcTimeCreated).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    await writeMLmodel(dir, model);
    const back = await readMLmodel(dir);
    expect(back.signature).toEqual(model.signature);
    expect(JSON.parse(await readFile(join(dir, 'input_example.json'), 'utf8'))).toEqual({
      columns: ['age', 'income', 'city'],
      data: [
        [31, 52000.5, 'Oslo'],
        [45, 61000, 'Bergen'],
      ],
    });
    expect(JSON.parse(await readFile(join(dir, 'serving_input_example.json'), 'utf8'))).toHaveProperty(
      'dataframe_split.columns',
    );
    await expect(readMLmodel(join(dir, 'missing'))).rejects.toThrow(/No MLmodel file/);
    await rm(dir, { recursive: true, force: true });
  });
});
