import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTinyDecoder, createTinyEncoder, writeModelFiles } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, readMLmodel, saveModel } from '../src/index.js';
import { expectCloseRows, runFresh } from './helpers.js';

const encoder = createTinyEncoder({ hidden: 8, seed: 11 });
const decoder = createTinyDecoder({ seed: 5 });
let dir: string;
let source: string;
let lm: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-transformers-'));
  source = await writeModelFiles(join(dir, 'source'), encoder.files);
  lm = await writeModelFiles(join(dir, 'lm'), decoder.files);
});

/** What greedy decoding should say after `prompt` (tokens of the decoder's vocabulary), decoded as WordPiece. */
function continuation(prompt: string[], maxNewTokens: number): { text: string; ids: number[] } {
  const ids = decoder.greedy(
    prompt.map((t) => decoder.vocab[t]!),
    maxNewTokens,
  );
  const names = Object.fromEntries(Object.entries(decoder.vocab).map(([t, id]) => [id, t]));
  const words = ids.map((id) => names[id]!).filter((t) => !t.startsWith('<|') && !t.startsWith('['));
  const text = words.reduce((s, t) => (t.startsWith('##') ? s + t.slice(2) : s ? `${s} ${t}` : t), '');
  return { text, ids };
}
const CHAT_PROMPT = ['<|user|>', 'hello', 'cat', '<|end|>', '<|assistant|>'];
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What the pipeline should give: the mean of the tokens' hidden states ([CLS] … [SEP]), optionally unit length. */
function expected(tokens: string[], normalize = true): number[] {
  const ids = ['[CLS]', ...tokens, '[SEP]'].map((t) => encoder.vocab[t]!);
  const states = encoder.reference(ids);
  const mean = states[0]!.map((_, j) => states.reduce((s, row) => s + row[j]!, 0) / states.length);
  const norm = normalize ? Math.hypot(...mean) : 1;
  return mean.map((v) => v / norm);
}

