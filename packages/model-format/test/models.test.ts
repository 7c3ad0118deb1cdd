import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createArtifactRegistry } from '@flowline/artifact-store';
import { SqlRegistryStore } from '@flowline/registry';
import { createMlpModel, createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, logModel, parseMLmodel, type SaveModelOptions, saveModel } from '../src/index.js';
import { expectCloseRows, runFresh } from './helpers.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
let dir: string;
let tracking: SqlTrackingStore;
let registry: SqlRegistryStore;
const repositories = createArtifactRegistry();
const example = [
  { age: 30, income: 50 },
  { age: 40, income: 80 },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-models-'));
  const uri = `sqlite:///${join(dir, 'mlflow.db')}`;
  tracking = await SqlTrackingStore.open(uri, { defaultArtifactRoot: join(dir, 'artifacts') });
  registry = await SqlRegistryStore.open(uri, {
    sources: { runArtifactUri: async (id) => (await tracking.getRun(id)).info.artifactUri },
  });
  await writeFile(join(dir, 'weights.json'), JSON.stringify({ age: 0.5, income: 0.1 }));
});
afterAll(async () => {
  await registry.close();
  await tracking.close();
  await rm(dir, { recursive: true, force: true });
});

const spec = (offset = 1) => ({
  code: fixture('scorer.mjs'),
  codePaths: [fixture('scorer-helpers.mjs')],
  artifacts: { weights: join(dir, 'weights.json') },
  dependencies: ['is-number@7.0.0'],
  modelConfig: { offset },
});

describe('custom JS models', () => {
  it('saves a model folder MLflow can read: MLmodel, code, artifacts, dependencies, input example', async () => {
    const path = join(dir, 'saved');
    const model = await saveModel({ path, custom: spec(), inputExample: example, signature: undefined });
    const text = await readFile(join(path, 'MLmodel'), 'utf8');
    expect(parseMLmodel(text).flavors.custom_js).toEqual({
      code: 'code/scorer.mjs',
      export: 'default',
      artifacts: { weights: { path: 'artifacts/weights.json', uri: join(dir, 'weights.json') } },
      npm_dependencies: ['is-number@7.0.0'],
      model_config: { offset: 1 },
    });
    expect(model.signature?.inputs).toEqual({
      kind: 'columns',
      columns: [
        { name: 'age', type: 'long', required: true },
        { name: 'income', type: 'long', required: true },
      ],
    });
    expect(JSON.parse(await readFile(join(path, 'package.json'), 'utf8')).dependencies).toEqual({
      'is-number': '7.0.0',
    });
    expect(model.modelSizeBytes).toBeGreaterThan(0);
    await expect(saveModel({ path, custom: spec() })).rejects.toThrow(/not empty/);
  });

  it('logs to a run, registers it, and loads it in a fresh process by runs:/ and models:/ URIs', async () => {
    const run = await tracking.createRun({});
    const artifacts = repositories.resolve(run.info.artifactUri);
    const logged = await logModel({
      artifactPath: 'model',
      runId: run.info.runId,
      store: tracking,
      artifacts,
      custom: spec(),
      inputExample: example,
      registeredModelName: 'scorer',
      registry,
    });
    expect(logged.modelUri).toBe(`runs:/${run.info.runId}/model`);
    expect(logged.registeredModelVersion?.version).toBe('1');
    const history = JSON.parse(
      (await tracking.getRun(run.info.runId)).data.tags.find((t) => t.key === 'mlflow.log-model.history')!
        .value,
    );
    expect(history).toEqual([
      expect.objectContaining({
        artifact_path: 'model',
        run_id: run.info.runId,
        flavors: { custom_js: expect.not.objectContaining({ model_config: expect.anything() }) },
      }),
    ]);

    const context = {
      store: tracking,
      registry,
      openRepository: async (uri: string) => repositories.resolve(uri),
    };
    const model = await loadModel(logged.modelUri, context);
    expect(await model.predict(example)).toEqual([21, 29]);
    expect(await model.predict({ age: [30], income: [50] })).toEqual([21]);
    await expect(model.predict([{ age: 'old', income: 1 }])).rejects.toThrow(
      /column age\. Can not safely convert string/,
    );
    await expect(model.predict([{ income: 1 }])).rejects.toThrow(/missing inputs \['age'\]/);

    // A fresh process: only the model folder, no test code loaded.
    const script = `import { loadModel } from '@flowline/model-format';
      const m = await loadModel(process.argv[1]);
      console.log(JSON.stringify(await m.predict([{ age: 10, income: 10 }])));`;
    expect(await runFresh(script, [model.path])).toEqual([7]);
    await model.close();

    await registry.setRegisteredModelAlias('scorer', 'champion', '1');
    const byAlias = await loadModel('models:/scorer@champion', context);
    expect(await byAlias.predict(example)).toEqual([21, 29]);
    await byAlias.close();

    // A second version with another offset; move the alias, reload, and the new model answers.
    const run2 = await tracking.createRun({});
    await logModel({
      artifactPath: 'model',
      runId: run2.info.runId,
      store: tracking,
      artifacts: repositories.resolve(run2.info.artifactUri),
      custom: spec(100),
      inputExample: example,
      registeredModelName: 'scorer',
      registry,
    });
    await registry.setRegisteredModelAlias('scorer', 'champion', '2');
    for (const [uri, expected] of [
      ['models:/scorer@champion', [120, 128]],
      ['models:/scorer/1', [21, 29]],
    ] as const) {
      const reloaded = await loadModel(uri, context);
      expect(await reloaded.predict(example)).toEqual(expected);
      await reloaded.close();
    }
  });

  it('refuses models it cannot run, naming the flavors', async () => {
    const path = join(dir, 'foreign');
    await saveModel({ path, custom: spec() });
    const text = await readFile(join(path, 'MLmodel'), 'utf8');
    await writeFile(join(path, 'MLmodel'), text.replace('custom_js:', 'sklearn:'));
    await expect(loadModel(path)).rejects.toThrow(/flavors sklearn, and Flowline cannot run any of them/);
  });
});

