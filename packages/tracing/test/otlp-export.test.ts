import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { expectMlflowError } from '@flowline/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  configureTracing,
  flushTracing,
  getExportStats,
  SpanType,
  shutdownTracing,
  trace,
  withSpan,
} from '../src/index.js';

// OpenTelemetry's own generated OTLP types, reached through the exporter this package depends on (the
// transformer is its dependency, not ours), to decode what the exporter sent.
interface DecodedRequest {
  resourceSpans: {
    resource?: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: {
      spans: {
        traceId: Uint8Array;
        spanId: Uint8Array;
        parentSpanId?: Uint8Array;
        name: string;
        attributes: { key: string; value: { stringValue?: string } }[];
      }[];
    }[];
  }[];
}
const fromExporter = createRequire(
  createRequire(import.meta.url).resolve('@opentelemetry/exporter-trace-otlp-proto'),
);
const otlpRoot = fromExporter('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceRequest: { decode(bytes: Uint8Array): DecodedRequest } } };
      };
    };
  };
};
const { ExportTraceServiceRequest } = otlpRoot.opentelemetry.proto.collector.trace.v1;

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let server: Server | undefined;
afterEach(async () => {
  await shutdownTracing();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A stand-in tracking server: answers OTLP with an empty 200 and experiment lookups as MLflow does. */
async function startServer(
  experiments: Map<string, string> = new Map(),
): Promise<{ uri: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/v1/traces') {
        res.setHeader('content-type', 'application/x-protobuf');
        res.end();
      } else if (url.pathname === '/api/2.0/mlflow/experiments/get-by-name') {
        const id = experiments.get(url.searchParams.get('experiment_name') ?? '');
        if (id === undefined) {
          res.statusCode = 404;
          res.end(JSON.stringify({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no such experiment' }));
        } else res.end(JSON.stringify({ experiment: { experiment_id: id } }));
      } else if (url.pathname === '/api/2.0/mlflow/experiments/create') {
        const { name } = JSON.parse(body.toString()) as { name: string };
        const id = String(100 + experiments.size);
        experiments.set(name, id);
        res.end(JSON.stringify({ experiment_id: id }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { uri: `http://127.0.0.1:${port}`, received };
}

function decodeSpans(request: Received) {
  const decoded = ExportTraceServiceRequest.decode(request.body);
  return decoded.resourceSpans.flatMap((rs) =>
    rs.scopeSpans.flatMap((ss) =>
      ss.spans.map((span) => ({
        name: span.name,
        traceId: Buffer.from(span.traceId).toString('hex'),
        parent: span.parentSpanId?.length ? Buffer.from(span.parentSpanId).toString('hex') : undefined,
        spanId: Buffer.from(span.spanId).toString('hex'),
        attributes: Object.fromEntries(span.attributes.map((a) => [a.key, a.value.stringValue])),
        resource: Object.fromEntries(
          (rs.resource?.attributes ?? []).map((a) => [a.key, a.value.stringValue]),
        ),
      })),
    ),
  );
}

describe('export to a tracking server', () => {
  it('POSTs OTLP protobuf to <trackingUri>/v1/traces with the experiment header', async () => {
    const { uri, received } = await startServer();
    const config = configureTracing({
      trackingUri: `${uri}/`,
      experimentId: '7',
      serviceName: 'qa-bot',
      headers: { 'x-extra': 'yes' },
    });
    expect(config).toEqual({ endpoint: `${uri}/v1/traces`, experimentId: '7' });
    const answer = trace(async (question: string) => withSpan('lookup', () => question.length), {
      name: 'answer',
      spanType: SpanType.AGENT,
    });
    await answer('why?');
    await answer('how?');
    await flushTracing();

    const posts = received.filter((r) => r.url === '/v1/traces');
    expect(posts.length).toBeGreaterThanOrEqual(1);
    for (const post of posts) {
      expect(post.method).toBe('POST');
      expect(post.headers['content-type']).toBe('application/x-protobuf');
      expect(post.headers['x-mlflow-experiment-id']).toBe('7');
      expect(post.headers['x-extra']).toBe('yes');
    }
    const spans = posts.flatMap(decodeSpans);
    expect(spans.map((s) => s.name).sort()).toEqual(['answer', 'answer', 'lookup', 'lookup']);
    const roots = spans.filter((s) => s.name === 'answer');
    for (const root of roots) {
      expect(root.parent).toBeUndefined();
      expect(root.attributes['mlflow.traceRequestId']).toBe(JSON.stringify(`tr-${root.traceId}`));
      expect(root.attributes['mlflow.spanType']).toBe('"AGENT"');
      expect(root.resource['service.name']).toBe('qa-bot');
      const child = spans.find((s) => s.parent === root.spanId);
      expect(child?.name).toBe('lookup');
      expect(child?.traceId).toBe(root.traceId);
    }
    expect(getExportStats()).toEqual({ exported: 4, dropped: 0, failed: 0, queued: 0 });
  });

  it('resolves MLFLOW_EXPERIMENT_NAME to an id, creating the experiment when missing', async () => {
    const { uri, received } = await startServer();
    const config = configureTracing({
      env: { MLFLOW_TRACKING_URI: uri, MLFLOW_EXPERIMENT_NAME: 'chat-app', MLFLOW_TRACKING_TOKEN: 't0k' },
    });
    expect(config).toEqual({ endpoint: `${uri}/v1/traces`, experimentName: 'chat-app' });
    withSpan('first', () => 1);
    await flushTracing();
    withSpan('second', () => 2);
    await flushTracing();
    const lookups = received.filter((r) => r.url.startsWith('/api/2.0/mlflow/experiments/'));
    // Looked up once (missing), created once, then cached.
    expect(lookups.map((r) => r.url.split('?')[0])).toEqual([
      '/api/2.0/mlflow/experiments/get-by-name',
      '/api/2.0/mlflow/experiments/create',
    ]);
    const posts = received.filter((r) => r.url === '/v1/traces');
    expect(posts).toHaveLength(2);
    for (const post of posts) {
      expect(post.headers['x-mlflow-experiment-id']).toBe('100');
      expect(post.headers.authorization).toBe('Bearer t0k');
    }
  });

  it('uses MLFLOW_EXPERIMENT_ID, then the default experiment 0', async () => {
    const { uri, received } = await startServer();
    configureTracing({ env: { MLFLOW_TRACKING_URI: uri, MLFLOW_EXPERIMENT_ID: '42' } });
    withSpan('a', () => 1);
    await flushTracing();
    configureTracing({ env: { MLFLOW_TRACKING_URI: uri } });
    withSpan('b', () => 1);
    await flushTracing();
    const posts = received.filter((r) => r.url === '/v1/traces');
    expect(posts.map((p) => p.headers['x-mlflow-experiment-id'])).toEqual(['42', '0']);
  });

  it('counts a batch the server refuses as failed', async () => {
    const { uri } = await startServer();
    configureTracing({ trackingUri: `${uri}/nowhere`, experimentId: '1' });
    withSpan('lost', () => 1);
    await flushTracing();
    expect(getExportStats()).toMatchObject({ exported: 0, failed: 1 });
  });

  it('refuses a tracking URI that is not http(s)', async () => {
    await expectMlflowError(
      (async () => configureTracing({ trackingUri: 'sqlite:///mlflow.db' }))(),
      'INVALID_PARAMETER_VALUE',
      "trackingUri must be http(s)://…, got 'sqlite:///mlflow.db'",
    );
  });
});
