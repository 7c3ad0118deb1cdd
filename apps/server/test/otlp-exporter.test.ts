import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { SpanRecord } from '@flowline/core';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OtlpSpanStore } from '../src/routes/otlp-traces.js';
import { otlpServer } from './otlp-server.js';

// OpenTelemetry's own OTLP/HTTP protobuf exporter sending to the route over a real loopback socket. The
// exporter is a dependency of @flowline/tracing, not of the server, so it is resolved from that package;
// where it cannot be (the server installed alone), the test is skipped.
const fromTracing = createRequire(
  fileURLToPath(new URL('../../../packages/tracing/package.json', import.meta.url)),
);
// biome-ignore lint/suspicious/noExplicitAny: modules resolved at run time from another package, untyped here
function load(name: string): any {
  try {
    return fromTracing(name);
  } catch {
    return undefined;
  }
}
const exporterModule = load('@opentelemetry/exporter-trace-otlp-proto');
const sdk = load('@opentelemetry/sdk-trace-base');
const resources = load('@opentelemetry/resources');
const api = load('@opentelemetry/api');
const available = Boolean(exporterModule && sdk && resources && api);

describe.skipIf(!available)('OpenTelemetry JS exporter → POST /v1/traces', () => {
  let tracking: SqlTrackingStore;
  let experimentId: string;
  const logged: SpanRecord[][] = [];
  let close: () => Promise<void>;
  let url: string;

  beforeAll(async () => {
    tracking = await SqlTrackingStore.open('sqlite://', { defaultArtifactRoot: '/srv/artifacts' });
    experimentId = await tracking.createExperiment({ name: 'exporter' });
    const store: OtlpSpanStore = {
      getExperiment: (id) => tracking.getExperiment(id),
      logSpans: async (_id, spans) => {
        logged.push(spans);
      },
    };
    const app = await otlpServer(tracking, { store });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/traces`;
    close = async () => {
      await app.close();
      await tracking.close();
    };
  });
  afterAll(async () => close?.());

  it('stores the spans a BasicTracerProvider exports, with parents, attributes, events and resource', async () => {
    const exporter = new exporterModule.OTLPTraceExporter({
      url,
      headers: { 'x-mlflow-experiment-id': experimentId },
    });
    const provider = new sdk.BasicTracerProvider({
      resource: resources.resourceFromAttributes({ 'service.name': 'exporter-test' }),
      spanProcessors: [new sdk.SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('flowline-test');
    const root = tracer.startSpan('root', { attributes: { 'mlflow.spanType': '"CHAIN"', n: 3 } });
    const child = tracer.startSpan(
      'child',
      { attributes: { 'mlflow.spanInputs': '{"q":"hi"}' } },
      api.trace.setSpan(api.context.active(), root),
    );
    child.addEvent('step', { i: 1 });
    child.setStatus({ code: api.SpanStatusCode.ERROR, message: 'bad' });
    child.end();
    root.end();
    await provider.forceFlush();
    await provider.shutdown();

    const spans = logged.flat();
    expect(spans.map((span) => span.name).sort()).toEqual(['child', 'root']);
    const rootRecord = spans.find((span) => span.name === 'root')!;
    const childRecord = spans.find((span) => span.name === 'child')!;
    const rootContext = root.spanContext();
    expect(rootRecord).toMatchObject({
      otelTraceId: rootContext.traceId,
      traceId: `tr-${rootContext.traceId}`,
      spanId: rootContext.spanId,
      type: 'CHAIN',
      status: 'UNSET',
      attributes: { 'mlflow.spanType': 'CHAIN', n: 3 },
    });
    expect(rootRecord.parentSpanId).toBeUndefined();
    expect(rootRecord.resourceAttributes?.['service.name']).toBe('exporter-test');
    expect(childRecord).toMatchObject({
      parentSpanId: rootContext.spanId,
      status: 'ERROR',
      statusMessage: 'bad',
      attributes: { 'mlflow.spanInputs': { q: 'hi' } },
      events: [{ name: 'step', attributes: { i: 1 } }],
    });
    expect(childRecord.endTimeUnixNano! > childRecord.startTimeUnixNano).toBe(true);
  });
});
