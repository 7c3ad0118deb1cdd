import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, saveModel } from '@flowline/model-format';
import { createTinyDecoder, createTinyEncoder, writeModelFiles } from '@flowline/testkit';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScoringServer } from '../src/index.js';

let dir: string;
const servers: FastifyInstance[] = [];

/** A chat model in the shape of MLflow's ChatModel: echoes the last user message, word by word. */
const CHAT_MODEL = `
const words = (messages) => ('You said: ' + messages.at(-1).content).split(/(?<= )/);
export default class Echo {
  loadContext(ctx) { this.prefix = ctx.modelConfig.prefix ?? ''; }
  predict(_ctx, input) {
    if (input.messages.at(-1).content === 'boom') throw new Error('the model broke');
    const all = words(input.messages).slice(0, input.max_tokens ?? 1000);
    return {
      choices: [{ index: 0, message: { role: 'assistant', content: this.prefix + all.join('') }, finish_reason: 'stop' }],
      usage: { prompt_tokens: input.messages.length, completion_tokens: all.length, total_tokens: input.messages.length + all.length },
    };
  }
  async *predictStream(_ctx, input) {
    for (const word of words(input.messages)) yield word;
  }
}`;

const COMPLETION_MODEL = `
export default class Upper {
  predict(_ctx, input) {
    return { choices: [{ index: 0, text: String(input.prompt).toUpperCase(), finish_reason: 'length' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
  }
}`;

const EMBEDDING_MODEL = `
export default class Lengths {
  predict(_ctx, input) { return input.input.map((t) => [t.length, 0.5, -1.25]); }
}`;

async function serve(name: string, code: string, task?: string): Promise<OpenAI> {
  await writeFile(join(dir, `${name}.mjs`), code);
  await saveModel({
    path: join(dir, name),
    custom: { code: join(dir, `${name}.mjs`), modelConfig: {} },
    ...(task ? { metadata: { task } } : {}),
  });
  return listen(name);
}

async function listen(name: string, serverKey?: string, clientKey = 'unused'): Promise<OpenAI> {
  const app = await buildScoringServer({
    model: await loadModel(join(dir, name)),
    modelName: name,
    apiKey: serverKey,
  });
  servers.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: clientKey, maxRetries: 0 });
}

let chat: OpenAI;
let completions: OpenAI;
let embeddings: OpenAI;
let plain: OpenAI;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-openai-'));
  chat = await serve('echo', CHAT_MODEL, 'llm/v1/chat');
  completions = await serve('upper', COMPLETION_MODEL, 'llm/v1/completions');
  embeddings = await serve('lengths', EMBEDDING_MODEL, 'llm/v1/embeddings');
  plain = await serve('plain', EMBEDDING_MODEL);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

