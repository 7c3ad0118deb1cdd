import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlTrackingStore } from '@flowline/tracking-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  flushTracing,
  getExportStats,
  setExperiment,
  setTrackingUri,
  shutdownTracing,
  trace,
  withRun,
  withSpan,
} from '../src/index.js';

// With the fluent API on a database tracking URI, traces are written into that database (as MLflow's
// SDK writes them to a local SQL store), in the active experiment, linked to the active run.

let dir: string;
let uri: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-trace-store-'));
  uri = `sqlite:///${join(dir, 'mlflow.db')}`;
});
afterAll(async () => {
  await shutdownTracing();
  await rm(dir, { recursive: true, force: true });
});

describe('traces on a database tracking URI', () => {
  it('follow setTrackingUri and setExperiment, and name the run they were made in', async () => {
    setTrackingUri(uri);
    const experiment = await setExperiment('traced');
    const add = trace((a: number, b: number) => a + b, { name: 'add' });
    expect(withSpan('outside-run', () => add(1, 2))).toBe(3);
    const runId = await withRun(async (run) => {
      await withSpan('inside-run', async () => add(3, 4));
      return run.info.runId;
    });
    await flushTracing();
    expect(getExportStats()).toMatchObject({ dropped: 0, failed: 0 });
    const store = await SqlTrackingStore.open(uri);
    try {
      const page = await store.searchTraces({ experimentIds: [experiment.experimentId] });
      const names = page.items.map((t) => t.tags['mlflow.traceName']).sort();
      expect(names).toEqual(['inside-run', 'outside-run']);
      const linked = await store.searchTraces({
        experimentIds: [experiment.experimentId],
        filter: `run_id = '${runId}'`,
      });
      expect(linked.items.map((t) => t.tags['mlflow.traceName'])).toEqual(['inside-run']);
      const inside = linked.items[0]!;
      const spans = await store.getTraceSpans(inside.traceId);
      expect(spans.map((s) => s.name).sort()).toEqual(['add', 'inside-run']);
      expect(spans.find((s) => s.name === 'add')!.attributes['mlflow.spanOutputs']).toBe(7);
    } finally {
      await store.close();
    }
  });
});
