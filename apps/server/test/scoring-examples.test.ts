import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, type SaveModelOptions, saveModel } from '@flowline/model-format';
import { createMlpModel, createTinyDecoder, createTinyEncoder, writeModelFiles } from '@flowline/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScoringServer, parseInvocation } from '../src/index.js';

// Issue 13, "A model serves its own example": for every flavor, the saved serving_input_example.json,
// sent byte for byte to /invocations, scores, and so does predict on the parsed payload.

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions that follow.
type Json = any;

let dir: string;
let encoderDir: string;
let decoderDir: string;
const servers: FastifyInstance[] = [];
const mlp = createMlpModel({ inputs: 4, hidden: 6, outputs: 3, seed: 13 });
const batch = [
  [0.1, 0.2, 0.3, 0.4],
  [1, -1, 0.5, 2],
];

const SCORER = `export default class Scorer {
  predict(_ctx, input, params) {
    const factor = params?.factor ?? 1;
    if (typeof input[0] === 'string') return input.map((s) => s.length * factor);
    return input.map((row) => row.x * factor + (row.label ? 1000 : 0));
  }
}`;
const ECHO_CHAT = `export default class Echo {
  predict(_ctx, input) {
    const words = input.messages.at(-1).content.split(' ').slice(0, input.max_tokens ?? 100);
    return { choices: [{ index: 0, message: { role: 'assistant', content: words.join(' ') }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: words.length, total_tokens: 1 + words.length } };
  }
}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-serving-examples-'));
  await writeFile(join(dir, 'scorer.mjs'), SCORER);
  await writeFile(join(dir, 'echo.mjs'), ECHO_CHAT);
  encoderDir = await writeModelFiles(join(dir, 'encoder'), createTinyEncoder({ hidden: 8, seed: 11 }).files);
  decoderDir = await writeModelFiles(join(dir, 'decoder'), createTinyDecoder({ seed: 5 }).files);
});
afterAll(async () => {
  for (const app of servers) await app.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Saves a model with its example, then scores serving_input_example.json over loopback HTTP and through
 * `predict` on the parsed payload. Returns the file (parsed), the HTTP answer and the direct prediction.
 */
async function scoreOwnExample(name: string, options: Omit<SaveModelOptions, 'path'>) {
  const path = join(dir, name);
  await saveModel({ path, ...options });
  const bytes = await readFile(join(path, 'serving_input_example.json'));
  const model = await loadModel(path);
  const app = await buildScoringServer({ model });
  servers.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}/invocations`, {
    method: 'POST',
    body: bytes,
    headers: { 'content-type': 'application/json' },
  });
  const answer = (await response.json()) as Json;
  expect(response.status, JSON.stringify(answer)).toBe(200);
  const serving: Json = JSON.parse(bytes.toString('utf8'));
  const paramNames = (model.metadata.signature?.params ?? []).map((p) => p.name);
  const invocation = parseInvocation(serving, paramNames);
  const direct = (await model.predict(invocation.input, invocation.params)) as Json;
  return { serving, answer, direct, unwrapped: invocation.unwrapped === true };
}

/** Expects a matrix of numbers equal to `expected` to 5 decimals. */
function expectClose(actual: number[][], expected: number[][]): void {
  expect(actual.map((row) => row.length)).toEqual(expected.map((row) => row.length));
  actual.forEach((row, i) => {
    row.forEach((v, j) => {
      expect(v).toBeCloseTo(expected[i]![j]!, 5);
    });
  });
}

describe('onnx: the serving example scores', () => {
  const reference = mlp.reference(batch.map((row) => Array.from(Float32Array.from(row))));

  it('a tensor example is served as {"inputs": [[…]]} and predicts what the network computes', async () => {
    const tensor = { data: Float32Array.from(batch.flat()), dims: [2, 4] };
    const { serving, answer, direct } = await scoreOwnExample('onnx-tensor', {
      onnx: { model: mlp.bytes },
      inputExample: tensor,
    });
    expect(Object.keys(serving)).toEqual(['inputs']);
    expectClose(serving.inputs, batch);
    expectClose(answer.predictions, reference);
    expectClose(direct, reference);
  });

  it('a record of named tensors is served as {"inputs": {name: [[…]]}}', async () => {
    const { serving, answer } = await scoreOwnExample('onnx-named', {
      onnx: { model: mlp.bytes },
      inputExample: { input: { data: Float32Array.from(batch.flat()), dims: [2, 4] } },
    });
    expect(Object.keys(serving.inputs)).toEqual(['input']);
    expectClose(answer.predictions, reference);
  });

  it('rows of values (JSON ints included) are served as {"dataframe_split": {"data": …}}', async () => {
    const rows = [
      [1, 2, 3, 4],
      [0, -1, 5, 2],
    ];
    const { serving, answer, direct } = await scoreOwnExample('onnx-rows', {
      onnx: { model: mlp.bytes },
      inputExample: rows,
    });
    expect(serving).toEqual({ dataframe_split: { data: rows } });
    expectClose(answer.predictions, mlp.reference(rows));
    expect(answer.predictions).toEqual(direct);
  });

  it('records are served as {"dataframe_split": {"columns": …, "data": …}}', async () => {
    const { serving, answer } = await scoreOwnExample('onnx-records', {
      onnx: { model: mlp.bytes },
      inputExample: batch.map(([a, b, c, d]) => ({ a, b, c, d })),
    });
    expect(serving.dataframe_split.columns).toEqual(['a', 'b', 'c', 'd']);
    expectClose(answer.predictions, reference);
  });
});

