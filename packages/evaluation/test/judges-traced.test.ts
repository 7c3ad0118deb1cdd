import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureTracing, shutdownTracing, storeSpanExporter, Tracker } from '@flowline/client';
import type { TraceStore } from '@flowline/core';
import { uniqueName } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateWithJudges, scorer } from '../src/index.js';

// Tracing is process-wide, so this file has it to itself: spans go straight into the SQLite store.
let dir: string;
let uri: string;
let tracker: Tracker;
let experimentId: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-judges-traced-'));
  uri = `sqlite:///${join(dir, 'mlflow.db')}`;
  tracker = new Tracker({ trackingUri: uri, env: {} });
  experimentId = await (await tracker.store()).createExperiment({
    name: uniqueName('traced'),
    artifactLocation: join(dir, 'artifacts'),
  });
  configureTracing({ exporter: storeSpanExporter(uri, experimentId) });
});
afterAll(async () => {
  await shutdownTracing();
  await tracker.close();
  await rm(dir, { recursive: true, force: true });
});

describe('evaluateWithJudges with a traced predictFn', () => {
  it('traces each prediction and records the feedback on its trace, linked to the run', async () => {
    const result = await evaluateWithJudges({
      data: [{ inputs: 'hello' }, { inputs: 'a much longer question' }],
      predictFn: (inputs) => String(inputs).toUpperCase(),
      scorers: [
        scorer('short', ({ outputs }) => ({ value: String(outputs).length < 10, rationale: 'by length' })),
      ],
      tracker,
      experimentId,
    });
    expect(result.metrics).toEqual({ 'short/mean': 0.5 });
    expect(result.assessments).toBe(2);
    const store = (await tracker.store()) as unknown as TraceStore;
    const [first, second] = result.rows.map((r) => r.traceId!);
    expect(first).toMatch(/^tr-/);
    const info = await store.getTraceInfo(first!);
    expect(info.traceMetadata['mlflow.sourceRun']).toBe(result.runId);
    expect(info.assessments).toEqual([
      expect.objectContaining({
        name: 'short',
        feedback: { value: true },
        rationale: 'by length',
        source: { sourceType: 'CODE', sourceId: 'code' },
        runId: result.runId,
      }),
    ]);
    expect((await store.getTraceInfo(second!)).assessments[0]?.feedback).toEqual({ value: false });
  });
});
