import type { AddressInfo } from 'node:net';
import { storeTargets } from '@flowline/testkit';
import {
  configureTracing,
  flushTracing,
  getExportStats,
  SpanType,
  shutdownTracing,
  trace,
  updateCurrentTrace,
  withSpan,
} from '@flowline/tracing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTEL_TRACE_ID, OTHER_TRACE_ID, otlpJsonBody, otlpProtobufBody } from './otlp-fixtures.js';
import { type StoreServer, storeServer } from './store-server.js';

// Traces written three ways, by the tracing SDK (OTLP protobuf from OpenTelemetry's exporter), by a raw
// OTLP/protobuf body and by a raw OTLP/JSON body, read back through MLflow's trace REST API (v3 search
// and get, the v2 list, get-trace-artifact) on SQLite and Postgres.

// biome-ignore lint/suspicious/noExplicitAny: wire JSON read field by field in assertions
type Json = Record<string, any>;

for (const target of storeTargets()) {
  describe(`traces end to end on ${target.name}`, () => {
    let server: StoreServer;
    let base: string;
    let sdkExperiment: string;

    beforeAll(async () => {
      server = await storeServer(target);
      await server.app.listen({ host: '127.0.0.1', port: 0 });
      base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
      sdkExperiment = await server.tracking.createExperiment({ name: 'sdk' });
      configureTracing({ trackingUri: base, experimentId: sdkExperiment });
    });
    afterAll(async () => {
      await shutdownTracing();
      await server?.close();
    });

    const rest = async (method: string, path: string, body?: unknown): Promise<Json> => {
      const response = await fetch(`${base}${path}`, {
        method,
        ...(body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      const json = (await response.json()) as Json;
      expect(response.status, JSON.stringify(json)).toBe(200);
      return json;
    };
    const search = (experimentId: string, filter?: string) =>
      rest('POST', '/api/3.0/mlflow/traces/search', {
        locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } }],
        ...(filter ? { filter } : {}),
      });

    it('the SDK: nested spans, tags and previews, found by a tag filter and read whole', async () => {
      const lookup = trace(async (city: string) => ({ city, sunny: true }), {
        name: 'lookup',
        spanType: SpanType.TOOL,
      });
      const answer = await withSpan(
        { name: 'agent', spanType: SpanType.AGENT, inputs: { question: 'weather?' } },
        async (span) => {
          updateCurrentTrace({ tags: { team: 'search' } });
          const weather = await lookup('oslo');
          span.setOutputs({ weather });
          return weather;
        },
      );
      expect(answer.city).toBe('oslo');
      await flushTracing();
      expect(getExportStats().dropped).toBe(0);
      const found = await search(sdkExperiment, "tags.team = 'search'");
      expect(found.traces).toHaveLength(1);
      const info = found.traces[0];
      expect(info.state).toBe('OK');
      expect(info.trace_location).toEqual({
        type: 'MLFLOW_EXPERIMENT',
        mlflow_experiment: { experiment_id: sdkExperiment },
      });
      expect(info.request_preview).toContain('weather?');
      expect(info.tags['mlflow.traceName']).toBe('agent');
      expect(info.tags['mlflow.trace.spansLocation']).toBe('TRACKING_STORE');
      expect(await search(sdkExperiment, "tags.team = 'other'")).not.toHaveProperty('traces.0');

      const whole = await rest('GET', `/api/3.0/mlflow/traces/get?trace_id=${info.trace_id}`);
      const spans = whole.trace.spans as Json[];
      expect(spans.map((s) => s.name).sort()).toEqual(['agent', 'lookup']);
      const root = spans.find((s) => s.name === 'agent')!;
      const child = spans.find((s) => s.name === 'lookup')!;
      expect(child.parent_span_id).toBe(root.span_id);
      const data = await (
        await fetch(`${base}/ajax-api/2.0/mlflow/get-trace-artifact?request_id=${info.trace_id}`)
      ).json();
      const tool = (data as { spans: Json[] }).spans.find((s) => s.name === 'lookup')!;
      expect(JSON.parse(tool.attributes['mlflow.spanType'])).toBe('TOOL');
      expect(JSON.parse(tool.attributes['mlflow.spanInputs'])).toEqual({ city: 'oslo' });
      expect(JSON.parse(tool.attributes['mlflow.spanOutputs'])).toEqual({ city: 'oslo', sunny: true });
      // The v2 API lists the same trace.
      const v2 = await rest('GET', `/api/2.0/mlflow/traces?experiment_ids=${sdkExperiment}`);
      expect(v2.traces.map((t: Json) => t.request_id)).toEqual([info.trace_id]);
    });

    it('raw OTLP protobuf and OTLP/JSON bodies become the same trace, read back by REST', async () => {
      // Trace ids are global: the JSON copy gets ids of its own (same spans otherwise).
      const read = async (contentType: string, body: Buffer | string, otelTraceId: string) => {
        const experimentId = await server.tracking.createExperiment({ name: `raw-${contentType}` });
        const response = await fetch(`${base}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': contentType, 'x-mlflow-experiment-id': experimentId },
          body,
        });
        expect(response.status).toBe(200);
        const found = await search(experimentId);
        const info = found.traces.find((t: Json) => t.trace_id === `tr-${otelTraceId}`);
        expect(info).toBeDefined();
        const whole = await rest('GET', `/api/3.0/mlflow/traces/get?trace_id=${info.trace_id}`);
        const shape = (whole.trace.spans as Json[])
          .map((s) => ({ name: s.name, parent: Boolean(s.parent_span_id), status: s.status?.code }))
          .sort((a, b) => a.name.localeCompare(b.name));
        const { request_time, execution_duration, state, request_preview, response_preview } = info;
        return { shape, request_time, execution_duration, state, request_preview, response_preview };
      };
      const fromProtobuf = await read('application/x-protobuf', otlpProtobufBody(), OTEL_TRACE_ID);
      const copy = 'c'.repeat(32);
      const fromJson = await read(
        'application/json',
        otlpJsonBody().replaceAll(OTEL_TRACE_ID, copy).replaceAll(OTHER_TRACE_ID, 'd'.repeat(32)),
        copy,
      );
      expect(fromProtobuf.shape.length).toBeGreaterThan(1);
      expect(fromJson).toEqual(fromProtobuf);
    });
  });
}
