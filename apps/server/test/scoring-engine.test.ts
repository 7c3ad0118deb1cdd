import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoadedModel, loadModel, saveModel } from '@flowline/model-format';
import { createTinyDecoder, writeModelFiles } from '@flowline/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScoringServer, type ScoringServerOptions } from '../src/index.js';

// onnx_genai models are served through one continuous-batching engine on a worker thread: these tests run
// it for real (the testkit's generated decoders) behind a real server on a loopback port.

type Json = Record<string, unknown>;
let dir: string;
const servers: FastifyInstance[] = [];
const models: LoadedModel[] = [];

/** A chat model that always writes `min` new tokens (min_length), so each answer costs the same steps. */
async function chatModel(name: string, decoder: ReturnType<typeof createTinyDecoder>, minLength?: number) {
  const source = await writeModelFiles(join(dir, `${name}-files`), decoder.files);
  const path = join(dir, name);
  await saveModel({
    path,
    onnxGenai: { source, ...(minLength ? { modelConfig: { min_length: minLength } } : {}) },
  });
  return path;
}

async function serve(path: string, options: Partial<ScoringServerOptions> = {}): Promise<string> {
  const app = await buildScoringServer({ model: await loadModel(path), ...options });
  servers.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`/metrics has no ${name}:\n${text}`);
  return Number(line.split(' ')[1]);
}

async function complete(url: string, body: Json): Promise<Json> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Json;
}

const content = (answer: Json) => ((answer.choices as Json[])[0]!.message as { content: string }).content;

let small: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-engine-serve-'));
  small = await chatModel('small', createTinyDecoder({ layout: 'phi3', seed: 11, maxPositions: 256 }), 200);
});
afterAll(async () => {
  for (const server of servers) await server.close();
  for (const model of models) await model.close();
  await rm(dir, { recursive: true, force: true });
});

describe('an onnx_genai model served through the engine', () => {
  it('batches concurrent chats into shared steps, each answering exactly what it would alone', async () => {
    const url = await serve(small);
    const texts = ['hello cat', 'the mat is a world', 'xyz', 'a world and the cat'];
    const request = (text: string) => ({ messages: [{ role: 'user', content: text }], max_tokens: 40 });
    const alone: string[] = [];
    for (const text of texts) alone.push(content(await complete(url, request(text))));
    const before = {
      steps: await metric(url, 'flowline_model_engine_steps_total'),
      tokens: await metric(url, 'flowline_model_engine_generated_tokens_total'),
    };
    const together = await Promise.all(texts.map((text) => complete(url, request(text))));
    expect(together.map(content)).toEqual(alone);
    for (const answer of together) expect((answer.usage as Json).completion_tokens).toBe(40);
    const steps = (await metric(url, 'flowline_model_engine_steps_total')) - before.steps;
    const tokens = (await metric(url, 'flowline_model_engine_generated_tokens_total')) - before.tokens;
    expect(tokens).toBe(160);
    // One step per token alone; sharing steps is what batching is.
    expect(steps).toBeLessThan(tokens);
    expect(await metric(url, 'flowline_model_engine_running_rows')).toBe(0);
  });

  it('continues the next turn of a chat from its kept cache (cached_tokens), answering as a fresh model does', async () => {
    const url = await serve(small);
    const first = [{ role: 'user', content: 'hello the cat sat on the mat' }];
    const one = await complete(url, { messages: first, max_tokens: 12 });
    expect((one.usage as Json).prompt_tokens_details).toEqual({ cached_tokens: 0 });
    const next = [
      ...first,
      { role: 'assistant', content: content(one) },
      { role: 'user', content: 'and the world' },
    ];
    const two = await complete(url, { messages: next, max_tokens: 12 });
    const cached = ((two.usage as Json).prompt_tokens_details as Json).cached_tokens as number;
    expect(cached).toBeGreaterThanOrEqual((one.usage as Json).prompt_tokens as number);
    expect(cached).toBeLessThan((two.usage as Json).prompt_tokens as number);
    // A model with nothing kept answers the same turn the same way.
    const fresh = await loadModel(small);
    models.push(fresh);
    const again = (await fresh.predict({ messages: next, max_tokens: 12 })) as Json;
    expect(content(again)).toBe(content(two));
    expect((again.usage as Json).prompt_tokens_details).toEqual({ cached_tokens: 0 });
  });

  it('a client that hangs up mid-stream cancels its row: the engine stops stepping and the slot serves the next', async () => {
    const url = await serve(small, { maxConcurrentRequests: 1 });
    const controller = new AbortController();
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }], max_tokens: 190, stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let seen = '';
    while ((seen.match(/"content"/g) ?? []).length < 3)
      seen += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    while ((await metric(url, 'flowline_model_engine_running_rows')) > 0)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const generated = await metric(url, 'flowline_model_engine_generated_tokens_total');
    expect(generated).toBeLessThan(190);
    const next = await complete(url, { messages: [{ role: 'user', content: 'xyz' }], max_tokens: 5 });
    expect((next.usage as Json).completion_tokens).toBe(5);
    // The cancelled row made no tokens after it left: only the next request's 5 were added.
    expect(await metric(url, 'flowline_model_engine_generated_tokens_total')).toBe(generated + 5);
  });

  it('answers /ping and /v1/models while a long prompt is prefilled on the worker', async () => {
    // Bigger than the other tests' decoder, and a prompt of ~900 tokens: its prefill is one long model run.
    const path = await chatModel(
      'long',
      createTinyDecoder({
        layout: 'phi3',
        layers: 4,
        heads: 8,
        kvHeads: 8,
        headSize: 64,
        intermediateSize: 1536,
        maxPositions: 1024,
        seed: 3,
      }),
    );
    const url = await serve(path);
    const words = ['the', 'cat', 'sat', 'on', 'mat', 'hello', 'world', 'a'];
    const long = Array.from({ length: 900 }, (_, i) => words[i % words.length]).join(' ');
    let first = false;
    const answered = (async () => {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: long }], max_tokens: 2, stream: true }),
      });
      const reader = response.body!.getReader();
      while (!first) {
        const { value, done } = await reader.read();
        if (done || new TextDecoder().decode(value).includes('"content"')) first = true;
      }
      while (!(await reader.read()).done);
    })();
    let pings = 0;
    let listed = 0;
    while (!first) {
      const [ping, models] = await Promise.all([fetch(`${url}/ping`), fetch(`${url}/v1/models`)]);
      if (ping.ok) pings++;
      if (models.ok) listed++;
    }
    await answered;
    // Were the prefill on this thread, nothing could be answered while onnxruntime's run held it.
    expect(pings).toBeGreaterThanOrEqual(5);
    expect(listed).toBe(pings);
  });
});
