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

// OpenAI's chat parameters through the official `openai` client, on a served onnx_genai testkit model:
// each works as OpenAI documents it, or is refused with a 400 in OpenAI's shape naming it.

let dir: string;
let app: FastifyInstance;
let freeApp: FastifyInstance;
let client: OpenAI;
/** The model with JSON's symbols and no min_length, so guided answers end when their JSON does. */
let free: OpenAI;
let base: string;
const messages = [{ role: 'user' as const, content: 'hello the cat' }];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-openai-params-'));
  const source = await writeModelFiles(
    join(dir, 'files'),
    createTinyDecoder({ layout: 'phi3', seed: 11, maxPositions: 128 }).files,
  );
  // min_length keeps every answer at its max_tokens, so token counts are exact.
  await saveModel({ path: join(dir, 'chat'), onnxGenai: { source, modelConfig: { min_length: 120 } } });
  app = await buildScoringServer({
    model: await loadModel(join(dir, 'chat')),
    modelName: 'tiny-chat',
    modelAliases: ['models:/tiny/1'],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
  // Its vocabulary has JSON's punctuation and digits, so guided answers can be written at all.
  const freeSource = await writeModelFiles(
    join(dir, 'free-files'),
    createTinyDecoder({ layout: 'phi3', seed: 11, maxPositions: 128, symbols: true }).files,
  );
  await saveModel({ path: join(dir, 'free'), onnxGenai: { source: freeSource } });
  freeApp = await buildScoringServer({ model: await loadModel(join(dir, 'free')), modelName: 'free' });
  await freeApp.listen({ host: '127.0.0.1', port: 0 });
  const port = (freeApp.server.address() as AddressInfo).port;
  free = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await app?.close();
  await freeApp?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('OpenAI chat parameters on a served local model', () => {
  it('max_completion_tokens (and max_tokens) cap the answer', async () => {
    const a = await client.chat.completions.create({
      model: 'tiny-chat',
      messages,
      max_completion_tokens: 5,
    });
    expect(a.usage?.completion_tokens).toBe(5);
    expect(a.choices[0]?.finish_reason).toBe('length');
    const b = await client.chat.completions.create({ model: 'tiny-chat', messages, max_tokens: 3 });
    expect(b.usage?.completion_tokens).toBe(3);
  });

  it('seed makes sampling reproducible; n returns n choices, each with its own draws', async () => {
    const ask = (seed: number, n = 1) =>
      client.chat.completions.create({
        model: 'tiny-chat',
        messages,
        max_tokens: 8,
        temperature: 1.5,
        seed,
        n,
      });
    const [one, again, other] = await Promise.all([ask(7), ask(7), ask(8)]);
    expect(again.choices[0]?.message.content).toBe(one.choices[0]?.message.content);
    expect(other.choices[0]?.message.content).not.toBe(one.choices[0]?.message.content);
    const three = await ask(7, 3);
    expect(three.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    // The first choice is the n = 1 answer; the others draw from their own seeds.
    expect(three.choices[0]?.message.content).toBe(one.choices[0]?.message.content);
    expect(new Set(three.choices.map((c) => c.message.content)).size).toBe(3);
    expect(three.usage?.completion_tokens).toBe(24);
    expect(three.usage?.prompt_tokens).toBe(one.usage?.prompt_tokens);
  });

  it('streams n choices tagged by index, and usage in a last chunk only with stream_options.include_usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'tiny-chat',
      messages,
      max_tokens: 4,
      n: 2,
      temperature: 1,
      seed: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    const text = ['', ''];
    const reasons: (string | null)[] = [null, null];
    let usage: OpenAI.CompletionUsage | null | undefined;
    let last: OpenAI.ChatCompletionChunk | undefined;
    for await (const chunk of stream) {
      last = chunk;
      for (const c of chunk.choices) {
        text[c.index] += c.delta.content ?? '';
        reasons[c.index] = c.finish_reason ?? reasons[c.index]!;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(last?.choices).toEqual([]);
    expect(usage?.completion_tokens).toBe(8);
    expect(reasons).toEqual(['length', 'length']);
    const whole = await client.chat.completions.create({
      model: 'tiny-chat',
      messages,
      max_tokens: 4,
      n: 2,
      temperature: 1,
      seed: 3,
    });
    expect(text).toEqual(whole.choices.map((c) => c.message.content));
    const plain = await client.chat.completions.create({
      model: 'tiny-chat',
      messages,
      max_tokens: 2,
      stream: true,
    });
    for await (const chunk of plain) expect(chunk.usage ?? undefined).toBeUndefined();
  });

  it('logprobs report each token with its top alternatives, best first; greedy picks the best', async () => {
    const answer = await client.chat.completions.create({
      model: 'tiny-chat',
      messages,
      max_tokens: 5,
      logprobs: true,
      top_logprobs: 3,
    });
    const content = answer.choices[0]!.logprobs!.content!;
    expect(content).toHaveLength(5);
    // Token texts join to the answer (the tokenizer's decode drops the first word's leading space).
    expect(
      content
        .map((t) => t.token)
        .join('')
        .trimStart(),
    ).toBe(answer.choices[0]!.message.content);
    for (const entry of content) {
      expect(entry.top_logprobs).toHaveLength(3);
      const values = entry.top_logprobs.map((t) => t.logprob);
      expect([...values].sort((a, b) => b - a)).toEqual(values);
      expect(entry.top_logprobs[0]!.token).toBe(entry.token);
      expect(entry.logprob).toBeCloseTo(values[0]!, 5);
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(Buffer.from(entry.bytes!).toString('utf8')).toBe(entry.token);
    }
    const plain = await client.chat.completions.create({ model: 'tiny-chat', messages, max_tokens: 2 });
    expect(plain.choices[0]!.logprobs).toBeNull();
  });

  it('logit_bias moves the choice: +100 forces a token, -100 forbids it', async () => {
    const forced = await client.chat.completions.create({
      model: 'tiny-chat',
      messages,
      max_tokens: 3,
      logit_bias: { 7: 100 },
      logprobs: true,
    });
    const forcedTokens = forced.choices[0]!.logprobs!.content!.map((t) => t.token);
    expect(new Set(forcedTokens).size).toBe(1);
    const other = await client.chat.completions.create({
      model: 'tiny-chat',
      messages,
      max_tokens: 1,
      logit_bias: { 7: -100 },
      logprobs: true,
      top_logprobs: 5,
    });
    expect(other.choices[0]!.logprobs!.content![0]!.top_logprobs.map((t) => t.token)).not.toContain(
      forcedTokens[0],
    );
    const error = await refusal(
      client.chat.completions.create({ model: 'tiny-chat', messages, logit_bias: { 999999: 5 } }),
    );
    expect(error.param).toBe('logit_bias');
  });

  it('response_format json_schema and json_object: constrained decoding makes the answer parse and validate', async () => {
    const schema = {
      type: 'object',
      properties: {
        animal: { type: 'string', enum: ['cat', 'dog'] },
        count: { type: 'integer' },
        tags: { type: 'array', items: { type: 'boolean' }, maxItems: 3 },
      },
      required: ['animal', 'count', 'tags'],
      additionalProperties: false,
    };
    for (const seed of [1, 2, 3]) {
      const answer = await free.chat.completions.create({
        model: 'free',
        messages,
        max_tokens: 100,
        temperature: 1,
        seed,
        response_format: { type: 'json_schema', json_schema: { name: 'pet', schema, strict: true } },
      });
      expect(answer.choices[0]!.finish_reason).toBe('stop');
      const value = JSON.parse(answer.choices[0]!.message.content!) as Record<string, unknown>;
      expect(Object.keys(value).sort()).toEqual(['animal', 'count', 'tags']);
      expect(['cat', 'dog']).toContain(value.animal);
      expect(Number.isInteger(value.count)).toBe(true);
      expect((value.tags as unknown[]).every((t) => typeof t === 'boolean')).toBe(true);
      expect((value.tags as unknown[]).length).toBeLessThanOrEqual(3);
    }
    const object = await free.chat.completions.create({
      model: 'free',
      messages,
      max_tokens: 100,
      response_format: { type: 'json_object' },
    });
    const parsed = JSON.parse(object.choices[0]!.message.content!) as unknown;
    expect(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)).toBe(true);
  });

  it('takes content-part arrays and the developer role', async () => {
    const parts = await client.chat.completions.create({
      model: 'tiny-chat',
      messages: [
        { role: 'developer', content: 'the cat' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hello ' },
            { type: 'text', text: 'the cat' },
          ],
        },
      ],
      max_tokens: 4,
    });
    const plain = await client.chat.completions.create({
      model: 'tiny-chat',
      messages: [
        { role: 'system', content: 'the cat' },
        { role: 'user', content: 'hello the cat' },
      ],
      max_tokens: 4,
    });
    expect(parts.choices[0]?.message.content).toBe(plain.choices[0]?.message.content);
  });

  it('model must name the served model or an alias: otherwise 404 model_not_found; /v1/models/{id} too', async () => {
    const alias = await client.chat.completions.create({ model: 'models:/tiny/1', messages, max_tokens: 1 });
    expect(alias.model).toBe('tiny-chat');
    const error = await refusal(client.chat.completions.create({ model: 'gpt-4o', messages }));
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.code).toBe('model_not_found');
    expect(error.param).toBe('model');
    expect((await client.models.retrieve('tiny-chat')).id).toBe('tiny-chat');
    expect(await refusal(client.models.retrieve('nope'))).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('refuses what it cannot honour with a 400 naming the parameter, never ignoring it', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ frobnicate: true }, 'frobnicate', /Unrecognized request argument/],
      [{ max_tokens: 1000 }, 'max_tokens', /context length 128/],
      [{ temperature: 3 }, 'temperature', /from 0 to 2/],
      [{ n: 0 }, 'n', /'n'/],
      [{ top_logprobs: 2 }, 'top_logprobs', /needs 'logprobs'/],
      [{ stream_options: { include_usage: true } }, 'stream_options', /only allowed with 'stream'/],
      [{ audio: { voice: 'x' } }, 'audio', /audio/],
      [
        { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] },
        'messages[0].content[0]',
        /text content parts/,
      ],
    ];
    for (const [extra, param, message] of cases) {
      const error = await refusal(
        client.chat.completions.create({ model: 'tiny-chat', messages, ...extra } as never),
      );
      expect(error.status, param).toBe(400);
      expect(error.param, JSON.stringify(extra)).toBe(param);
      expect(error.type).toBe('invalid_request_error');
      expect(error.message).toMatch(message);
    }
  });

  it('/invocations answers MLflow’s chat body exactly as /v1 does, with id and model', async () => {
    const request = { messages, max_tokens: 6, temperature: 1.2, top_p: 0.9, seed: 11 };
    const v1 = await client.chat.completions.create({ model: 'tiny-chat', ...request });
    const response = await fetch(`${base}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as {
      id: string;
      model: string;
      choices: { message: { content: string } }[];
    };
    expect(answer.id).toMatch(/^chatcmpl-/);
    expect(answer.model).toBe('tiny-chat');
    expect(answer.choices[0]?.message.content).toBe(v1.choices[0]?.message.content);
  });
});
