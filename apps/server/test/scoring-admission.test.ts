import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, saveModel } from '@flowline/model-format';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildScoringServer, type ScoringServerOptions } from '../src/index.js';

/**
 * A chat model that generates without end, streamed or not; per last message it counts its steps and says
 * when it was stopped. Its \`predict\` stops at the call's signal; a 'stubborn…' message ignores the signal
 * and runs until the test calls \`finish()\`; a 'quick…' message is answered at once.
 */
const ENDLESS_MODEL = `
const answer = { choices: [{ index: 0, message: { role: 'assistant', content: 'done' }, finish_reason: 'stop' }] };
export default class Endless {
  async predict(_ctx, input, _params, { signal }) {
    const key = input.messages.at(-1).content;
    const state = { steps: 0, stopped: false };
    (globalThis.admissionStreams ??= {})[key] = state;
    try {
      if (key.startsWith('quick')) return answer;
      if (key.startsWith('stubborn')) return await new Promise((r) => { state.finish = () => r(answer); });
      for (;;) {
        await new Promise((r) => setTimeout(r, 5));
        signal.throwIfAborted();
        state.steps += 1;
      }
    } finally {
      state.stopped = true;
    }
  }
  async *predictStream(_ctx, input) {
    const state = { steps: 0, stopped: false };
    (globalThis.admissionStreams ??= {})[input.messages.at(-1).content] = state;
    try {
      for (;;) {
        await new Promise((r) => setTimeout(r, 5));
        state.steps += 1;
        yield 'word ';
      }
    } finally {
      state.stopped = true;
    }
  }
}`;

const stream = (key: string) =>
  (
    globalThis as {
      admissionStreams?: Record<string, { steps: number; stopped: boolean; finish?: () => void }>;
    }
  ).admissionStreams?.[key];

