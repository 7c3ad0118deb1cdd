import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, isMlflowError, MlflowError } from '@flowline/core';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reviveError, serializeError } from '../src/flavors/transformers/generation-protocol.js';
import { flavor } from '../src/flavors/transformers/index.js';
import { type LoadedModel, loadModel, readMLmodel, saveModel } from '../src/index.js';
import { runFresh } from './helpers.js';

// Generation runs on a worker thread: these tests watch it through the model's metrics (the worker's own
// counts of generations started and tokens made) and through this thread's event loop.
const decoder = createTinyDecoder({ seed: 5 });
/** Greedy decoding runs 100 tokens after this prompt without an eos (checked below), a long generation. */
const LONG = ['the', 'cat', 'sat'];
const MAX = 100;
let dir: string;
let lm: string;
let model: LoadedModel;

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

/** The model's counter or gauge `name` now. */
function metric(m: LoadedModel, name: string): number {
  const found = m.metrics?.().find((x) => x.name === name);
  expect(found, name).toBeDefined();
  return found!.value;
}

const counts = (m: LoadedModel) => ({
  generations: metric(m, 'generations_total'),
  tokens: metric(m, 'generated_tokens_total'),
});

async function save(name: string, spec: Record<string, unknown> = {}): Promise<string> {
  const path = join(dir, name);
  await saveModel({ path, transformers: { source: lm, task: 'text-generation', ...spec } });
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-transformers-worker-'));
  lm = await writeModelFiles(join(dir, 'lm'), decoder.files);
  model = await loadModel(await save('generator'));
  expect(continuation(LONG, MAX).ids).toHaveLength(MAX);
});

