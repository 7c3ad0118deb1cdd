import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createArtifactRegistry } from '@flowline/artifact-store';
import { type LoadedModel, loadModel } from '@flowline/model-format';
import { GeneratorParams, generate, Model, Tokenizer } from '@flowline/onnx-genai';
import { buildScoringServer } from '@flowline/server';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const example = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
let folder: string;
let direct: Model;
let tokenizer: Tokenizer;
let tracking: SqlTrackingStore;
let modelUri: string;
let model: LoadedModel;

/** The walkthrough's answer computed with onnx-genai directly: greedy, max_length 64 in all. */
async function greedy(prompt: string): Promise<string> {
  const ids = tokenizer.encode(tokenizer.applyChatTemplate([{ role: 'user', content: prompt }]));
  const params = new GeneratorParams(direct);
  params.setSearchOptions({ max_length: 64 });
  return tokenizer.decode((await generate(direct, params, ids)).slice(ids.length));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-phi3-example-'));
  folder = await writeModelFiles(join(dir, 'phi3-mini-onnx'), createTinyDecoder({ seed: 5 }).files);
  direct = await Model.load(folder);
  tokenizer = await Tokenizer.fromFolder(folder);
  const uri = `sqlite:///${join(dir, 'mlflow.db')}`;
  // The example's own script logs the model, as the README runs it (the tiny model's context is 128).
  const { stdout } = await promisify(execFile)(
    join(example, 'node_modules', '.bin', 'tsx'),
    [join(example, 'log-model.ts'), '--model-dir', folder, '--max-length', '64'],
    { cwd: dir, env: { ...process.env, MLFLOW_TRACKING_URI: uri } },
  );
  modelUri = stdout.trim().split('\n').at(-1)!;
  tracking = await SqlTrackingStore.open(uri);
  const repositories = createArtifactRegistry();
  model = await loadModel(modelUri, {
    store: tracking,
    openRepository: async (artifactUri) => repositories.resolve(artifactUri),
  });
});
afterAll(async () => {
  await direct.close();
  await tracking.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the Phi-3 walkthrough example (custom JS model over onnx-genai), on the tiny testkit model', () => {
  it('logs the model with the folder as an artifact and a signature inferred from the input example', () => {
    // MLflow 3: a logged model of its own (its files are also kept in the run, at runs:/<run_id>/phi3).
    expect(modelUri).toMatch(/^models:\/m-[0-9a-f]{32}$/);
    expect(model.metadata.flavors.custom_js).toMatchObject({
      artifacts: { 'phi3-mini-onnx': { path: 'artifacts/phi3-mini-onnx' } },
      npm_dependencies: ['@flowline/onnx-genai'],
      model_config: { max_length: 64, temperature: 0.2 },
    });
    expect(model.metadata.signature?.inputs).toEqual({
      kind: 'columns',
      columns: [{ name: 'prompt', type: 'string', required: true }],
    });
    expect(model.metadata.savedInputExampleInfo).toMatchObject({ artifact_path: 'input_example.json' });
  });

  it('answers each prompt with the generated text: greedy, as onnx-genai generates it directly', async () => {
    const answers = await model.predict([{ prompt: 'hello cat' }, { prompt: 'the mat is a world' }]);
    expect(answers).toEqual([await greedy('hello cat'), await greedy('the mat is a world')]);
    // temperature 0.2 without do_sample is greedy: the same prompt always gets the same answer.
    expect(await model.predict({ prompt: 'hello cat' })).toEqual([await greedy('hello cat')]);
    await expect(model.predict([{ question: 'hello' }])).rejects.toThrow(/missing inputs \['prompt'\]/);
  });

  it('serves the model over MLflow’s scoring protocol', async () => {
    const app = await buildScoringServer({ model });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dataframe_records: [{ prompt: 'you said hello' }] }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ predictions: [await greedy('you said hello')] });
    } finally {
      await app.close();
    }
  });
});
