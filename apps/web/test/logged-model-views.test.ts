// @vitest-environment happy-dom

import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createElement as h } from 'react';
import { describe, expect, it } from 'vitest';
import type { LoggedModelJson } from '../src/api/logged-models.js';
import type { Run } from '../src/api/types.js';
import { RunLoggedModels } from '../src/components/run-logged-models.js';
import { LoggedModelsView } from '../src/pages/logged-models-view.js';
import { PromptPage } from '../src/pages/prompt-pages.js';
import { at, type FetchHandler, stubFetch } from './fetch-stub.js';

const MODEL: LoggedModelJson = {
  info: {
    model_id: 'm-00000000000000000000000000000001',
    experiment_id: '7',
    name: 'clf',
    creation_timestamp_ms: 1000,
    last_updated_timestamp_ms: 1000,
    artifact_uri: 'file:///tmp/a',
    status: 'LOGGED_MODEL_UPLOAD_FAILED',
    model_type: 'classifier',
  },
  data: {
    params: [{ key: 'lr', value: '0.01' }],
    metrics: [{ key: 'acc', value: 0.5, timestamp: 1, step: 0, model_id: 'm-1', run_id: 'r1' }],
  },
};

let handler: FetchHandler;
const calls = stubFetch(() => handler);

describe('LoggedModelsView', () => {
  it("searches the experiment's logged models with the filter and order, and pages by the token", async () => {
    handler = () => ({ body: { models: [MODEL], next_page_token: 'next' } });
    render(
      h(LoggedModelsView, {
        experimentIds: ['7'],
        experiments: [],
        location: at('/experiments/7/models?q=metrics.acc+%3E+0.1&order=metrics.acc+DESC'),
      }),
    );
    await screen.findByText('clf');
    expect(calls[0]).toEqual({
      url: '/ajax-api/2.0/mlflow/logged-models/search',
      body: {
        experiment_ids: ['7'],
        filter: 'metrics.acc > 0.1',
        order_by: [{ field_name: 'metrics.acc', ascending: false }],
        max_results: 50,
      },
    });
    const cells = [...document.querySelectorAll('tr[data-model-id] td')].map((td) => td.textContent);
    expect(cells).toEqual(expect.arrayContaining(['FAILED', '—', 'classifier', '0.5', '0.01']));
    expect(document.querySelector('th[aria-sort="descending"]')?.textContent).toBe('acc ↓');
    fireEvent.click(screen.getByRole('button', { name: 'Load more models' }));
    await waitFor(() => expect(calls.length).toBe(2));
    expect((calls[1]!.body as { page_token: string }).page_token).toBe('next');
  });

  it("shows the server's message for a refused filter under the box", async () => {
    handler = () => ({
      status: 400,
      body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid entity type: bogus' },
    });
    render(
      h(LoggedModelsView, {
        experimentIds: ['7'],
        experiments: [],
        location: at('/experiments/7/models?q=bogus.x+%3D+1'),
      }),
    );
    await waitFor(() =>
      expect(document.getElementById('model-filter-error')?.textContent).toContain('Invalid entity type'),
    );
  });
});

const version = (v: string, text: string, description: string) => ({
  name: 'qa',
  version: v,
  current_stage: 'None',
  creation_timestamp: 1,
  description,
  tags: [
    { key: 'mlflow.prompt.is_prompt', value: 'true' },
    { key: 'mlflow.prompt.text', value: text },
  ],
});

describe('PromptPage', () => {
  it('shows the newest version and diffs it against the one before', async () => {
    handler = (url) =>
      url.includes('registered-models/get')
        ? {
            body: {
              registered_model: { name: 'qa', tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }] },
            },
          }
        : {
            body: {
              model_versions: [
                version('1', 'Hi {{ name }}\nBye', 'first'),
                version('3', 'Hello {{ name }}\nBye', 'third'),
              ],
            },
          };
    render(h(PromptPage, { name: 'qa', location: at('/prompts/qa') }));
    await screen.findByRole('article', { name: 'Version 3' });
    const rows = [...document.querySelectorAll('tr.diff-line')].map(
      (r) => `${r.getAttribute('data-kind')}:${r.querySelector('td.text')?.textContent}`,
    );
    expect(rows).toEqual(['removed:Hi {{ name }}', 'added:Hello {{ name }}', 'same:Bye']);
    expect(screen.getByTestId('prompt-template').textContent).toBe('Hello {{ name }}\nBye');
  });

  it('refuses a registered model that is not a prompt', async () => {
    handler = () => ({ body: { registered_model: { name: 'clf', tags: [] } } });
    render(h(PromptPage, { name: 'clf', location: at('/prompts/clf') }));
    expect((await screen.findByRole('alert')).textContent).toContain('registered as a model, not a prompt');
  });
});

describe('RunLoggedModels', () => {
  it("lists the run's output and input logged models, linked to their pages, and names one it cannot read", async () => {
    const gone = 'm-00000000000000000000000000000009';
    handler = (url) =>
      url.endsWith(MODEL.info.model_id)
        ? { body: { model: MODEL } }
        : { status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no such model' } };
    const run = {
      info: { run_id: 'r1', experiment_id: '7' },
      data: {},
      inputs: { model_inputs: [{ model_id: gone }] },
      outputs: { model_outputs: [{ model_id: MODEL.info.model_id, step: 3 }] },
    } as unknown as Run;
    render(h(RunLoggedModels, { run }));
    const link = await screen.findByRole('link', { name: 'clf' });
    expect(link.getAttribute('href')).toBe(`/experiments/7/models/${MODEL.info.model_id}`);
    const rows = [...document.querySelectorAll('tr[data-model-id]')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent),
    );
    expect(rows).toEqual([
      ['clf', 'logged (step 3)', 'UPLOAD_FAILED', 'classifier'],
      [gone, 'used as input', '—', '—'],
    ]);
    expect(calls.map((c) => c.url).sort()).toEqual([
      `/ajax-api/2.0/mlflow/logged-models/${MODEL.info.model_id}`,
      `/ajax-api/2.0/mlflow/logged-models/${gone}`,
    ]);
  });

  it('says so when the run has no logged models', () => {
    render(h(RunLoggedModels, { run: { info: {}, data: {}, inputs: {} } as unknown as Run }));
    expect(screen.getByText(/no MLflow 3 logged models/)).toBeTruthy();
  });
});
