import type { MetricHistoryBulkIntervalOptions, MetricWithRunId } from '@flowline/core';
import { storeTargets } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlTrackingStore, sampleSteps } from '../src/index.js';

type Point = { step: number; value?: number; timestamp?: number };

/**
 * MLflow's `get_metric_history_bulk_interval`, written out over whole histories: sample the sorted union of
 * the runs' steps, add each run's first and last step in range, return every row at those steps.
 */
async function reference(
  store: SqlTrackingStore,
  options: MetricHistoryBulkIntervalOptions,
): Promise<MetricWithRunId[]> {
  const runIds = [...new Set(options.runIds)];
  const histories = await Promise.all(
    runIds.map(async (runId) => (await store.getMetricHistory(runId, options.metricKey)).items),
  );
  const all = [...new Set(histories.flat().map((m) => m.step))].sort((a, b) => a - b);
  if (all.length === 0) return [];
  const start = options.startStep ?? 0;
  const end = options.endStep ?? all.at(-1)!;
  const steps = new Set(sampleSteps(all, start, end, options.maxResults ?? 2500));
  for (const history of histories) {
    if (history.length === 0) continue;
    const own = history.map((m) => m.step);
    for (const s of [Math.min(...own), Math.max(...own)]) if (s >= start && s <= end) steps.add(s);
  }
  return runIds.flatMap((runId, i) =>
    histories[i]!.filter((m) => steps.has(m.step))
      .sort((a, b) => a.step - b.step || a.timestamp - b.timestamp || a.value - b.value)
      .map((m) => ({ runId, ...m })),
  );
}

