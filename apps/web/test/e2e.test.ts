import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS, screenshot, startE2e, stopE2e } from './e2e-browser.js';
import { type TestServer, TINY_PNG, writeArtifact } from './e2e-server.js';

// End to end: Debian's Chromium (installed by scripts/bootstrap.sh) against a real server on a loopback
// port, seeded through the REST API. Screenshots of the main pages are kept in apps/web/test-artifacts/.

let server: TestServer;
let browser: Browser;
let page: Page;
const ids: Record<string, string> = {};
let experimentId = '';

const MLMODEL = `artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
    python_version: 3.11.4
  sklearn:
    sklearn_version: 1.4.0
run_id: RUN
utc_time_created: '2026-01-01 00:00:00.000000'
signature:
  inputs: '[{"type": "double", "name": "sepal_length", "required": true}, {"type": "string", "name": "species", "required": false}]'
  outputs: '[{"type": "long", "required": true}]'
`;

async function seed(): Promise<void> {
  const { api } = server;
  experimentId = (await api('POST', '/experiments/create', { name: 'e2e-demo' })).experiment_id;
  await api('POST', '/experiments/create', { name: 'e2e-other' });
  const make = async (
    name: string,
    params: Record<string, string>,
    scale: number,
    tags: Record<string, string> = {},
  ) => {
    const run = (
      await api('POST', '/runs/create', {
        experiment_id: experimentId,
        run_name: name,
        start_time: Date.now() - 60_000,
        tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      })
    ).run;
    const id = run.info.run_id as string;
    ids[name] = id;
    const metrics = Array.from({ length: 200 }, (_, step) => ({
      key: 'loss',
      value: scale / (step + 1),
      timestamp: 1_700_000_000_000 + step * 1000,
      step,
    }));
    metrics.push({ key: 'accuracy', value: 1 - scale / 10, timestamp: 1_700_000_000_000, step: 0 });
    await api('POST', '/runs/log-batch', {
      run_id: id,
      params: Object.entries(params).map(([key, value]) => ({ key, value })),
      metrics,
    });
    await api('POST', '/runs/update', { run_id: id, status: 'FINISHED', end_time: Date.now() });
    return run;
  };
  const alpha = await make('alpha', { lr: '0.1', model: 'tree' }, 1, { 'mlflow.note.content': 'first try' });
  await make('beta', { lr: '0.01', model: 'linear' }, 3);
  const parent = await make('sweep', { lr: '0.5', model: 'tree' }, 5);
  await make('sweep-child', { lr: '0.5', model: 'tree', fold: '1' }, 6, {
    'mlflow.parentRunId': parent.info.run_id,
  });

  const uri = alpha.info.artifact_uri as string;
  await writeArtifact(uri, 'notes.txt', 'hello from alpha\n');
  await writeArtifact(uri, 'config.json', '{"layers":[64,32],"dropout":0.1}');
  await writeArtifact(uri, 'data/table.csv', 'name,score\nfirst,0.5\n"second, quoted",0.75\n');
  await writeArtifact(uri, 'params.yaml', 'lr: 0.1\nmodel: tree\n');
  await writeArtifact(uri, 'plot.png', TINY_PNG);
  await writeArtifact(uri, 'model/MLmodel', MLMODEL.replace('RUN', alpha.info.run_id));
  await api('POST', '/runs/log-model', {
    run_id: alpha.info.run_id,
    model_json: JSON.stringify({
      artifact_path: 'model',
      flavors: { sklearn: {} },
      run_id: alpha.info.run_id,
      utc_time_created: '2026-01-01 00:00:00.000000',
    }),
  });
  await api('POST', '/runs/log-inputs', {
    run_id: alpha.info.run_id,
    datasets: [
      {
        dataset: { name: 'iris', digest: 'abc123', source_type: 'local', source: '/data/iris.csv' },
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      },
    ],
  });
  await api('POST', '/registered-models/create', { name: 'e2e-model' });
  await api('POST', '/model-versions/create', {
    name: 'e2e-model',
    source: `runs:/${alpha.info.run_id}/model`,
    run_id: alpha.info.run_id,
  });
}

const shot = (name: string) => screenshot(page, name);

/** Names of the runs in the table, top to bottom. */
async function runNames(): Promise<string[]> {
  return page.locator('.rt-row .run-link').allTextContents();
}

/** Whether a canvas has any painted (non-transparent) pixel. */
async function canvasDrawn(selector: string): Promise<boolean> {
  return page.evaluate((sel) => {
    const canvas = document.querySelector(sel) as HTMLCanvasElement | null;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || canvas.width === 0) return false;
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
    return false;
  }, selector);
}

