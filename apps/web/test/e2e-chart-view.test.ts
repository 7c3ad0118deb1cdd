import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, startE2e, stopE2e } from './e2e-browser.js';
import type { TestServer } from './e2e-server.js';

// End to end for the experiment chart view: Debian's Chromium against a real server on a loopback port, runs
// seeded over REST (log-batch): 12 runs in three learning rates, two metrics with 40-step histories and one
// logged once per run. Screenshots of the chart view, plain and grouped, light and dark, go to
// apps/web/test-artifacts/.

let server: TestServer;
let browser: Browser;
let page: Page;
let experimentId = '';
const runIds: string[] = [];
const RUNS = 12;
const LRS = ['0.1', '0.01', '0.001'];

async function seed(): Promise<void> {
  experimentId = (await server.api('POST', '/experiments/create', { name: 'e2e-charts' })).experiment_id;
  const t0 = Date.now() - 3_600_000;
  for (let r = 0; r < RUNS; r++) {
    const run = await server.api('POST', '/runs/create', {
      experiment_id: experimentId,
      run_name: `run-${String(r).padStart(2, '0')}`,
      start_time: t0 + r * 1000,
    });
    const id = run.run.info.run_id as string;
    runIds.push(id);
    const metrics = [];
    for (let step = 0; step < 40; step++) {
      const timestamp = t0 + r * 1000 + step * 500;
      metrics.push({ key: 'loss', value: (r + 1) * Math.exp(-step / 10) + 0.01, timestamp, step });
      metrics.push({ key: 'accuracy', value: 0.5 + (r / RUNS) * 0.4 * (step / 40), timestamp, step });
    }
    metrics.push({ key: 'final_score', value: r / 10, timestamp: t0 + r * 1000, step: 0 });
    await server.api('POST', '/runs/log-batch', {
      run_id: id,
      params: [{ key: 'lr', value: LRS[r % LRS.length] }],
      metrics,
    });
  }
}

const chartTitles = () => page.locator('.chart-card h3').allTextContents();
const chartsParam = () => new URL(page.url()).searchParams.get('charts');
const plot = (metric: string) => page.locator(`.chart-card[aria-label="${metric}"] .line-chart-plot`);

async function openCharts(query = ''): Promise<void> {
  await page.goto(`${server.url}/experiments/${experimentId}?view=charts${query}`);
  await expect.poll(() => page.locator('.line-chart-plot[data-drawn="true"]').count()).toBe(2);
}

