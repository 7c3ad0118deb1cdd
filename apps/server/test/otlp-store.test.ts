import { gzipSync } from 'node:zlib';
import type { SpanRecord, TraceStore } from '@flowline/core';
import { storeTargets, uniqueName } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/index.js';
import {
  LLM_SPAN_ID,
  OTEL_TRACE_ID,
  OTHER_TRACE_ID,
  otlpJsonBody,
  otlpProtobufBody,
  otlpRequestObject,
  PLAIN_SPAN_ID,
  ROOT_SPAN_ID,
  ROOT_START_NS,
  TOOL_SPAN_ID,
} from './otlp-fixtures.js';
import { otlpServer } from './otlp-server.js';

// OTLP exports through POST /v1/traces into the real trace store, read back with its trace API, on SQLite
// and (with TEST_POSTGRES_URL) Postgres.

for (const target of storeTargets()) {
  describe(`OTLP ingest into the ${target.name} trace store`, () => {
    let store: SqlTrackingStore & TraceStore;
    let drop: () => Promise<void>;
    let app: FastifyInstance;

    beforeAll(async () => {
      const database = await target.createDatabase();
      drop = database.drop;
      store = await SqlTrackingStore.open(database.uri, { defaultArtifactRoot: '/tmp/flowline-artifacts' });
      app = await otlpServer(store);
    });
    afterAll(async () => {
      await app.close();
      await store.close();
      await drop();
    });

    const post = (experimentId: string, payload: Buffer | string, headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/v1/traces',
        payload,
        headers: { 'x-mlflow-experiment-id': experimentId, ...headers },
      });

    function expectStoredTrace(spans: SpanRecord[]): void {
      expect(spans.map((span) => span.spanId)).toEqual([ROOT_SPAN_ID, LLM_SPAN_ID, TOOL_SPAN_ID]);
      const [root, llm, tool] = spans as [SpanRecord, SpanRecord, SpanRecord];
      expect(root).toMatchObject({
        traceId: `tr-${OTEL_TRACE_ID}`,
        otelTraceId: OTEL_TRACE_ID,
        name: 'agent',
        type: 'CHAIN',
        status: 'OK',
        startTimeUnixNano: ROOT_START_NS,
        endTimeUnixNano: ROOT_START_NS + 1_500_000_000n,
      });
      expect(root.parentSpanId).toBeUndefined();
      expect(root.attributes['mlflow.spanInputs']).toEqual({ question: 'What is MLflow?' });
      expect(llm).toMatchObject({ parentSpanId: ROOT_SPAN_ID, type: 'LLM' });
      expect(llm.attributes['mlflow.chat.tokenUsage']).toEqual({
        input_tokens: 12,
        output_tokens: 5,
        total_tokens: 17,
      });
      expect(llm.events.map((event) => event.name)).toEqual(['mlflow.chunk.item.0']);
      expect(tool).toMatchObject({
        parentSpanId: LLM_SPAN_ID,
        type: 'TOOL',
        status: 'ERROR',
        statusMessage: 'TimeoutError: took too long',
      });
      expect(tool.attributes['tool.query']).toBe('not json {');
      expect(tool.links).toEqual([
        { otelTraceId: OTHER_TRACE_ID, spanId: PLAIN_SPAN_ID, attributes: { 'link.kind': 'retry' } },
      ]);
    }

    async function expectStoredTraces(experimentId: string): Promise<void> {
      const info = await store.getTraceInfo(`tr-${OTEL_TRACE_ID}`);
      expect(info).toMatchObject({
        experimentId,
        state: 'OK',
        requestTime: Number(ROOT_START_NS / 1_000_000n),
        executionDuration: 1500,
      });
      expect(info.tags['mlflow.trace.spansLocation']).toBe('TRACKING_STORE');
      // Resource attributes become trace tags, the SDK's own telemetry.sdk.* left out (as MLflow).
      expect(info.tags['service.name']).toBe('agent');
      expect(info.tags['telemetry.sdk.language']).toBeUndefined();
      expect(JSON.parse(info.traceMetadata['mlflow.trace.tokenUsage'] ?? '{}')).toMatchObject({
        total_tokens: 17,
      });
      expectStoredTrace(await store.getTraceSpans(`tr-${OTEL_TRACE_ID}`));

      // The plain OpenTelemetry span: its own trace, still in progress (no end), every AnyValue kind kept.
      const plainInfo = await store.getTraceInfo(`tr-${OTHER_TRACE_ID}`);
      expect(plainInfo.experimentId).toBe(experimentId);
      const [plain] = await store.getTraceSpans(`tr-${OTHER_TRACE_ID}`);
      expect(plain).toMatchObject({ spanId: PLAIN_SPAN_ID, name: 'GET /items', status: 'UNSET' });
      expect(plain?.endTimeUnixNano).toBeUndefined();
      expect(plain?.attributes).toMatchObject({
        'http.method': 'GET',
        flag: true,
        count: 7,
        huge: '9007199254740993',
        ratio: 0.25,
        list: ['a', 2],
        map: { inner: 'x', n: 1.5 },
      });
    }

    it('stores a protobuf export, readable through the trace API', async () => {
      const experimentId = await store.createExperiment({ name: uniqueName('otlp-protobuf') });
      const res = await post(experimentId, otlpProtobufBody(), { 'content-type': 'application/x-protobuf' });
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.length).toBe(0);
      await expectStoredTraces(experimentId);
    });

    it('stores an OTLP/JSON export the same way', async () => {
      // Other trace ids (in the ids and the mlflow.traceRequestId attributes), apart from the protobuf test's.
      const text = otlpJsonBody(otlpRequestObject())
        .replaceAll(OTEL_TRACE_ID, 'aa'.repeat(16))
        .replaceAll(OTHER_TRACE_ID, 'bb'.repeat(16));
      const experimentId = await store.createExperiment({ name: uniqueName('otlp-json') });
      const res = await post(experimentId, gzipSync(text), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({});
      const info = await store.getTraceInfo(`tr-${'aa'.repeat(16)}`);
      expect(info).toMatchObject({ experimentId, state: 'OK', executionDuration: 1500 });
      const spans = await store.getTraceSpans(`tr-${'aa'.repeat(16)}`);
      expect(spans.map((span) => [span.spanId, span.parentSpanId, span.type])).toEqual([
        [ROOT_SPAN_ID, undefined, 'CHAIN'],
        [LLM_SPAN_ID, ROOT_SPAN_ID, 'LLM'],
        [TOOL_SPAN_ID, LLM_SPAN_ID, 'TOOL'],
      ]);
    });

    it('answers 404 for an unknown experiment and stores nothing', async () => {
      const res = await post('424242', otlpProtobufBody(), { 'content-type': 'application/x-protobuf' });
      expect(res.statusCode).toBe(404);
      expect(res.json().error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    });
  });
}

describe('buildServer', () => {
  it('serves POST /v1/traces once the route is registered there', async (ctx) => {
    const store = await SqlTrackingStore.open('sqlite://', {
      defaultArtifactRoot: '/tmp/flowline-artifacts',
    });
    const app = await buildServer({ store });
    try {
      if (!app.hasRoute({ method: 'POST', url: '/v1/traces' })) return ctx.skip();
      const experimentId = await store.createExperiment({ name: 'otlp-build-server' });
      const res = await app.inject({
        method: 'POST',
        url: '/v1/traces',
        payload: otlpProtobufBody(),
        headers: { 'content-type': 'application/x-protobuf', 'x-mlflow-experiment-id': experimentId },
      });
      expect(res.statusCode).toBe(200);
      expect((await store.getTraceSpans(`tr-${OTEL_TRACE_ID}`)).map((span) => span.spanId)).toContain(
        ROOT_SPAN_ID,
      );
    } finally {
      await app.close();
      await store.close();
    }
  });
});