afterAll(async () => {
  await model?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the transformers flavor generates on a worker thread', () => {
  it('keeps this thread’s event loop turning while it generates', async () => {
    let turns = 0;
    let spinning = true;
    const spin = () => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    spin();
    const before = counts(model);
    const marks: number[] = [];
    for await (const _ of model.predictStream!('the cat sat', { max_new_tokens: MAX })) marks.push(turns);
    spinning = false;
    expect(counts(model).tokens - before.tokens).toBe(MAX);
    expect(marks.length).toBeGreaterThan(10);
    // On this thread a generation would turn the loop about once per model run; here it spins freely.
    expect(marks.at(-1)! - marks[0]!).toBeGreaterThan(20 * marks.length);
  });

  it('stops the worker’s generation when a stream’s reader returns, then serves the next request', async () => {
    const short = continuation(['hello'], 4);
    const before = counts(model);
    const iterator = model.predictStream!('the cat sat', { max_new_tokens: MAX })[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    await iterator.return?.();
    const cancelled = counts(model);
    expect(cancelled.generations - before.generations).toBe(1);
    // It stopped at the token after the cancel reached the worker, far from the 100 it was asked for.
    expect(cancelled.tokens - before.tokens).toBeLessThan(MAX / 2);
    expect(await model.predict('hello', { max_new_tokens: 4 })).toEqual([short.text]);
    expect(counts(model)).toEqual({
      generations: cancelled.generations + 1,
      tokens: cancelled.tokens + short.ids.length,
    });
  });

  it('stops a stream or a prediction whose AbortSignal aborts, rejecting with its reason', async () => {
    const before = counts(model);
    const controller = new AbortController();
    const reason = new Error('client went away');
    const read = async () => {
      for await (const _ of model.predictStream!('the cat sat', { max_new_tokens: MAX }, controller)) {
        controller.abort(reason);
      }
    };
    await expect(read()).rejects.toBe(reason);
    const afterStream = counts(model);
    expect(afterStream.generations - before.generations).toBe(1);
    expect(afterStream.tokens - before.tokens).toBeLessThan(MAX / 2);

    const completions = await loadModel(await save('completions', { inferenceTask: 'llm/v1/completions' }));
    try {
      const start = counts(completions);
      const second = new AbortController();
      const request = { prompt: 'the cat sat', max_tokens: MAX, temperature: 0 };
      const answer = completions.predict(request, undefined, { signal: second.signal });
      // Abort once the worker has made a token (a text piece reaches no one here, so watch the counter).
      setTimeout(() => second.abort(reason), 5);
      await expect(answer).rejects.toBe(reason);
      const stopped = counts(completions);
      expect(stopped.generations - start.generations).toBe(1);
      expect(stopped.tokens - start.tokens).toBeLessThan(MAX);
      const next = (await completions.predict({ prompt: 'the mat', max_tokens: 5 })) as {
        choices: Array<{ text: string }>;
      };
      expect(next.choices[0]!.text).toBe(continuation(['the', 'mat'], 5).text);
    } finally {
      await completions.close();
    }
  });

  it('runs requests one at a time, in order, and never starts a waiting one that was cancelled', async () => {
    const before = counts(model);
    const running = model.predictStream!('the cat sat', { max_new_tokens: MAX })[Symbol.asyncIterator]();
    expect((await running.next()).done).toBe(false);
    const controller = new AbortController();
    const waiting = model.predict('hello', { max_new_tokens: 4 }, { signal: controller.signal });
    const second = model.predict('the mat', { max_new_tokens: 3 });
    expect(metric(model, 'generations_running')).toBe(1);
    expect(metric(model, 'generations_waiting')).toBe(2);
    controller.abort(new Error('not any more'));
    await expect(waiting).rejects.toThrow('not any more');
    expect(metric(model, 'generations_waiting')).toBe(1);
    await running.return?.();
    expect(await second).toEqual([continuation(['the', 'mat'], 3).text]);
    // The long one and `second` ran; the cancelled one never reached the worker.
    expect(counts(model).generations - before.generations).toBe(2);
    expect(metric(model, 'generations_running')).toBe(0);
    expect(metric(model, 'generations_waiting')).toBe(0);
  });

  it('rejects a generation that fails in the worker with its message, and serves the next', async () => {
    // 3 prompt tokens + 200 run past the decoder's 128 positions: onnxruntime refuses the position ids.
    const failed = await model.predict('the cat sat', { max_new_tokens: 200 }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toMatch(/pos_embed|indices|out of/i);
    expect(await model.predict('hello', { max_new_tokens: 4 })).toEqual([continuation(['hello'], 4).text]);
  });

  it('fails a request whose options cannot reach the worker, and serves the ones after it', async () => {
    // loadModel's params schema lets no such value through; a flavor's predictor called directly can.
    const path = join(dir, 'generator');
    const predictor = await flavor.load(path, (await readMLmodel(path)).flavors.transformers!, undefined!);
    try {
      const bad = predictor.predict('hello', { max_new_tokens: 3, extra: () => 1 });
      const good = predictor.predict('hello', { max_new_tokens: 4 });
      await expect(bad).rejects.toThrow(/could not be cloned/);
      expect(await good).toEqual([continuation(['hello'], 4).text]);
    } finally {
      await predictor.close?.();
    }
  });

  it('keeps MlflowError codes across the thread, and every other error’s message', () => {
    const invalid = reviveError(serializeError(MlflowError.invalidParameterValue('bad top_k')));
    expect(isMlflowError(invalid)).toBe(true);
    expect(invalid).toMatchObject({ errorCode: ErrorCode.INVALID_PARAMETER_VALUE, message: 'bad top_k' });
    const plain = reviveError(serializeError(new RangeError('out of range')));
    expect(isMlflowError(plain)).toBe(false);
    expect(plain.message).toBe('out of range');
    expect(isMlflowError(reviveError({ error_code: 'NOT_A_CODE', message: 'x' }))).toBe(false);
  });

  it('close() waits for the generation in flight to stop, rejects pending ones, then refuses more', async () => {
    const closing = await loadModel(await save('closing'));
    const iterator = closing.predictStream!('the cat sat', { max_new_tokens: MAX })[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    const waiting = closing.predict('hello', { max_new_tokens: 4 }).catch((e: unknown) => e);
    await closing.close();
    expect(await waiting).toMatchObject({ message: expect.stringMatching(/closed before this generation/) });
    await expect(iterator.next()).rejects.toThrow(/closed before this generation finished/);
    await expect(closing.predict('hello')).rejects.toThrow(/closed/);
  });

  it('reports a model the worker cannot load with the loader’s message', async () => {
    const path = await save('broken');
    await writeFile(join(path, 'model', 'onnx', 'model.onnx'), 'not an onnx model');
    await expect(loadModel(path)).rejects.toThrow(/protobuf|parsing|load model/i);
  });

  it('runs from the built package in a fresh process, which exits though its model stays loaded', async () => {
    const path = await save('fresh', { inferenceTask: 'llm/v1/chat' });
    // No close(): an idle worker must not keep the process alive.
    const script = `import { loadModel } from '@flowline/model-format';
      const m = await loadModel(process.argv[1]);
      const request = { messages: [{ role: 'user', content: 'Hello cat' }], max_tokens: 5 };
      console.log(JSON.stringify(await m.predict(request)));`;
    const answer = (await runFresh(script, [path])) as { choices: Array<{ message: { content: string } }> };
    const prompt = ['<|user|>', 'hello', 'cat', '<|end|>', '<|assistant|>'];
    expect(answer.choices[0]!.message.content).toBe(continuation(prompt, 5).text);
  });
});
