// @vitest-environment happy-dom

import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createElement as h } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Column, type RunRow, RunsTable } from '../src/components/runs-table.js';
import { pinChanges, pinnedOf } from '../src/lib/columns.js';
import { buildRows } from '../src/lib/run-tree.js';
import { offsetsOf, scrollToShow } from '../src/lib/virtual.js';
import { tableRun } from './run-fixture.js';

afterEach(cleanup);

const columns: Column[] = Array.from({ length: 200 }, (_, i) => ({
  id: `metric:m${i}`,
  label: `m${i}`,
  group: 'Metrics',
  width: 100,
  sortKey: `metrics.\`m${i}\``,
  render: (r: RunRow) => `${r.run.info.run_id}/m${i}`,
}));

function table(extra: Partial<Parameters<typeof RunsTable>[0]> = {}) {
  const props = {
    rows: buildRows([tableRun(1), tableRun(2)], new Set()),
    columns,
    renderName: (r: RunRow) => h('span', null, r.run.info.run_name),
    selected: new Set<string>(),
    onToggleSelect: vi.fn(),
    onOpen: vi.fn(),
    fallbackSize: { width: 1000, height: 400 },
    ...extra,
  };
  return { props, ...render(h(RunsTable, props)) };
}

describe('pinned columns', () => {
  it('keeps pinned columns in the sticky part while the rest scroll away', () => {
    const onTogglePin = vi.fn();
    const { container } = table({ pinned: new Set(['metric:m150']), onTogglePin });
    const grid = screen.getByRole('grid');
    const pinnedHeader = container.querySelector('.rt-header .rt-pinned [data-column-id="metric:m150"]');
    expect(pinnedHeader).not.toBeNull();
    expect(screen.getByText('run1/m150').closest('.rt-pinned')).not.toBeNull();
    act(() => {
      grid.scrollLeft = 120 * 100;
      fireEvent.scroll(grid);
    });
    expect(screen.queryByText('run1/m0')).toBeNull();
    expect(screen.getByText('run1/m150').closest('.rt-pinned')).not.toBeNull();
    expect(screen.getByText('run1/m121')).toBeTruthy();
    // The pinned column is not drawn a second time among the scrolling ones.
    expect(screen.getAllByText('run1/m150')).toHaveLength(1);
    fireEvent.click(screen.getByRole('button', { name: 'Unpin column m150' }));
    expect(onTogglePin).toHaveBeenCalledWith('metric:m150');
    fireEvent.click(screen.getByRole('button', { name: 'Pin column m121' }));
    expect(onTogglePin).toHaveBeenCalledWith('metric:m121');
  });

  it('reads and toggles pin= in the URL, showing a hidden column it pins', () => {
    expect([...pinnedOf('metric:a,param:b')]).toEqual(['metric:a', 'param:b']);
    expect(pinnedOf(null).size).toBe(0);
    expect(pinChanges(new Set(['metric:a']), ['metric:a'], 'metric:a')).toEqual({ pin: null });
    expect(pinChanges(new Set(), ['metric:a'], 'metric:a')).toEqual({ pin: 'metric:a' });
    expect(pinChanges(new Set(['metric:a']), ['metric:a'], 'tag:t')).toEqual({
      pin: 'metric:a,tag:t',
      cols: 'metric:a,tag:t',
    });
  });
});

describe('sorting keeps its column in view', () => {
  it('computes the scroll that shows a column', () => {
    const offsets = offsetsOf([100, 100, 100, 100, 100]);
    expect(scrollToShow(offsets, 1, 0, 250)).toBe(0);
    expect(scrollToShow(offsets, 4, 0, 250)).toBe(250);
    expect(scrollToShow(offsets, 0, 300, 250)).toBe(0);
    expect(scrollToShow(offsets, 2, 0, 50)).toBe(200);
  });

  it('scrolls the sorted column into view when the table mounts or the sort changes, and marks it', () => {
    const { rerender, props } = table({ sort: { key: 'metrics.`m150`', descending: true } });
    const grid = screen.getByRole('grid');
    // 1000 px wide, 276 px of checkbox and name pinned: m150 (15,000…15,100) ends at the right edge.
    expect(grid.scrollLeft).toBe(15_100 - (1000 - 276));
    const header = screen.getAllByRole('columnheader').find((c) => c.getAttribute('aria-sort'));
    expect(header?.textContent).toContain('m150 ↓');
    expect(header?.getAttribute('aria-sort')).toBe('descending');
    rerender(h(RunsTable, { ...props, sort: { key: 'metrics.`m3`', descending: false } }));
    expect(grid.scrollLeft).toBe(300);
    expect(screen.getByRole('button', { name: /^m3 ↑/ })).toBeTruthy();
  });
});

describe('chart view hooks', () => {
  it('reports the hovered run and draws its colour before the name', () => {
    const onHoverRun = vi.fn();
    const { container } = table({ onHoverRun, colorOf: (id) => (id === 'run1' ? 'rgb(255, 0, 0)' : 'blue') });
    const row = container.querySelector('[data-run-id="run1"]')!;
    fireEvent.mouseEnter(row);
    expect(onHoverRun).toHaveBeenLastCalledWith('run1');
    fireEvent.mouseLeave(row);
    expect(onHoverRun).toHaveBeenLastCalledWith(null);
    const swatch = row.querySelector('.rt-swatch') as HTMLElement;
    expect(swatch.style.background).toContain('rgb(255, 0, 0)');
  });
});
