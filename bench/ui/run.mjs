#!/usr/bin/env node
// Web UI benchmark, measured in Debian's Chromium against a real server on a loopback port:
//  1. time to first rendered rows of the runs table for an experiment of 10,000 runs × 50 params × 50 metrics;
//  2. time to draw a metric chart of a 1,000,000-point history (sampled by the server's
//     get-history-bulk-interval), next to the same for a 100-point history;
//  3. time to draw the experiment chart view (`?view=charts`) of 100 runs × 10 metrics × 10,000 steps (every
//     chart painted), next to the same runs with 100-step histories; and the frame rate while the mouse
//     sweeps one of its charts (hover highlight in every chart), next to the idle page's frame rate.
// Each time is the median of several page loads in fresh browser contexts (no HTTP cache).
// Usage: node bench/ui/run.mjs [--runs N] [--points N] [--repeats R]
//          [--chart-runs N] [--chart-metrics N] [--chart-steps N]   (needs `pnpm exec turbo run build`)
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hoverFps, idleFps, seedChartRuns } from './chart-view.mjs';

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
    'chart-runs': { type: 'string', default: '100' },
    'chart-metrics': { type: 'string', default: '10' },
    'chart-steps': { type: 'string', default: '10000' },
  },
});
const RUNS = Number(values.runs);
const POINTS = Number(values.points);
const REPEATS = Number(values.repeats);
const CHART = {
  runs: Number(values['chart-runs']),
  metrics: Number(values['chart-metrics']),
  steps: Number(values['chart-steps']),
};
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
const seededPoints = performance.now();
const { experimentId: chartView, runIds: chartRunIds } = await seedChartRuns(store, {
  name: 'bench-ui-chart-view',
  ...CHART,
});
const { experimentId: chartViewShort } = await seedChartRuns(store, {
  name: 'bench-ui-chart-view-short',
  ...CHART,
  steps: 100,
});
console.log(
  `seeded ${CHART.runs} runs × ${CHART.metrics} metrics × ${CHART.steps} steps (and × 100 steps) in ${((performance.now() - seededPoints) / 1000).toFixed(1)} s`,
);

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

/**
 * Milliseconds from navigation start until the page is ready, measured in the page: `selector` matches
 * `count` elements, or (`inView`) every chart slot the chart view has put in view holds a drawn chart.
 */
