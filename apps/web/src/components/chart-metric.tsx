import { useMemo } from 'react';
import type { MetricWithRunId, Run } from '../api/types.js';
import { type Series, seriesFromHistory, type XMode } from '../lib/chart-data.js';
import { bulkHistory } from '../lib/chart-history.js';
import { chartKindFor } from '../lib/chart-spec.js';
import { aggregate, type RunGroup } from '../lib/grouping.js';
import { groupColor, runColor } from '../lib/run-colors.js';
import { useAsync } from '../lib/use-async.js';
import { type Bar, BarChart } from './chart-bar.js';
import { ChartLegend, type LegendItem } from './chart-legend.js';
import { type ChartLine, LineChart } from './chart-line.js';
import { ErrorBox, Loading } from './states.js';

/** The chart view's settings every metric chart follows. */
export interface ChartViewSettings {
  xMode: XMode;
  logY: boolean;
  smoothing: number;
  /** The grouping key (`params.lr`), or undefined for one line per run. */
  groupBy?: string;
  groups?: RunGroup[];
}

/** Points per run asked of the server: fewer when there are many runs, so a chart stays ~10,000 points. */
export function pointsPerRun(runs: number): number {
  return Math.max(50, Math.min(320, Math.floor(10_000 / Math.max(1, runs))));
}

/** A group's line id (what hovering it highlights). */
export const groupId = (value: string): string => `group:${value}`;

/** The lines (one per run, or a mean and band per group) of a sampled history. */
export function linesOf(
  series: readonly Series[],
  runIds: readonly string[],
  s: ChartViewSettings,
): ChartLine[] {
  if (!s.groupBy || !s.groups) {
    return series.map((x, i) => ({
      id: runIds[i]!,
      label: x.label,
      color: runColor(runIds[i]!),
      xs: x.xs,
      ys: x.ys,
    }));
  }
  const byRun = new Map(runIds.map((id, i) => [id, series[i]!]));
  return s.groups.map((g) => {
    const agg = aggregate(g.runIds.map((id) => byRun.get(id)).filter((x) => x !== undefined));
    return {
      id: groupId(g.value),
      label: `${g.value} (${g.runIds.length})`,
      color: groupColor(s.groupBy!, g.value),
      xs: agg.xs,
      ys: agg.mean,
      band: { min: agg.min, max: agg.max },
    };
  });
}

/** Bars of one value per run (the latest), or per group (mean, min, max of its runs' values). */
export function barsOf(
  values: ReadonlyMap<string, number>,
  labels: Readonly<Record<string, string>>,
  runIds: readonly string[],
  s: ChartViewSettings,
): Bar[] {
  if (!s.groupBy || !s.groups) {
    return runIds
      .filter((id) => values.has(id))
      .map((id) => ({ id, label: labels[id] ?? id, color: runColor(id), value: values.get(id)! }));
  }
  return s.groups.flatMap((g) => {
    const vs = g.runIds.map((id) => values.get(id)).filter((v) => v !== undefined);
    if (vs.length === 0) return [];
    return [
      {
        id: groupId(g.value),
        label: `${g.value} (${g.runIds.length})`,
        color: groupColor(s.groupBy!, g.value),
        value: vs.reduce((a, b) => a + b, 0) / vs.length,
        min: Math.min(...vs),
        max: Math.max(...vs),
      },
    ];
  });
}

/** The latest value of a metric per run, from the runs' own data (no history needed). */
export function latestValues(runs: readonly Run[], metric: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of runs) {
    const v = r.data.metrics?.find((m) => m.key === metric)?.value;
    if (typeof v === 'number' && Number.isFinite(v)) out.set(r.info.run_id, v);
  }
  return out;
}

function lastOfHistory(points: readonly MetricWithRunId[]): Map<string, number> {
  const out = new Map<string, { step: number; value: number }>();
  for (const p of points) {
    if (p.run_id === undefined || typeof p.value !== 'number') continue;
    const step = p.step ?? 0;
    const had = out.get(p.run_id);
    if (!had || step >= had.step) out.set(p.run_id, { step, value: p.value });
  }
  return new Map([...out].map(([k, v]) => [k, v.value]));
}

const legendOf = (items: readonly { id: string; label: string; color: string }[]): LegendItem[] =>
  items.map(({ id, label, color }) => ({ id, label, color }));

/**
 * One metric of the visible runs: a line chart of its sampled histories (batched `get-history-bulk-interval`),
 * or bars when every run logged it once (or the chart is a bar chart), with the collapsing legend.
 */
export function MetricChartBody(props: {
  metric: string;
  kind: 'line' | 'bar';
  runs: readonly Run[];
  labels: Readonly<Record<string, string>>;
  settings: ChartViewSettings;
}) {
  const { metric, kind, runs, labels, settings } = props;
  const runIds = useMemo(() => runs.map((r) => r.info.run_id), [runs]);
  const history = useAsync(
    async () => (kind === 'bar' ? [] : bulkHistory(runIds, metric, pointsPerRun(runIds.length))),
    [metric, kind, runIds.join(',')],
  );
  const series = useMemo(
    () => (history.data ? seriesFromHistory(history.data, runIds, labels, settings.xMode) : []),
    [history.data, runIds, labels, settings.xMode],
  );
  const asBars =
    kind === 'bar' || (history.data !== undefined && chartKindFor(series.map((s) => s.xs.length)) === 'bar');
  const lines = useMemo(
    () => (asBars ? [] : linesOf(series, runIds, settings)),
    [asBars, series, runIds, settings],
  );
  const bars = useMemo(
    () =>
      asBars
        ? barsOf(
            kind === 'bar' ? latestValues(runs, metric) : lastOfHistory(history.data ?? []),
            labels,
            runIds,
            settings,
          )
        : [],
    [asBars, kind, runs, metric, history.data, labels, runIds, settings],
  );
  if (history.error) return <ErrorBox error={history.error} />;
  if (!history.data) return <Loading what={`Loading ${metric}`} />;
  if (asBars) {
    return (
      <div className="chart-body" data-kind="bar">
        <ChartLegend items={legendOf(bars)} />
        <BarChart bars={bars} logY={settings.logY} />
      </div>
    );
  }
  return (
    <div className="chart-body" data-kind="line">
      <ChartLegend items={legendOf(lines)} />
      <LineChart
        title={metric}
        lines={lines}
        xMode={settings.xMode}
        logY={settings.logY}
        smoothing={settings.smoothing}
      />
    </div>
  );
}
