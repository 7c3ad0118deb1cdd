import { access, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createArtifactRegistry } from '@flowline/artifact-store';
import { isMlflowError } from '@flowline/core';
import { Generator, GeneratorParams, Model, Tokenizer } from '@flowline/onnx-genai';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { continueText, type LoadedModel, loadModel, logModel, readMLmodel, saveModel } from '../src/index.js';
import { runFresh } from './helpers.js';

const decoder = createTinyDecoder({ seed: 5 });
let dir: string;
let source: string;
let direct: Model;
let tokenizer: Tokenizer;
let tracking: SqlTrackingStore;
let chat: LoadedModel;

type ChatAnswer = {
  object: string;
  choices: Array<{ index: number; message: { role: string; content: string }; finish_reason: string }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
};

/** What the onnx-genai Generator itself says for `messages`, greedily, with at most `newTokens` new tokens. */
async function greedy(messages: Array<{ role: string; content: string }>, newTokens: number) {
  const prompt = tokenizer.encode(tokenizer.applyChatTemplate(messages));
  const params = new GeneratorParams(direct);
  params.setSearchOptions({ max_length: prompt.length + newTokens });
  const generator = new Generator(direct, params);
  generator.appendTokens(prompt);
  // Each step's token, the final eos included (it counts as a completion token).
  const ids: number[] = [];
  for await (const [token] of generator) ids.push(token!);
  const stopped = ids.at(-1) === decoder.eosTokenId;
  const text = tokenizer.decode(stopped ? ids.slice(0, -1) : ids);
  return { prompt, ids, text, finishReason: stopped ? 'stop' : 'length' };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-onnx-genai-'));
  source = await writeModelFiles(join(dir, 'genai'), decoder.files);
  direct = await Model.load(source);
  tokenizer = await Tokenizer.fromFolder(source);
  tracking = await SqlTrackingStore.open(`sqlite:///${join(dir, 'mlflow.db')}`, {
    defaultArtifactRoot: join(dir, 'artifacts'),
  });
  await saveModel({ path: join(dir, 'chat'), onnxGenai: { source, modelConfig: { max_length: 40 } } });
  chat = await loadModel(join(dir, 'chat'));
});
afterAll(async () => {
  await direct.close();
  await tracking.close();
  await rm(dir, { recursive: true, force: true });
});

async function invalid(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isMlflowError(error), String(error)).toBe(true);
  expect(error).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', httpStatus: 400 });
  expect((error as Error).message).toMatch(message);
}