for (const target of storeTargets()) {
  describe(`getMetricHistoryBulkInterval on ${target.name}`, () => {
    let store: SqlTrackingStore;
    let drop: () => Promise<void>;
    let experimentId: string;

    beforeAll(async () => {
      const database = await target.createDatabase();
      drop = database.drop;
      store = await SqlTrackingStore.open(database.uri, { defaultArtifactRoot: '/tmp/flowline-artifacts' });
      experimentId = await store.createExperiment({ name: `sampling-${Date.now()}` });
    });
    afterAll(async () => {
      await store.close();
      await drop();
    });

    async function run(points: readonly Point[], key = 'x'): Promise<string> {
      const runId = (await store.createRun({ experimentId })).info.runId;
      for (let i = 0; i < points.length; i += 1000) {
        await store.logBatch(runId, {
          metrics: points.slice(i, i + 1000).map((p, j) => ({
            key,
            step: p.step,
            value: p.value ?? p.step / 10,
            timestamp: p.timestamp ?? 1000 + i + j,
          })),
        });
      }
      return runId;
    }
    const steps = (from: number, to: number, stride = 1): Point[] =>
      Array.from({ length: Math.floor((to - from) / stride) + 1 }, (_, i) => ({ step: from + i * stride }));

    async function expectSameAsMlflow(options: MetricHistoryBulkIntervalOptions): Promise<MetricWithRunId[]> {
      const got = await store.getMetricHistoryBulkInterval(options);
      expect(got).toEqual(await reference(store, options));
      return got;
    }

    it('samples every step of a contiguous history, keeping the first and last', async () => {
      const a = await run(steps(0, 4999));
      const got = await expectSameAsMlflow({ runIds: [a], metricKey: 'x', maxResults: 50 });
      expect(got).toHaveLength(51);
      expect(got[0]!.step).toBe(0);
      expect(got[1]!.step).toBe(100);
      expect(got.at(-1)!.step).toBe(4999);
    });

    it('samples a history logged every k-th step, and one with an off-grid step', async () => {
      const grid = await run(steps(10, 10 + 7 * 999, 7));
      const got = await expectSameAsMlflow({ runIds: [grid], metricKey: 'x', maxResults: 40 });
      expect(got.every((m) => (m.step - 10) % 7 === 0)).toBe(true);
      const offGrid = await run([...steps(10, 10 + 7 * 999, 7), { step: 12 }]);
      await expectSameAsMlflow({ runIds: [offGrid], metricKey: 'x', maxResults: 40 });
    });

    it('samples irregular steps by rank', async () => {
      const a = await run(Array.from({ length: 3000 }, (_, i) => ({ step: i * i + (i % 3) })));
      await expectSameAsMlflow({ runIds: [a], metricKey: 'x', maxResults: 100 });
      await expectSameAsMlflow({
        runIds: [a],
        metricKey: 'x',
        maxResults: 100,
        startStep: 1000,
        endStep: 4_000_000,
      });
    });

    it('samples the union of several runs with different step sets, by run in the order asked', async () => {
      const dense = await run(steps(0, 999));
      const sparse = await run(steps(3, 2000, 5));
      const late = await run(steps(1500, 1600));
      const odd = await run(steps(1, 999, 2));
      const even = await run(steps(0, 998, 2));
      const quarter = await run(steps(0, 996, 4));
      const third = await run(steps(0, 999, 3));
      for (const runIds of [
        [sparse, dense, late],
        [dense, late],
        [odd, even],
        [sparse, odd],
        [late, sparse],
        [third, dense],
        [even, quarter],
        [quarter, even, odd],
      ]) {
        const got = await expectSameAsMlflow({ runIds, metricKey: 'x', maxResults: 30 });
        expect([...new Set(got.map((m) => m.runId))]).toEqual(runIds);
      }
      // Each run's first and last step come back even when sampling misses them.
      const got = await store.getMetricHistoryBulkInterval({
        runIds: [dense, late],
        metricKey: 'x',
        maxResults: 5,
      });
      expect(got.filter((m) => m.runId === late).map((m) => m.step)).toEqual([1500, 1600]);
    });

    it('takes the dense shortcut only when one run logged every step of the whole range', async () => {
      // `full` spans [0, 500] with every step: the union is that grid whatever the others logged inside it.
      const full = await run(steps(0, 500));
      const inside = await run(steps(7, 400, 9));
      // `gappy` spans the same range but misses step 250, which only `filler` has: no shortcut, same answer.
      const gappy = await run(steps(0, 500).filter((p) => p.step !== 250));
      const filler = await run([{ step: 250 }]);
      const wider = await run(steps(-5, 510, 5));
      for (const runIds of [
        [full, inside],
        [inside, full],
        [gappy, filler],
        [gappy],
        [full, wider],
        [wider, gappy],
      ])
        for (const maxResults of [7, 64, 2500])
          await expectSameAsMlflow({ runIds, metricKey: 'x', maxResults });
      await expectSameAsMlflow({
        runIds: [full, inside],
        metricKey: 'x',
        maxResults: 10,
        startStep: 100,
        endStep: 300,
      });
    });

    it('returns every row of a step logged more than once, by timestamp then value', async () => {
      const a = await run([
        ...steps(0, 99),
        { step: 50, value: 9, timestamp: 5 },
        { step: 50, value: 1, timestamp: 5 },
        { step: 50, value: 4, timestamp: 2 },
        { step: 99, value: 7, timestamp: 1 },
      ]);
      const got = await expectSameAsMlflow({ runIds: [a], metricKey: 'x', maxResults: 10 });
      expect(got.filter((m) => m.step === 50).map((m) => [m.timestamp, m.value])).toEqual([
        [2, 4],
        [5, 1],
        [5, 9],
        [1050, 5],
      ]);
      expect(got.filter((m) => m.step === 99).map((m) => m.timestamp)).toEqual([1, 1099]);
      // Duplicates count once when ranking: 100 distinct steps, all of them under max_results.
      expect(
        new Set(
          (await store.getMetricHistoryBulkInterval({ runIds: [a], metricKey: 'x' })).map((m) => m.step),
        ).size,
      ).toBe(100);
    });

    it('keeps to start and end steps, inclusive', async () => {
      const a = await run(steps(0, 999));
      const b = await run(steps(500, 1500, 10));
      for (const [startStep, endStep] of [
        [100, 109],
        [100, 899],
        [990, 2000],
        [2000, 3000],
        [-50, 5],
        [7, 7],
        [505, 509],
      ] as const) {
        const got = await expectSameAsMlflow({
          runIds: [a, b],
          metricKey: 'x',
          maxResults: 20,
          startStep,
          endStep,
        });
        expect(got.every((m) => m.step >= startStep && m.step <= endStep)).toBe(true);
      }
      const window = await store.getMetricHistoryBulkInterval({
        runIds: [a],
        metricKey: 'x',
        maxResults: 5,
        startStep: 100,
        endStep: 109,
      });
      expect(window.map((m) => m.step)).toEqual([100, 102, 104, 106, 108, 109]);
    });

    it('leaves out negative steps unless a window asks for them', async () => {
      const a = await run(steps(-20, 20));
      const got = await expectSameAsMlflow({ runIds: [a], metricKey: 'x', maxResults: 100 });
      expect(got.map((m) => m.step)).toEqual(steps(0, 20).map((p) => p.step));
      const windowed = await expectSameAsMlflow({
        runIds: [a],
        metricKey: 'x',
        startStep: -20,
        endStep: -11,
      });
      expect(windowed).toHaveLength(10);
      const negative = await run(steps(-9, -1));
      expect(await store.getMetricHistoryBulkInterval({ runIds: [negative], metricKey: 'x' })).toEqual([]);
    });

    it('returns NaN and infinite values at sampled steps', async () => {
      const a = await run([
        { step: 0, value: Number.NaN },
        { step: 1, value: Number.POSITIVE_INFINITY },
        { step: 2, value: Number.NEGATIVE_INFINITY },
        ...steps(3, 299),
        { step: 300, value: Number.NaN },
      ]);
      const got = await expectSameAsMlflow({ runIds: [a], metricKey: 'x', maxResults: 3 });
      expect(got.map((m) => m.step)).toEqual([0, 100, 200, 300]);
      expect(got[0]!.value).toBeNaN();
      expect(got.at(-1)!.value).toBeNaN();
      const all = await store.getMetricHistoryBulkInterval({
        runIds: [a],
        metricKey: 'x',
        startStep: 0,
        endStep: 2,
      });
      expect(all.map((m) => m.value)).toEqual([
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
      ]);
    });

    it('answers nothing for runs without the metric, and skips them beside runs with it', async () => {
      const a = await run(steps(0, 9));
      const other = await run(steps(0, 9), 'y');
      expect(await store.getMetricHistoryBulkInterval({ runIds: [other], metricKey: 'x' })).toEqual([]);
      const got = await expectSameAsMlflow({ runIds: [other, a, a], metricKey: 'x' });
      expect(got.map((m) => m.runId)).toEqual(Array(10).fill(a));
      const single = await run([{ step: 42 }]);
      expect(
        (await expectSameAsMlflow({ runIds: [single], metricKey: 'x', maxResults: 1 })).map((m) => m.step),
      ).toEqual([42]);
    });
  });
}