describe("MLflow's unwrapped LLM requests on /invocations", () => {
  it('take the whole body as the input (OpenAI fields stay in it), other params-schema keys as params, with id and model', async () => {
    await writeFile(
      join(dir, 'inspect.mjs'),
      'export default class { predict(_ctx, input, params) { return { input, params: params ?? null }; } }',
    );
    await saveModel({
      path: join(dir, 'inspect'),
      custom: { code: join(dir, 'inspect.mjs') },
      metadata: { task: 'llm/v1/chat' },
      signature: {
        params: [
          { name: 'temperature', type: 'double', default: 1, shape: null },
          { name: 'max_length', type: 'long', default: 64, shape: null },
        ],
      },
    });
    const client = await listen('inspect');
    const invocations = new URL('../invocations', client.baseURL).href;
    const post = (body: unknown) =>
      fetch(invocations, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const messages = [{ role: 'user', content: 'hi' }];
    // As MLflow's scoring server, the request's own fields reach the model as the request (so /invocations
    // samples where /v1 does); only the flavor's own params (max_length) are params.
    const unwrapped = await post({ messages, temperature: 0.5, max_tokens: 7, max_length: 40 });
    expect(unwrapped.status).toBe(200);
    expect(await unwrapped.json()).toEqual({
      id: expect.stringMatching(/^chatcmpl-/),
      input: { messages, temperature: 0.5, max_tokens: 7 },
      // Params the body left out get their schema defaults, as MLflow's enforcement fills them.
      params: { max_length: 40, temperature: 1 },
      model: 'inspect',
    });
    // The wrapped form still answers {"predictions": …}.
    const wrapped = await post({ inputs: { messages }, params: { temperature: 0.25 } });
    expect(await wrapped.json()).toEqual({
      predictions: { input: { messages }, params: { temperature: 0.25, max_length: 64 } },
    });
  });
});

describe('OpenAI-compatible endpoints, through the official openai client', () => {
  it('lists the served model', async () => {
    const models = await chat.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['echo']);
  });

  it('answers a chat completion with usage', async () => {
    const answer = await chat.chat.completions.create({
      model: 'echo',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello there friend' },
      ],
      max_tokens: 3,
    });
    expect(answer.object).toBe('chat.completion');
    expect(answer.model).toBe('echo');
    expect(answer.id).toMatch(/^chatcmpl-/);
    expect(answer.choices[0]?.message).toEqual({ role: 'assistant', content: 'You said: hello ' });
    expect(answer.usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
  });

  it('passes a single stop string to the model as MLflow’s list', async () => {
    const client = await serve(
      'stops',
      `export default class { predict(_ctx, input) {
        return { choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify(input.stop) }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
      } }`,
      'llm/v1/chat',
    );
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const one = await client.chat.completions.create({ model: 'stops', messages, stop: '\n' });
    expect(one.choices[0]?.message.content).toBe('["\\n"]');
    const two = await client.chat.completions.create({ model: 'stops', messages, stop: ['a', 'b'] });
    expect(two.choices[0]?.message.content).toBe('["a","b"]');
  });

  it('streams a chat answer token by token as server-sent events', async () => {
    const stream = await chat.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'one two three' }],
      stream: true,
    });
    const pieces: string[] = [];
    const reasons: Array<string | null> = [];
    const ids = new Set<string>();
    for await (const chunk of stream) {
      ids.add(chunk.id);
      expect(chunk.object).toBe('chat.completion.chunk');
      const choice = chunk.choices[0];
      if (choice?.delta.content) pieces.push(choice.delta.content);
      reasons.push(choice?.finish_reason ?? null);
    }
    expect(pieces).toEqual(['You ', 'said: ', 'one ', 'two ', 'three']);
    expect(reasons.at(-1)).toBe('stop');
    expect(ids.size).toBe(1);
  });

  it('answers a text completion, streamed or not', async () => {
    const answer = await completions.completions.create({ model: 'upper', prompt: 'shout' });
    expect(answer.choices[0]).toMatchObject({ text: 'SHOUT', finish_reason: 'length' });
    expect(answer.usage?.total_tokens).toBe(2);
    const stream = await completions.completions.create({ model: 'upper', prompt: 'quiet', stream: true });
    let text = '';
    let reason: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      reason = chunk.choices[0]?.finish_reason ?? reason;
    }
    expect(text).toBe('QUIET');
    expect(reason).toBe('length');
  });

  it('answers embeddings as floats and as base64 (the client default)', async () => {
    const floats = await embeddings.embeddings.create({
      model: 'lengths',
      input: ['abc', 'hello'],
      encoding_format: 'float',
    });
    expect(floats.data.map((d) => d.embedding)).toEqual([
      [3, 0.5, -1.25],
      [5, 0.5, -1.25],
    ]);
    const decoded = await embeddings.embeddings.create({ model: 'lengths', input: 'abcd' });
    expect(decoded.data[0]?.embedding).toEqual([4, 0.5, -1.25]);
  });

  it('serves a transformers.js embedding model saved with llm/v1/embeddings', async () => {
    const encoder = createTinyEncoder({ seed: 3 });
    const source = await writeModelFiles(join(dir, 'encoder-files'), encoder.files);
    await saveModel({
      path: join(dir, 'encoder'),
      transformers: { source, task: 'feature-extraction', inferenceTask: 'llm/v1/embeddings' },
    });
    const client = await listen('encoder');
    const response = await client.embeddings.create({ model: 'encoder', input: ['hello world', 'cat'] });
    expect(response.data).toHaveLength(2);
    for (const { embedding } of response.data) {
      expect(embedding).toHaveLength(encoder.hidden);
      expect(Math.hypot(...embedding)).toBeCloseTo(1, 5);
    }
    expect(response.data[0]!.embedding).not.toEqual(response.data[1]!.embedding);
    expect(response.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
  });

  it('serves a transformers.js chat model: the streamed answer is the whole answer, token by token', async () => {
    const source = await writeModelFiles(join(dir, 'decoder-files'), createTinyDecoder({ seed: 5 }).files);
    await saveModel({
      path: join(dir, 'tiny-chat'),
      transformers: { source, task: 'text-generation', inferenceTask: 'llm/v1/chat' },
    });
    const client = await listen('tiny-chat');
    const request = {
      model: 'tiny-chat',
      messages: [{ role: 'user' as const, content: 'the cat sat on the mat' }],
      max_tokens: 12,
    };
    const whole = await client.chat.completions.create(request);
    expect(whole.usage?.prompt_tokens).toBe(9);
    expect(whole.usage?.completion_tokens).toBeGreaterThan(0);
    const content = whole.choices[0]?.message.content ?? '';
    expect(content.length).toBeGreaterThan(0);
    const stream = await client.chat.completions.create({ ...request, stream: true });
    const pieces: string[] = [];
    let reason: string | null = null;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) pieces.push(chunk.choices[0].delta.content);
      reason = chunk.choices[0]?.finish_reason ?? reason;
    }
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('').trim()).toBe(content);
    expect(reason).toBe(whole.choices[0]?.finish_reason);
  });

  it('rejects bad requests with a 400 that both OpenAI and MLflow clients can read', async () => {
    const error = await chat.chat.completions
      .create({ model: 'echo', messages: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/messages/);
    const response = await chat
      .post('/chat/completions', {
        body: { messages: [{ role: 'user', content: 'x' }], temperature: 7 },
      })
      .catch((e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
    expect((response as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((response as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      type: 'invalid_request_error',
    });
  });

  it('reports a failing model as a server error, streamed or not', async () => {
    const error = await chat.chat.completions
      .create({ model: 'echo', messages: [{ role: 'user', content: 'boom' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as Error).message).toMatch(/the model broke/);
  });

  it("offers no /v1 endpoints for a model without an llm/v1 task, nor other tasks' endpoints", async () => {
    await expect(plain.models.list()).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(
      embeddings.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('--api-key', () => {
  it('lets OpenAI clients and /invocations in with the key, refuses others with 401, and keeps probes open', async () => {
    const good = await listen('echo', 's3cret-key', 's3cret-key');
    const bad = await listen('echo', 's3cret-key', 'wrong-key');
    const reply = await good.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(reply.choices[0]?.message.role).toBe('assistant');
    const refused = await bad.chat.completions
      .create({ model: 'echo', messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((refused as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
    const root = new URL('..', bad.baseURL).href;
    const invoke = (headers: Record<string, string>) =>
      fetch(new URL('invocations', root), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
      });
    const anonymous = await invoke({});
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await anonymous.json()) as { error_code: string }).error_code).toBe('UNAUTHENTICATED');
    expect((await invoke({ authorization: 'Bearer s3cret-key' })).status).toBe(200);
    for (const probe of ['ping', 'health', 'version']) {
      expect((await fetch(new URL(probe, root))).status, probe).toBe(200);
    }
  });
});
