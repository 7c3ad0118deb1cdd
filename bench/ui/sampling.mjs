#!/usr/bin/env node
// Micro benchmark of the server-side sampling behind the metric charts: `getMetricHistoryBulkInterval` straight
// on the store (no HTTP, no browser) over a 1,000,000-point history (one run), the same with a step window,
// three runs with different step sets, and irregular steps (no grid, so ranked in SQL by a window function).
// Median of several calls after one warm-up.
// Usage: node bench/ui/sampling.mjs [--points N] [--repeats R] [--db sqlite:///… | postgresql://…]
//        (needs `pnpm exec turbo run build --filter=@flowline/tracking-store...`)
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const require = createRequire(new URL('../../apps/web/package.json', import.meta.url));
const { SqlTrackingStore } = await import(require.resolve('@flowline/tracking-store'));

const { values } = parseArgs({
  options: {
    points: { type: 'string', default: '1000000' },
    repeats: { type: 'string', default: '7' },
    db: { type: 'string' },
  },
});
const POINTS = Number(values.points);
const REPEATS = Number(values.repeats);
const dir = mkdtempSync(join(tmpdir(), 'flowline-bench-sampling-'));
const store = await SqlTrackingStore.open(values.db ?? `sqlite:///${join(dir, 'bench.db')}`, {
  defaultArtifactRoot: join(dir, 'mlruns'),
});

const experimentId = await store.createExperiment({ name: `bench-sampling-${Date.now()}` });
const newRun = async () => (await store.createRun({ experimentId })).info.runId;
async function seed(runId, n, stepOf) {
  for (let s = 0; s < n; s += 1000) {
    const metrics = [];
    for (let i = s; i < Math.min(n, s + 1000); i++) {
      metrics.push({ key: 'loss', value: 1 / (1 + i), timestamp: 1_700_000_000_000 + i, step: stepOf(i) });
    }
    await store.logBatch(runId, { metrics });
  }
}
const long = await newRun();
await seed(long, POINTS, (i) => i);
const odd = await newRun();
await seed(odd, POINTS / 10, (i) => i * 7 + 3);
const short = await newRun();
await seed(short, 100, (i) => i);
const irregular = await newRun();
await seed(irregular, POINTS / 10, (i) => i * 3 + (i % 2));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(label, options) {
  let points = 0;
  const times = [];
  for (let i = 0; i <= REPEATS; i++) {
    const t = performance.now();
    points = (await store.getMetricHistoryBulkInterval({ metricKey: 'loss', maxResults: 320, ...options }))
      .length;
    if (i > 0) times.push(performance.now() - t);
  }
  console.log(`${label.padEnd(60)} ${median(times).toFixed(1).padStart(8)} ms  (${points} points)`);
}
await time(`1 run, ${POINTS} steps`, { runIds: [long] });
await time(`1 run, ${POINTS} steps, window [${POINTS / 2}, ${POINTS / 2 + 9999}]`, {
  runIds: [long],
  startStep: POINTS / 2,
  endStep: POINTS / 2 + 9999,
});
await time(`3 runs (${POINTS} + ${POINTS / 10} sparse + 100 steps)`, { runIds: [long, odd, short] });
await time(`1 run, ${POINTS / 10} irregular steps (ranked in SQL)`, { runIds: [irregular] });
await time('1 run, 100 steps', { runIds: [short] });
await store.close();
