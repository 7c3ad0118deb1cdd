import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, saveModel } from '@flowline/model-format';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScoringServer } from '../src/index.js';
import { refusal } from './openai-helpers.js';

// The OpenAI chat API through the official client on a served transformers-flavor model: what the
// flavor honours works as OpenAI documents it; what it cannot do (it has no constrained decoding, seeded
// sampler, penalties or logprobs) is a 400 in OpenAI's shape naming the parameter, never ignored.

let dir: string;
let app: FastifyInstance;
let client: OpenAI;
const messages = [{ role: 'user' as const, content: 'hello the cat' }];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-openai-transformers-'));
  const lm = await writeModelFiles(join(dir, 'lm'), createTinyDecoder({ seed: 5 }).files);
  await saveModel({
    path: join(dir, 'chat'),
    transformers: { source: lm, task: 'text-generation', inferenceTask: 'llm/v1/chat' },
  });
  app = await buildScoringServer({ model: await loadModel(join(dir, 'chat')), modelName: 'tiny' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  client = new OpenAI({
    baseURL: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1`,
    apiKey: 'unused',
    maxRetries: 0,
  });
});
afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('OpenAI chat parameters on a served transformers model', () => {
  it('max_completion_tokens caps the answer; n gives n choices; greedy choices agree', async () => {
    const a = await client.chat.completions.create({
      model: 'tiny',
      messages,
      max_completion_tokens: 4,
      temperature: 0,
      n: 2,
    });
    expect(a.choices.map((c) => c.index)).toEqual([0, 1]);
    expect(a.choices[0]!.message.content).toBe(a.choices[1]!.message.content);
    expect(a.usage!.completion_tokens).toBeLessThanOrEqual(8);
    expect(a.choices[0]!.finish_reason).toMatch(/^(length|stop)$/);
    expect(a.model).toBe('tiny');
  });

  it('streams the same greedy answer, with usage in a last chunk under stream_options.include_usage', async () => {
    const whole = await client.chat.completions.create({
      model: 'tiny',
      messages,
      max_tokens: 5,
      temperature: 0,
    });
    const stream = await client.chat.completions.create({
      model: 'tiny',
      messages,
      max_tokens: 5,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let last: OpenAI.ChatCompletionChunk | undefined;
    for await (const chunk of stream) {
      last = chunk;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(whole.choices[0]!.message.content);
    expect(last?.choices).toEqual([]);
    expect(usage).toEqual(whole.usage);
  });

  it.each([
    [{ seed: 1 }, 'seed'],
    [{ presence_penalty: 0.5 }, 'presence_penalty'],
    [{ frequency_penalty: 0.5 }, 'frequency_penalty'],
    [{ logprobs: true }, 'logprobs'],
    [{ logit_bias: { 5: 10 } }, 'logit_bias'],
    [{ response_format: { type: 'json_object' } }, 'response_format'],
    [
      {
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
        tool_choice: 'required',
      },
      'tools',
    ],
  ] as const)('refuses %o with a 400 naming %s', async (extra, param) => {
    const error = await refusal(
      client.chat.completions.create({ model: 'tiny', messages, ...(extra as object) } as never),
    );
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
    expect(error.message).toMatch(/does not support/);
  });
});
