import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, startE2e, stopE2e } from './e2e-browser.js';
import type { TestServer } from './e2e-server.js';

// End to end for the runs table's own tools: Debian's Chromium against a real server on a loopback port,
// with 24 runs of 40 params and 42 metrics each, so the table scrolls far sideways. Filter autocomplete
// (keys, comparator, run the filter), Download CSV (the file read back), pinned columns staying put while
// the rest scroll, and a sort that scrolls its column into view. Screenshots with the suggestions open,
// light and dark: runs-autocomplete, runs-autocomplete-dark, runs-pinned.

let server: TestServer;
let browser: Browser;
let page: Page;
let experimentId = '';
const RUNS = 24;
const PARAMS = Array.from({ length: 40 }, (_, i) => `p${String(i).padStart(2, '0')}`);
const METRICS = [
  'acc',
  ...Array.from({ length: 40 }, (_, i) => `m${String(i).padStart(2, '0')}`),
  'val/loss',
];
const runIds: string[] = [];

/** Run i's accuracy: runs 0…23 get 0.00…0.92, so `acc > 0.5` keeps runs 13…23. */
const accOf = (i: number) => i * 0.04;

async function seed(): Promise<void> {
  experimentId = (await server.api('POST', '/experiments/create', { name: 'e2e-wide' })).experiment_id;
  const now = Date.now();
  for (let i = 0; i < RUNS; i++) {
    const run = await server.api('POST', '/runs/create', {
      experiment_id: experimentId,
      run_name: `wide-${String(i).padStart(2, '0')}`,
      start_time: now - (RUNS - i) * 60_000,
    });
    const id = run.run.info.run_id as string;
    runIds.push(id);
    await server.api('POST', '/runs/log-batch', {
      run_id: id,
      params: PARAMS.map((key, k) => ({ key, value: key === 'p00' ? `say "hi", run ${i}` : `${k}-${i}` })),
      metrics: METRICS.map((key, k) => ({
        key,
        value: key === 'acc' ? accOf(i) : key === 'm39' ? RUNS - i : k + i / 100,
        timestamp: now,
        step: 0,
      })),
      tags: [{ key: 'team', value: i % 2 ? 'search' : 'ads' }],
    });
  }
}

async function runNames(): Promise<string[]> {
  return page.locator('.rt-row .run-link').allTextContents();
}

/** The grid's horizontal scroll, set and read in the page. */
async function scrollGridTo(left: number): Promise<number> {
  return page.locator('.runs-table').evaluate((el, x) => {
    el.scrollLeft = x;
    el.dispatchEvent(new Event('scroll'));
    return el.scrollLeft;
  }, left);
}

beforeAll(async () => {
  ({ browser, page, server } = await startE2e());
  await seed();
}, 120_000);

afterAll(async () => {
  await stopE2e({ browser, page, server });
});

