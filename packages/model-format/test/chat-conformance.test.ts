import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ChatModelTarget,
  createTinyDecoder,
  runChatModelConformance,
  writeModelFiles,
} from '@flowline/testkit';
import * as ort from 'onnxruntime-node';
import { loadModel, type SaveModelOptions, saveModel } from '../src/index.js';

// Both generating flavors run the tiny decoder through onnxruntime-node; counting its session runs shows
// whether a generation is still going.
let steps = 0;
// The typings describe InferenceSession as a factory; at run time it is the class whose run() both use.
const session = (ort.InferenceSession as unknown as { prototype: ort.InferenceSession }).prototype;
const run = session.run;
session.run = function (this: ort.InferenceSession, ...args: Parameters<typeof run>) {
  steps += 1;
  return run.apply(this, args);
} as typeof run;

/** Saves the tiny decoder with `save(source)` and loads it as the suite's chat model. */
async function chatTarget(
  save: (source: string) => Omit<SaveModelOptions, 'path'>,
): Promise<ChatModelTarget> {
  const dir = await mkdtemp(join(tmpdir(), 'flowline-chat-conformance-'));
  const source = await writeModelFiles(join(dir, 'source'), createTinyDecoder({ seed: 5 }).files);
  await saveModel({ path: join(dir, 'model'), ...save(source) } as SaveModelOptions);
  const model = await loadModel(join(dir, 'model'));
  return {
    model,
    countSteps: () => steps,
    async close() {
      await model.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

runChatModelConformance({
  name: 'onnx_genai flavor (tiny decoder)',
  create: () => chatTarget((source) => ({ onnxGenai: { source } })),
});

runChatModelConformance({
  name: 'transformers flavor, text-generation as llm/v1/chat (tiny decoder)',
  create: () =>
    chatTarget((source) => ({
      transformers: { source, task: 'text-generation', inferenceTask: 'llm/v1/chat' },
    })),
});
