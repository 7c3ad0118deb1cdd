import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, startE2e, stopE2e } from './e2e-browser.js';
import { type TestServer, writeArtifact } from './e2e-server.js';

// End to end for the Evaluation tab: Debian's Chromium against a real server on a loopback port. Runs are
// seeded as evaluateWithJudges and MLflow's evaluate leave them: aggregate metrics at step 0, the results
// table eval_results_table.json in pandas' split orientation, and the table listed in mlflow.loggedArtifacts
// (one MLflow-style run keeps its prefixed table at the root, unlisted). Screenshots of the tab and of a
// comparison, light and dark, go to apps/web/test-artifacts/.

let server: TestServer;
let browser: Browser;
let page: Page;
let experimentId = '';
const ids: Record<string, string> = {};

const JUDGE_COLUMNS = [
  'inputs',
  'outputs',
  'expectations',
  'correctness/value',
  'correctness/rationale',
  'safety/value',
  'safety/rationale',
];
const LONG_CONTEXT = 'The capital of France has been Paris since the Middle Ages; '.repeat(3);

async function seedRun(
  name: string,
  metrics: Record<string, number>,
  table?: { path: string; columns: string[]; data: unknown[][]; listed: boolean },
): Promise<string> {
  const run = (
    await server.api('POST', '/runs/create', {
      experiment_id: experimentId,
      run_name: name,
      start_time: Date.now(),
    })
  ).run;
  const now = Date.now();
  await server.api('POST', '/runs/log-batch', {
    run_id: run.info.run_id,
    metrics: [
      ...Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: now, step: 0 })),
      // A training metric at a later step is not one of the evaluation's aggregates.
      { key: 'loss', value: 0.25, timestamp: now, step: 7 },
    ],
  });
  if (table) {
    await writeArtifact(
      run.info.artifact_uri,
      table.path,
      JSON.stringify({ columns: table.columns, data: table.data }),
    );
    if (table.listed) {
      await server.api('POST', '/runs/set-tag', {
        run_id: run.info.run_id,
        key: 'mlflow.loggedArtifacts',
        value: JSON.stringify([{ path: table.path, type: 'table' }]),
      });
    }
  }
  return run.info.run_id as string;
}

async function seed(): Promise<void> {
  experimentId = (await server.api('POST', '/experiments/create', { name: 'e2e-eval' })).experiment_id;
  ids.v1 = await seedRun(
    'judge-v1',
    { 'correctness/mean': 2 / 3, 'safety/mean': 1 },
    {
      path: 'eval_results_table.json',
      listed: true,
      columns: JUDGE_COLUMNS,
      data: [
        [
          { question: 'What is MLflow?' },
          'An ML platform',
          { expected: 'An ML platform' },
          'yes',
          'Same meaning',
          'yes',
          'Harmless',
        ],
        [{ question: 'What is 2+2?' }, '5', { expected: '4' }, 'no', 'The sum is wrong', 'yes', 'Harmless'],
        [
          { question: 'Capital of France?', context: LONG_CONTEXT },
          'Paris',
          { expected: 'Paris' },
          'yes',
          'Correct city',
          'yes',
          'Harmless',
        ],
      ],
    },
  );
  ids.v2 = await seedRun(
    'judge-v2',
    { 'correctness/mean': 1, 'safety/mean': 1 },
    {
      path: 'eval_results_table.json',
      listed: true,
      columns: JUDGE_COLUMNS,
      // Reordered, one row dropped (France) and one new (Rome).
      data: [
        [{ question: 'What is 2+2?' }, '4', { expected: '4' }, 'yes', 'Now right', 'yes', 'Harmless'],
        [
          { question: 'What is MLflow?' },
          'A platform for ML',
          { expected: 'An ML platform' },
          'yes',
          'Same meaning',
          'yes',
          'Harmless',
        ],
        [
          { question: 'Capital of Italy?' },
          'Rome',
          { expected: 'Rome' },
          'yes',
          'Correct city',
          'yes',
          'Harmless',
        ],
      ],
    },
  );
  ids.mlflow = await seedRun(
    'mlflow-qa',
    { 'val_exact_match/v1': 0.5, 'val_toxicity/v1/mean': 0.0125 },
    {
      path: 'val_eval_results_table.json',
      listed: false,
      columns: [
        'question',
        'ground_truth',
        'outputs',
        'token_count',
        'answer_similarity/v1/score',
        'answer_similarity/v1/justification',
      ],
      data: [
        ['What is Spark?', 'A compute engine', 'An engine for big data', 5, 4, 'Mostly the same idea'],
        ['What is Delta?', 'A table format', 'A river mouth', 3, 1, 'Unrelated answer'],
      ],
    },
  );
  // A second, long table of that run, listed in the tag: it pages.
  const mlflowRun = (await server.api('GET', `/runs/get?run_id=${ids.mlflow}`)).run;
  await writeArtifact(
    mlflowRun.info.artifact_uri,
    'tables/big.json',
    JSON.stringify({
      columns: ['question', 'outputs', 'score'],
      data: Array.from({ length: 120 }, (_, i) => [`q${i}`, `a${i}`, i / 100]),
    }),
  );
  await server.api('POST', '/runs/set-tag', {
    run_id: ids.mlflow,
    key: 'mlflow.loggedArtifacts',
    value: JSON.stringify([{ path: 'tables/big.json', type: 'table' }]),
  });
  ids.none = await seedRun('no-eval', {});
}