describe('runs table end to end', () => {
  it('suggests keys and comparators of the filter grammar and runs the filter', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}`);
    await expect.poll(async () => (await runNames()).length).toBeGreaterThan(5);
    const box = page.getByRole('combobox', { name: 'Filter runs' });
    await box.click();
    await box.pressSequentially('metr');
    const options = page.getByRole('listbox').getByRole('option');
    await expect.poll(() => options.count()).toBe(METRICS.length);
    expect(await options.first().textContent()).toContain('metrics.acc');
    expect(await options.last().textContent()).toContain('metrics.`val/loss`');
    expect(await box.getAttribute('aria-expanded')).toBe('true');
    await screenshot(page, 'runs-autocomplete');
    await box.press('ArrowDown');
    const activeId = await box.getAttribute('aria-activedescendant');
    expect(await page.locator(`[id="${activeId}"]`).textContent()).toContain('metrics.acc');
    await box.press('Enter');
    expect(await box.inputValue()).toBe('metrics.acc ');
    // Then the comparators of a metric; `>` narrows them to > and >=, Tab takes the first.
    await expect
      .poll(() => options.allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining('<='), expect.stringContaining('>=')]));
    await box.pressSequentially('>');
    await expect.poll(() => options.count()).toBe(2);
    await box.press('Tab');
    expect(await box.inputValue()).toBe('metrics.acc > ');
    await box.pressSequentially('0.5');
    await box.press('Enter');
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('metrics.acc > 0.5');
    const expected = Array.from({ length: RUNS }, (_, i) => i)
      .filter((i) => accOf(i) > 0.5)
      .map((i) => `wide-${String(i).padStart(2, '0')}`);
    await expect.poll(async () => (await runNames()).sort()).toEqual(expected);
  });

  it('suggests known values and AND, in the dark theme too', async () => {
    const box = page.getByRole('combobox', { name: 'Filter runs' });
    await box.fill('metrics.acc > 0.5 AND tags.team = ');
    await box.press('End');
    const options = page.getByRole('listbox').getByRole('option');
    await expect
      .poll(() => options.allTextContents())
      .toEqual([expect.stringContaining("'ads'"), expect.stringContaining("'search'")]);
    await page.getByRole('button', { name: /Switch to dark/ }).click();
    await box.click();
    await box.press('End');
    await expect.poll(() => options.count()).toBe(2);
    await screenshot(page, 'runs-autocomplete-dark');
    await page.getByRole('button', { name: /Switch to light/ }).click();
    await box.press('Escape');
    expect(await box.getAttribute('aria-expanded')).toBe('false');
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(async () => (await runNames()).length).toBe(RUNS);
  });

  it('downloads the loaded runs and shown columns as CSV', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('runs.csv');
    const path = await download.path();
    const text = await readFile(path!, 'utf8');
    expect(text.endsWith('\r\n')).toBe(true);
    // Read back with an independent RFC 4180 reader: records end in CRLF only, every row as wide as the first.
    const rows: string[][] = parse(text, { record_delimiter: '\r\n', relax_column_count: false });
    const header = rows[0]!;
    expect(header.slice(0, 8)).toEqual([
      'Start Time',
      'Duration',
      'Run ID',
      'Name',
      'Source Type',
      'Source Name',
      'User',
      'Status',
    ]);
    // The shown columns: every param and metric; tags are opt-in in the table, so not in the file.
    expect(header.slice(8)).toEqual([...PARAMS, ...METRICS]);
    expect(rows).toHaveLength(RUNS + 1);
    const first = rows.find((r) => r[2] === runIds[0])!;
    expect(first[3]).toBe('wide-00');
    expect(first[header.indexOf('p00')]).toBe('say "hi", run 0');
    expect(Number(first[header.indexOf('m39')])).toBe(RUNS);
    expect(first[header.indexOf('val/loss')]).toBe(String(METRICS.length - 1));
  });

  it('keeps a pinned column in place while the others scroll', async () => {
    const header = page.locator('.rt-header [data-column-id="param:p03"]');
    await header.hover();
    await page.getByRole('button', { name: 'Pin column p03' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('pin')).toBe('param:p03');
    const before = (await header.boundingBox())!;
    const other = page.locator('.rt-header [data-column-id="param:p04"]');
    expect(await other.count()).toBe(1);
    expect(await scrollGridTo(3000)).toBeGreaterThan(2000);
    // p04, beside it before, scrolled away (and out of the virtualized DOM); p03 did not move.
    await expect.poll(() => other.count()).toBe(0);
    const after = (await header.boundingBox())!;
    expect(after.x).toBe(before.x);
    const cell = page.locator('.rt-row').first().locator('.rt-pinned .rt-cell').last();
    expect((await cell.boundingBox())!.x).toBe(before.x);
    await screenshot(page, 'runs-pinned');
    // A reload keeps the pin (it is in the URL).
    await page.reload();
    await expect.poll(() => header.isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Unpin column p03' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    await page.getByRole('button', { name: 'Unpin column p03' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('pin')).toBeNull();
  });

  it('scrolls the sorted column into view after the table reloads', async () => {
    await scrollGridTo(1e6);
    const sortButton = page.getByRole('button', { name: /^m39/ });
    await sortButton.click();
    await expect.poll(() => new URL(page.url()).searchParams.get('order')).toBe('metrics.`m39` ASC');
    // m39 = 24 - i, so ascending puts the last run first.
    await expect.poll(async () => (await runNames())[0]).toBe('wide-23');
    const grid = (await page.locator('.runs-table').boundingBox())!;
    const header = page.locator('.rt-header [data-column-id="metric:m39"]');
    await expect.poll(() => header.getAttribute('aria-sort')).toBe('ascending');
    const box = (await header.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(grid.x);
    expect(box.x + box.width).toBeLessThanOrEqual(grid.x + grid.width + 1);
    expect(await header.textContent()).toContain('m39 ↑');
  });
});