describe('the onnx_genai flavor (ONNX Runtime GenAI folders)', () => {
  it('saves the folder as model data with MLflow’s chat task, chat signature and search params', async () => {
    const path = join(dir, 'chat');
    const mlmodel = await readMLmodel(path);
    expect(mlmodel.flavors.onnx_genai).toMatchObject({
      data: 'model',
      model_type: 'llama',
      context_length: 128,
      model_config: { max_length: 40 },
    });
    expect(mlmodel.metadata).toEqual({ task: 'llm/v1/chat' });
    await access(join(path, 'model', 'genai_config.json'));
    await access(join(path, 'model', 'onnx', 'model.onnx'));
    const inputs = mlmodel.signature?.inputs;
    expect(inputs?.kind === 'columns' && inputs.columns.map((c) => c.name)).toContain('messages');
    expect(mlmodel.signature?.params).toContainEqual({
      name: 'max_length',
      type: 'long',
      default: 40,
      shape: null,
    });
    // Defaults not in the model config come from the folder's genai_config.json.
    expect(mlmodel.signature?.params).toContainEqual({
      name: 'top_k',
      type: 'long',
      default: 1,
      shape: null,
    });
  });

  it('answers a chat request greedily, exactly as the onnx-genai Generator does, with usage', async () => {
    const messages = [
      { role: 'system', content: 'the cat' },
      { role: 'user', content: 'hello world' },
    ];
    const expected = await greedy(messages, 12);
    const answer = (await chat.predict({ messages, max_tokens: 12 })) as ChatAnswer;
    expect(answer.object).toBe('chat.completion');
    // The fields MLflow's chat signature requires (the server fills in the served name as `model`).
    expect((answer as unknown as { id: string }).id).toMatch(/^chatcmpl-/);
    expect(answer.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: expected.text },
        logprobs: null,
        finish_reason: expected.finishReason,
      },
    ]);
    expect(answer.usage).toEqual({
      prompt_tokens: expected.prompt.length,
      completion_tokens: expected.ids.length,
      total_tokens: expected.prompt.length + expected.ids.length,
      // Served through the engine, which says how much of the prompt a kept conversation cache covered.
      prompt_tokens_details: { cached_tokens: 0 },
    });
    expect(expected.ids).toEqual(decoder.greedy(expected.prompt, 12));
  });

  it('stops with finish_reason length at max_length (model_config, then params), and stop at eos', async () => {
    const messages = [{ role: 'user', content: 'hello cat' }];
    const prompt = tokenizer.encode(tokenizer.applyChatTemplate(messages));
    const free = decoder.greedy(prompt, 40 - prompt.length);
    const fromConfig = (await chat.predict({ messages })) as ChatAnswer;
    const expected = await greedy(messages, 40 - prompt.length);
    expect(fromConfig.choices[0]!.message.content).toBe(expected.text);
    expect(fromConfig.usage.completion_tokens).toBe(free.length);
    const short = (await chat.predict({ messages }, { max_length: prompt.length + 2 })) as ChatAnswer;
    expect(short.choices[0]!.finish_reason).toBe(free.length > 2 ? 'length' : 'stop');
    expect(short.usage.completion_tokens).toBe(Math.min(2, free.length));
    expect(short.choices[0]!.message.content).toBe((await greedy(messages, 2)).text);

    // A folder whose genai_config lists the fourth generated token as an eos: the answer stops there.
    const eosFolder = join(dir, 'eos-source');
    await cp(source, eosFolder, { recursive: true });
    const configPath = join(eosFolder, 'genai_config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8'));
    config.model.eos_token_id = [decoder.eosTokenId, free[3]];
    await writeFile(configPath, JSON.stringify(config));
    await saveModel({ path: join(dir, 'eos-chat'), onnxGenai: { source: eosFolder } });
    const stopped = (await (await loadModel(join(dir, 'eos-chat'))).predict({ messages })) as ChatAnswer;
    const cut = free.indexOf(free[3]!);
    expect(stopped.choices[0]!.finish_reason).toBe('stop');
    expect(stopped.usage.completion_tokens).toBe(cut + 1);
    expect(stopped.choices[0]!.message.content).toBe(tokenizer.decode(free.slice(0, cut)));
  });

  it('continues a conversation on one generator: reuses what it holds, rewinds where the history differs', async () => {
    const params = new GeneratorParams(direct);
    params.setSearchOptions({ max_length: 120 });
    const generator = new Generator(direct, params);
    const session = { model: direct, tokenizer };
    const encode = (messages: Array<{ role: string; content: string }>) =>
      tokenizer.encode(tokenizer.applyChatTemplate(messages));
    const history = [{ role: 'user', content: 'hello cat' }];
    const first = await continueText(session, generator, encode(history), { maxNewTokens: 5 });
    expect(first.reusedTokens).toBe(0);
    expect(first.text).toBe((await greedy(history, 5)).text);
    // The next turn: the first prompt (and its answer's tokens, where they re-encode the same) are reused.
    history.push({ role: 'assistant', content: first.text }, { role: 'user', content: 'the mat' });
    const second = await continueText(session, generator, encode(history), { maxNewTokens: 5 });
    expect(second.reusedTokens).toBeGreaterThanOrEqual(first.promptTokens);
    expect(second.text).toBe((await greedy(history, 5)).text);
    // An edited earlier message: the generator goes back to where the histories part, and still matches.
    const edited = [{ role: 'user', content: 'hello you' }, ...history.slice(1)];
    const third = await continueText(session, generator, encode(edited), { maxNewTokens: 5 });
    expect(third.reusedTokens).toBeLessThan(first.promptTokens);
    expect(third.text).toBe((await greedy(edited, 5)).text);
  });

  it('samples reproducibly by random_seed when asked (temperature above 0)', async () => {
    const request = { messages: [{ role: 'user', content: 'hello' }], max_tokens: 10, temperature: 1.5 };
    const first = (await chat.predict(request, { random_seed: 7 })) as ChatAnswer;
    const again = (await chat.predict(request, { random_seed: 7 })) as ChatAnswer;
    expect(again.choices[0]!.message.content).toBe(first.choices[0]!.message.content);
  });

  it('round-trips through logModel and loads by runs:/ in a fresh process', async () => {
    const run = await tracking.createRun({});
    const logged = await logModel({
      artifactPath: 'phi',
      runId: run.info.runId,
      store: tracking,
      artifacts: createArtifactRegistry().resolve(run.info.artifactUri),
      onnxGenai: { source, modelConfig: { max_length: 64 } },
    });
    expect(logged.modelUri).toBe(`runs:/${run.info.runId}/phi`);
    const messages = [{ role: 'user', content: 'you said hello' }];
    const script = `import { loadModel } from '@flowline/model-format';
      import { SqlTrackingStore } from '@flowline/tracking-store';
      const [uri, modelUri, messages] = process.argv.slice(1);
      const store = await SqlTrackingStore.open(uri);
      const m = await loadModel(modelUri, { store });
      console.log(JSON.stringify(await m.predict({ messages: JSON.parse(messages), max_tokens: 9 })));
      await m.close();
      await store.close();`;
    const answer = (await runFresh(script, [
      `sqlite:///${join(dir, 'mlflow.db')}`,
      logged.modelUri,
      JSON.stringify(messages),
    ])) as ChatAnswer;
    const expected = await greedy(messages, 9);
    expect(answer.choices[0]!.message.content).toBe(expected.text);
    expect(answer.usage.completion_tokens).toBe(expected.ids.length);
  });

  it('refuses bad requests with INVALID_PARAMETER_VALUE (400)', async () => {
    const messages = [{ role: 'user', content: 'hello' }];
    await invalid(chat.predict({ messages: [] }), /non-empty list/);
    await invalid(chat.predict({ messages: [{ role: 'robot', content: 'hi' }] }), /role must be one of/);
    await invalid(chat.predict({ messages: [{ role: 'user' }] }), /content/);
    await invalid(chat.predict({ messages, n: 0 }), /'n' must be/);
    await invalid(chat.predict({ messages, max_tokens: 10_000 }), /past the context length/);
    await invalid(chat.predict({ messages, logit_bias: { 999999: 1 } }), /outside the vocabulary/);
    await invalid(
      chat.predict({ messages, frobnicate: 1 }),
      /Unrecognized request argument supplied: frobnicate/,
    );
    await invalid(chat.predict({ messages, max_tokens: 0 }), /max_tokens/);
    await invalid(chat.predict({ messages, temperature: 5 }), /temperature/);
    await invalid(chat.predict({ messages }, { beams: 4 }), /Unrecognized params beams/);
    await invalid(chat.predict({ messages }, { temperature: 'hot' }), /temperature/);
    await invalid(chat.predict({ messages }, { do_sample: true, temperature: -1 }), /temperature/);
    await invalid(chat.predict({ messages }, { max_length: 3 }), /max_length 3/);
    await invalid(chat.predict({ messages }, { max_length: 1000 }), /max_length/);
    const stream = chat.predictStream!({ messages: [] })[Symbol.asyncIterator]();
    await invalid(stream.next(), /non-empty list/);
  });

  it('refuses to save a folder without genai_config.json, or unknown search options', async () => {
    await invalid(saveModel({ path: join(dir, 'bad'), onnxGenai: { source: dir } }), /genai_config.json/);
    await invalid(
      saveModel({ path: join(dir, 'bad-option'), onnxGenai: { source, modelConfig: { beams: 2 } } }),
      /Unknown search options beams/,
    );
    await invalid(
      saveModel({ path: join(dir, 'bad-value'), onnxGenai: { source, modelConfig: { max_length: 999 } } }),
      /max_length/,
    );
  });
});