beforeAll(async () => {
  ({ browser, page, server } = await startE2e());
  await seed();
});
afterAll(() => stopE2e({ browser, page, server }));

describe('web UI end to end', () => {
  it('opens the runs table of an experiment from /', async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: 'e2e-demo' }).click();
    await page.waitForURL(`**/experiments/${experimentId}`);
    await expect.poll(runNames).toEqual(expect.arrayContaining(['alpha', 'beta', 'sweep']));
    // The child run is grouped under its parent until expanded.
    expect(await runNames()).not.toContain('sweep-child');
    await page.getByRole('button', { name: 'Expand child runs' }).click();
    await expect.poll(runNames).toContain('sweep-child');
    const names = await runNames();
    expect(names.indexOf('sweep-child')).toBe(names.indexOf('sweep') + 1);
    await shot('runs-table');
    await page.getByRole('button', { name: 'Collapse child runs' }).click();
    await expect.poll(runNames).not.toContain('sweep-child');
  });

  it('filters with MLflow search grammar and shows the server error inline', async () => {
    const box = page.getByRole('combobox', { name: 'Filter runs' });
    await box.fill("params.model = 'linear'");
    await box.press('Enter');
    await expect.poll(runNames).toEqual(['beta']);
    expect(new URL(page.url()).searchParams.get('q')).toBe("params.model = 'linear'");
    await box.fill('metrics.loss >>> 1');
    await box.press('Enter');
    const alert = page.locator('#filter-error');
    await expect.poll(() => alert.textContent()).toMatch(/.+/);
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    await shot('filter-error');
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(async () => (await runNames()).length).toBe(3);
  });

  it('sorts by clicking a metric header, with the order in the URL', async () => {
    await page.getByRole('button', { name: /^loss/ }).click();
    await expect.poll(runNames).toEqual(['alpha', 'beta', 'sweep']);
    expect(new URL(page.url()).searchParams.get('order')).toBe('metrics.`loss` ASC');
    await page.getByRole('button', { name: /^loss/ }).click();
    await expect.poll(runNames).toEqual(['sweep', 'beta', 'alpha']);
    // A reload keeps the view: the URL holds it.
    await page.reload();
    await expect.poll(runNames).toEqual(['sweep', 'beta', 'alpha']);
  });

  it('moves through the table with the keyboard and opens a run with Enter', async () => {
    await page.locator('.runs-table').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/runs/${ids.alpha}`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('alpha');
  });

  it('shows a run overview and saves its description', async () => {
    await expect.poll(() => page.locator('.note').textContent()).toBe('first try');
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('textbox', { name: 'Description' }).fill('second try');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.note').textContent()).toBe('second try');
    const run = (await server.api('GET', `/runs/get?run_id=${ids.alpha}`)).run;
    expect(run.data.tags).toContainEqual({ key: 'mlflow.note.content', value: 'second try' });
    await shot('run-overview');
    // The breadcrumb names the experiment, as MLflow's does; unset facts read as a dash, not a blank.
    expect(await page.locator('.crumbs a').first().textContent()).toBe('e2e-demo');
    const fact = (name: string) => page.locator(`.facts dt:text-is("${name}") + dd`).textContent();
    expect(await fact('User')).toBe('—');
    expect(await fact('Source')).toBe('—');
  });

  it("names a child run's parent, linked", async () => {
    await page.goto(`${server.url}/experiments/${experimentId}/runs/${ids['sweep-child']}`);
    const parent = page.getByRole('link', { name: 'sweep', exact: true });
    await expect
      .poll(() => parent.getAttribute('href'))
      .toBe(`/experiments/${experimentId}/runs/${ids.sweep}`);
    await expect.poll(() => page.locator('.crumbs a').first().textContent()).toBe('e2e-demo');
    await parent.click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('sweep');
    await page.goto(`${server.url}/experiments/${experimentId}/runs/${ids.alpha}`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('alpha');
  });

  it('charts a metric from the sampled history', async () => {
    await page.getByRole('tab', { name: 'Metrics' }).click();
    const chart = page.locator('.metric-chart[data-metric="loss"] .metric-chart-plot');
    await expect.poll(() => chart.getAttribute('data-drawn')).toBe('true');
    expect(await page.locator('.metric-chart[data-metric="loss"]').getAttribute('data-points')).toBe('200');
    expect(await canvasDrawn('.metric-chart[data-metric="loss"] canvas')).toBe(true);
    await page.getByRole('checkbox', { name: /Log/ }).check();
    await expect.poll(() => new URL(page.url()).searchParams.get('log')).toBe('1');
    await expect.poll(() => chart.getAttribute('data-drawn')).toBe('true');
    await shot('run-metrics');
  });

  it('browses and previews artifacts', async () => {
    await page.getByRole('tab', { name: 'Artifacts' }).click();
    await page.getByRole('button', { name: /config\.json/ }).click();
    await expect.poll(() => page.locator('.preview pre').textContent()).toContain('"dropout": 0.1');
    await page.getByRole('button', { name: /data/ }).click();
    await page.getByRole('button', { name: /table\.csv/ }).click();
    await expect.poll(() => page.locator('.csv-table tbody tr').count()).toBe(2);
    expect(await page.locator('.csv-table td').allTextContents()).toContain('second, quoted');
    await page.getByRole('button', { name: /plot\.png/ }).click();
    await expect
      .poll(() => page.locator('.preview-image').evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBe(2);
    await page.getByRole('button', { name: /model/ }).first().click();
    await page.getByRole('button', { name: /MLmodel/ }).click();
    const summary = page.getByLabel('MLmodel summary');
    await expect.poll(() => summary.textContent()).toContain('sepal_length');
    expect(await summary.textContent()).toContain('sklearn');
    expect(await page.getByRole('link', { name: 'Download' }).getAttribute('href')).toContain(
      '/get-artifact?',
    );
    await shot('run-artifacts');
    await page.getByRole('tab', { name: 'Datasets' }).click();
    await expect.poll(() => page.locator('table').textContent()).toContain('iris');
    await page.getByRole('tab', { name: 'Models' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'e2e-model version 1' }).count()).toBe(1);
  });

  it('compares two runs: diff table and overlaid charts', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}`);
    await page.getByRole('checkbox', { name: 'Select run alpha' }).check();
    await page.getByRole('checkbox', { name: 'Select run beta' }).check();
    await page.getByRole('button', { name: 'Compare (2)' }).click();
    await page.waitForURL('**/compare?**');
    const differing = page.locator('.diff-table tr.differs th');
    await expect
      .poll(() => differing.allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining('lr'), expect.stringContaining('model')]));
    const chart = page.locator('.metric-chart[data-metric="loss"] .metric-chart-plot');
    await expect.poll(() => chart.getAttribute('data-drawn')).toBe('true');
    expect(await page.locator('.metric-chart[data-metric="loss"]').getAttribute('data-points')).toBe('400');
    expect(await page.locator('.scatter-plot circle').count()).toBe(2);
    const lines = page.locator('.pc-plot path.pc-line');
    await expect.poll(() => lines.count()).toBe(2);
    expect(await lines.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-run-id')).sort())).toEqual(
      [ids.alpha, ids.beta].sort(),
    );
    expect(await page.locator('.pc-plot .pc-axis').count()).toBeGreaterThanOrEqual(3);
    await page.locator('.pc-plot path.pc-line[data-run-id="' + ids.beta + '"]').dispatchEvent('mouseover');
    await expect.poll(() => page.locator('.pc-hover').textContent()).toMatch(/^beta: .*lr=0\.01/);
    // The experiment it came from stays selected, with a way back to its runs.
    expect(await page.getByRole('checkbox', { name: 'Show runs of e2e-demo' }).isChecked()).toBe(true);
    expect(await page.getByRole('link', { name: 'Back to the runs' }).getAttribute('href')).toBe(
      `/experiments/${experimentId}`,
    );
    await shot('compare');
    await page.locator('.parallel-coords').screenshot({ path: join(SHOTS, 'compare-parallel.png') });
  });

  it('sets and removes a model alias', async () => {
    await page.goto(`${server.url}/models`);
    await expect.poll(() => page.getByRole('link', { name: 'e2e-model' }).count()).toBe(1);
    const search = await page.getByRole('searchbox', { name: 'Search models' }).boundingBox();
    expect(search?.width).toBeGreaterThanOrEqual(300);
    await shot('models');
    await page.getByRole('link', { name: 'e2e-model' }).click();
    await page.getByRole('textbox', { name: 'Alias' }).fill('champion');
    await page.getByRole('textbox', { name: 'Version' }).fill('1');
    await page.getByRole('button', { name: 'Set alias' }).click();
    await expect.poll(() => page.locator('.aliases .badge').allTextContents()).toEqual(['@champion']);
    const model = (await server.api('GET', '/registered-models/get?name=e2e-model')).registered_model;
    expect(model.aliases).toEqual([{ alias: 'champion', version: '1' }]);
    await shot('model');
    // A refused alias (MLflow reserves `latest`) shows the server's message and keeps what was typed.
    await page.getByRole('textbox', { name: 'Alias' }).fill('latest');
    await page.getByRole('textbox', { name: 'Version' }).fill('1');
    await page.getByRole('button', { name: 'Set alias' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('alert')
          .filter({ hasText: /latest/i })
          .count(),
      )
      .toBe(1);
    expect(await page.getByRole('textbox', { name: 'Alias' }).inputValue()).toBe('latest');
    const form = await page.locator('.model-page .inline-form').first().boundingBox();
    expect(form?.width).toBeLessThanOrEqual(560);
    await page.getByRole('textbox', { name: 'Alias' }).fill('');
    await page.getByRole('link', { name: 'version 1' }).first().click();
    // The source run is named and linked, as in MLflow.
    const source = page.locator('.facts dt:text-is("Source run") + dd a');
    await expect.poll(() => source.textContent()).toBe('alpha');
    expect(await source.getAttribute('href')).toBe(`/runs/${ids.alpha}`);
    await page.goBack();
    await page.getByRole('button', { name: 'Remove alias champion' }).click();
    await expect.poll(() => page.locator('.aliases .badge').count()).toBe(0);
  });

  it('moves a model version to another stage and edits its tags', async () => {
    await page.goto(`${server.url}/models/e2e-model/versions/1`);
    const version = async () =>
      (await server.api('GET', '/model-versions/get?name=e2e-model&version=1')).model_version;
    await page.getByRole('combobox', { name: 'Stage' }).selectOption('Staging');
    await expect.poll(async () => (await version()).current_stage).toBe('Staging');
    await expect.poll(() => page.getByRole('combobox', { name: 'Stage' }).inputValue()).toBe('Staging');
    await page.getByRole('textbox', { name: 'Tag key' }).fill('quality');
    await page.getByRole('textbox', { name: 'Tag value' }).fill('good');
    await page.getByRole('button', { name: 'Set tag' }).click();
    await expect
      .poll(() => page.locator('.version-page .tags li').allTextContents())
      .toEqual([expect.stringContaining('quality = good')]);
    expect((await version()).tags).toEqual([{ key: 'quality', value: 'good' }]);
    await page.getByRole('textbox', { name: 'Tag key' }).fill('quality');
    await page.getByRole('textbox', { name: 'Tag value' }).fill('better');
    await page.getByRole('button', { name: 'Set tag' }).click();
    await expect.poll(async () => (await version()).tags).toEqual([{ key: 'quality', value: 'better' }]);
    await shot('model-version');
    await page.getByRole('button', { name: 'Remove tag quality' }).click();
    await expect.poll(() => page.locator('.version-page .tags li').allTextContents()).toEqual(['No tags.']);
    expect((await version()).tags ?? []).toEqual([]);
    await page.getByRole('combobox', { name: 'Stage' }).selectOption('Production');
    await expect.poll(async () => (await version()).current_stage).toBe('Production');
  });

  it("names and links each version's source run in the versions table", async () => {
    await page.goto(`${server.url}/models/e2e-model`);
    const cell = page.locator('.model-page .data-table tbody tr').first().locator('td').last();
    const link = cell.getByRole('link');
    await expect.poll(() => link.textContent()).toBe('alpha');
    expect(await link.getAttribute('href')).toBe(`/runs/${ids.alpha}`);
    expect(await link.getAttribute('title')).toBe(ids.alpha);
  });

  it('ticks the experiment of a run opened by its URL, as opening it from the runs table does', async () => {
    const ticked = async () => ({
      demo: await page.getByRole('checkbox', { name: 'Show runs of e2e-demo' }).isChecked(),
      other: await page.getByRole('checkbox', { name: 'Show runs of e2e-other' }).isChecked(),
    });
    // The registry links to `/runs/<id>`: the run opens under its experiment, keeping the query.
    await page.goto(`${server.url}/runs/${ids.beta}?tab=params`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('beta');
    await expect.poll(ticked).toEqual({ demo: true, other: false });
    expect(new URL(page.url()).pathname).toBe(`/experiments/${experimentId}/runs/${ids.beta}`);
    expect(new URL(page.url()).searchParams.get('tab')).toBe('params');
    expect(await page.getByRole('tab', { name: 'Params' }).getAttribute('aria-selected')).toBe('true');
    // Following the version page's source-run link does the same.
    await page.goto(`${server.url}/models/e2e-model/versions/1`);
    const source = page.locator('.facts dt:text-is("Source run") + dd a');
    await expect.poll(() => source.textContent()).toBe('alpha');
    await source.click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('alpha');
    await expect.poll(ticked).toEqual({ demo: true, other: false });
    expect(new URL(page.url()).pathname).toBe(`/experiments/${experimentId}/runs/${ids.alpha}`);
    // Back returns to the version page, not to a `/runs/` URL that would only move forward again.
    await page.goBack();
    await expect.poll(() => page.locator('h1').textContent()).toBe('e2e-model version 1');
  });

  it('creates, renames and deletes an experiment from the sidebar, in both themes', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}`);
    await page.getByRole('button', { name: 'Create experiment' }).click();
    await page.getByRole('textbox', { name: 'New experiment name' }).fill('made-in-ui');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await expect.poll(() => page.getByRole('link', { name: 'made-in-ui' }).count()).toBe(1);
    await expect.poll(() => page.locator('h1').textContent()).toBe('made-in-ui');
    const madeUrl = page.url();
    await page.getByRole('button', { name: 'Rename made-in-ui' }).click();
    await page.getByRole('textbox', { name: 'New name' }).fill('renamed-in-ui');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'renamed-in-ui' }).count()).toBe(1);
    await page.getByRole('searchbox', { name: 'Search experiments' }).fill('renamed');
    await expect.poll(() => page.locator('.experiment-list li').count()).toBe(1);
    await page.getByRole('button', { name: 'Delete renamed-in-ui' }).click();
    await page.getByRole('button', { name: 'Yes' }).click();
    await expect.poll(() => page.locator('.experiment-list li').count()).toBe(0);
    const found = await server.api('POST', '/experiments/search', { filter: "name = 'renamed-in-ui'" });
    expect(found.experiments).toBeUndefined();
    // Deleting the open experiment leaves it for the newest one left, not a page about a deleted id.
    await expect.poll(() => page.url()).not.toBe(madeUrl);
    await expect.poll(() => page.locator('h1').textContent()).toBe('e2e-other');
    await page.goto(madeUrl);
    const gone = page.getByRole('alert').filter({ hasText: 'does not exist or was deleted' });
    await expect.poll(() => gone.count()).toBe(1);
    await page.goto(`${server.url}/experiments/${experimentId}`);
    const before = await page.evaluate(() => document.documentElement.dataset.theme);
    await page.getByRole('button', { name: /Switch to/ }).click();
    const after = await page.evaluate(() => document.documentElement.dataset.theme);
    expect(after).not.toBe(before);
    await page.getByRole('searchbox', { name: 'Search experiments' }).fill('');
    await shot(`runs-table-${after}`);
  });

  it('keeps the dark theme on every main page, and draws them in it', async () => {
    // The previous test switched to dark; the choice is remembered across pages and reloads.
    const pages: [string, string, string][] = [
      ['models-dark', '/models', 'Registered models'],
      ['model-dark', '/models/e2e-model', 'e2e-model'],
      ['model-version-dark', '/models/e2e-model/versions/1', 'e2e-model version 1'],
      ['run-overview-dark', `/experiments/${experimentId}/runs/${ids.alpha}`, 'alpha'],
      ['run-metrics-dark', `/experiments/${experimentId}/runs/${ids.alpha}?tab=metrics`, 'alpha'],
      [
        'run-artifacts-dark',
        `/experiments/${experimentId}/runs/${ids.alpha}?tab=artifacts&artifact=model%2FMLmodel`,
        'alpha',
      ],
      ['compare-dark', `/compare?runs=${ids.alpha},${ids.beta}`, 'Comparing 2 runs'],
    ];
    for (const [name, path, heading] of pages) {
      await page.goto(server.url + path);
      await expect.poll(() => page.locator('h1').first().textContent()).toBe(heading);
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      const colours = await page.evaluate(() => {
        const of = (sel: string) => {
          const el = document.querySelector(sel);
          return el ? getComputedStyle(el).backgroundColor : null;
        };
        return { body: of('body'), input: of('input, select') };
      });
      expect(colours.body).toBe('rgb(20, 23, 28)');
      // Form fields follow the theme too (no white boxes on the dark page).
      if (colours.input) expect(colours.input).not.toBe('rgb(255, 255, 255)');
      if (name === 'run-metrics-dark') {
        const chart = page.locator('.metric-chart[data-metric="loss"] .metric-chart-plot');
        await expect.poll(() => chart.getAttribute('data-drawn')).toBe('true');
      }
      await shot(name);
    }
  });
});
