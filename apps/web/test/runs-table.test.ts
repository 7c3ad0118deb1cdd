// @vitest-environment happy-dom

import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createElement as h } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Column, type RunRow, RunsTable } from '../src/components/runs-table.js';
import { buildRows } from '../src/lib/run-tree.js';
import { offsetsOf, visibleColumns, visibleRange } from '../src/lib/virtual.js';
import { tableRun } from './run-fixture.js';

afterEach(cleanup);

function columns(n: number): Column[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `metric:m${i}`,
    label: `m${i}`,
    group: 'Metrics',
    width: 100,
    sortKey: `metrics.\`m${i}\``,
    render: (r: RunRow) => `${r.run.info.run_id}/m${i}`,
  }));
}

function table(rows: RunRow[], cols: Column[], extra: Partial<Parameters<typeof RunsTable>[0]> = {}) {
  const props = {
    rows,
    columns: cols,
    renderName: (r: RunRow) => h('span', { className: 'name' }, r.run.info.run_name),
    selected: new Set<string>(),
    onToggleSelect: vi.fn(),
    onOpen: vi.fn(),
    fallbackSize: { width: 1000, height: 644 },
    ...extra,
  };
  render(h(RunsTable, props));
  return props;
}

describe('windowing math', () => {
  it('finds the visible rows and columns', () => {
    expect(visibleRange(0, 320, 32, 10_000, 0)).toEqual([0, 10]);
    expect(visibleRange(3200, 320, 32, 10_000, 2)).toEqual([98, 112]);
    expect(visibleRange(0, 320, 32, 0)).toEqual([0, 0]);
    const offsets = offsetsOf([100, 50, 200, 100]);
    expect(offsets).toEqual([0, 100, 150, 350, 450]);
    expect(visibleColumns(offsets, 120, 100, 0)).toEqual([1, 3]);
    expect(visibleColumns(offsets, 0, 10_000, 0)).toEqual([0, 4]);
  });
});

describe('RunsTable', () => {
  it('renders only the rows and columns on screen for 10,000 runs by 1,000 columns', () => {
    const rows = buildRows(
      Array.from({ length: 10_000 }, (_, i) => tableRun(i)),
      new Set(),
    );
    table(rows, columns(1000));
    const grid = screen.getByRole('grid');
    expect(grid.getAttribute('aria-rowcount')).toBe('10001');
    const rendered = screen.getAllByRole('row').length - 1;
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(40);
    expect(screen.getAllByRole('columnheader').length).toBeLessThan(20);
    expect(screen.getByText('run0/m0')).toBeTruthy();
    expect(screen.queryByText('run5000/m500')).toBeNull();

    // Scrolling brings other rows and columns in and drops the first ones.
    act(() => {
      grid.scrollTop = 5000 * 32;
      grid.scrollLeft = 500 * 100;
      fireEvent.scroll(grid);
    });
    expect(screen.getByText('run5000/m500')).toBeTruthy();
    expect(screen.queryByText('run0/m0')).toBeNull();
    expect(screen.getAllByRole('row').length - 1).toBeLessThan(40);
  });

  it('asks for the next page when the end comes into view', () => {
    const onEndReached = vi.fn();
    const rows = buildRows(
      Array.from({ length: 100 }, (_, i) => tableRun(i)),
      new Set(),
    );
    table(rows, columns(3), { onEndReached });
    expect(onEndReached).not.toHaveBeenCalled();
    const grid = screen.getByRole('grid');
    act(() => {
      grid.scrollTop = 90 * 32;
      fireEvent.scroll(grid);
    });
    expect(onEndReached).toHaveBeenCalled();
  });

  it('sorts by a header click and marks the sorted column', () => {
    const onSort = vi.fn();
    table(buildRows([tableRun(1)], new Set()), columns(3), {
      onSort,
      sort: { key: 'metrics.`m1`', descending: true },
    });
    fireEvent.click(screen.getByRole('button', { name: /^m2/ }));
    expect(onSort).toHaveBeenCalledWith('metrics.`m2`');
    const sorted = screen.getAllByRole('columnheader').find((h) => h.getAttribute('aria-sort'));
    expect(sorted?.textContent).toContain('m1 ↓');
    expect(sorted?.getAttribute('aria-sort')).toBe('descending');
  });

  it('moves with the arrow keys, opens with Enter and selects with Space', () => {
    const props = table(buildRows([tableRun(1), tableRun(2), tableRun(3)], new Set()), columns(2));
    const grid = screen.getByRole('grid');
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    fireEvent.keyDown(grid, { key: 'ArrowUp' });
    expect(grid.getAttribute('aria-activedescendant')).toBe('run-row-1');
    fireEvent.keyDown(grid, { key: 'Enter' });
    expect(props.onOpen).toHaveBeenCalledWith('run2');
    fireEvent.keyDown(grid, { key: ' ' });
    expect(props.onToggleSelect).toHaveBeenCalledWith('run2');
    fireEvent.keyDown(grid, { key: 'End' });
    expect(grid.getAttribute('aria-activedescendant')).toBe('run-row-2');
  });

  it('groups child runs under their parent and expands them', () => {
    const runs = [tableRun(1), tableRun(2, 'run1'), tableRun(3, 'run1'), tableRun(4, 'missing-parent')];
    const collapsed = buildRows(runs, new Set());
    expect(collapsed.map((r) => r.run.info.run_id)).toEqual(['run1', 'run4']);
    expect(collapsed[0]).toMatchObject({ childCount: 2, expanded: false });
    const open = buildRows(runs, new Set(['run1']));
    expect(open.map((r) => [r.run.info.run_id, r.depth])).toEqual([
      ['run1', 0],
      ['run2', 1],
      ['run3', 1],
      ['run4', 0],
    ]);
    const onToggleExpand = vi.fn();
    table(collapsed, columns(1), { onToggleExpand });
    fireEvent.click(screen.getByRole('button', { name: 'Expand child runs' }));
    expect(onToggleExpand).toHaveBeenCalledWith('run1');
    fireEvent.keyDown(screen.getByRole('grid'), { key: 'ArrowRight' });
    expect(onToggleExpand).toHaveBeenCalledTimes(2);
  });
});
