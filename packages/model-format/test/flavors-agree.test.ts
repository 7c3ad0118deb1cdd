import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadedModel, loadModel, saveModel } from '../src/index.js';

// The two generating flavors run the same decoder files: they encode a chat the same way (the chat
// template's own BOS, no second one), so they answer the same.

let dir: string;
const models: LoadedModel[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-flavors-agree-'));
});
afterAll(async () => {
  for (const model of models) await model.close();
  await rm(dir, { recursive: true, force: true });
});

interface Answer {
  choices: { message: { content: string } }[];
  usage: { prompt_tokens: number; completion_tokens: number };
}

describe('onnx_genai and transformers on one decoder', () => {
  it('count the same prompt tokens and answer the same, greedily', async () => {
    const source = await writeModelFiles(join(dir, 'source'), createTinyDecoder({ seed: 5 }).files);
    // A template that starts with its BOS, as Llama's and Phi-3's do: encoding must not add a second one.
    const configPath = join(source, 'tokenizer_config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as { chat_template: string };
    await writeFile(
      configPath,
      // (The tiny decoder has no BOS of its own; one of its special tokens stands in.)
      JSON.stringify({
        ...config,
        bos_token: '<|system|>',
        chat_template: `{{ bos_token }}${config.chat_template}`,
      }),
    );
    await saveModel({ path: join(dir, 'genai'), onnxGenai: { source } });
    await saveModel({
      path: join(dir, 'tjs'),
      transformers: { source, task: 'text-generation', inferenceTask: 'llm/v1/chat' },
    });
    const genai = await loadModel(join(dir, 'genai'));
    const tjs = await loadModel(join(dir, 'tjs'));
    models.push(genai, tjs);
    // What the template gives without its BOS: '<|user|>', the words, '<|end|>', '<|assistant|>'.
    const unbosed = (content: string) => content.split(' ').length + 3;
    for (const content of ['hello cat', 'the mat is a world']) {
      const request = { messages: [{ role: 'user', content }], max_tokens: 8, temperature: 0 };
      const [a, b] = (await Promise.all([genai.predict(request), tjs.predict(request)])) as [Answer, Answer];
      expect(b.usage.prompt_tokens, content).toBe(a.usage.prompt_tokens);
      expect(a.usage.prompt_tokens).toBe(unbosed(content) + 1);
      expect(b.choices[0]!.message.content, content).toBe(a.choices[0]!.message.content);
    }
  });
});
