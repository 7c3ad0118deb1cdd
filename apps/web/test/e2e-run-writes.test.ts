import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, startE2e, stopE2e } from './e2e-browser.js';
import { type AuthTestServer, startAuthTestServer, type TestServer } from './e2e-server.js';

// End to end for the run and experiment writes: Debian's Chromium against a real server on a loopback port,
// each change made in the UI and then read back over REST. Runs are renamed, tagged, described in Markdown
// (rendered without raw HTML or script links), deleted two at a time from the runs view and restored from
// its deleted view; an experiment is described, tagged and restored from the sidebar's deleted view; a tag
// key the server refuses shows its message inline. A second server with basic auth checks that a READ user
// gets no write control. Screenshots: run-writes (the run page with tags and a Markdown description) and
// deleted-runs, each also -dark.

let server: TestServer;
let browser: Browser;
let page: Page;
let experimentId = '';
const ids: Record<string, string> = {};

const NOTE = 'mlflow.note.content';
const MARKDOWN = [
  '# Sweep notes',
  '',
  'Tried **three** learning rates; see [the docs](https://mlflow.org/docs).',
  '',
  '- lr 0.1 diverged',
  '- lr 0.01 is best',
  '',
  '<script>window.pwned = true</script> [bad](javascript:window.pwned=true)',
].join('\n');

async function seed(): Promise<void> {
  experimentId = (await server.api('POST', '/experiments/create', { name: 'writes-exp' })).experiment_id;
  for (const name of ['keep', 'drop-a', 'drop-b']) {
    const res = await server.api('POST', '/runs/create', {
      experiment_id: experimentId,
      run_name: name,
      start_time: Date.now(),
      tags: [
        { key: 'team', value: 'search' },
        { key: 'stale', value: 'yes' },
      ],
    });
    ids[name] = res.run.info.run_id;
  }
}

const runPage = (id: string) => `${server.url}/experiments/${experimentId}/runs/${id}`;
const tagsOf = async (id: string) =>
  Object.fromEntries(
    ((await server.api('GET', `/runs/get?run_id=${id}`)).run.data.tags ?? []).map(
      (t: { key: string; value: string }) => [t.key, t.value],
    ),
  );
const setTheme = async (theme: 'light' | 'dark') => {
  await page.evaluate((t) => window.localStorage.setItem('flowline.theme', t), theme);
  await page.reload();
};

beforeAll(async () => {
  ({ browser, page, server } = await startE2e());
  await seed();
});

afterAll(async () => {
  await stopE2e({ browser, page, server });
});

