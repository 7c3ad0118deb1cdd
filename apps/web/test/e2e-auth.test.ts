import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertE2eReady, launchChromium } from './e2e-browser.js';
import { type AuthTestServer, startAuthTestServer } from './e2e-server.js';

// The web UI behind MLflow's basic-auth app: Debian's Chromium signs in with the credentials the browser's
// login prompt would send (playwright's httpCredentials answer the 401 challenge as a user would), and
// the pages hide what the signed-in user may not change. The server decides in the end; these tests also
// check that what the UI shows matches what the server allows.

let server: AuthTestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let editable = '';
let readable = '';

/** A page signed in as `user` (or anonymous), as after answering the browser's login prompt. */
async function pageAs(user?: string): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
    ...(user ? { httpCredentials: { username: user, password: server.password(user) } } : {}),
  });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

beforeAll(async () => {
  assertE2eReady();
  server = await startAuthTestServer();

  // The admin makes the data and the users; `editor` may edit one experiment and one model, and only
  // read the others (the default READ).
  for (const user of ['viewer', 'editor'])
    await server.api('admin', 'POST', '/users/create', { username: user, password: server.password(user) });
  editable = (await server.api('admin', 'POST', '/experiments/create', { name: 'auth-editable' }))
    .experiment_id;
  readable = (await server.api('admin', 'POST', '/experiments/create', { name: 'auth-readable' }))
    .experiment_id;
  const run = (
    await server.api('admin', 'POST', '/runs/create', { experiment_id: readable, run_name: 'locked-run' })
  ).run;
  await server.api('admin', 'POST', '/registered-models/create', { name: 'auth-model' });
  await server.api('admin', 'POST', '/model-versions/create', {
    name: 'auth-model',
    source: `runs:/${run.info.run_id}/model`,
    run_id: run.info.run_id,
  });
  await server.api('admin', 'POST', '/experiments/permissions/create', {
    experiment_id: editable,
    username: 'editor',
    permission: 'EDIT',
  });
  await server.api('admin', 'POST', '/registered-models/permissions/create', {
    name: 'auth-model',
    username: 'editor',
    permission: 'EDIT',
  });

  browser = await launchChromium();
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await server?.close();
});

describe('web UI behind basic auth', () => {
  it('asks the browser for a password: without one the page is a 401 with a Basic challenge', async () => {
    // Headless Chromium has nobody to ask, so it gives up on the challenge the way a cancelled prompt does.
    const page = await pageAs();
    const challenged = page.waitForEvent('response');
    const failed = await page.goto(`${server.url}/experiments/${readable}`).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failed?.message).toContain('ERR_INVALID_AUTH_CREDENTIALS');
    const response = await challenged;
    expect(response.status()).toBe(401);
    expect(response.headers()['www-authenticate']).toBe('Basic realm="mlflow"');
    // Wrong credentials are challenged again, never let in.
    const wrong = await browser.newContext({ httpCredentials: { username: 'viewer', password: 'nope' } });
    contexts.push(wrong);
    const refused = await (await wrong.newPage()).goto(`${server.url}/experiments/${readable}`);
    expect(refused?.status()).toBe(401);
  });

  it('signs in, names the user, and hides the rename and delete buttons a READ user may not use', async () => {
    const page = await pageAs('viewer');
    await page.goto(`${server.url}/experiments/${readable}`);
    await expect.poll(() => page.getByRole('link', { name: 'auth-readable' }).count()).toBe(1);
    await expect.poll(() => page.getByText('Signed in as viewer').count()).toBe(1);
    await expect.poll(() => page.getByRole('link', { name: 'locked-run' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Rename auth-readable' }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Delete auth-readable' }).isVisible()).toBe(false);
    // Anyone signed in may create an experiment (MLflow's rule), so that button stays.
    expect(await page.getByRole('button', { name: 'Create experiment' }).isVisible()).toBe(true);
  });

  it('shows an EDIT user rename but not delete, only where the permission is', async () => {
    const page = await pageAs('editor');
    await page.goto(`${server.url}/experiments/${editable}`);
    await expect.poll(() => page.getByRole('link', { name: 'auth-editable' }).count()).toBe(1);
    await expect
      .poll(() => page.getByRole('button', { name: 'Rename auth-editable' }).isVisible())
      .toBe(true);
    expect(await page.getByRole('button', { name: 'Delete auth-editable' }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Rename auth-readable' }).isVisible()).toBe(false);
    // What is shown works: the rename goes through as the signed-in user.
    await page.getByRole('button', { name: 'Rename auth-editable' }).click();
    await page.getByRole('textbox', { name: 'New name' }).fill('auth-edited');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'auth-edited' }).count()).toBe(1);
    const got = await server.api('admin', 'GET', `/experiments/get?experiment_id=${editable}`);
    expect(got.experiment.name).toBe('auth-edited');
  });

  it('shows a model read-only to a READ user and editable to an EDIT user, who cannot remove aliases', async () => {
    const viewer = await pageAs('viewer');
    await viewer.goto(`${server.url}/models/auth-model`);
    await expect.poll(() => viewer.locator('h1').textContent()).toContain('auth-model');
    expect(await viewer.getByRole('button', { name: 'Set alias' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Set tag' }).count()).toBe(0);
    expect(await viewer.locator('.description button').count()).toBe(0);
    await viewer.goto(`${server.url}/models/auth-model/versions/1`);
    await expect.poll(() => viewer.getByRole('combobox', { name: 'Stage' }).isDisabled()).toBe(true);

    const editor = await pageAs('editor');
    await editor.goto(`${server.url}/models/auth-model`);
    await editor.getByRole('textbox', { name: 'Alias' }).fill('champion');
    await editor.getByRole('textbox', { name: 'Version' }).fill('1');
    await editor.getByRole('button', { name: 'Set alias' }).click();
    await expect.poll(() => editor.locator('.aliases .badge').allTextContents()).toEqual(['@champion']);
    // Deleting an alias needs MANAGE in MLflow's rules, so EDIT gets no remove button.
    expect(await editor.getByRole('button', { name: 'Remove alias champion' }).isVisible()).toBe(false);
    await editor.goto(`${server.url}/models/auth-model/versions/1`);
    await expect.poll(() => editor.getByRole('combobox', { name: 'Stage' }).isDisabled()).toBe(false);
  });

  it('shows an admin every control', async () => {
    const page = await pageAs('admin');
    await page.goto(`${server.url}/experiments/${readable}`);
    await expect.poll(() => page.getByText('Signed in as admin').count()).toBe(1);
    await expect
      .poll(() => page.getByRole('button', { name: 'Delete auth-readable' }).isVisible())
      .toBe(true);
    await page.goto(`${server.url}/models/auth-model`);
    await expect
      .poll(() => page.getByRole('button', { name: 'Remove alias champion' }).isVisible())
      .toBe(true);
  });
});
