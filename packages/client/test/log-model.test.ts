import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createArtifactRegistry } from '@flowline/artifact-store';
import { loadModel } from '@flowline/model-format';
import { createMlpModel, createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Tracker } from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-client-logmodel-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Tracker.logModel', () => {
  it('logs a custom model into the active run and registers it under registeredModelName', async () => {
    const tracker = new Tracker({ trackingUri: `sqlite:///${join(dir, 'mlflow.db')}`, env: {} });
    const store = await tracker.store();
    const expId = await store.createExperiment({ name: 'models', artifactLocation: join(dir, 'artifacts') });
    await writeFile(
      join(dir, 'tripler.mjs'),
      'export default class { predict(_c, rows) { return rows.map((r) => r.v * 3); } }',
    );
    const run = await tracker.startRun({ experimentId: expId });
    const logged = await tracker.logModel({ code: join(dir, 'tripler.mjs') }, 'model', {
      registeredModelName: 'tripler',
      inputExample: [{ v: 1 }],
    });
    await tracker.endRun();
    // MLflow 3: the model is a logged model; its files are still in the run.
    expect(logged.modelUri).toBe(`models:/${logged.modelId}`);
    expect(logged.runModelUri).toBe(`runs:/${run.info.runId}/model`);
    expect(logged.registeredModelVersion).toMatchObject({
      name: 'tripler',
      version: '1',
      runId: run.info.runId,
    });
    expect((await tracker.listArtifacts('model', { runId: run.info.runId })).map((f) => f.path)).toContain(
      'model/MLmodel',
    );
    const repositories = createArtifactRegistry();
    const model = await loadModel('models:/tripler/1', {
      store,
      registry: await tracker.registry(),
      openRepository: async (uri) => repositories.resolve(uri),
    });
    expect(await model.predict([{ v: 2 }])).toEqual([6]);
    await model.close();
    await tracker.close();
  });

  it('logs an ONNX model the same way', async () => {
    const tracker = new Tracker({ trackingUri: `sqlite:///${join(dir, 'mlflow.db')}`, env: {} });
    const store = await tracker.store();
    const expId = await store.createExperiment({ name: 'onnx', artifactLocation: join(dir, 'artifacts') });
    const mlp = createMlpModel({ inputs: 2, hidden: 3, outputs: 1, seed: 4 });
    await tracker.startRun({ experimentId: expId });
    const logged = await tracker.logModel({ onnx: { model: mlp.bytes } }, 'net');
    await tracker.endRun();
    const repositories = createArtifactRegistry();
    const model = await loadModel(logged.modelUri, {
      store,
      openRepository: async (uri) => repositories.resolve(uri),
    });
    expect(model.metadata.flavors.onnx).toBeDefined();
    const predicted = (await model.predict([[0.5, -1]])) as number[][];
    expect(predicted[0]![0]).toBeCloseTo(mlp.reference([[0.5, -1]])[0]![0]!, 5);
    await model.close();
    await tracker.close();
  });

  it('logs an ONNX Runtime GenAI folder as a chat model', async () => {
    const tracker = new Tracker({ trackingUri: `sqlite:///${join(dir, 'mlflow.db')}`, env: {} });
    const store = await tracker.store();
    const expId = await store.createExperiment({ name: 'genai', artifactLocation: join(dir, 'artifacts') });
    const folder = await writeModelFiles(join(dir, 'lm'), createTinyDecoder({ seed: 5 }).files);
    await tracker.startRun({ experimentId: expId });
    const logged = await tracker.logModel(
      { onnxGenai: { source: folder, modelConfig: { max_length: 40 } } },
      'chat',
    );
    await tracker.endRun();
    const repositories = createArtifactRegistry();
    const model = await loadModel(logged.modelUri, {
      store,
      openRepository: async (uri) => repositories.resolve(uri),
    });
    expect(model.metadata.flavors.onnx_genai).toBeDefined();
    expect(model.metadata.metadata?.task).toBe('llm/v1/chat');
    const answer = (await model.predict({
      messages: [{ role: 'user', content: 'hello cat' }],
      max_tokens: 4,
    })) as {
      choices: { message: { role: string; content: string } }[];
      usage: { completion_tokens: number };
    };
    expect(answer.choices[0]!.message.role).toBe('assistant');
    expect(answer.usage.completion_tokens).toBeLessThanOrEqual(4);
    await model.close();
    await tracker.close();
  });
});
