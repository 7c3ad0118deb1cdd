import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, startE2e, stopE2e } from './e2e-browser.js';
import { type TestServer, writeArtifact } from './e2e-server.js';

// End to end for MLflow 3's logged models and prompts: Debian's Chromium against a real server on a loopback
// port. Logged models are written as MLflow 3's clients write them (POST logged-models, finalize, log-batch
// metrics with model_id and dataset, tags, files at the model's artifact location, a version registered from
// models:/<model_id>); prompts as MLflow's OSS client registers them (registered model and versions tagged
// mlflow.prompt.is_prompt, the template in mlflow.prompt.text, the commit message as the description).
// Screenshots of the Models tab, a logged model, the prompt list and a version diff, light and dark, go to
// apps/web/test-artifacts/.

let server: TestServer;
let browser: Browser;
let page: Page;
let experimentId = '';
let runId = '';
let goodId = '';
let pendingId = '';

const PROMPT_TAG = { key: 'mlflow.prompt.is_prompt', value: 'true' };

async function createModel(name: string, params: Record<string, string>): Promise<string> {
  const res = await server.api('POST', '/logged-models', {
    experiment_id: experimentId,
    name,
    model_type: 'classifier',
    source_run_id: runId,
    params: Object.entries(params).map(([key, value]) => ({ key, value })),
    tags: [{ key: 'mlflow.source.type', value: 'LOCAL' }],
  });
  return res.model.info.model_id as string;
}

async function registerPrompt(
  name: string,
  versions: { template: string; type: 'text' | 'chat'; message: string }[],
): Promise<void> {
  await server.api('POST', '/registered-models/create', {
    name,
    description: versions[0]!.message,
    tags: [PROMPT_TAG],
  });
  for (const v of versions) {
    await server.api('POST', '/model-versions/create', {
      name,
      source: 'dummy-source',
      description: v.message,
      tags: [
        PROMPT_TAG,
        { key: 'mlflow.prompt.text', value: v.template },
        { key: '_mlflow_prompt_type', value: v.type },
        { key: 'team', value: 'search' },
      ],
    });
  }
}

async function seed(): Promise<void> {
  experimentId = (await server.api('POST', '/experiments/create', { name: 'e2e-models' })).experiment_id;
  runId = (
    await server.api('POST', '/runs/create', {
      experiment_id: experimentId,
      run_name: 'train-run',
      start_time: Date.now(),
    })
  ).run.info.run_id;
  goodId = await createModel('clf-good', { lr: '0.01', depth: '4' });
  pendingId = await createModel('clf-pending', { lr: '0.1' });
  await server.api('PATCH', `/logged-models/${goodId}`, { model_id: goodId, status: 'LOGGED_MODEL_READY' });
  const now = Date.now();
  await server.api('POST', '/runs/log-batch', {
    run_id: runId,
    metrics: [
      {
        key: 'accuracy',
        value: 0.91,
        timestamp: now,
        step: 0,
        model_id: goodId,
        dataset_name: 'eval',
        dataset_digest: 'd1g3st',
      },
      { key: 'accuracy', value: 0.72, timestamp: now, step: 0, model_id: pendingId },
    ],
  });
  await server.api('PATCH', `/logged-models/${goodId}/tags`, {
    model_id: goodId,
    tags: [{ key: 'team', value: 'vision' }],
  });
  const model = (await server.api('GET', `/logged-models/${goodId}`)).model;
  await writeArtifact(
    model.info.artifact_uri,
    'MLmodel',
    `artifact_path: ${model.info.artifact_uri}\nmodel_id: ${goodId}\nflavors:\n  python_function:\n    loader_module: mlflow.sklearn\n`,
  );
  await writeArtifact(model.info.artifact_uri, 'data/weights.json', '{"w": [1, 2]}');
  // Registered from models:/<model_id>; a registry that does not write mlflow.modelVersions is read by source.
  await server.api('POST', '/registered-models/create', { name: 'clf' });
  await server.api('POST', '/model-versions/create', { name: 'clf', source: `models:/${goodId}` });

  await registerPrompt('qa-prompt', [
    { template: 'Answer {{ question }}.\nBe brief.\nCite sources.', type: 'text', message: 'first' },
    {
      template: 'Answer {{ question }} for {{ audience }}.\nBe brief.\nCite sources.\nSay thanks.',
      type: 'text',
      message: 'add audience',
    },
  ]);
  await server.api('POST', '/registered-models/alias', {
    name: 'qa-prompt',
    alias: 'production',
    version: '2',
  });
  await registerPrompt('chat-prompt', [
    {
      template: JSON.stringify([
        { role: 'system', content: 'You are {{ persona }}.' },
        { role: 'user', content: '{{ question }}' },
      ]),
      type: 'chat',
      message: 'chat v1',
    },
    {
      template: JSON.stringify([
        { role: 'system', content: 'You are {{ persona }}. Be kind.' },
        { role: 'user', content: '{{ question }}' },
      ]),
      type: 'chat',
      message: 'kinder',
    },
  ]);
}

