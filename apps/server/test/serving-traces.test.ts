import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpanRecord, TraceInfo } from '@flowline/core';
import { loadModel, saveModel } from '@flowline/model-format';
import { createTinyDecoder, storeTargets, writeModelFiles } from '@flowline/testkit';
import { configureTracing, flushTracing, getExportStats, shutdownTracing } from '@flowline/tracing';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScoringServer, servingTracer } from '../src/index.js';
import { type StoreServer, storeServer } from './store-server.js';

// `models serve --trace-to`: a served onnx_genai testkit model with a tracer whose spans go by OTLP to a
// real tracking server on loopback; each request is read back as an MLflow trace from the store.

const [target] = storeTargets();
let tracking: StoreServer;
let scoring: FastifyInstance;
let client: OpenAI;
let base: string;
let dir: string;
let experimentId: string;
const messages = [{ role: 'user' as const, content: 'hello the cat' }];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-serving-traces-'));
  tracking = await storeServer(target!);
  await tracking.app.listen({ host: '127.0.0.1', port: 0 });
  const trackingUri = `http://127.0.0.1:${(tracking.app.server.address() as AddressInfo).port}`;
  experimentId = await tracking.tracking.createExperiment({ name: 'served' });
  configureTracing({ trackingUri, experimentId, serviceName: 'flowline-models-serve' });
  const files = await writeModelFiles(
    join(dir, 'files'),
    createTinyDecoder({ layout: 'phi3', seed: 11, maxPositions: 128 }).files,
  );
  await saveModel({ path: join(dir, 'chat'), onnxGenai: { source: files } });
  scoring = await buildScoringServer({
    model: await loadModel(join(dir, 'chat')),
    modelName: 'tiny',
    tracer: servingTracer('tiny'),
  });
  await scoring.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(scoring.server.address() as AddressInfo).port}`;
  client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await scoring?.close();
  await shutdownTracing();
  await tracking?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The experiment's traces once `count` have arrived (exports are batched off the request path). */
async function traces(count: number): Promise<TraceInfo[]> {
  await flushTracing();
  for (;;) {
    const page = await tracking.tracking.searchTraces({ experimentIds: [experimentId], maxResults: 100 });
    if (page.items.length >= count) return page.items;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function byName(spans: SpanRecord[], name: string): SpanRecord {
  const span = spans.find((s) => s.name === name);
  expect(span, `span ${name}`).toBeDefined();
  return span!;
}

describe('served requests traced to a tracking server', () => {
  it('a chat completion is a trace: request root, tokenize, prefill and decode spans, token usage', async () => {
    const answer = await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 6 });
    const [info] = await traces(1);
    expect(info!.state).toBe('OK');
    expect(info!.tags['mlflow.traceName']).toBe('/v1/chat/completions');
    expect(info!.requestPreview).toContain('hello the cat');
    expect(info!.responsePreview).toContain(answer.choices[0]!.message.content!.slice(0, 10));
    const usage = JSON.parse(info!.traceMetadata['mlflow.trace.tokenUsage']!);
    expect(usage).toMatchObject({
      input_tokens: answer.usage!.prompt_tokens,
      output_tokens: answer.usage!.completion_tokens,
    });
    const spans = await tracking.tracking.getTraceSpans(info!.traceId);
    const root = byName(spans, '/v1/chat/completions');
    expect(root.parentSpanId).toBeUndefined();
    expect(root.type).toBe('CHAT_MODEL');
    expect(root.attributes['mlflow.llm.model']).toBe('tiny');
    expect(root.attributes['flowline.finish_reason']).toBe(answer.choices[0]!.finish_reason);
    expect(root.attributes['flowline.time_to_first_token_ms']).toBeGreaterThan(0);
    const phases = ['tokenize', 'prefill', 'decode'].map((name) => byName(spans, name));
    for (const phase of phases) expect(phase.parentSpanId).toBe(root.spanId);
    // The phases follow one another inside the request.
    expect(phases[0]!.startTimeUnixNano).toBeGreaterThanOrEqual(root.startTimeUnixNano);
    expect(phases[1]!.startTimeUnixNano).toBeGreaterThanOrEqual(phases[0]!.endTimeUnixNano!);
    expect(phases[2]!.startTimeUnixNano).toBeGreaterThanOrEqual(phases[1]!.endTimeUnixNano!);
    expect(root.endTimeUnixNano!).toBeGreaterThanOrEqual(phases[2]!.endTimeUnixNano!);
    expect(phases[1]!.attributes.prompt_tokens).toBe(answer.usage!.prompt_tokens);
    expect(phases[2]!.attributes.completion_tokens).toBe(answer.usage!.completion_tokens);
  });

  it('a streamed completion and an /invocations chat body are traces too, with what was sent', async () => {
    const before = (await traces(1)).length;
    const stream = await client.chat.completions.create({
      model: 'tiny',
      messages,
      max_tokens: 5,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    const response = await fetch(`${base}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages, max_tokens: 4 }),
    });
    expect(response.status).toBe(200);
    const all = await traces(before + 2);
    const streamed = all.find((t) => t.requestPreview?.includes('"stream": true'));
    const invoked = all.find((t) => t.tags['mlflow.traceName'] === '/invocations');
    expect(streamed).toBeDefined();
    expect(invoked).toBeDefined();
    const spans = await tracking.tracking.getTraceSpans(streamed!.traceId);
    const root = byName(spans, '/v1/chat/completions');
    const outputs = root.attributes['mlflow.spanOutputs'] as { choices: { message: { content: string } }[] };
    expect(outputs.choices[0]!.message.content).toBe(text);
    expect(spans.map((s) => s.name).sort()).toEqual([
      '/v1/chat/completions',
      'decode',
      'prefill',
      'tokenize',
    ]);
    const invokedSpans = await tracking.tracking.getTraceSpans(invoked!.traceId);
    expect(invokedSpans.map((s) => s.name).sort()).toEqual(['/invocations', 'decode', 'prefill', 'tokenize']);
    expect(getExportStats().dropped).toBe(0);
  });

  it('a model failure is an ERROR trace with the exception', async () => {
    const before = (await traces(1)).length;
    // A prompt longer than the context fails inside the model, after the request was read.
    const long = Array.from({ length: 200 }, () => 'cat').join(' ');
    const error = await client.chat.completions
      .create({ model: 'tiny', messages: [{ role: 'user', content: long }] })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const all = await traces(before + 1);
    const failed = all.find((t) => t.state === 'ERROR');
    expect(failed).toBeDefined();
    const [root] = await tracking.tracking.getTraceSpans(failed!.traceId);
    expect(root!.status).toBe('ERROR');
    expect(root!.events.some((e) => e.name === 'exception')).toBe(true);
  });
});