async function firstMatch(path, { selector, count = 1, inView = false, height = 900 }) {
  const context = await browser.newContext({ viewport: { width: 1400, height } });
  const page = await context.newPage();
  await page.addInitScript(
    ({ sel, n, slots }) => {
      const ready = () => {
        if (!slots) return document.querySelectorAll(sel).length >= n;
        const shown = document.querySelectorAll('.chart-slot[data-in-view="true"]');
        const drawn = [...shown].filter((s) => s.querySelector('[data-drawn="true"], .bar-chart')).length;
        return shown.length > 0 && drawn === shown.length;
      };
      window.__firstMatch = new Promise((resolve) => {
        const check = () => {
          if (ready()) {
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
    },
    { sel: selector, n: count, slots: inView },
  );
  await page.goto(url + path);
  const ms = await page.evaluate(() => window.__firstMatch);
  await context.close();
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function measure(path, ready) {
  await firstMatch(path, ready); // warm the server's caches and the browser's compiled code
  const times = [];
  for (let i = 0; i < REPEATS; i++) times.push(await firstMatch(path, ready));
  return median(times);
}

const rows = await measure(`/experiments/${experimentId}`, { selector: '.rt-row' });
const drawn = (runId) =>
  measure(`/experiments/${chartsExperiment}/runs/${runId}?tab=metrics`, {
    selector: '.metric-chart-plot[data-drawn="true"]',
  });
const longChart = await drawn(longRun);
const shortChart = await drawn(shortRun);
const DRAWN = '.line-chart-plot[data-drawn="true"]';
// As a user opens it (1400×900: the charts in view drawn, the rest load as they scroll in), and with a
// viewport tall enough (1400×3000) to hold every chart, all of them drawn.
const chartViewMs = await measure(`/experiments/${chartView}?view=charts`, { inView: true });
const chartViewShortMs = await measure(`/experiments/${chartViewShort}?view=charts`, { inView: true });
const allCharts = { selector: DRAWN, count: CHART.metrics, height: 3000 };
const chartViewAllMs = await measure(`/experiments/${chartView}?view=charts`, allCharts);
const chartViewShortAllMs = await measure(`/experiments/${chartViewShort}?view=charts`, allCharts);

// Hover: the mouse sweeps the first chart of the chart view; frames counted with requestAnimationFrame.
const hoverContext = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const hoverPage = await hoverContext.newPage();
await hoverPage.goto(`${url}/experiments/${chartView}?view=charts`);
await hoverPage.waitForFunction((sel) => document.querySelectorAll(sel).length >= 2, DRAWN, {
  timeout: 60_000,
});
const idle = await idleFps(hoverPage);
const hover = await hoverFps(hoverPage, '.chart-card .line-chart-plot');
await hoverContext.close();

// The server's share of the long chart: one sampled history request.
const sampleStart = performance.now();
const res = await fetch(
  `${url}/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=${longRun}&metric_key=loss&max_results=320`,
);
const sampled = (await res.json()).metrics.length;
const sampleMs = performance.now() - sampleStart;
// And of each chart of the chart view: one request for a metric of its runs (100 at most per call).
const viewStart = performance.now();
const viewQuery = chartRunIds
  .slice(0, 100)
  .map((id) => `run_ids=${id}`)
  .join('&');
const viewRes = await fetch(
  `${url}/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?${viewQuery}&metric_key=metric_00&max_results=100`,
);
const viewSampled = (await viewRes.json()).metrics.length;
const viewSampleMs = performance.now() - viewStart;

await browser.close();
await app.close();
await store.close();
rmSync(dir, { recursive: true, force: true }); // the seeded database is ~3 GB

const line = (label, ms, target) =>
  console.log(
    `${label.padEnd(64)} ${ms.toFixed(0).padStart(6)} ms   target < ${target} ms   ${ms < target ? 'ok' : 'MISSED'}`,
  );
console.log(`\nChromium, median of ${REPEATS} page loads (fresh context each), from navigation start:`);
line(`first rendered rows, ${RUNS} runs × 50 params × 50 metrics`, rows, 1500);
line(`chart drawn, ${POINTS}-point metric (run page, metrics tab)`, longChart, 500);
line('chart drawn, 100-point metric (same page, for comparison)', shortChart, 500);
const views = [
  [`${CHART.steps} steps, charts in view (1400×900)`, chartViewMs],
  ['100 steps (baseline), charts in view', chartViewShortMs],
  [`${CHART.steps} steps, all ${CHART.metrics} charts (1400×3000)`, chartViewAllMs],
  ['100 steps (baseline), all charts', chartViewShortAllMs],
];
console.log(`chart view of ${CHART.runs} runs × ${CHART.metrics} metrics, drawn:`);
for (const [label, ms] of views) line(`  ${label}`, ms, 1500);
console.log(
  `${`hover over a chart of ${CHART.runs} runs (${hover.changes} highlight changes in ${hover.seconds.toFixed(1)} s)`.padEnd(64)} ${hover.fps.toFixed(0).padStart(6)} fps  target > 30 fps   ${hover.fps > 30 ? 'ok' : 'MISSED'}`,
);
console.log(`${'same page idle (baseline)'.padEnd(64)} ${idle.toFixed(0).padStart(6)} fps`);
console.log(
  `  server sampling of the ${POINTS}-point history: ${sampleMs.toFixed(0)} ms for ${sampled} points`,
);
console.log(
  `  server sampling of one chart-view metric (${Math.min(100, CHART.runs)} runs × ${CHART.steps} steps): ${viewSampleMs.toFixed(0)} ms for ${viewSampled} points`,
);