describe('custom_js: the serving example scores', () => {
  it('records with params are served as dataframe_split plus "params"', async () => {
    const { serving, answer, direct } = await scoreOwnExample('custom-records', {
      custom: { code: join(dir, 'scorer.mjs') },
      inputExample: [
        { x: 1.5, label: true },
        { x: 2, label: false },
      ],
      inputExampleParams: { factor: 10 },
    });
    expect(serving).toEqual({
      dataframe_split: {
        columns: ['x', 'label'],
        data: [
          [1.5, true],
          [2, false],
        ],
      },
      params: { factor: 10 },
    });
    expect(answer).toEqual({ predictions: [1015, 20] });
    expect(direct).toEqual([1015, 20]);
  });

  it('a list of strings is served as {"inputs": [...]}', async () => {
    const { serving, answer } = await scoreOwnExample('custom-strings', {
      custom: { code: join(dir, 'scorer.mjs') },
      inputExample: ['abc', 'de'],
    });
    expect(serving).toEqual({ inputs: ['abc', 'de'] });
    expect(answer).toEqual({ predictions: [3, 2] });
  });

  it('an llm/v1/chat request is served unwrapped and answered unwrapped', async () => {
    const request = { messages: [{ role: 'user', content: 'hello there cat' }], max_tokens: 2 };
    const { serving, answer, unwrapped } = await scoreOwnExample('custom-chat', {
      custom: { code: join(dir, 'echo.mjs') },
      metadata: { task: 'llm/v1/chat' },
      inputExample: request,
    });
    expect(serving).toEqual(request);
    expect(unwrapped).toBe(true);
    expect(answer.choices[0].message).toEqual({ role: 'assistant', content: 'hello there' });
  });
});

describe('transformers: the serving example scores', () => {
  it('feature-extraction: a list of strings with params', async () => {
    const { serving, answer, direct } = await scoreOwnExample('embedder', {
      transformers: { source: encoderDir, task: 'feature-extraction' },
      inputExample: ['hello cat', 'sat'],
      inputExampleParams: { normalize: false },
    });
    expect(serving).toEqual({ inputs: ['hello cat', 'sat'], params: { normalize: false } });
    expect(answer.predictions.map((v: number[]) => v.length)).toEqual([8, 8]);
    expect(Math.hypot(...answer.predictions[0])).not.toBeCloseTo(1, 3);
    expectClose(answer.predictions, direct);
  });

  it('llm/v1/embeddings: an unwrapped {"input": [...]} request', async () => {
    const { serving, answer } = await scoreOwnExample('llm-embedder', {
      transformers: { source: encoderDir, task: 'feature-extraction', inferenceTask: 'llm/v1/embeddings' },
      inputExample: { input: ['hello', 'cat'] },
    });
    expect(serving).toEqual({ input: ['hello', 'cat'] });
    expect(answer.object).toBe('list');
    expect(answer.data.map((d: { embedding: number[] }) => d.embedding.length)).toEqual([8, 8]);
  });

  it('text-generation: a prompt served as dataframe_split, with a generation param', async () => {
    const { serving, answer, direct } = await scoreOwnExample('generator', {
      transformers: { source: decoderDir, task: 'text-generation' },
      inputExample: 'the cat',
      inputExampleParams: { max_new_tokens: 3 },
    });
    expect(serving).toEqual({ dataframe_split: { data: [['the cat']] }, params: { max_new_tokens: 3 } });
    expect(answer.predictions).toHaveLength(1);
    expect(typeof answer.predictions[0]).toBe('string');
    expect(answer.predictions).toEqual(direct);
  });

  it('llm/v1/chat: the chat request with its params at the top', async () => {
    const { serving, answer, direct } = await scoreOwnExample('chat', {
      transformers: { source: decoderDir, task: 'text-generation', inferenceTask: 'llm/v1/chat' },
      inputExample: { messages: [{ role: 'user', content: 'hello cat' }] },
      inputExampleParams: { max_new_tokens: 3 },
    });
    expect(serving).toEqual({ messages: [{ role: 'user', content: 'hello cat' }], max_new_tokens: 3 });
    expect(answer.choices[0].message.role).toBe('assistant');
    expect(answer.usage.completion_tokens).toBeLessThanOrEqual(3);
    expect(answer.choices).toEqual(direct.choices);
  });

  it('llm/v1/completions: an unwrapped {"prompt": …} request', async () => {
    const { serving, answer, direct } = await scoreOwnExample('completions', {
      transformers: { source: decoderDir, task: 'text-generation', inferenceTask: 'llm/v1/completions' },
      inputExample: { prompt: 'the mat', max_tokens: 3 },
    });
    expect(serving).toEqual({ prompt: 'the mat', max_tokens: 3 });
    expect(typeof answer.choices[0].text).toBe('string');
    expect(answer.choices).toEqual(direct.choices);
  });
});

describe('onnx_genai: the serving example scores', () => {
  it('llm/v1/chat: the chat request with a search param at the top', async () => {
    const { serving, answer, direct } = await scoreOwnExample('genai-chat', {
      onnxGenai: { source: decoderDir },
      inputExample: { messages: [{ role: 'user', content: 'hello cat' }] },
      inputExampleParams: { max_length: 24 },
    });
    expect(serving).toEqual({ messages: [{ role: 'user', content: 'hello cat' }], max_length: 24 });
    expect(answer.object).toBe('chat.completion');
    expect(answer.choices[0].message.role).toBe('assistant');
    expect(answer.choices).toEqual(direct.choices);
  });
});
