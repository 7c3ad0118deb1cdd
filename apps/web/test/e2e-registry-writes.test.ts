import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, startE2e, stopE2e } from './e2e-browser.js';
import { type AuthTestServer, startAuthTestServer, type TestServer, writeArtifact } from './e2e-server.js';

// End to end for the registry's writes: Debian's Chromium against a real server on a loopback port. A
// logged model is seeded as MLflow 3's clients write one (POST logged-models, finalize, an MLmodel with a
// signature and a saved input example at its artifact location), and a run with an MLflow 2 model folder.
// Through the UI: register the logged model as a new model and as a new version of it, register the run's
// folder into an existing model, create a model (and a refused one), edit descriptions, tags and aliases,
// move stages (archiving the others), read the version's schema and input example, delete a version and a
// model. A second server with basic auth checks that a READ user sees none of the write controls.
// Screenshots (light and dark): registry-model, registry-version-schema, register-model-dialog.

let server: TestServer;
let browser: Browser;
let page: Page;
let experimentId = '';
let runId = '';
let modelId = '';

const MLMODEL = (id: string, run: string) => `artifact_path: model
model_id: ${id}
run_id: ${run}
flavors:
  python_function:
    loader_module: mlflow.sklearn
    python_version: 3.11.9
saved_input_example_info:
  artifact_path: input_example.json
  type: dataframe
  pandas_orient: split
signature:
  inputs: '[{"type": "double", "name": "sepal_length", "required": true}, {"type": "string", "name": "site", "required": false}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: '[{"name": "threshold", "type": "double", "default": 0.5, "shape": null}]'
`;
const EXAMPLE = JSON.stringify({
  columns: ['sepal_length', 'site'],
  data: [
    [5.1, 'north'],
    [4.9, 'south'],
  ],
});

async function seed(): Promise<void> {
  experimentId = (await server.api('POST', '/experiments/create', { name: 'e2e-registry' })).experiment_id;
  const run = (
    await server.api('POST', '/runs/create', {
      experiment_id: experimentId,
      run_name: 'train-run',
      start_time: Date.now(),
    })
  ).run;
  runId = run.info.run_id;
  const created = await server.api('POST', '/logged-models', {
    experiment_id: experimentId,
    name: 'iris-clf',
    model_type: 'classifier',
    source_run_id: runId,
  });
  modelId = created.model.info.model_id;
  await server.api('PATCH', `/logged-models/${modelId}`, { model_id: modelId, status: 'LOGGED_MODEL_READY' });
  const uri = created.model.info.artifact_uri as string;
  await writeArtifact(uri, 'MLmodel', MLMODEL(modelId, runId));
  await writeArtifact(uri, 'input_example.json', EXAMPLE);
  // An MLflow 2 model folder in the run's artifacts (no model_id in its MLmodel).
  await writeArtifact(
    run.info.artifact_uri,
    'model/MLmodel',
    `artifact_path: model\nrun_id: ${runId}\nflavors:\n  python_function:\n    loader_module: mlflow.sklearn\n`,
  );
  await server.api('POST', '/registered-models/create', { name: 'existing-model' });
}

const shot = (name: string) => screenshot(page, name);
const setTheme = (theme: 'light' | 'dark') =>
  page.evaluate((t) => window.localStorage.setItem('flowline.theme', t), theme);

async function getVersion(name: string, version: string) {
  return (await server.api('GET', `/model-versions/get?name=${name}&version=${version}`)).model_version;
}

async function registerFromDialog(choice: { newName?: string; existing?: string }): Promise<void> {
  await page.getByRole('button', { name: 'Register model' }).click();
  const dialog = page.getByRole('dialog', { name: 'Register model' });
  if (choice.existing) {
    await expect.poll(() => dialog.getByRole('option', { name: choice.existing }).count()).toBe(1);
    await dialog.getByRole('combobox', { name: 'Model' }).selectOption(choice.existing);
  } else await dialog.getByRole('textbox', { name: 'Model name' }).fill(choice.newName ?? '');
}

beforeAll(async () => {
  ({ browser, page, server } = await startE2e());
  await seed();
});
afterAll(() => stopE2e({ browser, page, server }));

