// The chart-view part of the web UI benchmark (used by run.mjs): seeding many long histories quickly, and
// measuring the frame rate while the mouse moves over a chart.
import { createRequire } from 'node:module';

// Kysely's `sql` from the copy the tracking store uses (the bench has no dependencies of its own).
const webRequire = createRequire(new URL('../../apps/web/package.json', import.meta.url));
const storeRequire = createRequire(webRequire.resolve('@flowline/tracking-store'));
const { sql } = await import(storeRequire.resolve('kysely'));

/**
 * Seeds `runs` runs × `metrics` metrics × `steps` steps into an experiment. Steps 0…steps−2 are generated
 * inside SQLite by a recursive CTE (10 million rows through log-batch's 1000-metric calls would take minutes);
 * the last step of each metric goes through the store's logBatch, so `latest_metrics` and the runs' own
 * values are written by the store itself. Every run gets a param `lr` (4 values) to group by. Returns the
 * experiment's id and its run ids.
 */
export async function seedChartRuns(store, { name, runs, metrics, steps }) {
  const experimentId = await store.createExperiment({ name });
  const keys = Array.from({ length: metrics }, (_, i) => `metric_${String(i).padStart(2, '0')}`);
  const t0 = 1_700_000_000_000;
  const db = store.database.db;
  const runIds = [];
  // A large page cache, and each run's times after the last run's, so rows land at the ends of the indexes.
  await sql`pragma cache_size = -1000000`.execute(db);
  for (let r = 0; r < runs; r++) {
    const runId = (
      await store.createRun({ experimentId, runName: `chart-run-${r}`, startTime: t0 + r * 1_000_000 })
    ).info.runId;
    runIds.push(runId);
    await db.transaction().execute(async (trx) => {
      for (const [m, key] of keys.entries()) {
        if (steps < 2) continue;
        await sql`
          insert into metrics (key, value, timestamp, run_uuid, step, is_nan)
          with recursive s(i) as (select 0 union all select i + 1 from s where i < ${steps - 2})
          select ${key}, 1.0 / (1 + i * ${0.001 * (r + 1)}) + ((i * 7919 + ${r * 104729 + m * 31}) % 1000) / 20000.0,
                 ${t0 + r * 1_000_000} + i * 10, ${runId}, i, 0
          from s`.execute(trx);
      }
    });
    await store.logBatch(runId, {
      params: [{ key: 'lr', value: String([0.1, 0.03, 0.01, 0.003][r % 4]) }],
      metrics: keys.map((key) => ({
        key,
        value: 1 / (1 + (steps - 1) * 0.001 * (r + 1)),
        timestamp: t0 + r * 1_000_000 + (steps - 1) * 10,
        step: steps - 1,
      })),
    });
  }
  return { experimentId, runIds };
}

/**
 * Frames per second while the mouse sweeps a chart (`moves` moves in a zigzag across its plot area), counted
 * with requestAnimationFrame in the page; also how many times the highlighted run changed (the hover work).
 */
export async function hoverFps(page, plotSelector, moves = 240) {
  const box = await page.locator(`${plotSelector} .u-over`).first().boundingBox();
  await page.evaluate((sel) => {
    const el = document.querySelector(sel);
    window.__hover = { frames: 0, changes: 0, running: true };
    new MutationObserver(() => window.__hover.changes++).observe(el, {
      attributes: true,
      attributeFilter: ['data-highlighted'],
    });
    const tick = () => {
      if (!window.__hover.running) return;
      window.__hover.frames++;
      requestAnimationFrame(tick);
    };
    window.__hover.start = performance.now();
    requestAnimationFrame(tick);
  }, plotSelector);
  for (let i = 0; i < moves; i++) {
    const x = box.x + 4 + ((i * 7) % Math.max(1, box.width - 8));
    const phase = (i % 40) / 40;
    const y = box.y + 4 + (phase < 0.5 ? phase * 2 : 2 - phase * 2) * (box.height - 8);
    await page.mouse.move(x, y);
  }
  return page.evaluate(() => {
    window.__hover.running = false;
    const seconds = (performance.now() - window.__hover.start) / 1000;
    return { fps: window.__hover.frames / seconds, changes: window.__hover.changes, seconds };
  });
}

/** Frames per second of the same page with no input, for `seconds` (the display's ceiling, a baseline). */
export async function idleFps(page, seconds = 1.5) {
  return page.evaluate(
    (s) =>
      new Promise((resolve) => {
        let frames = 0;
        const start = performance.now();
        const tick = () => {
          frames++;
          if (performance.now() - start < s * 1000) requestAnimationFrame(tick);
          else resolve(frames / ((performance.now() - start) / 1000));
        };
        requestAnimationFrame(tick);
      }),
    seconds,
  );
}
