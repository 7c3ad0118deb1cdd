// @vitest-environment happy-dom

import { fireEvent, render, screen } from '@testing-library/react';
import { createElement as h, useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ConfirmDelete } from '../src/components/confirm-delete.js';
import { RegisterModelDialog } from '../src/components/register-model-dialog.js';
import { StageControl } from '../src/components/stage-control.js';
import { VersionSchema } from '../src/components/version-schema.js';
import { readInputExample, readModelSchema, registerSourceOf } from '../src/lib/model-schema.js';
import { type FetchHandler, stubFetch } from './fetch-stub.js';

let handler: FetchHandler;
const calls = stubFetch(() => handler);

const MLMODEL = `artifact_path: model
run_id: r1
model_id: m-abc
flavors:
  python_function:
    loader_module: mlflow.sklearn
saved_input_example_info:
  artifact_path: input_example.json
  type: dataframe
  pandas_orient: split
signature:
  inputs: '[{"type": "double", "name": "x"}, {"type": "string", "name": "city", "required": false}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]'
  params: '[{"name": "temperature", "type": "double", "default": 0.5}]'
`;

describe('model schema readers', () => {
  it("reads the signature and the input example's file from an MLmodel", () => {
    const schema = readModelSchema(MLMODEL);
    expect(schema.inputExamplePath).toBe('input_example.json');
    expect(schema.summary.inputs?.map((c) => [c.name, c.type, c.optional])).toEqual([
      ['x', 'double', undefined],
      ['city', 'string', true],
    ]);
    expect(schema.summary.outputs?.[0]).toMatchObject({ type: 'tensor float32', shape: '[-1]' });
    expect(schema.summary.params?.[0]).toMatchObject({ name: 'temperature', type: 'double' });
    expect(readModelSchema('flavors: {}\n').inputExamplePath).toBeUndefined();
  });

  it('reads input examples as tables (split, dataframe_split, records) or JSON', () => {
    expect(readInputExample('{"columns": ["x", "city"], "data": [[1.5, "Oslo"], [2, "Rome"]]}')).toEqual({
      kind: 'table',
      columns: ['x', 'city'],
      rows: [
        [1.5, 'Oslo'],
        [2, 'Rome'],
      ],
    });
    expect(readInputExample('{"dataframe_split": {"columns": ["a"], "data": [[1]]}}')).toEqual({
      kind: 'table',
      columns: ['a'],
      rows: [[1]],
    });
    expect(readInputExample('[{"a": 1}, {"a": 2, "b": "x"}]')).toEqual({
      kind: 'table',
      columns: ['a', 'b'],
      rows: [
        [1, undefined],
        [2, 'x'],
      ],
    });
    expect(readInputExample('{"inputs": [[1, 2]]}')).toEqual({
      kind: 'json',
      text: JSON.stringify({ inputs: [[1, 2]] }, null, 2),
    });
    expect(readInputExample('not json')).toEqual({ kind: 'json', text: 'not json' });
  });

  it("registers a logged model's MLmodel by its id and a run's model folder by runs:/", () => {
    expect(registerSourceOf(MLMODEL, 'MLmodel', 'anything')).toEqual({
      source: 'models:/m-abc',
      modelId: 'm-abc',
      runId: 'r1',
    });
    const mlflow2 = 'run_id: r1\nflavors: {}\n';
    expect(registerSourceOf(mlflow2, 'models/clf/MLmodel', 'r1')).toEqual({
      source: 'runs:/r1/models/clf',
      runId: 'r1',
    });
    expect(registerSourceOf(mlflow2, 'MLmodel', 'r1')).toEqual({ source: 'runs:/r1', runId: 'r1' });
    // Another run's MLmodel, or one naming no run, is not offered.
    expect(registerSourceOf(mlflow2, 'model/MLmodel', 'r2')).toBeUndefined();
    expect(registerSourceOf('flavors: {}\n', 'model/MLmodel', 'r1')).toBeUndefined();
    expect(registerSourceOf(': : bad yaml [', 'model/MLmodel', 'r1')).toBeUndefined();
  });
});

const FROM = { source: 'models:/m-abc', modelId: 'm-abc', runId: 'r1' };
const VERSION = { name: 'clf', version: '3', current_stage: 'None', creation_timestamp: 1 };