describe('chart view in Chromium', () => {
  beforeAll(async () => {
    ({ browser, page, server } = await startE2e());
    await seed();
  }, 120_000);

  afterAll(async () => {
    await stopE2e({ browser, page, server });
  });

  it('shows one chart per metric over the loaded runs, bars for a metric logged once', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}`);
    await page.getByRole('button', { name: 'Charts', exact: true }).click();
    expect(new URL(page.url()).searchParams.get('view')).toBe('charts');
    await expect.poll(() => page.locator('.line-chart-plot[data-drawn="true"]').count()).toBe(2);
    expect(await chartTitles()).toEqual(['accuracy', 'final_score', 'loss']);
    expect(await page.locator('.chart-view').getAttribute('data-scope')).toBe(`all ${RUNS} loaded runs`);
    expect(await plot('loss').getAttribute('data-lines')).toBe(String(RUNS));
    expect(
      await page.locator('.chart-card[aria-label="final_score"] .chart-body').getAttribute('data-kind'),
    ).toBe('bar');
    expect(await page.locator('.chart-card[aria-label="final_score"] .bar-row').count()).toBe(RUNS);
    await screenshot(page, 'chart-view');
  });

  it('keeps removed and reordered charts in the URL across a reload', async () => {
    await openCharts();
    await page.getByRole('button', { name: 'Remove accuracy' }).click();
    expect(await chartTitles()).toEqual(['final_score', 'loss']);
    await page.getByRole('button', { name: 'Move loss up' }).click();
    expect(await chartTitles()).toEqual(['loss', 'final_score']);
    expect(chartsParam()).toBe('lloss.lfinal_score');
    await page.getByLabel('Chart type').selectOption('scatter');
    await page.getByLabel('Scatter x').selectOption('param:lr');
    await page.getByLabel('Scatter y').selectOption('metric:final_score');
    await page.getByRole('button', { name: 'Add chart' }).click();
    expect(await chartTitles()).toEqual(['loss', 'final_score', 'metric:final_score vs param:lr']);
    await page.reload();
    await expect.poll(chartTitles).toEqual(['loss', 'final_score', 'metric:final_score vs param:lr']);
    expect(await page.locator('.chart-scatter circle').count()).toBe(RUNS);
    // Dragging a card onto another moves it there.
    await page.locator('.chart-card').nth(2).dragTo(page.locator('.chart-card').nth(0));
    await expect.poll(chartTitles).toEqual(['metric:final_score vs param:lr', 'loss', 'final_score']);
  });

  it('collapses a legend of many runs into "+ N more" without moving the chart', async () => {
    await openCharts();
    const card = page.locator('.chart-card[aria-label="loss"]');
    expect(await card.locator('.legend-inline .legend-item').count()).toBe(6);
    const more = card.getByRole('button', { name: `+ ${RUNS - 6} more` });
    const before = (await plot('loss').boundingBox())!.y;
    await more.click();
    expect(await card.locator('.legend-overlay .legend-item').count()).toBe(RUNS);
    expect((await plot('loss').boundingBox())!.y).toBe(before);
    await card.getByRole('button', { name: 'Show less' }).click();
    expect(await card.locator('.legend-overlay').count()).toBe(0);
  });

  it('highlights the hovered run in every chart and legend', async () => {
    await openCharts();
    const loss = plot('loss');
    const accuracy = plot('accuracy');
    expect(await loss.getAttribute('data-highlighted')).toBe('');
    // Over a line of the loss chart: move down its left part until a line takes the focus.
    const box = (await loss.locator('.u-over').boundingBox())!;
    let hovered = '';
    for (let y = box.y + 2; y < box.y + box.height && !hovered; y += 4) {
      await page.mouse.move(box.x + 6, y);
      hovered = (await loss.getAttribute('data-highlighted')) ?? '';
    }
    expect(runIds).toContain(hovered);
    expect(await accuracy.getAttribute('data-highlighted')).toBe(hovered);
    // The other lines fade (the chart's canvas) and the run's line is drawn on the overlay.
    const base = accuracy.locator('.u-wrap > canvas');
    expect(await base.evaluate((c) => (c as HTMLElement).style.opacity)).toBe('0.4');
    expect(await accuracy.locator('canvas.line-highlight').count()).toBe(1);
    expect(
      await page
        .locator(`.chart-card[aria-label="final_score"] .bar-row.highlighted`)
        .getAttribute('data-id'),
    ).toBe(hovered);
    await page.mouse.move(5, 5);
    await expect.poll(() => accuracy.getAttribute('data-highlighted')).toBe('');
    expect(await base.evaluate((c) => (c as HTMLElement).style.opacity)).toBe('');
    // Hovering a legend entry highlights that run in the charts.
    const entry = page.locator('.chart-card[aria-label="accuracy"] .legend-inline .legend-item').nth(2);
    const id = (await entry.getAttribute('data-id'))!;
    await entry.hover();
    expect(await loss.getAttribute('data-highlighted')).toBe(id);
    expect(
      await page.locator('.chart-card[aria-label="loss"] .legend-item.highlighted').getAttribute('data-id'),
    ).toBe(id);
  });

  it('switches the x axis and log scale from the URL', async () => {
    await openCharts();
    expect(await plot('loss').getAttribute('data-x')).toBe('step');
    await page.getByLabel('X axis').selectOption('relative');
    await expect.poll(() => plot('loss').getAttribute('data-x')).toBe('relative');
    expect(new URL(page.url()).searchParams.get('x')).toBe('relative');
    await page.getByLabel('Log scale').check();
    await expect.poll(() => plot('loss').getAttribute('data-log')).toBe('true');
    await page.reload();
    await expect.poll(() => plot('loss').getAttribute('data-drawn')).toBe('true');
    expect(await plot('loss').getAttribute('data-x')).toBe('relative');
    expect(await plot('loss').getAttribute('data-log')).toBe('true');
  });

  it('groups runs by a param: one mean line and band per group, group legends', async () => {
    await openCharts();
    await page.getByLabel('Group by').selectOption('params.lr');
    expect(new URL(page.url()).searchParams.get('group')).toBe('params.lr');
    await expect.poll(() => plot('loss').getAttribute('data-lines')).toBe('3');
    const legend = page.locator('.chart-card[aria-label="loss"] .legend-item');
    expect((await legend.allTextContents()).sort()).toEqual(['0.001 (4)', '0.01 (4)', '0.1 (4)']);
    expect(await legend.first().getAttribute('data-id')).toMatch(/^group:/);
    expect(await page.locator('.chart-card[aria-label="final_score"] .bar-row').count()).toBe(3);
    await screenshot(page, 'chart-view-grouped');
  });

  it('draws the chart view in the dark theme', async () => {
    await openCharts();
    await page.getByRole('button', { name: /Switch to dark/ }).click();
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
      'rgb(20, 23, 28)',
    );
    await screenshot(page, 'chart-view-dark');
    await openCharts('&group=params.lr');
    await expect.poll(() => plot('loss').getAttribute('data-lines')).toBe('3');
    await screenshot(page, 'chart-view-grouped-dark');
  });

  it('shows the table above the charts (Both), a hovered row highlighted in the charts and back', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}?view=both`);
    await expect.poll(() => page.locator('.line-chart-plot[data-drawn="true"]').count()).toBeGreaterThan(0);
    const row = page.locator('.rt-row').nth(3);
    const id = (await row.getAttribute('data-run-id'))!;
    await row.hover();
    await expect.poll(() => plot('accuracy').getAttribute('data-highlighted')).toBe(id);
    await screenshot(page, 'chart-view-both');
    // And the other way: a legend entry of a chart highlights that run's row in the table.
    const entry = page.locator('.chart-card[aria-label="accuracy"] .legend-inline .legend-item').nth(1);
    const other = (await entry.getAttribute('data-id'))!;
    await entry.hover();
    await expect
      .poll(() => page.locator('.rt-row[data-highlighted="true"]').getAttribute('data-run-id'))
      .toBe(other);
    await page.mouse.move(2, 2);
    await expect.poll(() => page.locator('.rt-row[data-highlighted="true"]').count()).toBe(0);
  });

  it('charts only the ticked runs when some are ticked', async () => {
    await openCharts(`&sel=${runIds[0]},${runIds[1]}`);
    expect(await page.locator('.chart-view').getAttribute('data-scope')).toBe('the 2 selected runs');
    expect(await plot('loss').getAttribute('data-lines')).toBe('2');
  });
});
