import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureTracing, flushTracing, shutdownTracing, Tracker, withSpan } from '../src/index.js';

// Traces started while a run is active name it as their source run (MLflow's `mlflow.sourceRun`
// metadata), through the root span's `mlflow.traceMetadata.*` attribute the tracking server reads.

type Exported = { name: string; attributes: Record<string, unknown> };
const exported: Exported[] = [];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-trace-link-'));
  // OpenTelemetry's SpanExporter interface: spans handed over by the SDK's batch processor.
  configureTracing({
    exporter: {
      export: (spans, done) => {
        exported.push(...spans.map((s) => ({ name: s.name, attributes: { ...s.attributes } })));
        done({ code: 0 });
      },
      shutdown: async () => {},
    },
  });
});
afterAll(async () => {
  await shutdownTracing();
  await rm(dir, { recursive: true, force: true });
});

describe('traces inside runs', () => {
  it('a trace started inside a run names the innermost active run; after the run ends it names none', async () => {
    const tracker = new Tracker({ trackingUri: `sqlite:///${join(dir, 'mlflow.db')}`, env: {} });
    const outer = await tracker.startRun();
    withSpan('in-outer', () => withSpan('child', () => 1));
    const inner = await tracker.startRun({ nested: true });
    withSpan('in-inner', () => 2);
    await tracker.endRun();
    await tracker.endRun();
    withSpan('after', () => 3);
    await flushTracing();
    const source = (name: string) =>
      exported.find((s) => s.name === name)?.attributes['mlflow.traceMetadata.mlflow.sourceRun'];
    expect(JSON.parse(String(source('in-outer')))).toBe(outer.info.runId);
    expect(source('child')).toBeUndefined();
    expect(JSON.parse(String(source('in-inner')))).toBe(inner.info.runId);
    expect(source('after')).toBeUndefined();
    await (await tracker.store()).close();
  });
});
