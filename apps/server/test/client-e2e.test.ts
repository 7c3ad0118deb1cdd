import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Tracker } from '@flowline/client';
import { storeTargets } from '@flowline/testkit';
import { SqlTrackingStore } from '@flowline/tracking-store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/index.js';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('./fixtures/log-and-exit.mjs', import.meta.url));

for (const target of storeTargets()) {
  describe(`fluent client against a real server on ${target.name}`, () => {
    let app: FastifyInstance;
    let url: string;
    let store: SqlTrackingStore;
    let drop: () => Promise<void>;
    const batches: number[] = [];

    beforeAll(async () => {
      const database = await target.createDatabase();
      drop = database.drop;
      store = await SqlTrackingStore.open(database.uri);
      // Count log-batch calls as they reach the store.
      const counting = new Proxy(store, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target);
          if (prop === 'logBatch') {
            return (...args: Parameters<SqlTrackingStore['logBatch']>) => {
              batches.push(Date.now());
              return value.apply(target, args);
            };
          }
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      app = await buildServer({ store: counting });
      url = await app.listen({ host: '127.0.0.1', port: 0 });
    });
    afterAll(async () => {
      await app.close();
      await store.close();
      await drop();
    });

    it('sends 100,000 metric points in log-batch calls of 1,000, losing none', async () => {
      const tracker = new Tracker({ trackingUri: url, env: {}, buffer: { intervalMs: 60_000 } });
      await tracker.setExperiment('buffered');
      const before = batches.length;
      const runId = await tracker.withRun(async (r) => {
        for (let i = 0; i < 100_000; i++)
          await tracker.logMetric(`k${i % 10}`, i, { step: Math.floor(i / 10), timestamp: 1000 + i });
        return r.info.runId;
      });
      expect(batches.length - before).toBe(100);
      for (const key of ['k0', 'k9'])
        expect((await store.getMetricHistory(runId, key)).items).toHaveLength(10_000);
      expect((await store.getRun(runId)).info.status).toBe('FINISHED');
      await tracker.close();
    });

    for (const how of ['exit', 'signal', 'drain'] as const) {
      it(`keeps buffered points when the process ends by ${how}`, async () => {
        const { stdout } = await run(process.execPath, [fixture, how, '2500'], {
          // The exit-time flush is opt-in (the 'drain' case needs no opt-in).
          env: {
            ...process.env,
            MLFLOW_TRACKING_URI: url,
            MLFLOW_EXPERIMENT_NAME: 'exits',
            FLOWLINE_FLUSH_METRICS_ON_EXIT: 'true',
          },
        }).catch((error: { stdout: string }) => error);
        const runId = stdout.trim().split('\n')[0]!;
        expect(runId).toMatch(/^[0-9a-f]{32}$/);
        expect((await store.getMetricHistory(runId, 'x')).items).toHaveLength(2500);
      });
    }

    it('logs params, tags, datasets and nested runs through the server', async () => {
      const tracker = new Tracker({ trackingUri: url, env: {} });
      await tracker.setExperiment('e2e');
      const parent = await tracker.startRun({ runName: 'parent' });
      await tracker.logParams({ lr: 0.1 });
      const child = await tracker.startRun({ nested: true });
      await tracker.setTag('stage', 'child');
      await tracker.logInput(
        { name: 'ds', digest: 'x1', sourceType: 'local', source: '/d' },
        { context: 'eval' },
      );
      await tracker.endRun();
      await tracker.endRun();
      const stored = await store.getRun(child.info.runId);
      expect(stored.data.tags).toContainEqual({ key: 'mlflow.parentRunId', value: parent.info.runId });
      expect(stored.inputs.datasetInputs).toHaveLength(1);
      expect((await store.getRun(parent.info.runId)).data.params).toEqual([{ key: 'lr', value: '0.1' }]);
      await tracker.close();
    });
  });
}
