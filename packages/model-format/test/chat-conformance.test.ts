import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ChatModelTarget,
  createTinyDecoder,
  runChatModelConformance,
  writeModelFiles,
} from '@flowline/testkit';
import { loadModel, type SaveModelOptions, saveModel } from '../src/index.js';

// Both generating flavors run the tiny decoder on a worker thread, and count their work in `metrics()`:
// the onnx_genai engine's steps, the transformers worker's generated tokens. Either shows whether a
// generation is still going.
const WORK_METRICS = ['engine_steps_total', 'generated_tokens_total'];

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
    countSteps: () => {
      const metric = model.metrics?.().find((m) => WORK_METRICS.includes(m.name));
      if (!metric) throw new Error('the model reports none of its work in metrics()');
      return metric.value;
    },
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
