#!/usr/bin/env node
// Web UI benchmark, measured in Debian's Chromium against a real server on a loopback port:
//  1. time to first rendered rows of the runs table for an experiment of 10,000 runs × 50 params × 50 metrics;
//  2. time to draw a metric chart of a 1,000,000-point history (sampled by the server's
//     get-history-bulk-interval), next to the same for a 100-point history.
// Each figure is the median of several page loads in fresh browser contexts (no HTTP cache).
// Usage: node bench/ui/run.mjs [--runs N] [--points N] [--repeats R]   (needs `pnpm exec turbo run build`)
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// Resolve through apps/web, whose dependencies include the server, the stores and playwright-core.
const webPackage = new URL('../../apps/web/package.json', import.meta.url);
const require = createRequire(webPackage);
const load = (name) => import(require.resolve(name));
const { chromium } = require('playwright-core');
const { buildServer, createArtifactAccess } = await load('@flowline/server');
const { SqlTrackingStore } = await load('@flowline/tracking-store');

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    points: { type: 'string', default: '1000000' },
    repeats: { type: 'string', default: '5' },
  },
});
const RUNS = Number(values.runs);
const POINTS = Number(values.points);
const REPEATS = Number(values.repeats);
const CHROMIUM = process.env.FLOWLINE_CHROMIUM ?? '/usr/bin/chromium';
const WEB_DIST = fileURLToPath(new URL('../../apps/web/dist', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'flowline-bench-ui-'));
const store = await SqlTrackingStore.open(`sqlite:///${join(dir, 'bench.db')}`, {
  defaultArtifactRoot: join(dir, 'mlruns'),
});

const t0 = performance.now();
const experimentId = await store.createExperiment({ name: 'bench-ui' });
const paramKeys = Array.from({ length: 50 }, (_, i) => `param_${String(i).padStart(2, '0')}`);
const metricKeys = Array.from({ length: 50 }, (_, i) => `metric_${String(i).padStart(2, '0')}`);
const start = Date.now() - RUNS * 1000;
for (let r = 0; r < RUNS; r++) {
  const run = await store.createRun({ experimentId, runName: `run-${r}`, startTime: start + r * 1000 });
  await store.logBatch(run.info.runId, {
    params: paramKeys.map((key, i) => ({ key, value: String((r * 31 + i) % 97) })),
    metrics: metricKeys.map((key, i) => ({
      key,
      value: Math.sin(r + i),
      timestamp: start + r * 1000,
      step: 0,
    })),
  });
  if (r > 0 && r % 2000 === 0)
    console.log(`  seeded ${r} runs (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
const seededRuns = performance.now();
console.log(`seeded ${RUNS} runs × 50 params × 50 metrics in ${((seededRuns - t0) / 1000).toFixed(1)} s`);

const chartsExperiment = await store.createExperiment({ name: 'bench-ui-charts' });
const longRun = (await store.createRun({ experimentId: chartsExperiment, runName: 'long' })).info.runId;
const shortRun = (await store.createRun({ experimentId: chartsExperiment, runName: 'short' })).info.runId;
const history = (runId, n) => async () => {
  for (let s = 0; s < n; s += 1000) {
    const metrics = [];
    for (let step = s; step < Math.min(n, s + 1000); step++) {
      metrics.push({
        key: 'loss',
        value: 1 / (1 + step) + 0.01 * Math.sin(step),
        timestamp: 1_700_000_000_000 + step,
        step,
      });
    }
    await store.logBatch(runId, { metrics });
  }
};
await history(longRun, POINTS)();
await history(shortRun, 100)();
console.log(`seeded a ${POINTS}-point metric in ${((performance.now() - seededRuns) / 1000).toFixed(1)} s`);

const app = await buildServer({ store, webRoot: WEB_DIST, artifacts: createArtifactAccess(null) });
const url = await app.listen({ host: '127.0.0.1', port: 0 });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

/** Milliseconds from navigation start until `selector` first matches, measured in the page. */
async function firstMatch(path, selector) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript((sel) => {
    window.__firstMatch = new Promise((resolve) => {
      const check = () => {
        if (document.querySelector(sel)) {
          observer.disconnect();
          resolve(performance.now());
        }
      };
      const observer = new MutationObserver(check);
      document.addEventListener('DOMContentLoaded', () => {
        observer.observe(document.documentElement, { subtree: true, childList: true, attributes: true });
        check();
      });
    });
  }, selector);
  await page.goto(url + path);
  const ms = await page.evaluate(() => window.__firstMatch);
  await context.close();
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function measure(path, selector) {
  await firstMatch(path, selector); // warm the server's caches and the browser's compiled code
  const times = [];
  for (let i = 0; i < REPEATS; i++) times.push(await firstMatch(path, selector));
  return median(times);
}

const rows = await measure(`/experiments/${experimentId}`, '.rt-row');
const drawn = (runId) =>
  measure(
    `/experiments/${chartsExperiment}/runs/${runId}?tab=metrics`,
    '.metric-chart-plot[data-drawn="true"]',
  );
const longChart = await drawn(longRun);
const shortChart = await drawn(shortRun);

// The server's share of the long chart: one sampled history request.
const sampleStart = performance.now();
const res = await fetch(
  `${url}/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=${longRun}&metric_key=loss&max_results=320`,
);
const sampled = (await res.json()).metrics.length;
const sampleMs = performance.now() - sampleStart;

await browser.close();
await app.close();
await store.close();

const line = (label, ms, target) =>
  console.log(
    `${label.padEnd(64)} ${ms.toFixed(0).padStart(6)} ms   target < ${target} ms   ${ms < target ? 'ok' : 'MISSED'}`,
  );
console.log(`\nChromium, median of ${REPEATS} page loads (fresh context each), from navigation start:`);
line(`first rendered rows, ${RUNS} runs × 50 params × 50 metrics`, rows, 1500);
line(`chart drawn, ${POINTS}-point metric (run page, metrics tab)`, longChart, 500);
line('chart drawn, 100-point metric (same page, for comparison)', shortChart, 500);
console.log(
  `  server sampling of the ${POINTS}-point history: ${sampleMs.toFixed(0)} ms for ${sampled} points`,
);