describe('registry writes end to end', () => {
  it('registers a logged model as a new registered model and links the new version', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}/models/${modelId}`);
    await expect.poll(() => page.locator('.logged-model-page').textContent()).toContain('not registered');
    await registerFromDialog({ newName: 'iris' });
    await shot('register-model-dialog');
    // The dialog's backdrop covers the header, so the theme button is pressed without a pointer.
    await page.getByRole('button', { name: /Switch to dark/ }).dispatchEvent('click');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await shot('register-model-dialog-dark');
    await page.getByRole('button', { name: /Switch to light/ }).dispatchEvent('click');
    const dialog = page.getByRole('dialog', { name: 'Register model' });
    await dialog.getByRole('button', { name: 'Register' }).click();
    const link = dialog.getByRole('link', { name: 'iris version 1' });
    await expect.poll(() => link.getAttribute('href')).toBe('/models/iris/versions/1');
    const v1 = await getVersion('iris', '1');
    expect(v1.source).toBe(`models:/${modelId}`);
    expect(v1.run_id).toBe(runId);
    await dialog.getByRole('button', { name: 'Close' }).click();
    // The page's registered versions are read again.
    await expect.poll(() => page.locator('.registered-versions').textContent()).toContain('iris version 1');
  });

  it('registers it again as a new version of the existing model', async () => {
    await registerFromDialog({ existing: 'iris' });
    const dialog = page.getByRole('dialog', { name: 'Register model' });
    await dialog.getByRole('button', { name: 'Register' }).click();
    await dialog.getByRole('link', { name: 'iris version 2' }).click();
    await page.waitForURL('**/models/iris/versions/2');
    expect((await getVersion('iris', '2')).source).toBe(`models:/${modelId}`);
  });

  it("shows the version's signature and input example from its MLmodel", async () => {
    await page.goto(`${server.url}/models/iris/versions/1`);
    const inputs = page.getByRole('table', { name: 'Signature inputs' });
    await expect
      .poll(() => inputs.locator('tbody tr').allTextContents())
      .toEqual(['sepal_lengthdouble', 'sitestring (optional)']);
    expect(await page.getByRole('table', { name: 'Signature outputs' }).textContent()).toContain(
      'tensor int64[-1]',
    );
    expect(await page.getByRole('table', { name: 'Signature params' }).textContent()).toContain('threshold');
    const example = page.getByRole('table', { name: 'Input example' });
    await expect.poll(() => example.locator('thead th').allTextContents()).toEqual(['sepal_length', 'site']);
    expect(await example.locator('tbody tr').allTextContents()).toEqual(['5.1north', '4.9south']);
    await page.locator('.version-schema').scrollIntoViewIfNeeded();
    await shot('registry-version-schema');
    await setTheme('dark');
    await page.reload();
    await expect.poll(() => example.locator('tbody tr').count()).toBe(2);
    await page.locator('.version-schema').scrollIntoViewIfNeeded();
    await shot('registry-version-schema-dark');
    await setTheme('light');
  });

  it("registers a run's MLmodel folder from its artifacts into an existing model", async () => {
    await page.goto(
      `${server.url}/experiments/${experimentId}/runs/${runId}?tab=artifacts&artifact=model/MLmodel`,
    );
    await registerFromDialog({ existing: 'existing-model' });
    const dialog = page.getByRole('dialog', { name: 'Register model' });
    await dialog.getByRole('button', { name: 'Register' }).click();
    await expect.poll(() => dialog.getByRole('link', { name: 'existing-model version 1' }).count()).toBe(1);
    const v = await getVersion('existing-model', '1');
    expect(v.source).toBe(`runs:/${runId}/model`);
    expect(v.run_id).toBe(runId);
  });

  it('creates a model, and shows a refused name inline keeping what was typed', async () => {
    await page.goto(`${server.url}/models`);
    await page.getByRole('button', { name: 'Create model' }).click();
    const form = page.getByRole('form', { name: 'Create model' });
    await form.getByRole('textbox', { name: 'Model name' }).fill('iris');
    await form.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toMatch(/already exists/i);
    expect(await form.getByRole('textbox', { name: 'Model name' }).inputValue()).toBe('iris');
    await form.getByRole('textbox', { name: 'Model name' }).fill('scratch');
    await form.getByRole('textbox', { name: 'Description (Markdown)' }).fill('A **scratch** model');
    await form.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL('**/models/scratch');
    await expect.poll(() => page.locator('.description strong').textContent()).toBe('scratch');
  });

  it("edits a model's description and tags, sets and removes an alias", async () => {
    await page.goto(`${server.url}/models/iris`);
    await page.getByRole('button', { name: 'Edit' }).click();
    await page
      .getByRole('textbox', { name: 'Description' })
      .fill('Iris classifier, see [docs](https://example.com/iris)');
    await page.getByRole('button', { name: 'Save' }).click();
    const docs = page.locator('.description a', { hasText: 'docs' });
    await expect.poll(() => docs.getAttribute('href')).toBe('https://example.com/iris');
    expect(await docs.getAttribute('rel')).toBe('noopener noreferrer');
    await page.getByRole('textbox', { name: 'Tag key' }).fill('team');
    await page.getByRole('textbox', { name: 'Tag value' }).fill('vision');
    await page.getByRole('button', { name: 'Set tag' }).click();
    await expect.poll(() => page.locator('.tags li').first().textContent()).toContain('team = vision');
    await page.getByRole('textbox', { name: 'Alias' }).fill('champion');
    await page.getByRole('textbox', { name: 'Version' }).fill('2');
    await page.getByRole('button', { name: 'Set alias' }).click();
    await expect.poll(() => page.locator('.aliases .badge').allTextContents()).toEqual(['@champion']);
    await shot('registry-model');
    await setTheme('dark');
    await page.reload();
    await expect.poll(() => page.locator('.aliases .badge').count()).toBe(1);
    await shot('registry-model-dark');
    await setTheme('light');
    await page.reload();
    await page.getByRole('button', { name: 'Remove alias champion' }).click();
    await expect.poll(() => page.locator('.aliases .badge').count()).toBe(0);
    await page.getByRole('button', { name: 'Remove tag team' }).click();
    await expect.poll(() => page.locator('.tags').textContent()).toContain('No tags.');
    const model = (await server.api('GET', '/registered-models/get?name=iris')).registered_model;
    expect(model.description).toContain('[docs](https://example.com/iris)');
    expect(model.tags ?? []).toEqual([]);
    expect(model.aliases ?? []).toEqual([]);
  });

  it("edits a version's description, tags and aliases", async () => {
    await page.goto(`${server.url}/models/iris/versions/1`);
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('textbox', { name: 'Description' }).fill('First *cut*');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.description em').textContent()).toBe('cut');
    await page.getByRole('textbox', { name: 'Tag key' }).fill('validated');
    await page.getByRole('textbox', { name: 'Tag value' }).fill('yes');
    await page.getByRole('button', { name: 'Set tag' }).click();
    await expect.poll(() => page.locator('.tags').textContent()).toContain('validated = yes');
    await page.getByRole('textbox', { name: 'New alias' }).fill('candidate');
    await page.getByRole('button', { name: 'Add alias' }).click();
    await expect.poll(() => page.locator('.alias-editor .badge').allTextContents()).toEqual(['@candidate']);
    // A refused alias (MLflow reserves `latest`) is shown under the field, which keeps it.
    await page.getByRole('textbox', { name: 'New alias' }).fill('latest');
    await page.getByRole('button', { name: 'Add alias' }).click();
    await expect.poll(() => page.locator('.alias-editor [role=alert]').textContent()).toMatch(/latest/);
    expect(await page.getByRole('textbox', { name: 'New alias' }).inputValue()).toBe('latest');
    let v = await getVersion('iris', '1');
    expect(v.description).toBe('First *cut*');
    expect(v.aliases).toEqual(['candidate']);
    expect(v.tags).toEqual([{ key: 'validated', value: 'yes' }]);
    await page.getByRole('button', { name: 'Remove alias candidate' }).click();
    await expect.poll(() => page.locator('.alias-editor .badge').count()).toBe(0);
    v = await getVersion('iris', '1');
    expect(v.aliases ?? []).toEqual([]);
  });

  it('moves stages, archiving the versions already there when asked', async () => {
    await page.goto(`${server.url}/models/iris/versions/1`);
    await page.getByRole('combobox', { name: 'Stage' }).selectOption('Production');
    await expect.poll(async () => (await getVersion('iris', '1')).current_stage).toBe('Production');
    await page.goto(`${server.url}/models/iris/versions/2`);
    await page.getByRole('checkbox', { name: /Archive other versions/ }).check();
    await page.getByRole('combobox', { name: 'Stage' }).selectOption('Production');
    await expect.poll(async () => (await getVersion('iris', '2')).current_stage).toBe('Production');
    expect((await getVersion('iris', '1')).current_stage).toBe('Archived');
    await expect.poll(() => page.getByRole('combobox', { name: 'Stage' }).inputValue()).toBe('Production');
  });

  it('deletes a version, then a model once its name is typed', async () => {
    await page.getByRole('button', { name: 'Delete version' }).click();
    await page.getByRole('form', { name: 'Delete version' }).getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL('**/models/iris');
    await expect
      .poll(() => page.locator('.model-page .data-table tbody tr').allTextContents())
      .toHaveLength(1);
    await expect(server.api('GET', '/model-versions/get?name=iris&version=2')).rejects.toThrow(
      /RESOURCE_DOES_NOT_EXIST/,
    );
    await page.goto(`${server.url}/models/scratch`);
    await page.getByRole('button', { name: 'Delete model' }).click();
    const confirm = page.getByRole('form', { name: 'Delete model' });
    const del = confirm.getByRole('button', { name: 'Delete' });
    expect(await del.isDisabled()).toBe(true);
    await confirm.getByRole('textbox', { name: 'Name to confirm' }).fill('scratc');
    expect(await del.isDisabled()).toBe(true);
    await confirm.getByRole('textbox', { name: 'Name to confirm' }).fill('scratch');
    await del.click();
    await page.waitForURL(`${server.url}/models`);
    await expect.poll(() => page.locator('.models-page tbody').textContent()).toContain('existing-model');
    expect(await page.getByRole('link', { name: 'scratch' }).count()).toBe(0);
    await expect(server.api('GET', '/registered-models/get?name=scratch')).rejects.toThrow(
      /RESOURCE_DOES_NOT_EXIST/,
    );
  });
});

describe('registry writes behind basic auth', () => {
  let authServer: AuthTestServer;
  let authBrowser: Browser;

  beforeAll(async () => {
    authServer = await startAuthTestServer();
    await authServer.api('admin', 'POST', '/users/create', {
      username: 'viewer',
      password: authServer.password('viewer'),
    });
    const exp = (await authServer.api('admin', 'POST', '/experiments/create', { name: 'locked' }))
      .experiment_id;
    const run = (await authServer.api('admin', 'POST', '/runs/create', { experiment_id: exp, run_name: 'r' }))
      .run;
    await authServer.api('admin', 'POST', '/registered-models/create', {
      name: 'ro-model',
      description: 'kept',
    });
    await authServer.api('admin', 'POST', '/registered-models/set-tag', {
      name: 'ro-model',
      key: 'k',
      value: 'v',
    });
    await authServer.api('admin', 'POST', '/model-versions/create', {
      name: 'ro-model',
      source: `runs:/${run.info.run_id}/model`,
      run_id: run.info.run_id,
    });
    await authServer.api('admin', 'POST', '/registered-models/alias', {
      name: 'ro-model',
      alias: 'prod',
      version: '1',
    });
    await authServer.api('admin', 'POST', '/model-versions/set-tag', {
      name: 'ro-model',
      version: '1',
      key: 'k',
      value: 'v',
    });
    authBrowser = await launchChromium();
  });
  afterAll(async () => {
    await authBrowser?.close();
    await authServer?.close();
  });

  it('shows a READ user the model and version without any write control', async () => {
    const context = await authBrowser.newContext({
      viewport: { width: 1400, height: 900 },
      httpCredentials: { username: 'viewer', password: authServer.password('viewer') },
    });
    const viewer = await context.newPage();
    viewer.setDefaultTimeout(15_000);
    await viewer.goto(`${authServer.url}/models/ro-model`);
    await expect.poll(() => viewer.getByText('Signed in as viewer').count()).toBe(1);
    await expect.poll(() => viewer.locator('.aliases .badge').allTextContents()).toEqual(['@prod']);
    expect(await viewer.locator('.description').textContent()).toContain('kept');
    for (const name of ['Delete model', 'Edit', 'Set alias', 'Set tag'])
      expect(await viewer.getByRole('button', { name }).count()).toBe(0);
    for (const name of ['Remove alias prod', 'Remove tag k'])
      expect(await viewer.getByRole('button', { name }).isVisible()).toBe(false);
    await viewer.goto(`${authServer.url}/models/ro-model/versions/1`);
    await expect.poll(() => viewer.getByRole('combobox', { name: 'Stage' }).isDisabled()).toBe(true);
    await expect.poll(() => viewer.locator('.alias-editor .badge').allTextContents()).toEqual(['@prod']);
    for (const name of ['Delete version', 'Edit', 'Add alias', 'Set tag', 'Remove alias prod'])
      expect(await viewer.getByRole('button', { name }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Remove tag k' }).isVisible()).toBe(false);
    expect(await viewer.getByRole('checkbox').count()).toBe(0);
    // The server agrees: the hidden writes are refused for this user.
    await expect(
      authServer.api('viewer', 'DELETE', '/registered-models/delete', { name: 'ro-model' }),
    ).rejects.toThrow(/403/);
    await context.close();
  });
});