describe('run writes in Chromium', () => {
  it('renames a run from its page', async () => {
    await page.goto(runPage(ids.keep!));
    await expect.poll(() => page.locator('h1').textContent()).toBe('keep');
    await page.getByRole('button', { name: 'Rename run' }).click();
    const input = page.getByRole('textbox', { name: 'Run name' });
    expect(await input.inputValue()).toBe('keep');
    await input.fill('kept-run');
    await page.getByRole('form', { name: 'Rename run' }).getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('kept-run');
    expect((await server.api('GET', `/runs/get?run_id=${ids.keep}`)).run.info.run_name).toBe('kept-run');
  });

  it("adds, edits and deletes tags, and shows the server's refusal inline with the input kept", async () => {
    await page.goto(runPage(ids.keep!));
    await page.getByRole('textbox', { name: 'Tag key' }).fill('owner');
    await page.getByRole('textbox', { name: 'Tag value' }).fill('ann');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await expect.poll(() => page.locator('tr[data-tag="owner"] td').nth(1).textContent()).toBe('ann');
    expect(await page.getByRole('textbox', { name: 'Tag key' }).inputValue()).toBe('');

    await page.getByRole('button', { name: 'Edit tag team' }).click();
    await page.getByRole('textbox', { name: 'Value of tag team' }).fill('ranking');
    await page.locator('tr[data-tag="team"]').getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('tr[data-tag="team"] td').nth(1).textContent()).toBe('ranking');

    await page.getByRole('button', { name: 'Delete tag stale' }).click();
    await expect.poll(() => page.locator('tr[data-tag="stale"]').count()).toBe(0);
    const tags = await tagsOf(ids.keep!);
    expect(tags).toMatchObject({ owner: 'ann', team: 'ranking' });
    expect(tags.stale).toBeUndefined();
    // MLflow's own tags stay out of the editor.
    expect(await page.locator('tr[data-tag^="mlflow."]').count()).toBe(0);

    // A 300-character key is past MLflow's 250: the server says so, and what was typed stays.
    const long = 'k'.repeat(300);
    await page.getByRole('textbox', { name: 'Tag key' }).fill(long);
    await page.getByRole('textbox', { name: 'Tag value' }).fill('v');
    await page.getByRole('button', { name: 'Add tag' }).click();
    const alert = page.locator('.tag-editor [role="alert"]');
    await expect.poll(() => alert.textContent()).toContain('250');
    expect(await page.getByRole('textbox', { name: 'Tag key' }).inputValue()).toBe(long);
    expect(await page.getByRole('textbox', { name: 'Tag value' }).inputValue()).toBe('v');
    await page.getByRole('textbox', { name: 'Tag key' }).fill('');
  });

  it('saves a Markdown description and renders it without raw HTML or script links, in both themes', async () => {
    await page.goto(runPage(ids.keep!));
    await page.locator('.description').getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('textbox', { name: 'Description' }).fill(MARKDOWN);
    await page.locator('.description').getByRole('button', { name: 'Save' }).click();
    const note = page.locator('.description .markdown');
    await expect.poll(() => note.locator('h1').textContent()).toBe('Sweep notes');
    expect(await note.locator('strong').textContent()).toBe('three');
    expect(await note.locator('li').allTextContents()).toEqual(['lr 0.1 diverged', 'lr 0.01 is best']);
    const link = note.locator('a');
    expect(await link.count()).toBe(1);
    expect(await link.getAttribute('href')).toBe('https://mlflow.org/docs');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await note.locator('script').count()).toBe(0);
    expect(await note.textContent()).toContain('<script>window.pwned = true</script>');
    expect(await page.evaluate(() => (window as { pwned?: boolean }).pwned)).toBeUndefined();
    expect((await tagsOf(ids.keep!))[NOTE]).toBe(MARKDOWN);
    await screenshot(page, 'run-writes');
    await setTheme('dark');
    await expect.poll(() => note.locator('h1').textContent()).toBe('Sweep notes');
    await screenshot(page, 'run-writes-dark');
    await setTheme('light');
  });

  it('deletes two runs from the runs view and restores one from the deleted view', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}`);
    await expect.poll(() => page.locator('.rt-row .run-link').count()).toBe(3);
    await page.getByRole('checkbox', { name: 'Select run drop-a' }).check();
    await page.getByRole('checkbox', { name: 'Select run drop-b' }).check();
    await page.getByRole('button', { name: 'Delete (2)' }).click();
    await expect.poll(() => page.getByText('Delete 2 runs?').count()).toBe(1);
    await page.locator('.toolbar').getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => page.locator('.rt-row .run-link').allTextContents()).toEqual(['kept-run']);
    const active = await server.api('POST', '/runs/search', { experiment_ids: [experimentId] });
    expect(active.runs.map((r: { info: { run_name: string } }) => r.info.run_name)).toEqual(['kept-run']);

    await page.getByRole('link', { name: 'Deleted runs' }).click();
    await expect
      .poll(() => page.locator('.deleted-runs h1').textContent())
      .toBe('Deleted runs of writes-exp');
    await expect.poll(() => page.locator('.deleted-runs tbody tr').count()).toBe(2);
    expect(new URL(page.url()).searchParams.get('lifecycle')).toBe('deleted');
    await page.getByRole('checkbox', { name: 'Select drop-a' }).check();
    await screenshot(page, 'deleted-runs');
    await setTheme('dark');
    await expect.poll(() => page.locator('.deleted-runs tbody tr').count()).toBe(2);
    await page.getByRole('checkbox', { name: 'Select drop-a' }).check();
    await screenshot(page, 'deleted-runs-dark');
    await setTheme('light');
    await page.getByRole('checkbox', { name: 'Select drop-a' }).check();
    await page.getByRole('button', { name: 'Restore (1)' }).click();
    await expect.poll(() => page.locator('.deleted-runs tbody tr').count()).toBe(1);
    expect(await page.locator('.deleted-runs tbody a').textContent()).toBe('drop-b');
    expect((await server.api('GET', `/runs/get?run_id=${ids['drop-a']}`)).run.info.lifecycle_stage).toBe(
      'active',
    );
    await page.getByRole('link', { name: '← Active runs' }).click();
    await expect
      .poll(async () => (await page.locator('.rt-row .run-link').allTextContents()).sort())
      .toEqual(['drop-a', 'kept-run']);
  });

  it('restores a deleted run from its own page', async () => {
    await page.goto(runPage(ids['drop-b']!));
    await expect.poll(() => page.locator('.run-actions .badge').textContent()).toBe('Deleted');
    await page.getByRole('button', { name: 'Restore run' }).click();
    await expect.poll(() => page.locator('.run-actions .badge').count()).toBe(0);
    expect((await server.api('GET', `/runs/get?run_id=${ids['drop-b']}`)).run.info.lifecycle_stage).toBe(
      'active',
    );
  });
});

describe('experiment writes in Chromium', () => {
  it('edits the experiment description (Markdown) and its tags', async () => {
    await page.goto(`${server.url}/experiments/${experimentId}`);
    const about = page.locator('.experiment-about');
    await about.locator('summary').click();
    await about.locator('.description').getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('textbox', { name: 'Experiment description' }).fill('Ranking **sweeps** for Q3');
    await about.locator('.description').getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => about.locator('.markdown strong').textContent()).toBe('sweeps');
    await about.getByRole('textbox', { name: 'Tag key' }).fill('project');
    await about.getByRole('textbox', { name: 'Tag value' }).fill('ranking');
    await about.getByRole('button', { name: 'Add tag' }).click();
    await expect.poll(() => about.locator('tr[data-tag="project"] td').nth(1).textContent()).toBe('ranking');
    await about.getByRole('button', { name: 'Edit tag project' }).click();
    await about.getByRole('textbox', { name: 'Value of tag project' }).fill('search');
    await about.locator('tr[data-tag="project"]').getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => about.locator('tr[data-tag="project"] td').nth(1).textContent()).toBe('search');
    let tags = (await server.api('GET', `/experiments/get?experiment_id=${experimentId}`)).experiment.tags;
    expect(tags).toEqual(
      expect.arrayContaining([
        { key: NOTE, value: 'Ranking **sweeps** for Q3' },
        { key: 'project', value: 'search' },
      ]),
    );
    await about.getByRole('button', { name: 'Delete tag project' }).click();
    await expect.poll(() => about.locator('tr[data-tag="project"]').count()).toBe(0);
    tags = (await server.api('GET', `/experiments/get?experiment_id=${experimentId}`)).experiment.tags;
    expect(tags.map((t: { key: string }) => t.key)).not.toContain('project');
    // Reloaded, the description is shown (open) rendered.
    await page.reload();
    await expect.poll(() => page.locator('.experiment-about .markdown strong').textContent()).toBe('sweeps');
  });

  it("restores a deleted experiment from the sidebar's deleted view", async () => {
    const id = (await server.api('POST', '/experiments/create', { name: 'gone-exp' })).experiment_id;
    await server.api('POST', '/experiments/delete', { experiment_id: id });
    await page.goto(`${server.url}/experiments/${experimentId}`);
    await expect.poll(() => page.getByRole('link', { name: 'writes-exp' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'gone-exp' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Deleted', exact: true }).click();
    await page.getByRole('button', { name: 'Restore gone-exp' }).click();
    await expect.poll(() => page.getByText('No deleted experiments.').count()).toBe(1);
    await page.getByRole('button', { name: 'Active', exact: true }).click();
    await expect.poll(() => page.getByRole('link', { name: 'gone-exp' }).count()).toBe(1);
    expect((await server.api('GET', `/experiments/get?experiment_id=${id}`)).experiment.lifecycle_stage).toBe(
      'active',
    );
  });
});

describe('run and experiment writes behind basic auth', () => {
  let authServer: AuthTestServer | undefined;

  afterAll(async () => {
    await authServer?.close();
  });

  it('shows a READ user the run, its tags and description, and no write control', async () => {
    authServer = await startAuthTestServer();
    const { url, password, api } = authServer;
    await api('admin', 'POST', '/users/create', { username: 'viewer', password: password('viewer') });
    const exp = (await api('admin', 'POST', '/experiments/create', { name: 'locked-exp' })).experiment_id;
    await api('admin', 'POST', '/experiments/set-experiment-tag', {
      experiment_id: exp,
      key: NOTE,
      value: 'Locked **notes**',
    });
    await api('admin', 'POST', '/experiments/set-experiment-tag', {
      experiment_id: exp,
      key: 'owner',
      value: 'admin',
    });
    const run = (
      await api('admin', 'POST', '/runs/create', {
        experiment_id: exp,
        run_name: 'locked-run',
        tags: [
          { key: 'team', value: 'search' },
          { key: NOTE, value: 'A *read-only* note' },
        ],
      })
    ).run;
    const gone = (await api('admin', 'POST', '/runs/create', { experiment_id: exp, run_name: 'gone-run' }))
      .run;
    await api('admin', 'POST', '/runs/delete', { run_id: gone.info.run_id });
    const goneExp = (await api('admin', 'POST', '/experiments/create', { name: 'gone-locked' }))
      .experiment_id;
    await api('admin', 'POST', '/experiments/delete', { experiment_id: goneExp });

    const context = await browser.newContext({
      viewport: { width: 1400, height: 900 },
      httpCredentials: { username: 'viewer', password: password('viewer') },
    });
    try {
      const viewer = await context.newPage();
      viewer.setDefaultTimeout(15_000);
      await viewer.goto(`${url}/experiments/${exp}/runs/${run.info.run_id}`);
      await expect.poll(() => viewer.getByText('Signed in as viewer').count()).toBe(1);
      await expect.poll(() => viewer.locator('.description .markdown em').textContent()).toBe('read-only');
      expect(await viewer.locator('tr[data-tag="team"] td').nth(1).textContent()).toBe('search');
      for (const name of ['Rename run', 'Delete run', 'Edit', 'Add tag', 'Edit tag team', 'Delete tag team'])
        expect(await viewer.getByRole('button', { name, exact: true }).count()).toBe(0);
      expect(await viewer.getByRole('textbox').count()).toBe(0);

      await viewer.goto(`${url}/experiments/${exp}`);
      await expect.poll(() => viewer.getByRole('link', { name: 'locked-run' }).count()).toBe(1);
      await viewer.getByRole('checkbox', { name: 'Select run locked-run' }).check();
      await expect.poll(() => viewer.getByRole('button', { name: 'Compare (1)' }).count()).toBe(1);
      expect(await viewer.getByRole('button', { name: /^Delete \(/ }).count()).toBe(0);
      await expect
        .poll(() => viewer.locator('.experiment-about .markdown strong').textContent())
        .toBe('notes');
      expect(await viewer.locator('.experiment-about button').count()).toBe(0);
      expect(await viewer.locator('.experiment-about input').count()).toBe(0);

      await viewer.getByRole('link', { name: 'Deleted runs' }).click();
      await expect.poll(() => viewer.locator('.deleted-runs tbody tr').count()).toBe(1);
      await viewer.getByRole('checkbox', { name: 'Select gone-run' }).check();
      expect(await viewer.getByRole('button', { name: /^Restore/ }).count()).toBe(0);

      await viewer.getByRole('button', { name: 'Deleted', exact: true }).click();
      await expect.poll(() => viewer.locator('.deleted-experiments li').count()).toBe(1);
      expect(await viewer.getByRole('button', { name: 'Restore gone-locked' }).count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
