import type { Metric, TrackingStore } from '@flowline/core';
import { describe, expect, it } from 'vitest';
import { MetricBuffer, Tracker } from '../src/index.js';

/** A store that records log-batch calls (all the buffer uses). */
function recordingStore(): { store: TrackingStore; sent: Array<[string, Metric[]]> } {
  const sent: Array<[string, Metric[]]> = [];
  const store = {
    logBatch: async (runId: string, batch: { metrics?: Metric[] }) =>
      void sent.push([runId, batch.metrics ?? []]),
  } as unknown as TrackingStore;
  return { store, sent };
}

const point = (step: number): Metric => ({ key: 'loss', value: step, timestamp: 1, step });
const listeners = () => ({
  exit: process.listenerCount('exit'),
  SIGINT: process.listenerCount('SIGINT'),
  SIGTERM: process.listenerCount('SIGTERM'),
});

describe('MetricBuffer exit-time flush', () => {
  it('is off by default: queued points install no exit or signal handlers, and flush() still sends', async () => {
    const { store, sent } = recordingStore();
    const before = listeners();
    const buffer = new MetricBuffer(store, { intervalMs: 60_000 });
    buffer.add('r1', point(1));
    buffer.add('r1', point(2));
    expect(listeners()).toEqual(before);
    await buffer.flush();
    expect(sent).toEqual([['r1', [point(1), point(2)]]]);
    expect(buffer.size).toBe(0);
  });

  it('with flushOnExit, hooks exit, SIGINT and SIGTERM while points wait, and unhooks once sent', async () => {
    const { store, sent } = recordingStore();
    const before = listeners();
    const buffer = new MetricBuffer(store, { intervalMs: 60_000, flushOnExit: true });
    buffer.add('r1', point(1));
    expect(listeners()).toEqual({
      exit: before.exit + 1,
      SIGINT: before.SIGINT + 1,
      SIGTERM: before.SIGTERM + 1,
    });
    await buffer.flush();
    expect(sent).toHaveLength(1);
    expect(listeners()).toEqual(before);
  });

  it('is turned on for a Tracker by FLOWLINE_FLUSH_METRICS_ON_EXIT=true, and an explicit option wins', async () => {
    const count = async (env: NodeJS.ProcessEnv, buffer?: { flushOnExit: boolean }) => {
      const tracker = new Tracker({ trackingUri: 'sqlite://', env, buffer });
      const before = process.listenerCount('SIGTERM');
      await tracker.logMetric('x', 1);
      const hooked = process.listenerCount('SIGTERM') - before;
      await tracker.close();
      return hooked;
    };
    expect(await count({})).toBe(0);
    expect(await count({ FLOWLINE_FLUSH_METRICS_ON_EXIT: 'true' })).toBe(1);
    expect(await count({ FLOWLINE_FLUSH_METRICS_ON_EXIT: 'true' }, { flushOnExit: false })).toBe(0);
  });
});
