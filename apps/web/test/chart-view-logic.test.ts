import { describe, expect, it } from 'vitest';
import type { Run } from '../src/api/types.js';
import { lineChartSetup } from '../src/components/chart-line.js';
import { barsOf, groupId, linesOf, pointsPerRun } from '../src/components/chart-metric.js';
import { smooth } from '../src/lib/chart-data.js';
import { chunks, RUNS_PER_CALL } from '../src/lib/chart-history.js';
import {
  type ChartSpec,
  chartKindFor,
  decodeCharts,
  encodeCharts,
  moveChart,
} from '../src/lib/chart-spec.js';
import { aggregate, groupChoices, groupRuns, groupValue, NONE } from '../src/lib/grouping.js';
import { groupColor, RUN_PALETTE, runColor } from '../src/lib/run-colors.js';

function run(id: string, params: Record<string, string>, tags: Record<string, string> = {}): Run {
  return {
    info: { run_id: id, run_uuid: id, experiment_id: '1', status: 'FINISHED', lifecycle_stage: 'active' },
    data: {
      params: Object.entries(params).map(([key, value]) => ({ key, value })),
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      metrics: [],
    },
    inputs: {},
  } as unknown as Run;
}

describe('chart spec URL encoding', () => {
  const specs: ChartSpec[] = [
    { kind: 'line', metric: 'loss' },
    { kind: 'bar', metric: 'val.acc~top%5' },
    { kind: 'scatter', x: 'param:lr', y: 'metric:a.b' },
    { kind: 'parallel', axes: ['param:lr', 'metric:loss', 'metric:ünïcode/ключ'] },
  ];

  it('round-trips any key, separators and % included', () => {
    expect(decodeCharts(encodeCharts(specs))).toEqual(specs);
    // And through a URL's query string.
    const query = new URLSearchParams({ charts: encodeCharts(specs) });
    expect(decodeCharts(new URLSearchParams(query.toString()).get('charts')!)).toEqual(specs);
  });

  it('is compact for plain metric names', () => {
    expect(encodeCharts([specs[0]!, { kind: 'line', metric: 'acc' }])).toBe('lloss.lacc');
  });

  it('drops unknown kinds and malformed charts instead of failing', () => {
    expect(decodeCharts('lloss.zwhat.s onlyone.p.b')).toEqual([{ kind: 'line', metric: 'loss' }]);
    expect(decodeCharts('')).toEqual([]);
    expect(decodeCharts('-')).toEqual([]);
  });

  it('moves a chart up and down, clamped at the ends', () => {
    expect(moveChart(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moveChart(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(moveChart(['a', 'b', 'c'], 0, 5)).toEqual(['b', 'c', 'a']);
  });
});

describe('bar or line', () => {
  it('draws bars when every run has at most one value, lines otherwise', () => {
    expect(chartKindFor([1, 1, 0])).toBe('bar');
    expect(chartKindFor([1, 2, 1])).toBe('line');
    expect(chartKindFor([])).toBe('bar');
  });
});

describe('EMA smoothing', () => {
  it('follows the debiased exponential moving average', () => {
    // By hand: weight 0.5; 1 → 0.5/0.5 = 1; 3 → (0.25 + 1.5)/0.75 = 7/3; 5 → (0.875 + 2.5)/0.875 = 27/7.
    const out = smooth([1, 3, 5], 0.5);
    expect(out[0]).toBeCloseTo(1);
    expect(out[1]).toBeCloseTo(7 / 3);
    expect(out[2]).toBeCloseTo(27 / 7);
  });

  it('keeps gaps, leaves weight 0 alone and stays within the data', () => {
    expect(smooth([2, null, 4], 0.9)[1]).toBeNull();
    expect(smooth([2, 8, 4], 0)).toEqual([2, 8, 4]);
    const ys = Array.from({ length: 50 }, (_, i) => Math.sin(i) * 10);
    for (const v of smooth(ys, 0.95)) expect(Math.abs(v!)).toBeLessThanOrEqual(10);
  });
});

describe('run colours', () => {
  it('depend on the run id alone, not on order or the other runs', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `run${i}abc`);
    const first = ids.map(runColor);
    const reversed = [...ids].reverse().map(runColor).reverse();
    expect(reversed).toEqual(first);
    expect(runColor('0123456789abcdef')).toBe(runColor('0123456789abcdef'));
  });

  it('spread over the palette', () => {
    const ids = Array.from({ length: 500 }, (_, i) => i.toString(16).padStart(32, '0'));
    expect(new Set(ids.map(runColor)).size).toBe(RUN_PALETTE.length);
  });

  it('give groups colours from the key and the value', () => {
    expect(groupColor('params.lr', '0.1')).toBe(groupColor('params.lr', '0.1'));
    expect(RUN_PALETTE).toContain(groupColor('params.lr', '0.1'));
  });
});

describe('grouping', () => {
  const runs = [
    run('a', { lr: '0.1' }, { team: 'x' }),
    run('b', { lr: '0.01' }),
    run('c', { lr: '0.1' }, { 'mlflow.user': 'me' }),
    run('d', {}),
  ];

  it('groups by a param or tag, in order of first appearance, runs without it in (none)', () => {
    expect(groupRuns(runs, 'params.lr')).toEqual([
      { value: '0.1', runIds: ['a', 'c'] },
      { value: '0.01', runIds: ['b'] },
      { value: NONE, runIds: ['d'] },
    ]);
    expect(groupValue(runs[0]!, 'tags.team')).toBe('x');
    expect(groupChoices(runs)).toEqual(['params.lr', 'tags.team']);
  });

  it('aggregates mean, min and max at each x over the members that have a value there', () => {
    const series = Array.from({ length: 7 }, (_, k) => {
      const xs = Array.from({ length: 30 }, (_, i) => i * (1 + (k % 2))); // half the members every other step
      return {
        label: `r${k}`,
        xs,
        ys: xs.map((x) => (x === 10 && k === 3 ? null : Math.cos(x * (k + 1)) * k)),
      };
    });
    const agg = aggregate(series);
    // Computed independently: for each x, collect every member's values there.
    const byX = new Map<number, number[]>();
    for (const s of series) {
      for (let i = 0; i < s.xs.length; i++) {
        const y = s.ys[i];
        if (y === null || y === undefined) continue;
        byX.set(s.xs[i]!, [...(byX.get(s.xs[i]!) ?? []), y]);
      }
    }
    expect(agg.xs).toEqual([...byX.keys()].sort((a, b) => a - b));
    agg.xs.forEach((x, i) => {
      const vs = byX.get(x)!;
      expect(agg.mean[i]).toBeCloseTo(vs.reduce((a, b) => a + b, 0) / vs.length, 10);
      expect(agg.min[i]).toBe(Math.min(...vs));
      expect(agg.max[i]).toBe(Math.max(...vs));
    });
  });

  it('draws a mean line and band per group, with group colours and ids', () => {
    const series = [
      { label: 'a', xs: [0, 1], ys: [1, 3] },
      { label: 'b', xs: [0, 1], ys: [5, 7] },
      { label: 'c', xs: [0, 1], ys: [2, 2] },
    ];
    const groups = groupRuns(runs.slice(0, 3), 'params.lr');
    const settings = { xMode: 'step' as const, logY: false, smoothing: 0, groupBy: 'params.lr', groups };
    const lines = linesOf(series, ['a', 'b', 'c'], settings);
    expect(lines.map((l) => [l.id, l.label, l.ys, l.band])).toEqual([
      [groupId('0.1'), '0.1 (2)', [1.5, 2.5], { min: [1, 2], max: [2, 3] }],
      [groupId('0.01'), '0.01 (1)', [5, 7], { min: [5, 7], max: [5, 7] }],
    ]);
    expect(lines[0]!.color).toBe(groupColor('params.lr', '0.1'));
    const bars = barsOf(
      new Map([
        ['a', 1],
        ['b', 4],
        ['c', 3],
      ]),
      {},
      ['a', 'b', 'c'],
      settings,
    );
    expect(bars.map((b) => [b.id, b.value, b.min, b.max])).toEqual([
      [groupId('0.1'), 2, 1, 3],
      [groupId('0.01'), 4, 4, 4],
    ]);
    // Ungrouped: a line per run in the run's own colour.
    const plain = linesOf(series, ['a', 'b', 'c'], { ...settings, groupBy: undefined, groups: undefined });
    expect(plain.map((l) => l.color)).toEqual(['a', 'b', 'c'].map(runColor));
  });
});

describe('line chart setup', () => {
  it('adds band series for groups that never take the hover focus', () => {
    const { options, data, ids } = lineChartSetup(
      {
        title: 'loss',
        xMode: 'step',
        logY: false,
        smoothing: 0,
        lines: [
          { id: 'r1', label: 'r1', color: '#111111', xs: [0, 2], ys: [1, 2] },
          {
            id: 'group:x',
            label: 'x',
            color: '#222222',
            xs: [1, 2],
            ys: [3, 4],
            band: { min: [2, 3], max: [4, 5] },
          },
        ],
      },
      400,
      200,
    );
    expect(data[0]).toEqual([0, 1, 2]);
    expect(data[1]).toEqual([1, null, 2]);
    expect(data[2]).toEqual([null, 3, 4]);
    expect(ids).toEqual([null, 'r1', 'group:x', null, null]);
    expect(options.bands).toEqual([{ series: [3, 4], fill: '#22222233' }]);
    const dist = options.cursor!.focus!.dist!;
    expect(dist({} as never, 1, 0, 10, 4)).toBe(6);
    expect(dist({} as never, 3, 0, 10, 4)).toBe(Number.POSITIVE_INFINITY);
  });

  it('asks fewer points per run when there are many runs, and batches run ids by the server limit', () => {
    expect(pointsPerRun(1)).toBe(320);
    expect(pointsPerRun(100)).toBe(100);
    expect(pointsPerRun(10_000)).toBe(50);
    const batches = chunks(
      Array.from({ length: 250 }, (_, i) => `r${i}`),
      RUNS_PER_CALL,
    );
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
  });
});