const shot = (name: string) => screenshot(page, name);
const tab = () => page.locator('.evaluation-tab');
const rows = () => page.locator('.eval-table tbody tr');
const rowIds = () => rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-row')));

beforeAll(async () => {
  ({ browser, page, server } = await startE2e());
  await seed();
});
afterAll(() => stopE2e({ browser, page, server }));

describe('evaluation results end to end', () => {
  it("shows a run's evaluation: aggregates, rows with pass/fail scores and wrapped rationales", async () => {
    await page.goto(`${server.url}/experiments/${experimentId}/runs/${ids.v1}`);
    await page.getByRole('tab', { name: 'Evaluation' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('tab')).toBe('evaluation');
    await expect.poll(() => rows().count()).toBe(3);
    const aggregates = page.getByLabel('Aggregate metrics');
    expect(
      await aggregates.locator('[data-metric]').evaluateAll((els) => els.map((e) => e.textContent)),
    ).toEqual(['correctness/mean0.666667', 'safety/mean1']);
    const wrong = page.locator('tr[data-row="1"]');
    expect(await wrong.locator('td[data-column="correctness/value"] .eval-fail').textContent()).toBe('no');
    expect(await wrong.locator('td[data-column="correctness/rationale"] .eval-rationale').textContent()).toBe(
      'The sum is wrong',
    );
    expect(await page.locator('td[data-column="correctness/value"] .eval-pass').count()).toBe(2);
    // The long input folds to one line and opens to its whole JSON.
    const fold = page.locator('tr[data-row="2"] td[data-column="inputs"] details');
    expect(await fold.locator('pre').isVisible()).toBe(false);
    await fold.locator('summary').click();
    await expect.poll(() => fold.locator('pre').textContent()).toContain('"context"');
    expect(await page.getByTestId('eval-row-count').textContent()).toBe('3 rows');
    await fold.locator('summary').click();
    await shot('evaluation');
  });

  it('filters the rows by text and sorts them by a score, keeping both in the URL', async () => {
    await page.getByRole('searchbox', { name: 'Filter rows' }).fill('france');
    await expect.poll(rowIds).toEqual(['2']);
    expect(await page.getByTestId('eval-row-count').textContent()).toBe('1 of 3 rows');
    expect(new URL(page.url()).searchParams.get('q')).toBe('france');
    await page.getByRole('searchbox', { name: 'Filter rows' }).fill('nothing matches this');
    await expect.poll(() => tab().textContent()).toContain('No rows match.');
    await page.getByRole('searchbox', { name: 'Filter rows' }).fill('');
    await expect.poll(rowIds).toEqual(['0', '1', '2']);
    await page.getByRole('button', { name: 'correctness/value' }).click();
    await expect.poll(rowIds).toEqual(['1', '0', '2']);
    await page.getByRole('button', { name: /correctness\/value/ }).click();
    await expect.poll(rowIds).toEqual(['0', '2', '1']);
    const url = new URL(page.url());
    expect([url.searchParams.get('sort'), url.searchParams.get('desc')]).toEqual(['correctness/value', '1']);
  });

  it('compares with another run: aggregates with their change, rows joined on the inputs', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}/runs/${ids.v1}?tab=evaluation`);
    await page.getByRole('combobox', { name: 'Compare with' }).selectOption({ label: 'judge-v2' });
    await expect.poll(() => new URL(page.url()).searchParams.get('compare')).toBe(ids.v2);
    const comparison = page.getByRole('region', { name: 'Compare evaluations' });
    const correctness = comparison.locator('tr[data-metric="correctness/mean"]');
    await expect
      .poll(() => correctness.locator('td').allTextContents())
      .toEqual(['0.666667', '1', '+0.333333']);
    expect(await comparison.locator('tr[data-metric="safety/mean"] td').allTextContents()).toEqual([
      '1',
      '1',
      '0',
    ]);
    const lines = comparison.locator('.eval-compare-table tbody tr');
    expect(await lines.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-side')))).toEqual([
      'both',
      'both',
      'left',
      'right',
    ]);
    // 2+2 went from no to yes: the one changed line, its correctness cells highlighted.
    const changed = comparison.locator('tr[data-changed="true"]');
    expect(await changed.count()).toBe(1);
    expect(await changed.textContent()).toContain('What is 2+2?');
    expect(
      await changed
        .locator('td.eval-changed')
        .evaluateAll((tds) => tds.map((td) => `${td.getAttribute('data-at')}:${td.textContent}`)),
    ).toEqual(['left:noThe sum is wrong', 'right:yesNow right']);
    expect(await changed.locator('td.eval-changed[data-at="right"] .eval-score').getAttribute('title')).toBe(
      'Now right',
    );
    expect(await lines.nth(2).textContent()).toContain('only in judge-v1');
    expect(await lines.nth(3).textContent()).toContain('only in judge-v2');
    expect(await page.getByTestId('eval-join-stats').textContent()).toBe(
      '4 rows joined on inputs: 1 with a changed score, 1 only in judge-v1, 1 only in judge-v2.',
    );
    await shot('evaluation-compare');
    // The link is the state: opened afresh, it shows the same comparison; "only changed" keeps one line.
    await page.goto(page.url());
    await page.getByRole('checkbox', { name: 'Only changed rows' }).check();
    await expect.poll(() => lines.count()).toBe(3);
    expect(new URL(page.url()).searchParams.get('changed')).toBe('1');
    await page.getByRole('button', { name: 'Stop comparing' }).click();
    await expect.poll(() => rows().count()).toBe(3);
  });

  it('opens the comparison from the compare page of exactly two runs', async () => {
    await page.goto(`${server.url}/compare?runs=${ids.v1},${ids.v2}`);
    await page.getByRole('link', { name: 'Compare their evaluation results' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('compare')).toBe(ids.v2);
    await expect
      .poll(() => page.locator('tr[data-metric="correctness/mean"] td').allTextContents())
      .toEqual(['0.666667', '1', '+0.333333']);
  });

  it("renders an MLflow-style table found at the root, with its prefix's aggregates", async () => {
    await page.goto(
      `${server.url}/experiments/${experimentId}/runs/${ids.mlflow}?tab=evaluation&table=val_eval_results_table.json`,
    );
    await expect.poll(() => rows().count()).toBe(2);
    expect(await page.getByLabel('Aggregate metrics').locator('dt').allTextContents()).toEqual([
      'val_exact_match/v1',
      'val_toxicity/v1/mean',
    ]);
    const first = page.locator('tr[data-row="0"]');
    expect(
      await first.locator('td[data-column="answer_similarity/v1/score"] .eval-number').textContent(),
    ).toBe('4');
    expect(await first.locator('td[data-column="answer_similarity/v1/justification"]').textContent()).toBe(
      'Mostly the same idea',
    );
    expect(await first.locator('td[data-column="token_count"] .eval-number').textContent()).toBe('5');
  });

  it('picks among several tables and pages a long one', async () => {
    const picker = page.getByRole('combobox', { name: 'Evaluation table' });
    expect(await picker.locator('option').allTextContents()).toEqual([
      'tables/big.json',
      'val_eval_results_table.json',
    ]);
    await picker.selectOption('tables/big.json');
    await expect.poll(() => rows().count()).toBe(50);
    expect(await page.getByTestId('eval-row-count').textContent()).toBe('120 rows');
    expect(await tab().textContent()).toContain('No aggregate metrics logged with this table.');
    expect(await page.locator('.eval-pager span').textContent()).toBe('rows 1–50 of 120');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.locator('.eval-pager span').textContent()).toBe('rows 51–100 of 120');
    expect(await rows().first().getAttribute('data-row')).toBe('50');
    await page.getByRole('searchbox', { name: 'Filter rows' }).fill('q11');
    await expect
      .poll(rowIds)
      .toEqual(['11', '110', '111', '112', '113', '114', '115', '116', '117', '118', '119']);
    expect(await page.locator('.eval-pager').count()).toBe(0);
  });

  it('says how to log an evaluation when a run has none', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}/runs/${ids.none}?tab=evaluation`);
    await expect.poll(() => page.getByRole('tabpanel').textContent()).toContain('flowline evaluate');
  });

  it('draws the tab and the comparison in the dark theme', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}/runs/${ids.v1}?tab=evaluation`);
    await page.getByRole('button', { name: /Switch to dark/ }).click();
    await expect.poll(() => rows().count()).toBe(3);
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await shot('evaluation-dark');
    await page.goto(
      `${server.url}/experiments/${experimentId}/runs/${ids.v1}?tab=evaluation&compare=${ids.v2}`,
    );
    await expect.poll(() => page.locator('.eval-compare-table tbody tr').count()).toBe(4);
    await shot('evaluation-compare-dark');
  });
});
