// Shared by the server benchmark's two processes: the workload and the timing helpers.
import { performance } from 'node:perf_hooks';

export const CLIENTS = 8;

/** 1,000 metric points for request `i` of client `c` (distinct, so none collapse). */
export function batch(_c, i) {
  const metrics = [];
  for (let k = 0; k < 1000; k++) {
    metrics.push({
      key: `m${k % 20}`,
      value: Math.sin(i * 1000 + k),
      timestamp: 1_700_000_000_000 + i,
      step: i * 1000 + k,
    });
  }
  return metrics;
}

/** Runs `CLIENTS` loops of `perClient` calls concurrently; returns requests/s and latency percentiles. */
export async function load(perClient, call) {
  const latencies = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; i < perClient; i++) {
        const s = performance.now();
        await call(c, i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return {
    rps: latencies.length / seconds,
    p50: pct(50),
    p99: pct(99),
    msPerRequest: (seconds * 1000) / latencies.length,
  };
}

/**
 * The benchmarks' experiment: CLIENTS * 2 runs, the first holding 20 params and 20 metrics (what runs/get
 * reads back). Returns the run ids and that first run.
 */
export async function seedRuns(store) {
  const exp = await store.createExperiment({ name: `bench-${Date.now()}` });
  const runs = [];
  for (let c = 0; c < CLIENTS * 2; c++) runs.push((await store.createRun({ experimentId: exp })).info.runId);
  const getTarget = runs[0];
  await store.logBatch(getTarget, {
    params: Array.from({ length: 20 }, (_, i) => ({ key: `p${i}`, value: String(i) })),
    metrics: Array.from({ length: 20 }, (_, i) => ({ key: `g${i}`, value: i, timestamp: 1, step: 0 })),
  });
  return { exp, runs, getTarget };
}