describe('RegisterModelDialog', () => {
  it('creates a new registered model, then its version from models:/<id>, and links the version', async () => {
    handler = (url) => {
      if (url.includes('registered-models/search')) return { body: { registered_models: [{ name: 'old' }] } };
      if (url.endsWith('/registered-models/create')) return { body: { registered_model: { name: 'clf' } } };
      return { body: { model_version: { ...VERSION, version: '1' } } };
    };
    const registered = vi.fn();
    render(
      h(RegisterModelDialog, { from: FROM, canUse: () => true, onClose: () => {}, onRegistered: registered }),
    );
    await screen.findByRole('option', { name: 'old' });
    fireEvent.change(screen.getByRole('textbox', { name: 'Model name' }), { target: { value: ' clf ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    const link = await screen.findByRole('link', { name: 'clf version 1' });
    expect(link.getAttribute('href')).toBe('/models/clf/versions/1');
    expect(document.activeElement).toBe(link); // the form that had focus is gone
    expect(calls.slice(1)).toEqual([
      { url: '/ajax-api/2.0/mlflow/registered-models/create', body: { name: 'clf' } },
      {
        url: '/ajax-api/2.0/mlflow/model-versions/create',
        body: { name: 'clf', source: 'models:/m-abc', run_id: 'r1', model_id: 'm-abc' },
      },
    ]);
    expect(registered).toHaveBeenCalledWith(expect.objectContaining({ name: 'clf', version: '1' }));
  });

  it('adds a version to an existing model the user may edit, without creating one', async () => {
    handler = (url) =>
      url.includes('registered-models/search')
        ? { body: { registered_models: [{ name: 'clf' }, { name: 'locked' }] } }
        : { body: { model_version: VERSION } };
    render(h(RegisterModelDialog, { from: FROM, canUse: (n) => n !== 'locked', onClose: () => {} }));
    await screen.findByRole('option', { name: 'clf' });
    expect(screen.queryByRole('option', { name: 'locked' })).toBeNull();
    fireEvent.change(screen.getByRole('combobox', { name: 'Model' }), { target: { value: 'clf' } });
    expect(screen.queryByRole('textbox', { name: 'Model name' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    await screen.findByRole('link', { name: 'clf version 3' });
    expect(calls.map((c) => c.url).slice(1)).toEqual(['/ajax-api/2.0/mlflow/model-versions/create']);
  });

  it("shows the server's refusal inline and keeps the typed name", async () => {
    handler = (url) =>
      url.includes('registered-models/search')
        ? { body: { registered_models: [] } }
        : {
            status: 400,
            body: {
              error_code: 'RESOURCE_ALREADY_EXISTS',
              message: 'Registered Model (name=clf) already exists.',
            },
          };
    render(h(RegisterModelDialog, { from: FROM, canUse: () => true, onClose: () => {} }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Model name' }), { target: { value: 'clf' } });
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect((await screen.findByRole('alert')).textContent).toContain('already exists');
    expect((screen.getByRole('textbox', { name: 'Model name' }) as HTMLInputElement).value).toBe('clf');
    expect(screen.queryByRole('link')).toBeNull();
  });
});

/** A page with a button that opens the dialog, as RegisterModelButton does (without the access lookup). */
function OpensDialog() {
  const [open, setOpen] = useState(false);
  return h(
    'main',
    null,
    h('button', { type: 'button', onClick: () => setOpen(true) }, 'Open'),
    open ? h(RegisterModelDialog, { from: FROM, canUse: () => true, onClose: () => setOpen(false) }) : null,
  );
}

describe('RegisterModelDialog as a modal', () => {
  it('takes focus on open, keeps Tab inside, closes on Escape and gives focus back to its opener', async () => {
    handler = () => ({ body: { registered_models: [{ name: 'clf' }] } });
    render(h(OpensDialog));
    const opener = screen.getByRole('button', { name: 'Open' });
    opener.focus();
    fireEvent.click(opener);
    const dialog = screen.getByRole('dialog', { name: 'Register model' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    await screen.findByRole('option', { name: 'clf' });
    const model = screen.getByRole('combobox', { name: 'Model' });
    expect(document.activeElement).toBe(model);
    // Register is disabled until a name is typed, so Cancel is the last stop: Tab wraps to the first field,
    // Shift+Tab from the first field wraps back to Cancel.
    const cancel = screen.getByRole('button', { name: 'Cancel' });
    cancel.focus();
    fireEvent.keyDown(cancel, { key: 'Tab' });
    expect(document.activeElement).toBe(model);
    fireEvent.keyDown(model, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(cancel);
    // Tab from the page behind (a click on the backdrop leaves focus on the body) enters the dialog.
    cancel.blur();
    fireEvent.keyDown(document.body, { key: 'Tab' });
    expect(document.activeElement).toBe(model);
    fireEvent.keyDown(model, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
    // Closing with Cancel gives focus back too.
    fireEvent.click(opener);
    await screen.findByRole('option', { name: 'clf' });
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });
});

describe('ConfirmDelete', () => {
  it('enables Delete only once the name is typed, and shows a refusal', async () => {
    const onDelete = vi.fn(async () => {
      throw new Error('Permission denied');
    });
    render(h(ConfirmDelete, { label: 'Delete model', what: 'clf', typeToConfirm: 'clf', onDelete }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete model' }));
    const del = screen.getByRole('button', { name: 'Delete' }) as HTMLButtonElement;
    expect(del.disabled).toBe(true);
    fireEvent.change(screen.getByRole('textbox', { name: 'Name to confirm' }), { target: { value: 'cl' } });
    expect(del.disabled).toBe(true);
    fireEvent.change(screen.getByRole('textbox', { name: 'Name to confirm' }), { target: { value: 'clf' } });
    expect(del.disabled).toBe(false);
    fireEvent.click(del);
    expect((await screen.findByRole('alert')).textContent).toBe('Permission denied');
    expect(onDelete).toHaveBeenCalledTimes(1);
  });
});

describe('StageControl', () => {
  it('moves at once, archiving the others only when ticked and only into Staging or Production', () => {
    const onMove = vi.fn(async () => {});
    render(h(StageControl, { stage: 'None', disabled: false, onMove }));
    fireEvent.change(screen.getByRole('combobox', { name: 'Stage' }), { target: { value: 'Staging' } });
    fireEvent.click(screen.getByRole('checkbox'));
    fireEvent.change(screen.getByRole('combobox', { name: 'Stage' }), { target: { value: 'Production' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Stage' }), { target: { value: 'Archived' } });
    expect(onMove.mock.calls).toEqual([
      ['Staging', false],
      ['Production', true],
      ['Archived', false],
    ]);
  });
});

describe('VersionSchema', () => {
  it("shows the version's signature and input example from model-versions/get-artifact", async () => {
    handler = () => ({ body: { columns: ['x', 'city'], data: [[1.5, 'Oslo']] } });
    // The stub answers JSON; the MLmodel is YAML, so that one request is answered here (and not recorded).
    const stubbed = globalThis.fetch;
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) =>
      url.includes('path=MLmodel') ? new Response(MLMODEL, { status: 200 }) : stubbed(url, init),
    );
    render(h(VersionSchema, { name: 'my model', version: '2' }));
    const inputs = await screen.findByRole('table', { name: 'Signature inputs' });
    expect([...inputs.querySelectorAll('tbody tr')].map((r) => r.textContent)).toEqual([
      'xdouble',
      'citystring (optional)',
    ]);
    expect(screen.getByRole('table', { name: 'Signature params' }).textContent).toContain('temperature');
    const example = await screen.findByRole('table', { name: 'Input example' });
    expect(example.textContent).toBe('xcity1.5Oslo');
    expect(calls.map((c) => c.url)).toEqual([
      '/model-versions/get-artifact?name=my+model&version=2&path=input_example.json',
    ]);
  });

  it('says so when the version has no MLmodel', async () => {
    handler = () => ({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'nope' } });
    render(h(VersionSchema, { name: 'm', version: '1' }));
    await screen.findByText(/no MLmodel/);
  });
});

describe('RegisterModelDialog after a refused version', () => {
  it('retries against the model it just made instead of making it again', async () => {
    let versionAnswers = 0;
    handler = (url) => {
      if (url.includes('registered-models/search')) return { body: { registered_models: [] } };
      if (url.endsWith('/registered-models/create')) return { body: { registered_model: { name: 'fresh' } } };
      versionAnswers += 1;
      return versionAnswers === 1
        ? { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'bad source' } }
        : { body: { model_version: { ...VERSION, name: 'fresh', version: '1' } } };
    };
    render(h(RegisterModelDialog, { from: FROM, canUse: () => true, onClose: () => {} }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Model name' }), { target: { value: 'fresh' } });
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect((await screen.findByRole('alert')).textContent).toBe('bad source');
    expect((screen.getByRole('combobox', { name: 'Model' }) as HTMLSelectElement).value).toBe('fresh');
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    await screen.findByRole('link', { name: 'fresh version 1' });
    expect(calls.map((c) => c.url.split('/mlflow/')[1])).toEqual([
      'registered-models/search?max_results=1000',
      'registered-models/create',
      'model-versions/create',
      'model-versions/create',
    ]);
  });
});
