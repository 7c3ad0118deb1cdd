import { gzipSync } from 'node:zlib';
import type { SpanRecord } from '@flowline/core';
import { SqlTrackingStore } from '@flowline/tracking-store';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerJsonBody } from '../src/plugins/json-body.js';
import { type OtlpSpanStore, otlpTracesRoute } from '../src/routes/otlp-traces.js';
import { LLM_SPAN_ID, OTEL_TRACE_ID, otlpJsonBody, otlpProtobufBody, ROOT_SPAN_ID } from './otlp-fixtures.js';
import { otlpServer } from './otlp-server.js';

let tracking: SqlTrackingStore;
let experimentId: string;
let app: FastifyInstance;
const calls: Array<{ experimentId: string; spans: SpanRecord[] }> = [];
const capturing: OtlpSpanStore = {
  getExperiment: (id) => tracking.getExperiment(id),
  logSpans: async (id, spans) => {
    calls.push({ experimentId: id, spans });
  },
};

beforeAll(async () => {
  tracking = await SqlTrackingStore.open('sqlite://', { defaultArtifactRoot: '/srv/artifacts' });
  experimentId = await tracking.createExperiment({ name: 'otlp' });
  app = await otlpServer(tracking, { store: capturing, bodyLimit: 64 * 1024 });
});
afterAll(async () => {
  await app.close();
  await tracking.close();
});
beforeEach(() => {
  calls.length = 0;
});

const post = (payload: Buffer | string, headers: Record<string, string>) =>
  app.inject({ method: 'POST', url: '/v1/traces', payload, headers });
const protobufHeaders = () => ({
  'content-type': 'application/x-protobuf',
  'x-mlflow-experiment-id': experimentId,
});

describe('POST /v1/traces', () => {
  it('logs protobuf spans into the header’s experiment and answers an empty protobuf response', async () => {
    const res = await post(otlpProtobufBody(), protobufHeaders());
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    expect(res.rawPayload.length).toBe(0);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.experimentId).toBe(experimentId);
    const spans = calls[0]?.spans ?? [];
    expect(spans).toHaveLength(4);
    expect(spans[1]).toMatchObject({
      traceId: `tr-${OTEL_TRACE_ID}`,
      spanId: LLM_SPAN_ID,
      parentSpanId: ROOT_SPAN_ID,
    });
  });

  it('takes OTLP/JSON and gzip, answering JSON `{}` to a JSON request', async () => {
    const res = await post(gzipSync(otlpJsonBody()), {
      'content-type': 'application/json; charset=utf-8',
      'content-encoding': 'gzip',
      'x-mlflow-experiment-id': experimentId,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({});
    expect(calls[0]?.spans.map((span) => span.spanId)).toContain(ROOT_SPAN_ID);
  });

  it('needs the experiment header, with MLflow’s error JSON', async () => {
    const res = await post(otlpProtobufBody(), { 'content-type': 'application/x-protobuf' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringContaining("'x-mlflow-experiment-id'"),
    });
    expect(calls).toHaveLength(0);
  });

  it('answers 404 for an experiment that does not exist', async () => {
    const res = await post(otlpProtobufBody(), { ...protobufHeaders(), 'x-mlflow-experiment-id': '987654' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(calls).toHaveLength(0);
  });

  it('refuses another content type, naming the ones it takes', async () => {
    const res = await post('hello', { 'content-type': 'text/plain', 'x-mlflow-experiment-id': experimentId });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Invalid Content-Type: text/plain. Expected: application/x-protobuf or application/json.',
    });
    const none = await app.inject({
      method: 'POST',
      url: '/v1/traces',
      payload: otlpProtobufBody(),
      headers: { 'x-mlflow-experiment-id': experimentId, 'content-type': '' },
    });
    expect(none.statusCode).toBe(400);
    expect(none.json().message).toMatch(/^Invalid Content-Type/);
  });

  it('refuses a malformed payload, an unknown encoding and a request without spans', async () => {
    const bad = await post(Buffer.from([0x0a, 0xff, 0x01]), protobufHeaders());
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^Invalid OpenTelemetry protobuf format/);

    const badJson = await post('{"resourceSpans": [', {
      ...protobufHeaders(),
      'content-type': 'application/json',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().message).toMatch(/^Invalid OTLP\/JSON payload/);

    const br = await post(otlpProtobufBody(), { ...protobufHeaders(), 'content-encoding': 'br' });
    expect(br.statusCode).toBe(400);
    expect(br.json().message).toMatch(/Unsupported Content-Encoding: br/);

    const empty = await post(Buffer.alloc(0), protobufHeaders());
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toMatch(/no spans found/);

    const noSpans = await post('{"resourceSpans": [{"scopeSpans": []}]}', {
      ...protobufHeaders(),
      'content-type': 'application/json',
    });
    expect(noSpans.statusCode).toBe(400);
    expect(calls).toHaveLength(0);
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await post(Buffer.alloc(65 * 1024, 0x20), {
      ...protobufHeaders(),
      'content-type': 'application/json',
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error_code).toBe('RESOURCE_EXHAUSTED');
  });

  it('answers 501 in MLflow’s words on a store that cannot keep spans', async () => {
    const other = await otlpServer(tracking, {
      store: { getExperiment: (id) => tracking.getExperiment(id) },
    });
    try {
      const res = await other.inject({
        method: 'POST',
        url: '/v1/traces',
        payload: otlpProtobufBody(),
        headers: protobufHeaders(),
      });
      expect(res.statusCode).toBe(501);
      expect(res.json()).toEqual({
        error_code: 'NOT_IMPLEMENTED',
        message: 'REST OTLP span logging is not supported by Object.',
      });
    } finally {
      await other.close();
    }
  });

  it('leaves the server’s JSON parsing alone outside the route', async () => {
    const other = Fastify({ logger: false });
    registerJsonBody(other, 1024);
    await other.register(otlpTracesRoute, { store: capturing });
    other.post('/echo', async (request) => request.body);
    const res = await other.inject({
      method: 'POST',
      url: '/echo',
      payload: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.json()).toEqual({ a: 1 });
    await other.close();
  });
});
