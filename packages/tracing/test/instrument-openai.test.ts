import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  autologOpenAI,
  configureTracing,
  flushTracing,
  instrumentOpenAI,
  SpanAttributeKey,
  shutdownTracing,
  withSpan,
} from '../src/index.js';

// A stand-in for OpenAI's API (the real one is unreachable here): JSON answers, SSE streams, errors.
const USAGE = { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 };
let server: Server;
let baseURL: string;

function chunk(delta: object, finish: string | null = null, extra: object = {}) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-test',
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...extra,
  };
}

function answer(
  path: string,
  body: Record<string, unknown>,
): { status: number; json?: unknown; sse?: unknown[] } {
  if (body.model === 'missing') {
    return {
      status: 404,
      json: {
        error: {
          message: 'The model `missing` does not exist',
          type: 'invalid_request_error',
          code: 'model_not_found',
        },
      },
    };
  }
  if (path === '/v1/chat/completions' && body.stream === true) {
    const usage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
    const sse: unknown[] = body.tools
      ? [
          chunk({
            role: 'assistant',
            content: null,
            tool_calls: [
              { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } },
            ],
          }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
          chunk({}, 'tool_calls'),
        ]
      : [
          chunk({ role: 'assistant', content: '' }),
          chunk({ content: 'Hel' }),
          chunk({ content: 'lo' }),
          chunk({}, 'stop'),
        ];
    if (usage) sse.push({ ...chunk({}), choices: [], usage: USAGE });
    return { status: 200, sse };
  }
  if (path === '/v1/chat/completions') {
    return {
      status: 200,
      json: {
        id: 'chatcmpl-2',
        object: 'chat.completion',
        created: 2,
        model: 'gpt-test-0001',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there' }, finish_reason: 'stop' }],
        usage: USAGE,
      },
    };
  }
  if (path === '/v1/completions') {
    return {
      status: 200,
      json: {
        id: 'cmpl-1',
        object: 'text_completion',
        created: 3,
        model: 'gpt-instruct',
        choices: [{ index: 0, text: ' world', finish_reason: 'length', logprobs: null }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      },
    };
  }
  if (path === '/v1/embeddings') {
    return {
      status: 200,
      json: {
        object: 'list',
        model: 'embed-test',
        data: [
          {
            object: 'embedding',
            index: 0,
            // The SDK asks for base64 unless told otherwise, and decodes it.
            embedding:
              body.encoding_format === 'base64'
                ? Buffer.from(new Float32Array([0.5, -0.25]).buffer).toString('base64')
                : [0.5, -0.25],
          },
        ],
        usage: { prompt_tokens: 3, total_tokens: 3 },
      },
    };
  }
  return { status: 404, json: { error: { message: 'unknown path' } } };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = answer(req.url ?? '', JSON.parse(Buffer.concat(chunks).toString() || '{}'));
      res.statusCode = reply.status;
      if (reply.sse) {
        res.setHeader('content-type', 'text/event-stream');
        for (const event of reply.sse) res.write(`data: ${JSON.stringify(event)}\n\n`);
        res.end('data: [DONE]\n\n');
      } else {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(reply.json));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let exporter: InMemorySpanExporter;
beforeEach(() => {
  exporter = new InMemorySpanExporter();
  configureTracing({ exporter });
});
afterEach(async () => {
  await shutdownTracing();
});

function client(): OpenAI {
  return instrumentOpenAI(new OpenAI({ baseURL, apiKey: 'test-key', maxRetries: 0 }));
}

async function onlySpan(): Promise<ReadableSpan> {
  await flushTracing();
  const spans = exporter.getFinishedSpans();
  expect(spans).toHaveLength(1);
  return spans[0] as ReadableSpan;
}

function json(span: ReadableSpan, key: string): unknown {
  const value = span.attributes[key];
  return value === undefined ? undefined : JSON.parse(String(value));
}

describe('instrumentOpenAI', () => {
  it('traces a chat completion: request, response, model and token usage', async () => {
    const request = {
      model: 'gpt-test',
      messages: [{ role: 'user' as const, content: 'Hello' }],
      temperature: 0,
    };
    const response = await client().chat.completions.create(request);
    expect(response.choices[0]?.message.content).toBe('Hi there');
    const span = await onlySpan();
    expect(span.name).toBe('Completions');
    expect(json(span, SpanAttributeKey.SPAN_TYPE)).toBe('CHAT_MODEL');
    expect(json(span, SpanAttributeKey.INPUTS)).toEqual(request);
    expect(json(span, SpanAttributeKey.OUTPUTS)).toMatchObject({
      id: 'chatcmpl-2',
      choices: [{ message: { content: 'Hi there' } }],
    });
    expect(json(span, SpanAttributeKey.LLM_MODEL)).toBe('gpt-test');
    expect(json(span, SpanAttributeKey.CHAT_USAGE)).toEqual({
      input_tokens: 9,
      output_tokens: 2,
      total_tokens: 11,
    });
    expect(json(span, SpanAttributeKey.MESSAGE_FORMAT)).toBe('openai');
    expect(span.status.code).toBe(SpanStatusCode.OK);
  });

  it('keeps the SDK promise helpers and nests under the active span', async () => {
    const openai = client();
    await withSpan('app', async (app) => {
      const { data, response } = await openai.chat.completions
        .create({ model: 'gpt-test', messages: [{ role: 'user', content: 'x' }] })
        .withResponse();
      expect(data.id).toBe('chatcmpl-2');
      expect(response.status).toBe(200);
      expect(app.spanId).toMatch(/^[0-9a-f]{16}$/);
    });
    await flushTracing();
    const spans = exporter.getFinishedSpans();
    const app = spans.find((s) => s.name === 'app');
    const llm = spans.find((s) => s.name === 'Completions');
    expect(llm?.parentSpanContext?.spanId).toBe(app?.spanContext().spanId);
  });

  it('ends a streamed chat span when the stream is consumed, with the assembled message and usage', async () => {
    const stream = await client().chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    await flushTracing();
    expect(exporter.getFinishedSpans()).toHaveLength(0); // not consumed yet: still open
    let text = '';
    for await (const part of stream) text += part.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello');
    const span = await onlySpan();
    expect(json(span, SpanAttributeKey.OUTPUTS)).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-test',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
      usage: USAGE,
    });
    expect(json(span, SpanAttributeKey.CHAT_USAGE)).toEqual({
      input_tokens: 9,
      output_tokens: 2,
      total_tokens: 11,
    });
    expect(span.events.map((e) => e.name)).toEqual([0, 1, 2, 3, 4].map((i) => `mlflow.chunk.item.${i}`));
    expect(JSON.parse(String(span.events[1]?.attributes?.['mlflow.chunk.value']))).toMatchObject({
      choices: [{ delta: { content: 'Hel' } }],
    });
  });

  it('assembles streamed tool calls, and has no usage without a usage chunk', async () => {
    const tools = [
      { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } },
    ];
    const stream = await client().chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools,
      stream: true,
    });
    for await (const _ of stream) {
      // consume
    }
    const span = await onlySpan();
    expect(json(span, SpanAttributeKey.CHAT_TOOLS)).toEqual(tools);
    expect(json(span, SpanAttributeKey.CHAT_USAGE)).toBeUndefined();
    expect(json(span, SpanAttributeKey.OUTPUTS)).toMatchObject({
      choices: [
        {
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
    });
  });

  it('traces a stream read through tee()', async () => {
    const stream = await client().chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
    });
    const [left, right] = stream.tee();
    const read = async (s: typeof left) => {
      let text = '';
      for await (const part of s) text += part.choices[0]?.delta.content ?? '';
      return text;
    };
    expect(await Promise.all([read(left), read(right)])).toEqual(['Hello', 'Hello']);
    const span = await onlySpan();
    expect(json(span, SpanAttributeKey.OUTPUTS)).toMatchObject({
      choices: [{ message: { content: 'Hello' } }],
    });
  });

  it('ends a stream abandoned early with what arrived so far', async () => {
    const stream = await client().chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
    });
    for await (const part of stream) {
      if (part.choices[0]?.delta.content === 'Hel') break;
    }
    const span = await onlySpan();
    expect(json(span, SpanAttributeKey.OUTPUTS)).toMatchObject({
      choices: [{ message: { content: 'Hel' } }],
    });
  });

  it('records a failed request as status ERROR with an exception event', async () => {
    await expect(
      client().chat.completions.create({ model: 'missing', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toThrow(/does not exist/);
    const span = await onlySpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events.find((e) => e.name === 'exception')?.attributes?.['exception.message']).toMatch(
      /does not exist/,
    );
  });

  it('traces completions (LLM) and embeddings (EMBEDDING)', async () => {
    const openai = client();
    const completion = await openai.completions.create({
      model: 'gpt-instruct',
      prompt: 'Hello',
      max_tokens: 1,
    });
    expect(completion.choices[0]?.text).toBe(' world');
    const embedding = await openai.embeddings.create({ model: 'embed-test', input: 'abc' });
    expect(embedding.data[0]?.embedding).toEqual([0.5, -0.25]);
    await flushTracing();
    const [llm, embed] = exporter.getFinishedSpans();
    expect(json(llm as ReadableSpan, SpanAttributeKey.SPAN_TYPE)).toBe('LLM');
    expect(json(llm as ReadableSpan, SpanAttributeKey.CHAT_USAGE)).toEqual({
      input_tokens: 1,
      output_tokens: 1,
      total_tokens: 2,
    });
    expect(embed?.name).toBe('Embeddings');
    expect(json(embed as ReadableSpan, SpanAttributeKey.SPAN_TYPE)).toBe('EMBEDDING');
    expect(json(embed as ReadableSpan, SpanAttributeKey.INPUTS)).toEqual({
      model: 'embed-test',
      input: 'abc',
    });
    expect(json(embed as ReadableSpan, SpanAttributeKey.CHAT_USAGE)).toEqual({
      input_tokens: 3,
      output_tokens: 0,
      total_tokens: 3,
    });
  });

  it('instruments a client once however often it is called', async () => {
    const openai = instrumentOpenAI(instrumentOpenAI(client()));
    await openai.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'x' }] });
    await onlySpan();
  });
});

describe('autologOpenAI', () => {
  it('traces every client until disabled', async () => {
    await autologOpenAI();
    const plain = new OpenAI({ baseURL, apiKey: 'test-key', maxRetries: 0 });
    await plain.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'x' }] });
    instrumentOpenAI(plain); // already traced through the class: no second span
    await plain.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'y' }] });
    await autologOpenAI({ disable: true });
    await plain.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'z' }] });
    await flushTracing();
    expect(exporter.getFinishedSpans()).toHaveLength(2);
  });
});
