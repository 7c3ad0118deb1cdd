import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  disableSystemMetricsLogging,
  enableSystemMetricsLogging,
  SystemMetricsMonitor,
  Tracker,
} from '../src/index.js';
import { gpuMetrics, systemMetricsOptionsFromEnv } from '../src/system-metrics.js';

// System metrics sampled from this machine and logged to a run in a real SQLite store, as MLflow's
// `log_system_metrics` does; GPU metrics from a stand-in `nvidia-smi` (this machine has no GPU).

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-sysmetrics-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Waits (polling, no deadline) until the run has logged `steps` system metric steps. */
async function untilSteps(monitor: () => SystemMetricsMonitor | undefined, steps: number) {
  while ((monitor()?.steps ?? 0) < steps) await new Promise((r) => setTimeout(r, 20));
}

describe('system metrics', () => {
  it("logs MLflow's CPU, memory, disk and network metrics at steps 0, 1, 2 … while the run is active", async () => {
    const tracker = new Tracker({
      trackingUri: `sqlite:///${join(dir, 'mlflow.db')}`,
      env: {
        MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL: '0.02',
        MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING: '2',
      },
    });
    const run = await tracker.startRun({ logSystemMetrics: true });
    // Watch the store until two steps are logged.
    const store = await tracker.store();
    const history = async (key: string) =>
      (await store.getMetricHistory(run.info.runId, key, { maxResults: 100 })).items;
    while ((await history('system/cpu_utilization_percentage')).length < 2)
      await new Promise((r) => setTimeout(r, 20));
    await tracker.endRun();
    const keys = (await store.getRun(run.info.runId)).data.metrics.map((m) => m.key).sort();
    for (const key of [
      'system/cpu_utilization_percentage',
      'system/system_memory_usage_megabytes',
      'system/system_memory_usage_percentage',
      'system/disk_usage_percentage',
      'system/disk_usage_megabytes',
      'system/disk_available_megabytes',
      'system/network_receive_megabytes',
      'system/network_transmit_megabytes',
    ])
      expect(keys).toContain(key);
    expect(keys.some((k) => k.includes('gpu_'))).toBe(false);
    const cpu = await history('system/cpu_utilization_percentage');
    expect(cpu.map((m) => m.step)).toEqual(cpu.map((_, i) => i));
    for (const m of cpu) {
      expect(m.value).toBeGreaterThanOrEqual(0);
      expect(m.value).toBeLessThanOrEqual(100);
      expect(Math.round(m.value * 10) / 10).toBe(m.value);
    }
    const memory = (await history('system/system_memory_usage_percentage'))[0]!.value;
    expect(memory).toBeGreaterThan(0);
    expect(memory).toBeLessThan(100);
    // After the run ends nothing more is logged.
    const count = cpu.length;
    await new Promise((r) => setTimeout(r, 100));
    expect((await history('system/cpu_utilization_percentage')).length).toBe(count);
    await (await tracker.store()).close();
  });

  it('follows MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING and enableSystemMetricsLogging(); a run can opt out', async () => {
    const env = { MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL: '0.02' };
    const tracker = new Tracker({ trackingUri: `sqlite:///${join(dir, 'mlflow.db')}`, env });
    const store = await tracker.store();
    const logged = async (runId: string) =>
      (await store.getRun(runId)).data.metrics.some((m) => m.key.startsWith('system/'));
    // The variable applies while no switch has been used in this process (the switches then win).
    const byEnv = new Tracker({
      trackingUri: `sqlite:///${join(dir, 'mlflow.db')}`,
      env: { ...env, MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING: 'true' },
    });
    const run = await byEnv.startRun();
    while (!(await logged(run.info.runId))) await new Promise((r) => setTimeout(r, 20));
    await byEnv.endRun();
    // A run that logs them is watched until it has; one that does not gets several intervals' time.
    const sampleFor = async (expected: boolean, options: { logSystemMetrics?: boolean } = {}) => {
      const run = await tracker.startRun(options);
      if (expected) while (!(await logged(run.info.runId))) await new Promise((r) => setTimeout(r, 20));
      else await new Promise((r) => setTimeout(r, 150));
      await tracker.endRun();
      expect(await logged(run.info.runId)).toBe(expected);
    };
    await sampleFor(false);
    enableSystemMetricsLogging();
    await sampleFor(true);
    await sampleFor(false, { logSystemMetrics: false });
    disableSystemMetricsLogging();
    await store.close();
    await (await byEnv.store()).close();
  });

  it('reads GPUs from nvidia-smi under MLflow names, and refuses bad MLFLOW_SYSTEM_METRICS_* values', async () => {
    const smi = join(dir, 'nvidia-smi');
    await writeFile(
      smi,
      '#!/bin/sh\necho "0, 37, 2048, 8192, 70.5, 150.0"\necho "1, 0, 0, 8192, 20.0, 150.0"\n',
    );
    await chmod(smi, 0o755);
    const tracker = new Tracker({ trackingUri: `sqlite:///${join(dir, 'mlflow.db')}`, env: {} });
    const store = await tracker.store();
    const run = await tracker.startRun();
    const monitor = new SystemMetricsMonitor(store, run.info.runId, {
      samplingInterval: 0.02,
      nvidiaSmi: smi,
      nodeId: 'n1',
    });
    await monitor.start();
    await untilSteps(() => monitor, 1);
    await monitor.stop();
    const metrics = Object.fromEntries(
      (await store.getRun(run.info.runId)).data.metrics.map((m) => [m.key, m.value]),
    );
    expect(metrics['system/n1/gpu_0_utilization_percentage']).toBe(37);
    expect(metrics['system/n1/gpu_0_memory_usage_percentage']).toBe(25);
    expect(metrics['system/n1/gpu_0_memory_usage_megabytes']).toBe(2147.5);
    expect(metrics['system/n1/gpu_0_power_usage_watts']).toBe(70.5);
    expect(metrics['system/n1/gpu_0_power_usage_percentage']).toBe(47);
    expect(metrics['system/n1/gpu_1_memory_usage_percentage']).toBe(0);
    expect(gpuMetrics('')).toEqual({});
    await tracker.endRun();
    await store.close();
    expect(() => systemMetricsOptionsFromEnv({ MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL: 'soon' })).toThrow(
      /MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL must be a positive number/,
    );
  });
});
