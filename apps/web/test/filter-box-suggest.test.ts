// @vitest-environment happy-dom

import { cleanup, fireEvent, render, renderHook, screen } from '@testing-library/react';
import { createElement as h } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Run } from '../src/api/types.js';
import { FilterBox } from '../src/components/filter-box.js';
import { suggestFilter } from '../src/lib/filter-suggest.js';
import { useFilterSuggest } from '../src/lib/use-filter-suggest.js';

afterEach(cleanup);

const vocab = {
  params: ['model'],
  metrics: ['accuracy', 'loss'],
  tags: [],
  values: new Map([['params.model', ['linear', 'tree']]]),
};
const suggest = (text: string, caret: number) => suggestFilter(text, caret, vocab);

function typeInto(input: HTMLInputElement, value: string) {
  fireEvent.change(input, { target: { value, selectionStart: value.length } });
}

describe('FilterBox autocomplete', () => {
  it('is a combobox whose listbox offers keys, comparators and values, chosen with the keys', () => {
    const onSubmit = vi.fn();
    render(h(FilterBox, { value: '', onSubmit, suggest }));
    const input = screen.getByRole('combobox', { name: 'Filter runs' }) as HTMLInputElement;
    expect(input.getAttribute('aria-expanded')).toBe('false');
    typeInto(input, 'metr');
    expect(input.getAttribute('aria-expanded')).toBe('true');
    const list = screen.getByRole('listbox');
    expect(input.getAttribute('aria-controls')).toBe(list.id);
    expect(screen.getAllByRole('option').map((o) => o.querySelector('code')?.textContent)).toEqual([
      'metrics.accuracy',
      'metrics.loss',
    ]);
    // Nothing is chosen until an arrow key moves; ↓↓ picks the second, ↑ the first, ↑ wraps to the last.
    expect(input.getAttribute('aria-activedescendant')).toBeNull();
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    const active = input.getAttribute('aria-activedescendant');
    expect(document.getElementById(active!)?.textContent).toContain('metrics.loss');
    expect(document.getElementById(active!)?.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(input.value).toBe('metrics.loss ');
    expect(onSubmit).not.toHaveBeenCalled();
    // Comparators for a metric; Tab takes the first.
    expect(screen.getAllByRole('option').map((o) => o.querySelector('code')?.textContent)).toContain('<=');
    fireEvent.keyDown(input, { key: 'Tab' });
    expect(input.value).toBe('metrics.loss = ');
    // Escape closes the list and keeps the text; a second Escape reverts to the applied filter.
    typeInto(input, 'params.model = ');
    expect(screen.getAllByRole('option')).toHaveLength(2);
    fireEvent.click(screen.getAllByRole('option')[1]!);
    expect(input.value).toBe("params.model = 'tree' ");
    expect(screen.getAllByRole('option').map((o) => o.querySelector('code')?.textContent)).toEqual(['AND']);
    fireEvent.keyDown(input, { key: 'Escape' });
    expect(input.getAttribute('aria-expanded')).toBe('false');
    expect(input.value).toBe("params.model = 'tree' ");
    fireEvent.keyDown(input, { key: 'Escape' });
    expect(input.value).toBe('');
  });

  it('applies the filter on Enter when no suggestion was chosen', () => {
    const onSubmit = vi.fn();
    render(h(FilterBox, { value: '', onSubmit, suggest }));
    const input = screen.getByRole('combobox') as HTMLInputElement;
    typeInto(input, "params.model = 'tree'");
    expect(screen.getAllByRole('option').length).toBeGreaterThan(0);
    fireEvent.keyDown(input, { key: 'Enter' });
    fireEvent.submit(input.closest('form')!);
    expect(onSubmit).toHaveBeenCalledWith("params.model = 'tree'");
    expect(input.getAttribute('aria-expanded')).toBe('false');
  });

  it('stays a plain search box without suggest', () => {
    render(h(FilterBox, { value: '', onSubmit: vi.fn() }));
    expect(screen.getByRole('searchbox')).toBeTruthy();
    expect(screen.queryByRole('listbox')).toBeNull();
  });
});

function runWith(metric: string, params: Record<string, string> = {}): Run {
  return {
    info: {
      run_id: metric,
      run_uuid: metric,
      experiment_id: '1',
      status: 'FINISHED',
      lifecycle_stage: 'active',
    },
    data: {
      metrics: [{ key: metric, value: 1, timestamp: 0, step: 0 }],
      params: Object.entries(params).map(([key, value]) => ({ key, value })),
    },
    inputs: {},
  };
}

describe('useFilterSuggest', () => {
  it('keeps the keys seen before a filter narrowed the runs, and forgets them for other experiments', () => {
    const labels = (r: ReturnType<typeof suggestFilter>) => r.items.map((i) => i.label);
    const { result, rerender } = renderHook(({ ids, runs }) => useFilterSuggest(ids, runs), {
      initialProps: { ids: ['1'], runs: [runWith('loss', { model: 'tree' }), runWith('acc')] },
    });
    expect(labels(result.current('metrics.', 8))).toEqual(['metrics.acc', 'metrics.loss']);
    rerender({ ids: ['1'], runs: [runWith('acc')] });
    expect(labels(result.current('metrics.', 8))).toEqual(['metrics.acc', 'metrics.loss']);
    // Values come from the runs now loaded.
    expect(labels(result.current('params.model = ', 15))).toEqual([]);
    rerender({ ids: ['2'], runs: [runWith('rmse')] });
    expect(labels(result.current('metrics.', 8))).toEqual(['metrics.rmse']);
  });
});