describe('the transformers flavor (transformers.js pipelines)', () => {
  it('saves a feature-extraction pipeline with its files and embeds text as the network computes', async () => {
    const path = join(dir, 'embedder');
    await saveModel({ path, transformers: { source, task: 'feature-extraction' } });
    const mlmodel = await readMLmodel(path);
    expect(mlmodel.flavors.transformers).toMatchObject({
      task: 'feature-extraction',
      model_binary: 'model',
      pipeline_model_type: 'bert',
      components: ['tokenizer'],
      dtype: 'fp32',
    });
    expect(JSON.parse(await readFile(join(path, 'model', 'tokenizer.json'), 'utf8')).model.type).toBe(
      'WordPiece',
    );
    const model = await loadModel(path);
    expectCloseRows(await model.predict(['Hello cat', 'sat']), [
      expected(['hello', 'cat']),
      expected(['sat']),
    ]);
    // Unknown words split into word pieces; rows with one text column work too.
    expectCloseRows(await model.predict([{ text: 'dog' }]), [expected(['d', '##o', '##g'])]);
    // Params override the saved pipeline options.
    expectCloseRows(await model.predict('the', { normalize: false }), [expected(['the'], false)]);
    await expect(model.predict([1, 2])).rejects.toThrow(/takes text/);
  });

  it('answers MLflow’s llm/v1/embeddings schema with token usage, and loads in a fresh process', async () => {
    const path = join(dir, 'llm-embedder');
    await saveModel({
      path,
      transformers: {
        source,
        task: 'feature-extraction',
        inferenceTask: 'llm/v1/embeddings',
        modelConfig: { normalize: false },
      },
    });
    expect((await readMLmodel(path)).metadata).toEqual({ task: 'llm/v1/embeddings' });
    const script = `import { loadModel } from '@flowline/model-format';
      const m = await loadModel(process.argv[1]);
      console.log(JSON.stringify(await m.predict({ input: ['hello world', 'cat'] })));`;
    const response = (await runFresh(script, [path])) as {
      object: string;
      data: Array<{ index: number; embedding: number[] }>;
      usage: unknown;
    };
    expect(response.object).toBe('list');
    expect(response.data.map((d: { index: number }) => d.index)).toEqual([0, 1]);
    expectCloseRows(
      response.data.map((d: { embedding: number[] }) => d.embedding),
      [expected(['hello', 'world'], false), expected(['cat'], false)],
    );
    // [CLS] hello world [SEP] + [CLS] cat [SEP]
    expect(response.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
  });

  it('generates text with a KV-cached decoder exactly as greedy decoding computes', async () => {
    const path = join(dir, 'generator');
    await saveModel({
      path,
      transformers: { source: lm, task: 'text-generation', modelConfig: { max_new_tokens: 9 } },
    });
    expect((await readMLmodel(path)).signature?.params).toContainEqual({
      name: 'max_new_tokens',
      type: 'long',
      default: 9,
      shape: null,
    });
    const model = await loadModel(path);
    expect(await model.predict(['the cat sat'])).toEqual([continuation(['the', 'cat', 'sat'], 9).text]);
    expect(await model.predict('hello', { max_new_tokens: 4 })).toEqual([continuation(['hello'], 4).text]);
    const pieces: unknown[] = [];
    for await (const piece of model.predictStream!('hello', { max_new_tokens: 12 })) pieces.push(piece);
    expect(pieces.length).toBeGreaterThan(1);
    expect((pieces as string[]).join('').trim()).toBe(continuation(['hello'], 12).text);
    await expect(model.predict('x', { max_new_tokens: 'many' })).rejects.toThrow(/max_new_tokens/);
  });

  it('answers llm/v1/chat with MLflow’s chat schema and usage, and streams the same answer', async () => {
    const path = join(dir, 'chat');
    await saveModel({
      path,
      transformers: { source: lm, task: 'text-generation', inferenceTask: 'llm/v1/chat' },
    });
    expect((await readMLmodel(path)).metadata).toEqual({ task: 'llm/v1/chat' });
    const model = await loadModel(path);
    const request = { messages: [{ role: 'user', content: 'Hello cat' }], max_tokens: 7, temperature: 0 };
    const expectedAnswer = continuation(CHAT_PROMPT, 7);
    const answer = (await model.predict(request)) as {
      choices: Array<{ message: { role: string; content: string }; finish_reason: string }>;
      usage: Record<string, number>;
    };
    expect(answer.choices[0]!.message).toEqual({ role: 'assistant', content: expectedAnswer.text });
    const stopped = expectedAnswer.ids.at(-1) === decoder.eosTokenId;
    expect(answer.choices[0]!.finish_reason).toBe(stopped ? 'stop' : 'length');
    expect(answer.usage).toEqual({
      prompt_tokens: CHAT_PROMPT.length,
      completion_tokens: expectedAnswer.ids.length,
      total_tokens: CHAT_PROMPT.length + expectedAnswer.ids.length,
    });
    const pieces: unknown[] = [];
    for await (const piece of model.predictStream!(request)) pieces.push(piece);
    const last = pieces.pop() as { choices: Array<{ finish_reason: string }>; usage: unknown };
    expect((pieces as string[]).join('').trim()).toBe(expectedAnswer.text);
    expect(last.choices[0]!.finish_reason).toBe(answer.choices[0]!.finish_reason);
    expect(last.usage).toEqual(answer.usage);
    await expect(model.predict({ messages: [] })).rejects.toThrow(/non-empty list/);
    await expect(model.predict({ ...request, seed: 3 })).rejects.toThrow(/does not support seeded sampling/);
  });

  it('answers llm/v1/completions with a text completion', async () => {
    const path = join(dir, 'completions');
    await saveModel({
      path,
      transformers: { source: lm, task: 'text-generation', inferenceTask: 'llm/v1/completions' },
    });
    const model = await loadModel(path);
    const answer = (await model.predict({ prompt: 'the mat', max_tokens: 5 })) as {
      choices: Array<{ text: string }>;
      usage: { prompt_tokens: number };
    };
    expect(answer.choices[0]!.text).toBe(continuation(['the', 'mat'], 5).text);
    expect(answer.usage.prompt_tokens).toBe(2);
    await expect(model.predict({ prompt: 42 })).rejects.toThrow(/'prompt' must be a string/);

    // A stop sequence cuts the text before it and ends generation there (a stopping criterion).
    const long = continuation(['the', 'mat'], 12);
    const words = long.text.split(' ');
    expect(words.length).toBeGreaterThan(4);
    const stop = ` ${words[1]}`;
    const stopped = (await model.predict({ prompt: 'the mat', max_tokens: 12, stop })) as {
      choices: Array<{ text: string; finish_reason: string }>;
      usage: { completion_tokens: number };
    };
    expect(stopped.choices[0]!.text).toBe(long.text.slice(0, long.text.indexOf(stop)));
    expect(stopped.choices[0]!.finish_reason).toBe('stop');
    expect(stopped.usage.completion_tokens).toBeLessThan(12);
  });

  it('refuses a folder that is not a transformers.js model, and tasks it cannot run', async () => {
    await expect(
      saveModel({ path: join(dir, 'bad'), transformers: { source: dir, task: 'feature-extraction' } }),
    ).rejects.toThrow(/no config.json/);
    await expect(
      saveModel({
        path: join(dir, 'bad-task'),
        transformers: { source, task: 'summarization' as 'feature-extraction' },
      }),
    ).rejects.toThrow(/saves tasks feature-extraction/);
    await expect(
      saveModel({
        path: join(dir, 'bad-llm'),
        transformers: { source: lm, task: 'text-generation', inferenceTask: 'llm/v1/embeddings' },
      }),
    ).rejects.toThrow(/llm\/v1\/chat or llm\/v1\/completions/);
  });
});