let dir: string;
const servers: FastifyInstance[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-admission-'));
  await writeFile(join(dir, 'endless.mjs'), ENDLESS_MODEL);
  await saveModel({
    path: join(dir, 'endless'),
    custom: { code: join(dir, 'endless.mjs'), modelConfig: {} },
    metadata: { task: 'llm/v1/chat' },
  });
});
afterAll(async () => {
  for (const server of servers) await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function serve(options: Partial<ScoringServerOptions>): Promise<string> {
  const app = await buildScoringServer({ model: await loadModel(join(dir, 'endless')), ...options });
  servers.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/**
 * A chat request (streamed unless `stream` is false; to `path`): `first` is its first data, `text` all of
 * it once it ends; `hangUp()` disconnects.
 */
function chat(url: string, content: string, { stream = true, path = '/v1/chat/completions' } = {}) {
  const request = http.request(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    agent: false,
  });
  let all = '';
  const first = new Promise<string>((resolve, reject) => {
    request.on('response', (response) => {
      response.once('data', (chunk: Buffer) => resolve(chunk.toString()));
      response.on('data', (chunk: Buffer) => {
        all += chunk.toString();
      });
    });
    request.on('error', reject);
  });
  const text = new Promise<string>((resolve) =>
    request.on('response', (response) => response.on('end', () => resolve(all))),
  );
  request.end(JSON.stringify({ messages: [{ role: 'user', content }], stream }));
  // A client that hangs up before any data never reads `first`.
  first.catch(() => {});
  const hangUp = () => {
    request.on('error', () => {});
    request.destroy();
  };
  return { first, text, hangUp };
}

/** The samples of a Prometheus text exposition, by `name{labels}`; every line must be a comment or a sample. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    expect(match, line).not.toBeNull();
    samples.set(match![1]!, Number(match![2]!.replace('+Inf', 'Infinity')));
  }
  return samples;
}

async function metrics(url: string): Promise<Map<string, number>> {
  const response = await fetch(`${url}/metrics`);
  expect(response.headers.get('content-type')).toContain('version=0.0.4');
  return parseMetrics(await response.text());
}

const post = (url: string, path: string, body: unknown) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('a server with one slot and one queue place', () => {
  let url: string;
  beforeAll(async () => {
    url = await serve({ maxConcurrentRequests: 1, maxQueue: 1 });
  });

  it('answers the bypass routes while the slot is busy, queues one, refuses the next with 429', async () => {
    const a = chat(url, 'a');
    expect(await a.first).toMatch(/^data: /);
    for (const path of ['/ping', '/health', '/version', '/v1/models', '/metrics'])
      expect((await fetch(`${url}${path}`)).status, path).toBe(200);
    const b = chat(url, 'b');
    await vi.waitFor(async () => expect((await metrics(url)).get('flowline_scoring_queue_depth')).toBe(1));
    expect((await metrics(url)).get('flowline_scoring_running_requests')).toBe(1);

    const refused = await post(url, '/v1/chat/completions', { messages: [{ role: 'user', content: 'c' }] });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
    const invocation = await post(url, '/invocations', { messages: [{ role: 'user', content: 'c' }] });
    expect(invocation.status).toBe(429);
    expect(invocation.headers.get('retry-after')).toBe('1');
    expect(((await invocation.json()) as { error_code: string }).error_code).toBe('RESOURCE_EXHAUSTED');

    // The queued client hangs up: it leaves the queue without ever running.
    b.hangUp();
    await vi.waitFor(async () => expect((await metrics(url)).get('flowline_scoring_queue_depth')).toBe(0));
    expect(stream('b')).toBeUndefined();

    // The running client hangs up: its generation stops and the slot goes to the next request.
    a.hangUp();
    await vi.waitFor(() => expect(stream('a')?.stopped).toBe(true), { timeout: 10_000, interval: 20 });
    const stepsOfA = stream('a')!.steps;
    const c = chat(url, 'c');
    expect(await c.first).toMatch(/^data: /);
    await vi.waitFor(() => expect(stream('c')!.steps).toBeGreaterThan(3));
    expect(stream('a')!.steps).toBe(stepsOfA);
    c.hangUp();
    await vi.waitFor(async () =>
      expect((await metrics(url)).get('flowline_scoring_running_requests')).toBe(0),
    );

    const samples = await metrics(url);
    expect(
      samples.get('flowline_scoring_requests_total{method="POST",route="/v1/chat/completions",status="429"}'),
    ).toBe(1);
    expect(
      samples.get('flowline_scoring_requests_total{method="POST",route="/invocations",status="429"}'),
    ).toBe(1);
    expect(samples.get('flowline_scoring_requests_total{method="GET",route="/ping",status="200"}')).toBe(1);
    expect(samples.get('flowline_scoring_generated_tokens_total')).toBeGreaterThan(0);
    expect(samples.get('flowline_scoring_time_to_first_token_seconds_count')).toBe(2);
    expect(samples.get('flowline_scoring_time_to_first_token_seconds_bucket{le="+Inf"}')).toBe(2);
    expect(samples.get('flowline_scoring_inter_token_latency_seconds_count')).toBeGreaterThan(0);
  });
});

describe('a server with --request-timeout', () => {
  it('cancels a generation that runs past it and frees its slot', async () => {
    const url = await serve({ maxConcurrentRequests: 1, maxQueue: 0, requestTimeoutMs: 300 });
    const d = chat(url, 'd');
    const text = await d.text;
    expect(text).toContain('--request-timeout');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(stream('d')?.stopped).toBe(true);
    const stepsOfD = stream('d')!.steps;
    const e = chat(url, 'e');
    expect(await e.first).toMatch(/^data: /);
    await vi.waitFor(() => expect(stream('e')!.steps).toBeGreaterThan(3));
    expect(stream('d')!.steps).toBe(stepsOfD);
    e.hangUp();
  });

  it('answers 504 to a non-streaming request that runs past it', async () => {
    const url = await serve({ maxConcurrentRequests: 1, maxQueue: 0, requestTimeoutMs: 200 });
    const response = await post(url, '/v1/chat/completions', { messages: [{ role: 'user', content: 'f' }] });
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('DEADLINE_EXCEEDED');
  });
});

describe('a non-streaming generation, cancelled through the signal predict gets', () => {
  it.each(['/v1/chat/completions', '/invocations'])(
    'stops when its client hangs up mid-generation and frees the slot for the queued request (%s)',
    async (path) => {
      const url = await serve({ maxConcurrentRequests: 1, maxQueue: 1 });
      const key = `g ${path}`;
      const g = chat(url, key, { stream: false, path });
      await vi.waitFor(() => expect(stream(key)?.steps).toBeGreaterThan(3));
      const queued = post(url, path, { messages: [{ role: 'user', content: `quick ${path}` }] });
      await vi.waitFor(async () => expect((await metrics(url)).get('flowline_scoring_queue_depth')).toBe(1));

      g.hangUp();
      const served = await queued;
      expect(served.status).toBe(200);
      expect(JSON.stringify(await served.json())).toContain('done');
      // The slot went to the queued request only once the hung-up generation had stopped.
      expect(stream(key)?.stopped).toBe(true);
      expect((await metrics(url)).get('flowline_scoring_running_requests')).toBe(0);
    },
  );
});

describe('--request-timeout on non-streaming requests', () => {
  it('answers 504 to a request whose deadline passes while it is queued, and takes it off the queue', async () => {
    const url = await serve({ maxConcurrentRequests: 1, maxQueue: 1, requestTimeoutMs: 300 });
    // This model call ignores its signal, so the slot stays held past the holder's own deadline.
    const holder = post(url, '/v1/chat/completions', { messages: [{ role: 'user', content: 'stubborn h' }] });
    await vi.waitFor(() => expect(stream('stubborn h')).toBeDefined());
    const queued = await post(url, '/invocations', { messages: [{ role: 'user', content: 'quick q' }] });
    expect(queued.status).toBe(504);
    const body = (await queued.json()) as { error_code: string; message: string };
    expect(body.error_code).toBe('DEADLINE_EXCEEDED');
    expect(body.message).toContain('--request-timeout');
    expect(stream('quick q')).toBeUndefined();
    expect((await holder).status).toBe(504);
    const samples = await metrics(url);
    expect(samples.get('flowline_scoring_queue_depth')).toBe(0);
    expect(samples.get('flowline_scoring_running_requests')).toBe(1);
    // Only once the model returns is the slot free.
    stream('stubborn h')!.finish!();
    await vi.waitFor(async () =>
      expect((await metrics(url)).get('flowline_scoring_running_requests')).toBe(0),
    );
  });

  it('cancels a generation that runs past it, answering 504, and frees its slot', async () => {
    const url = await serve({ maxConcurrentRequests: 1, maxQueue: 0, requestTimeoutMs: 300 });
    const response = await post(url, '/invocations', { messages: [{ role: 'user', content: 'h' }] });
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error_code: string }).error_code).toBe('DEADLINE_EXCEEDED');
    await vi.waitFor(() => expect(stream('h')?.stopped).toBe(true));
    const steps = stream('h')!.steps;
    expect(steps).toBeGreaterThan(0);
    const next = await post(url, '/v1/chat/completions', {
      messages: [{ role: 'user', content: 'quick i' }],
    });
    expect(next.status).toBe(200);
    expect(stream('h')!.steps).toBe(steps);
  });
});
