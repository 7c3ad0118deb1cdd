import type { Metric, TrackingStore } from '@flowline/core';
import { describe, expect } from 'vitest';
import { expectMlflowError, uniqueName } from './harness.js';
import type { SuiteTest } from './skip.js';

async function newRun(store: TrackingStore): Promise<string> {
  const expId = await store.createExperiment({ name: uniqueName() });
  return (await store.createRun({ experimentId: expId })).info.runId;
}

/** Params, metrics, tags and log-batch: values, limits, atomicity and concurrency. */
export function loggingSuite(getStore: () => TrackingStore, test: SuiteTest): void {
  describe('logging', () => {
    test('keeps params immutable: the same value again is fine, another value is refused', async () => {
      const store = getStore();
      const runId = await newRun(store);
      await store.logParam(runId, { key: 'lr', value: '0.1' });
      await store.logParam(runId, { key: 'lr', value: '0.1' });
      await expectMlflowError(
        store.logParam(runId, { key: 'lr', value: '0.2' }),
        'INVALID_PARAMETER_VALUE',
        /Changing param values is not allowed.*key='lr'.*value='0.1'.*'0.2'/s,
      );
      expect((await store.getRun(runId)).data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    });

    test('writes a batch all or nothing: one changed param rolls back metrics, tags and other params', async () => {
      const store = getStore();
      const runId = await newRun(store);
      await store.logParam(runId, { key: 'fixed', value: 'a' });
      await expectMlflowError(
        store.logBatch(runId, {
          metrics: [{ key: 'loss', value: 1, timestamp: 1, step: 0 }],
          params: [
            { key: 'new', value: 'x' },
            { key: 'fixed', value: 'b' },
          ],
          tags: [{ key: 'note', value: 'n' }],
        }),
        'INVALID_PARAMETER_VALUE',
      );
      const run = await store.getRun(runId);
      expect(run.data.params).toEqual([{ key: 'fixed', value: 'a' }]);
      expect(run.data.metrics).toEqual([]);
      expect(run.data.tags.map((t) => t.key)).not.toContain('note');
      expect((await store.getMetricHistory(runId, 'loss')).items).toEqual([]);
    });

    test('refuses duplicate param keys within one batch', async () => {
      const store = getStore();
      const runId = await newRun(store);
      await expectMlflowError(
        store.logBatch(runId, {
          params: [
            { key: 'a', value: '1' },
            { key: 'a', value: '1' },
          ],
        }),
        'INVALID_PARAMETER_VALUE',
        /Duplicate parameter keys/,
      );
    });

    test("enforces MLflow's batch limits before writing anything", async () => {
      const store = getStore();
      const runId = await newRun(store);
      const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));
      await expectMlflowError(
        store.logBatch(runId, { metrics }),
        'INVALID_PARAMETER_VALUE',
        /at most 1000 metrics.*Got 1001/,
      );
      const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' }));
      await expectMlflowError(
        store.logBatch(runId, { params }),
        'INVALID_PARAMETER_VALUE',
        /at most 100 params/,
      );
      const tags = Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: '1' }));
      await expectMlflowError(store.logBatch(runId, { tags }), 'INVALID_PARAMETER_VALUE', /at most 100 tags/);
      const mixed = {
        metrics: Array.from({ length: 950 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i })),
        params: params.slice(0, 60),
      };
      await expectMlflowError(store.logBatch(runId, mixed), 'INVALID_PARAMETER_VALUE', /in total/);
      const run = await store.getRun(runId);
      expect(run.data.metrics).toEqual([]);
      expect(run.data.params).toEqual([]);
    });

    test('accepts exactly the limits', async () => {
      const store = getStore();
      const runId = await newRun(store);
      const metrics = Array.from({ length: 1000 }, (_, i) => ({
        key: `m${i % 10}`,
        value: i,
        timestamp: 1,
        step: i,
      }));
      await store.logBatch(runId, { metrics });
      expect((await store.getMetricHistory(runId, 'm3')).items).toHaveLength(100);
    });

    test("validates keys and values with MLflow's rules", async () => {
      const store = getStore();
      const runId = await newRun(store);
      for (const key of ['a!b', '../up', 'a//b', 'a/./b', '/abs', 'trail/', '.', 'x'.repeat(251)]) {
        await expectMlflowError(store.logParam(runId, { key, value: '1' }), 'INVALID_PARAMETER_VALUE');
      }
      for (const key of ['ok', 'a/b', 'with space', 'dots.and-dashes', 'colon:key', 'ünïcödé']) {
        await store.logParam(runId, { key, value: '1' });
      }
      // Over-long values are cut to MLflow's limits (its MLFLOW_TRUNCATE_LONG_VALUES default), not refused.
      await store.logParam(runId, { key: 'big', value: `${'x'.repeat(6000)}tail` });
      await store.logParam(runId, { key: 'max', value: 'x'.repeat(6000) });
      await store.setTag(runId, { key: 'big', value: `${'y'.repeat(8000)}tail` });
      const stored = await store.getRun(runId);
      expect(stored.data.params.find((p) => p.key === 'big')?.value).toBe('x'.repeat(6000));
      expect(stored.data.tags.find((t) => t.key === 'big')?.value).toBe('y'.repeat(8000));
      await expectMlflowError(
        store.logMetric(runId, { key: 'm', value: '1' as unknown as number, timestamp: 1, step: 0 }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectMlflowError(
        store.logMetric(runId, { key: 'm', value: 1, timestamp: -5, step: 0 }),
        'INVALID_PARAMETER_VALUE',
      );
      await expectMlflowError(
        store.logMetric(runId, { key: 'm', value: 1, timestamp: 1, step: 1.5 }),
        'INVALID_PARAMETER_VALUE',
      );
    });

    test('stores NaN and ±Infinity faithfully in history and latest values', async () => {
      const store = getStore();
      const runId = await newRun(store);
      await store.logBatch(runId, {
        metrics: [
          { key: 'nan', value: Number.NaN, timestamp: 1, step: 0 },
          { key: 'pinf', value: Number.POSITIVE_INFINITY, timestamp: 1, step: 0 },
          { key: 'ninf', value: Number.NEGATIVE_INFINITY, timestamp: 1, step: 0 },
          { key: 'tiny', value: 5e-324, timestamp: 1, step: 0 },
        ],
      });
      const latest = Object.fromEntries(
        (await store.getRun(runId)).data.metrics.map((m) => [m.key, m.value]),
      );
      expect(latest.nan).toBeNaN();
      expect(latest.pinf).toBe(Number.POSITIVE_INFINITY);
      expect(latest.ninf).toBe(Number.NEGATIVE_INFINITY);
      expect(latest.tiny).toBe(5e-324);
      expect((await store.getMetricHistory(runId, 'nan')).items[0]!.value).toBeNaN();
      expect((await store.getMetricHistory(runId, 'ninf')).items[0]!.value).toBe(Number.NEGATIVE_INFINITY);
    });

    test('keeps full history and picks the latest by (step, timestamp, value)', async () => {
      const store = getStore();
      const runId = await newRun(store);
      const points: Metric[] = [
        { key: 'acc', value: 0.5, timestamp: 100, step: 2 },
        { key: 'acc', value: 0.9, timestamp: 999, step: 1 },
        { key: 'acc', value: 0.1, timestamp: 50, step: 2 },
      ];
      for (const p of points) await store.logMetric(runId, p);
      expect((await store.getRun(runId)).data.metrics).toEqual([
        { key: 'acc', value: 0.5, timestamp: 100, step: 2 },
      ]);
      await store.logMetric(runId, { key: 'acc', value: 0.7, timestamp: 100, step: 2 });
      expect((await store.getRun(runId)).data.metrics[0]!.value).toBe(0.7);
      const history = (await store.getMetricHistory(runId, 'acc')).items;
      expect(history).toHaveLength(4);
      expect(history.map((m) => m.timestamp)).toEqual([50, 100, 100, 999]);
    });

    test('collapses identical points and keeps repeated steps with other values', async () => {
      const store = getStore();
      const runId = await newRun(store);
      const p = { key: 'm', value: 1, timestamp: 5, step: 0 };
      await store.logBatch(runId, { metrics: [p, p, { ...p, value: 2 }] });
      await store.logMetric(runId, p);
      expect((await store.getMetricHistory(runId, 'm')).items).toHaveLength(2);
    });

    test('pages metric history with tokens', async () => {
      const store = getStore();
      const runId = await newRun(store);
      const metrics = Array.from({ length: 25 }, (_, i) => ({
        key: 'loss',
        value: i,
        timestamp: 1000 + i,
        step: i,
      }));
      await store.logBatch(runId, { metrics });
      const seen: number[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await store.getMetricHistory(runId, 'loss', { maxResults: 10, pageToken: token });
        seen.push(...page.items.map((m) => m.step));
        token = page.nextPageToken;
        pages++;
      } while (token);
      expect(pages).toBe(3);
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
      expect((await store.getMetricHistory(runId, 'loss')).items).toHaveLength(25);
      await expectMlflowError(
        store.getMetricHistory(runId, 'loss', { pageToken: '%%%' }),
        'INVALID_PARAMETER_VALUE',
      );
      // A token belongs to the run and metric it pages.
      const first = (await store.getMetricHistory(runId, 'loss', { maxResults: 10 })).nextPageToken;
      const other = await newRun(store);
      await store.logBatch(other, { metrics });
      for (const [run, key] of [
        [runId, 'acc'],
        [other, 'loss'],
      ] as const) {
        await expectMlflowError(
          store.getMetricHistory(run, key, { maxResults: 10, pageToken: first }),
          'INVALID_PARAMETER_VALUE',
          /different search \(run or metric changed\)/,
        );
      }
    });

    test('samples bulk history per run, keeping first and last steps', async () => {
      const store = getStore();
      const a = await newRun(store);
      const b = await newRun(store);
      await store.logBatch(a, {
        metrics: Array.from({ length: 1000 }, (_, i) => ({ key: 'x', value: i, timestamp: i, step: i })),
      });
      await store.logBatch(b, {
        metrics: Array.from({ length: 10 }, (_, i) => ({ key: 'x', value: i, timestamp: i, step: i * 3 })),
      });
      const sampled = await store.getMetricHistoryBulkInterval({
        runIds: [a, b],
        metricKey: 'x',
        maxResults: 50,
      });
      const stepsA = sampled.filter((m) => m.runId === a).map((m) => m.step);
      expect(stepsA.length).toBeGreaterThanOrEqual(50);
      expect(stepsA.length).toBeLessThanOrEqual(53);
      expect(stepsA[0]).toBe(0);
      expect(stepsA.at(-1)).toBe(999);
      const stepsB = sampled.filter((m) => m.runId === b).map((m) => m.step);
      expect(stepsB).toContain(0);
      expect(stepsB).toContain(27);
      const window = await store.getMetricHistoryBulkInterval({
        runIds: [a],
        metricKey: 'x',
        startStep: 100,
        endStep: 109,
        maxResults: 5,
      });
      expect(window.every((m) => m.step >= 100 && m.step <= 109)).toBe(true);
      expect(window.map((m) => m.step)).toContain(109);
      await expectMlflowError(
        store.getMetricHistoryBulkInterval({ runIds: [a], metricKey: 'x', startStep: 5 }),
        'INVALID_PARAMETER_VALUE',
        /both/,
      );
      await expectMlflowError(
        store.getMetricHistoryBulkInterval({ runIds: [a], metricKey: 'x', startStep: 9, endStep: 1 }),
        'INVALID_PARAMETER_VALUE',
      );
      const many = Array.from({ length: 101 }, (_, i) => i.toString(16).padStart(32, '0'));
      await expectMlflowError(
        store.getMetricHistoryBulkInterval({ runIds: many, metricKey: 'x' }),
        'INVALID_PARAMETER_VALUE',
        /100/,
      );
    });

    test('loses nothing with many concurrent writers on one run', async () => {
      const store = getStore();
      const runId = await newRun(store);
      await Promise.all(
        Array.from({ length: 16 }, (_, w) =>
          store.logBatch(runId, {
            metrics: Array.from({ length: 50 }, (_, i) => ({
              key: `m${i % 5}`,
              value: w * 100 + i,
              timestamp: w,
              step: w * 50 + i,
            })),
            params: [{ key: `writer-${w}`, value: String(w) }],
            tags: [{ key: 'shared', value: String(w) }],
          }),
        ),
      );
      const run = await store.getRun(runId);
      expect(run.data.params).toHaveLength(16);
      for (let k = 0; k < 5; k++)
        expect((await store.getMetricHistory(runId, `m${k}`)).items).toHaveLength(160);
      const m0 = run.data.metrics.find((m) => m.key === 'm0')!;
      expect(m0.step).toBe(15 * 50 + 45);
    });

    test('resolves a param race to one winner and a clear error for the others', async () => {
      const store = getStore();
      const runId = await newRun(store);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => store.logParam(runId, { key: 'seed', value: String(i) })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected')
          expect(String((r.reason as Error).message)).toMatch(/Changing param values is not allowed/);
      }
      const stored = (await store.getRun(runId)).data.params;
      expect(stored).toHaveLength(1);
      expect(results[Number(stored[0]!.value)]!.status).toBe('fulfilled');
    });
  });
}
