// @vitest-environment happy-dom

import { cleanup, render } from '@testing-library/react';
import { createElement as h } from 'react';
import type uPlot from 'uplot';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MetricChart, type PlotFactory } from '../src/components/metric-chart.js';
import { alignSeries, seriesFromHistory, smooth, type XMode } from '../src/lib/chart-data.js';
import { runColor } from '../src/lib/run-colors.js';

afterEach(cleanup);

/** The x and y range functions a chart gave uPlot, called as uPlot calls them. */
function ranges(options: uPlot.Options) {
  const u = {} as uPlot;
  const x = options.scales!.x!.range as uPlot.Range.Function;
  const y = options.scales!.y!.range as uPlot.Range.Function;
  return {
    x: (min: number, max: number) => x(u, min, max, 'x'),
    y: (min: number, max: number) => y(u, min, max, 'y'),
  };
}

/** A stand-in for uPlot that records what it was given and calls the draw hook. */
function recorder() {
  const calls: { options: uPlot.Options; data: uPlot.AlignedData }[] = [];
  const destroy = vi.fn();
  const factory: PlotFactory = (options, data) => {
    calls.push({ options, data });
    for (const hook of options.hooks?.draw ?? []) (hook as () => void)();
    return { destroy, setSize: vi.fn() };
  };
  return { calls, destroy, factory };
}

const points = [
  { run_id: 'a', key: 'loss', value: 4, step: 0, timestamp: 10_000 },
  { run_id: 'a', key: 'loss', value: 2, step: 1, timestamp: 11_000 },
  { run_id: 'a', key: 'loss', value: 0, step: 2, timestamp: 12_000 },
  { run_id: 'b', key: 'loss', value: 8, step: 1, timestamp: 20_000 },
  { run_id: 'b', key: 'loss', value: 'NaN', step: 3, timestamp: 21_000 },
];

