import { type DragEvent, useMemo, useRef, useState } from 'react';
import type { Run } from '../api/types.js';
import { type ChartViewSettings, groupId, MetricChartBody } from '../components/chart-metric.js';
import { type Dot, ScatterChart } from '../components/chart-scatter.js';
import { ChartControls, chartSettings } from '../components/metric-panel.js';
import { ParallelCoordinates } from '../components/parallel-coordinates.js';
import { Empty } from '../components/states.js';
import {
  type ChartKind,
  type ChartSpec,
  chartId,
  decodeCharts,
  encodeCharts,
  moveChart,
} from '../lib/chart-spec.js';
import { groupChoices, groupRuns, groupValue } from '../lib/grouping.js';
import { numericValue } from '../lib/parallel-coords.js';
import { hrefWith, type Location, navigate } from '../lib/router.js';
import { groupColor, runColor } from '../lib/run-colors.js';
import { useInView } from '../lib/use-in-view.js';
import './chart-view.css';

/** Props of the chart view. */
export interface ChartViewProps {
  /** The runs charted: the ticked ones, or every run the current filter has loaded. */
  runs: readonly Run[];
  /** Says which runs those are ("3 selected runs", "all 100 loaded runs"). */
  scope: string;
  location: Location;
}

/** The metric keys and param keys the runs have, sorted. */
function keysOf(runs: readonly Run[]): { metrics: string[]; params: string[] } {
  const metrics = new Set<string>();
  const params = new Set<string>();
  for (const r of runs) {
    for (const m of r.data.metrics ?? []) metrics.add(m.key);
    for (const p of r.data.params ?? []) params.add(p.key);
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { metrics: sorted(metrics), params: sorted(params) };
}

/** The charts shown when the URL names none: one per metric (bars where a metric was logged once). */
export function defaultCharts(metrics: readonly string[]): ChartSpec[] {
  return metrics.map((metric) => ({ kind: 'line', metric }));
}

function titleOf(spec: ChartSpec): string {
  switch (spec.kind) {
    case 'line':
    case 'bar':
      return spec.metric;
    case 'scatter':
      return `${spec.y} vs ${spec.x}`;
    case 'parallel':
      return `Parallel coordinates (${spec.axes.length} axes)`;
  }
}

/**
 * The experiment chart view, as MLflow's: a chart per metric over the visible runs (line charts of the
 * server-sampled histories, bars for single values), scatter and parallel-coordinate charts, all added,
 * removed and reordered (buttons or drag) and kept in the URL (`charts`, `x`, `log`, `smooth`, `group`).
 * Runs keep their colours everywhere; grouping draws a mean line and min–max band per group.
 */
export function ChartView({ runs, scope, location }: ChartViewProps) {
  const keys = useMemo(() => keysOf(runs), [runs]);
  const chartsParam = location.query.get('charts');
  const specs = useMemo(
    () => (chartsParam === null ? defaultCharts(keys.metrics) : decodeCharts(chartsParam)),
    [chartsParam, keys.metrics],
  );
  const groupBy = location.query.get('group') || undefined;
  const { xMode, logY, smoothing } = chartSettings(location);
  const groups = useMemo(() => (groupBy ? groupRuns(runs, groupBy) : undefined), [runs, groupBy]);
  const settings = useMemo<ChartViewSettings>(
    () => ({ xMode, logY, smoothing, groupBy, groups }),
    [xMode, logY, smoothing, groupBy, groups],
  );
  const labels = useMemo(
    () => Object.fromEntries(runs.map((r) => [r.info.run_id, r.info.run_name || r.info.run_id])),
    [runs],
  );
  const choices = useMemo(() => groupChoices(runs), [runs]);
  const [dragged, setDragged] = useState<number | null>(null);

  const save = (next: ChartSpec[]) =>
    navigate(hrefWith(location, { charts: encodeCharts(next) || '-' }), { replace: true });
  const axisChoices = [...keys.metrics.map((k) => `metric:${k}`), ...keys.params.map((k) => `param:${k}`)];

  const onDrop = (to: number) => (e: DragEvent) => {
    e.preventDefault();
    if (dragged !== null && dragged !== to) save(moveChart(specs, dragged, to - dragged));
    setDragged(null);
  };

  return (
    <div className="chart-view" data-scope={scope}>
      <div className="chart-view-bar">
        <span className="muted chart-scope">Charting {scope}</span>
        <ChartControls location={location} />
        <label>
          Group by{' '}
          <select
            aria-label="Group by"
            value={groupBy ?? ''}
            onChange={(e) =>
              navigate(hrefWith(location, { group: e.target.value || null }), { replace: true })
            }
          >
            <option value="">(no grouping)</option>
            {choices.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <AddChart metrics={keys.metrics} axes={axisChoices} onAdd={(spec) => save([...specs, spec])} />
      </div>
      {runs.length === 0 ? <Empty>No runs to chart.</Empty> : null}
      {specs.length === 0 && runs.length > 0 ? <Empty>No charts. Add one above.</Empty> : null}
      <div className="chart-cards">
        {specs.map((spec, i) => (
          <section
            key={`${chartId(spec)}#${specs.slice(0, i).filter((o) => chartId(o) === chartId(spec)).length}`}
            className={dragged === i ? 'chart-card dragging' : 'chart-card'}
            data-chart={chartId(spec)}
            aria-label={titleOf(spec)}
            draggable
            onDragStart={() => setDragged(i)}
            onDragOver={(e) => e.preventDefault()}
            onDrop={onDrop(i)}
            onDragEnd={() => setDragged(null)}
          >
            <header className="chart-card-head">
              <h3 title={titleOf(spec)}>{titleOf(spec)}</h3>
              <button
                type="button"
                aria-label={`Move ${titleOf(spec)} up`}
                disabled={i === 0}
                onClick={() => save(moveChart(specs, i, -1))}
              >
                ↑
              </button>
              <button
                type="button"
                aria-label={`Move ${titleOf(spec)} down`}
                disabled={i === specs.length - 1}
                onClick={() => save(moveChart(specs, i, 1))}
              >
                ↓
              </button>
              <button
                type="button"
                aria-label={`Remove ${titleOf(spec)}`}
                onClick={() => save(specs.filter((_, j) => j !== i))}
              >
                ✕
              </button>
            </header>
            {spec.kind === 'line' || spec.kind === 'bar' ? (
              <LazyMetricChart
                metric={spec.metric}
                kind={spec.kind}
                runs={runs}
                labels={labels}
                settings={settings}
              />
            ) : spec.kind === 'scatter' ? (
              <ScatterChart
                dots={runs.flatMap((r): Dot[] => {
                  const [x, y] = [numericValue(r, spec.x), numericValue(r, spec.y)];
                  if (x === undefined || y === undefined) return [];
                  const g = groupBy ? groupValue(r, groupBy) : undefined;
                  return [
                    {
                      id: g === undefined ? r.info.run_id : groupId(g),
                      label: labels[r.info.run_id] ?? r.info.run_id,
                      color: g === undefined ? runColor(r.info.run_id) : groupColor(groupBy!, g),
                      x,
                      y,
                    },
                  ];
                })}
                x={spec.x}
                y={spec.y}
              />
            ) : spec.kind === 'parallel' ? (
              <ParallelCoordinates runs={runs} choices={spec.axes} labels={labels} />
            ) : null}
          </section>
        ))}
      </div>
    </div>
  );
}

/** A metric chart that asks for its histories once it comes near the viewport. */
function LazyMetricChart(props: Parameters<typeof MetricChartBody>[0]) {
  const ref = useRef<HTMLDivElement>(null);
  const inView = useInView(ref);
  return (
    <div ref={ref} className="chart-slot" data-in-view={inView}>
      {inView ? <MetricChartBody {...props} /> : null}
    </div>
  );
}

/** The "Add chart" control: a kind and its keys. */
function AddChart(props: { metrics: string[]; axes: string[]; onAdd: (spec: ChartSpec) => void }) {
  const [kind, setKind] = useState<ChartKind>('line');
  const [metric, setMetric] = useState('');
  const [x, setX] = useState('');
  const [y, setY] = useState('');
  const m = metric || props.metrics[0] || '';
  const sx = x || props.axes[0] || '';
  const sy = y || props.axes.find((a) => a.startsWith('metric:')) || '';
  const add = () => {
    if (kind === 'line' || kind === 'bar') {
      if (m) props.onAdd({ kind, metric: m });
    } else if (kind === 'scatter') {
      if (sx && sy) props.onAdd({ kind, x: sx, y: sy });
    } else if (props.axes.length > 0) props.onAdd({ kind, axes: props.axes.slice(0, 8) });
  };
  return (
    <span className="add-chart">
      <select aria-label="Chart type" value={kind} onChange={(e) => setKind(e.target.value as ChartKind)}>
        <option value="line">Line</option>
        <option value="bar">Bar</option>
        <option value="scatter">Scatter</option>
        <option value="parallel">Parallel coordinates</option>
      </select>
      {kind === 'line' || kind === 'bar' ? (
        <select aria-label="Chart metric" value={m} onChange={(e) => setMetric(e.target.value)}>
          {props.metrics.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
      ) : null}
      {kind === 'scatter' ? (
        <>
          <select aria-label="Scatter x" value={sx} onChange={(e) => setX(e.target.value)}>
            {props.axes.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
          <select aria-label="Scatter y" value={sy} onChange={(e) => setY(e.target.value)}>
            {props.axes.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </>
      ) : null}
      <button type="button" onClick={add}>
        Add chart
      </button>
    </span>
  );
}

/** The Table | Charts | Both switch of the runs view (`view=charts` / `view=both` in the URL). */
export function ViewToggle({ location }: { location: Location }) {
  const view = location.query.get('view') ?? 'table';
  const set = (next: string) => navigate(hrefWith(location, { view: next === 'table' ? null : next }));
  return (
    <fieldset className="view-toggle" aria-label="View">
      {['table', 'charts', 'both'].map((v) => (
        <button key={v} type="button" aria-pressed={view === v} onClick={() => set(v)}>
          {v === 'table' ? 'Table' : v === 'charts' ? 'Charts' : 'Both'}
        </button>
      ))}
    </fieldset>
  );
}

/**
 * The chart view inside the runs view: the ticked runs when any are ticked, else every run the filter has
 * loaded so far (with a button for the next page).
 */
export function RunsChartView(props: {
  runs: readonly Run[];
  selected: ReadonlySet<string>;
  location: Location;
  onLoadMore?: () => void;
}) {
  const { runs: all, selected, location, onLoadMore } = props;
  const runs = useMemo(
    () => (selected.size > 0 ? all.filter((r) => selected.has(r.info.run_id)) : all),
    [all, selected],
  );
  const scope =
    selected.size > 0
      ? `the ${runs.length} selected run${runs.length === 1 ? '' : 's'}`
      : `all ${runs.length} loaded run${runs.length === 1 ? '' : 's'}`;
  return (
    <>
      <ChartView runs={runs} scope={scope} location={location} />
      {selected.size === 0 && onLoadMore ? (
        <button type="button" className="chart-load-more" onClick={onLoadMore}>
          Load more runs
        </button>
      ) : null}
    </>
  );
}