const shot = (name: string) => screenshot(page, name);

/** The model ids in the Models tab, top to bottom. */
async function modelIds(): Promise<string[]> {
  return page
    .locator('tr[data-model-id]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-model-id') ?? ''));
}

/** The prompt diff as `+line`, `-line`, ` line`. */
async function diffText(): Promise<string[]> {
  return page.locator('tr.diff-line').evaluateAll((rows) =>
    rows.map((r) => {
      const kind = r.getAttribute('data-kind');
      const mark = kind === 'added' ? '+' : kind === 'removed' ? '-' : ' ';
      return mark + (r.querySelector('td.text')?.textContent ?? '');
    }),
  );
}

beforeAll(async () => {
  ({ browser, page, server } = await startE2e());
  await seed();
});
afterAll(() => stopE2e({ browser, page, server }));

describe('logged models and prompts end to end', () => {
  it("lists an experiment's logged models in its Models tab", async () => {
    await page.goto(`${server.url}/experiments/${experimentId}`);
    await page.getByRole('link', { name: 'Models', exact: true }).last().click();
    await page.waitForURL(`**/experiments/${experimentId}/models`);
    await expect.poll(modelIds).toEqual([pendingId, goodId]);
    const row = page.locator(`tr[data-model-id="${goodId}"]`);
    const text = await row.textContent();
    for (const cell of ['clf-good', 'READY', 'train-run', 'classifier', '0.91', '0.01'])
      expect(text).toContain(cell);
    expect(await page.locator(`tr[data-model-id="${pendingId}"]`).textContent()).toContain('PENDING');
    expect(await page.getByTestId('model-count').textContent()).toBe('2 models');
    await shot('logged-models');
  });

  it("filters with MLflow's logged-model grammar, sorts by a metric, shows a refused filter", async () => {
    const box = page.getByRole('searchbox', { name: 'Filter models' });
    await box.fill('metrics.accuracy > 0.8');
    await box.press('Enter');
    await expect.poll(modelIds).toEqual([goodId]);
    await box.fill("params.lr = '0.1'");
    await box.press('Enter');
    await expect.poll(modelIds).toEqual([pendingId]);
    await box.fill('bogus.thing = 1');
    await box.press('Enter');
    await expect.poll(() => page.locator('#model-filter-error').textContent()).toMatch(/bogus/i);
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(async () => (await modelIds()).length).toBe(2);
    await page.getByRole('button', { name: 'accuracy' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('order')).toBe('metrics.accuracy DESC');
    await expect.poll(modelIds).toEqual([goodId, pendingId]);
  });

  it('shows a logged model: facts, metrics with their dataset, params, tags, runs, versions, files', async () => {
    await page.getByRole('link', { name: 'clf-good' }).click();
    await page.waitForURL(`**/experiments/${experimentId}/models/${goodId}`);
    const body = page.locator('.logged-model-page');
    await expect.poll(() => body.textContent()).toContain('clf version 1');
    const text = (await body.textContent()) ?? '';
    for (const fact of [goodId, `models:/${goodId}`, 'classifier', 'eval', '(d1g3st)', 'depth', 'vision'])
      expect(text).toContain(fact);
    const metric = page.locator('table.model-metrics tbody tr');
    expect(await metric.count()).toBe(1);
    await expect.poll(() => metric.textContent()).toContain('train-run');
    expect(await page.locator('.linked-runs').textContent()).toContain('train-run (source run)');
    await shot('logged-model');
    await page.getByRole('tab', { name: 'Artifacts' }).click();
    await page.getByRole('button', { name: /MLmodel/ }).click();
    await expect.poll(() => page.locator('.mlmodel-summary').textContent()).toContain('python_function');
    await page.getByRole('button', { name: /data/ }).click();
    await page.getByRole('button', { name: /weights\.json/ }).click();
    await expect.poll(() => page.locator('.preview pre').textContent()).toContain('"w"');
    await shot('logged-model-artifacts');
    await page.getByRole('tab', { name: 'Overview' }).click();
    await page.getByRole('link', { name: 'clf version 1' }).click();
    await page.waitForURL('**/models/clf/versions/1');
  });

  it('lists prompts under Prompts and leaves them out of the registered models', async () => {
    await page.goto(`${server.url}/models`);
    await expect.poll(() => page.locator('.models-page tbody').textContent()).toContain('clf');
    expect(await page.locator('.models-page tbody').textContent()).not.toContain('prompt');
    await page.getByRole('link', { name: 'Prompts', exact: true }).click();
    await page.waitForURL('**/prompts');
    const rows = page.locator('.prompts-table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(1).textContent()).toContain('@production → v2');
    await page.getByRole('searchbox', { name: 'Search prompts' }).fill('qa');
    await expect.poll(() => rows.count()).toBe(1);
    await shot('prompts');
  });

  it("shows a prompt's versions and a line diff of two templates", async () => {
    await page.getByRole('link', { name: 'qa-prompt' }).click();
    await page.waitForURL('**/prompts/qa-prompt');
    const version = page.getByRole('article', { name: 'Version 2' });
    await expect.poll(() => version.textContent()).toContain('add audience');
    const text = (await version.textContent()) ?? '';
    for (const fact of ['@production', 'question', 'audience', 'team', 'search'])
      expect(text).toContain(fact);
    expect(text).not.toContain('mlflow.prompt.text');
    expect(await diffText()).toEqual([
      '-Answer {{ question }}.',
      '+Answer {{ question }} for {{ audience }}.',
      ' Be brief.',
      ' Cite sources.',
      '+Say thanks.',
    ]);
    expect(await page.getByTestId('diff-stats').textContent()).toBe('2 lines added, 1 removed');
    await shot('prompt-diff');
    // Picking the same version on both sides shows no change.
    await page.getByRole('combobox', { name: 'From version' }).selectOption('2');
    await expect.poll(() => page.getByTestId('diff-stats').textContent()).toBe('The templates are the same.');
    await page.getByRole('button', { name: /Version 1/ }).click();
    await expect
      .poll(() => page.getByRole('article', { name: 'Version 1' }).textContent())
      .toContain('first');
  });

  it('diffs chat templates as role: content lines', async () => {
    await page.goto(`${server.url}/prompts/chat-prompt`);
    await expect
      .poll(diffText)
      .toEqual([
        '-system: You are {{ persona }}.',
        '+system: You are {{ persona }}. Be kind.',
        ' user: {{ question }}',
      ]);
    expect(await page.locator('.chat-message').count()).toBe(2);
  });

  it('draws the views in the dark theme', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}/models`);
    await page.getByRole('button', { name: /Switch to dark/ }).click();
    await expect.poll(async () => (await modelIds()).length).toBe(2);
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
      'rgb(20, 23, 28)',
    );
    await shot('logged-models-dark');
    await page.goto(`${server.url}/experiments/${experimentId}/models/${goodId}`);
    await expect.poll(() => page.locator('.logged-model-page').textContent()).toContain('clf version 1');
    await shot('logged-model-dark');
    await page.goto(`${server.url}/prompts`);
    await expect.poll(() => page.locator('.prompts-table tbody tr').count()).toBe(2);
    await shot('prompts-dark');
    await page.goto(`${server.url}/prompts/qa-prompt`);
    await expect.poll(async () => (await diffText()).length).toBe(5);
    await shot('prompt-diff-dark');
  });
});