describe('chart data', () => {
  it('splits sampled history per run with step, wall time or relative time on x', () => {
    const byStep = seriesFromHistory(points, ['a', 'b'], { a: 'alpha' }, 'step');
    expect(byStep).toEqual([
      { label: 'alpha', color: runColor('a'), xs: [0, 1, 2], ys: [4, 2, 0] },
      { label: 'b', color: runColor('b'), xs: [1, 3], ys: [8, null] },
    ]);
    expect(seriesFromHistory(points, ['a'], {}, 'time')[0]!.xs).toEqual([10, 11, 12]);
    expect(seriesFromHistory(points, ['b'], {}, 'relative')[0]!.xs).toEqual([0, 1]);
  });

  it('aligns series on one x array with gaps', () => {
    const aligned = alignSeries(seriesFromHistory(points, ['a', 'b'], {}, 'step'));
    expect(aligned).toEqual([
      [0, 1, 2, 3],
      [4, 2, 0, null],
      [null, 8, null, null],
    ]);
  });

  it('smooths with a debiased moving average and keeps gaps', () => {
    expect(smooth([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const s = smooth([10, null, 10, 20], 0.5);
    expect(s[0]).toBeCloseTo(10);
    expect(s[1]).toBeNull();
    expect(s[2]).toBeCloseTo(10);
    expect(s[3]!).toBeGreaterThan(10);
    expect(s[3]!).toBeLessThan(20);
  });
});

describe('MetricChart', () => {
  const series = seriesFromHistory(points, ['a', 'b'], { a: 'alpha', b: 'beta' }, 'step');

  it('draws the series and marks itself drawn', () => {
    const r = recorder();
    const { container } = render(
      h(MetricChart, { title: 'loss', series, xMode: 'step', factory: r.factory }),
    );
    expect(r.calls).toHaveLength(1);
    const { options, data } = r.calls[0]!;
    expect(data[0]).toEqual([0, 1, 2, 3]);
    expect(options.series.map((s) => s.label)).toEqual(['Step', 'alpha', 'beta']);
    expect(options.scales?.x?.time).toBe(false);
    expect(container.querySelector('.metric-chart-plot')?.getAttribute('data-drawn')).toBe('true');
    expect(container.querySelector('.metric-chart')?.getAttribute('data-points')).toBe('5');
  });

  it('uses a log y scale without non-positive values, a time x scale, and smoothing', () => {
    const r = recorder();
    render(
      h(MetricChart, {
        title: 'loss',
        series,
        xMode: 'time',
        logY: true,
        smoothing: 0.5,
        factory: r.factory,
      }),
    );
    const { options, data } = r.calls[0]!;
    expect(options.scales?.y?.distr).toBe(3);
    expect(options.scales?.x?.time).toBe(true);
    // Smoothed values of run a stay positive; beta's NaN and a's zero are gaps on a log axis.
    expect(data[1]![0]).toBeCloseTo(4);
    expect(data[1]![1]).not.toBe(2);
    expect(data[2]![3]).toBeNull();
  });

  it('redraws when settings change and cleans up on unmount', () => {
    const r = recorder();
    const { rerender, unmount } = render(
      h(MetricChart, { title: 'loss', series, xMode: 'step', factory: r.factory }),
    );
    rerender(h(MetricChart, { title: 'loss', series, xMode: 'step', logY: true, factory: r.factory }));
    expect(r.calls).toHaveLength(2);
    expect(r.destroy).toHaveBeenCalledTimes(1);
    unmount();
    expect(r.destroy).toHaveBeenCalledTimes(2);
  });

  it('ranges a single point, or points all at one x, around the point on every x mode and on y', () => {
    // What uPlot's own autoscaling hands the range function for one x: 0…100 for step 0, a whole day for a time.
    const cases: [XMode, number, [number, number], [number, number]][] = [
      ['step', 0, [0, 100], [-1, 1]],
      ['step', 7, [0, 14], [6, 8]],
      ['time', 1_700_000_000, [1_700_000_000, 1_700_086_400], [1_699_999_940, 1_700_000_060]],
      ['relative', 0, [0, 100], [-1, 1]],
    ];
    for (const [xMode, x, given, want] of cases) {
      const r = recorder();
      const single = [{ label: 'a', xs: [x], ys: [0.5] }];
      render(h(MetricChart, { title: 'acc', series: single, xMode, factory: r.factory }));
      const { options } = r.calls[0]!;
      expect(ranges(options).x(given[0], given[1])).toEqual(want);
      const [lo, hi] = ranges(options).y(0.5, 0.5);
      expect(lo).toBeCloseTo(0.45);
      expect(hi).toBeCloseTo(0.55);
      cleanup();
    }
    // Several runs with one point each at the same step share one x: still a range around it.
    const r = recorder();
    const same = [
      { label: 'a', xs: [3], ys: [0] },
      { label: 'b', xs: [3], ys: [0] },
    ];
    render(h(MetricChart, { title: 'acc', series: same, xMode: 'step', factory: r.factory }));
    const { options } = r.calls[0]!;
    expect(ranges(options).x(0, 6)).toEqual([2, 4]);
    // A flat zero gets a unit range, not uPlot's 0…100.
    expect(ranges(options).y(0, 0)).toEqual([-1, 1]);
  });

  it('leaves the ranges of spread-out data to uPlot', () => {
    const r = recorder();
    render(h(MetricChart, { title: 'loss', series, xMode: 'step', factory: r.factory }));
    const { options } = r.calls[0]!;
    expect(ranges(options).x(0, 3)).toEqual([0, 3]);
    const [lo, hi] = ranges(options).y(0, 8);
    expect(lo).toBeLessThanOrEqual(0);
    expect(hi).toBeGreaterThanOrEqual(8);
  });

  it('says when there is nothing to draw', () => {
    const r = recorder();
    const { getByText } = render(
      h(MetricChart, { title: 'acc', series: [], xMode: 'step', factory: r.factory }),
    );
    expect(getByText('No values for acc')).toBeTruthy();
  });
});