describe('every built-in flavor', () => {
  /** Logs a model to a new run, then loads it by runs:/ in a fresh process that knows only the store. */
  async function roundTrip(model: Omit<SaveModelOptions, 'path'>, input: unknown): Promise<unknown> {
    const run = await tracking.createRun({});
    const logged = await logModel({
      ...model,
      artifactPath: 'model',
      runId: run.info.runId,
      store: tracking,
      artifacts: repositories.resolve(run.info.artifactUri),
    });
    const script = `import { loadModel } from '@flowline/model-format';
      import { SqlTrackingStore } from '@flowline/tracking-store';
      const [uri, modelUri, input] = process.argv.slice(1);
      const store = await SqlTrackingStore.open(uri);
      const m = await loadModel(modelUri, { store });
      console.log(JSON.stringify(await m.predict(JSON.parse(input))));
      await m.close();
      await store.close();`;
    return runFresh(script, [`sqlite:///${join(dir, 'mlflow.db')}`, logged.modelUri, JSON.stringify(input)]);
  }

  it('onnx: save → log → load by runs:/ in a fresh process → predict', async () => {
    const mlp = createMlpModel({ inputs: 3, hidden: 5, outputs: 2, seed: 9 });
    const batch = [
      [1, 2, 3],
      [-1, 0.5, 0],
    ];
    expectCloseRows(await roundTrip({ onnx: { model: mlp.bytes } }, batch), mlp.reference(batch));
  });

  it('transformers (llm/v1/chat): save → log → load by runs:/ in a fresh process → predict', async () => {
    const source = await writeModelFiles(join(dir, 'tiny-lm'), createTinyDecoder({ seed: 5 }).files);
    const model = {
      transformers: { source, task: 'text-generation' as const, inferenceTask: 'llm/v1/chat' as const },
    };
    const request = { messages: [{ role: 'user', content: 'hello' }], max_tokens: 5 };
    const remote = (await roundTrip(model, request)) as { choices: unknown[]; usage: unknown };
    await saveModel({ path: join(dir, 'local-lm'), ...model });
    const local = (await (await loadModel(join(dir, 'local-lm'))).predict(request)) as typeof remote;
    expect(remote.choices).toEqual(local.choices);
    expect(remote.usage).toEqual(local.usage);
  });
});
