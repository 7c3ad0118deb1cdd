// @vitest-environment happy-dom

import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createElement as h } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { Run } from '../src/api/types.js';
import { DeletedExperiments } from '../src/components/deleted-experiments.js';
import { RunActions } from '../src/components/run-actions.js';
import { TagEditor } from '../src/components/tag-editor.js';
import { DeletedRunsView } from '../src/pages/deleted-runs-view.js';
import { at, type FetchHandler, stubFetch } from './fetch-stub.js';

const run = (id: string, name: string, stage: 'active' | 'deleted' = 'active'): Run =>
  ({
    info: {
      run_id: id,
      run_uuid: id,
      run_name: name,
      experiment_id: '3',
      user_id: 'ann',
      status: 'FINISHED',
      start_time: 1_700_000_000_000,
      end_time: 1_700_000_060_000,
      artifact_uri: '/tmp/a',
      lifecycle_stage: stage,
    },
    data: { tags: [], params: [], metrics: [] },
    inputs: {},
  }) as unknown as Run;

const NO_AUTH = { status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND', message: 'no auth' } };
const READER = {
  body: {
    user: { username: 'ro', is_admin: false, experiment_permissions: [], registered_model_permissions: [] },
    default_permission: 'READ',
  },
};

let handler: FetchHandler;
const calls = stubFetch(() => handler);
const writes = () => calls.filter((c) => !c.url.includes('/users/current') && c.body !== undefined);

describe('TagEditor', () => {
  it('adds, edits and deletes through the callbacks, and keeps what was typed when the server refuses', async () => {
    handler = () => NO_AUTH;
    const onSet = vi.fn(async (key: string, _value: string) => {
      if (key.length > 250) throw new Error("Tag key '…' had length 300, which exceeded length limit of 250");
    });
    const onDelete = vi.fn(async (_key: string) => undefined);
    render(h(TagEditor, { tags: [{ key: 'team', value: 'search' }], onSet, onDelete }));
    const long = 'k'.repeat(300);
    fireEvent.change(screen.getByRole('textbox', { name: 'Tag key' }), { target: { value: long } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Tag value' }), { target: { value: 'v' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add tag' }));
    expect((await screen.findByRole('alert')).textContent).toContain('exceeded length limit of 250');
    expect((screen.getByRole('textbox', { name: 'Tag key' }) as HTMLInputElement).value).toBe(long);
    expect((screen.getByRole('textbox', { name: 'Tag value' }) as HTMLInputElement).value).toBe('v');

    fireEvent.click(screen.getByRole('button', { name: 'Edit tag team' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Value of tag team' }), {
      target: { value: 'ads' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSet).toHaveBeenLastCalledWith('team', 'ads'));
    fireEvent.click(screen.getByRole('button', { name: 'Delete tag team' }));
    await waitFor(() => expect(onDelete).toHaveBeenCalledWith('team'));
  });

  it('offers no controls when read-only', () => {
    render(
      h(TagEditor, {
        tags: [{ key: 'team', value: 'search' }],
        onSet: async () => undefined,
        onDelete: async () => undefined,
        readOnly: true,
      }),
    );
    expect(screen.getByText('search')).toBeTruthy();
    expect(screen.queryAllByRole('button')).toEqual([]);
    expect(screen.queryByRole('textbox')).toBeNull();
  });
});

describe('RunActions', () => {
  it('renames with runs/update and deletes with runs/delete after confirming', async () => {
    handler = (url) => (url.includes('/users/current') ? NO_AUTH : { body: {} });
    const onChanged = vi.fn();
    render(h(RunActions, { run: run('r1', 'old'), onChanged }));
    fireEvent.click(await screen.findByRole('button', { name: 'Rename run' }));
    const input = screen.getByRole('textbox', { name: 'Run name' }) as HTMLInputElement;
    expect(input.value).toBe('old');
    fireEvent.change(input, { target: { value: 'new name' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    expect(writes()[0]).toEqual({
      url: '/ajax-api/2.0/mlflow/runs/update',
      body: { run_id: 'r1', run_name: 'new name' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Delete run' }));
    expect(screen.getByText('Delete this run?')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(2));
    expect(writes()[1]).toEqual({ url: '/ajax-api/2.0/mlflow/runs/delete', body: { run_id: 'r1' } });
  });

  it("shows the server's refusal of a rename inline and keeps the typed name", async () => {
    handler = (url) =>
      url.includes('/users/current')
        ? NO_AUTH
        : { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Run name too long' } };
    render(h(RunActions, { run: run('r1', 'old'), onChanged: () => undefined }));
    fireEvent.click(await screen.findByRole('button', { name: 'Rename run' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Run name' }), { target: { value: 'x'.repeat(9) } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Run name too long');
    expect((screen.getByRole('textbox', { name: 'Run name' }) as HTMLInputElement).value).toBe('xxxxxxxxx');
  });

  it('offers a deleted run Restore, and a READ user nothing', async () => {
    handler = (url) => (url.includes('/users/current') ? NO_AUTH : { body: {} });
    const { unmount } = render(
      h(RunActions, { run: run('r1', 'gone', 'deleted'), onChanged: () => undefined }),
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Restore run' }));
    await waitFor(() =>
      expect(writes()[0]).toEqual({ url: '/ajax-api/2.0/mlflow/runs/restore', body: { run_id: 'r1' } }),
    );
    expect(screen.queryByRole('button', { name: 'Delete run' })).toBeNull();
    unmount();
    handler = () => READER;
    render(h(RunActions, { run: run('r2', 'locked'), onChanged: () => undefined }));
    await waitFor(() => expect(calls.some((c) => c.url.includes('/users/current'))).toBe(true));
    // Let the answer land (a macrotask flushes fetch's promise chain), then nothing may be offered.
    await act(() => new Promise((r) => setTimeout(r, 0)));
    expect(screen.queryAllByRole('button')).toEqual([]);
  });
});

describe('DeletedRunsView', () => {
  it('searches with run_view_type DELETED_ONLY and restores the ticked runs', async () => {
    handler = (url) => {
      if (url.includes('/users/current')) return NO_AUTH;
      if (url.endsWith('/runs/search')) return { body: { runs: [run('d1', 'first'), run('d2', 'second')] } };
      return { body: {} };
    };
    render(
      h(DeletedRunsView, {
        experimentIds: ['3'],
        experiments: [],
        location: at('/experiments/3?lifecycle=deleted'),
      }),
    );
    await screen.findByRole('link', { name: 'second' });
    expect(calls.find((c) => c.url.endsWith('/runs/search'))?.body).toMatchObject({
      experiment_ids: ['3'],
      run_view_type: 'DELETED_ONLY',
      order_by: ['attributes.start_time DESC'],
    });
    expect((screen.getByRole('button', { name: 'Restore (0)' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select second' }));
    fireEvent.click(screen.getByRole('button', { name: 'Restore (1)' }));
    await waitFor(() =>
      expect(calls.filter((c) => c.url.endsWith('/runs/restore'))).toEqual([
        { url: '/ajax-api/2.0/mlflow/runs/restore', body: { run_id: 'd2' } },
      ]),
    );
    // Restored: the list is searched again.
    await waitFor(() => expect(calls.filter((c) => c.url.endsWith('/runs/search')).length).toBe(2));
    expect(screen.getByRole('link', { name: '← Active runs' }).getAttribute('href')).toBe('/experiments/3');
  });
});

describe('DeletedExperiments', () => {
  it('lists experiments with view_type DELETED_ONLY and restores one', async () => {
    const onRestored = vi.fn();
    handler = (url) => {
      if (url.includes('/users/current')) return NO_AUTH;
      if (url.endsWith('/experiments/search'))
        return {
          body: { experiments: [{ experiment_id: '9', name: 'old-exp', lifecycle_stage: 'deleted' }] },
        };
      return { body: {} };
    };
    render(h(DeletedExperiments, { search: '', onRestored }));
    fireEvent.click(await screen.findByRole('button', { name: 'Restore old-exp' }));
    await waitFor(() => expect(onRestored).toHaveBeenCalled());
    expect(calls.find((c) => c.url.endsWith('/experiments/search'))?.body).toMatchObject({
      view_type: 'DELETED_ONLY',
    });
    expect(calls.find((c) => c.url.endsWith('/experiments/restore'))?.body).toEqual({ experiment_id: '9' });
  });
});
