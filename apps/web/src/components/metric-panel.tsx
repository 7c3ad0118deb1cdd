import { useMemo, useState } from 'react';
import { sampledHistory } from '../api/endpoints.js';
import { seriesFromHistory, type XMode } from '../lib/chart-data.js';
import { hrefWith, type Location, navigate } from '../lib/router.js';
import { useAsync } from '../lib/use-async.js';
import { MetricChart } from './metric-chart.js';
import { ErrorBox, Loading } from './states.js';

/** Chart settings kept in the URL: `x` (step, time, relative), `log` (1) and `smooth` (0…0.99). */
export function chartSettings(location: Location): { xMode: XMode; logY: boolean; smoothing: number } {
  const x = location.query.get('x');
  const smoothing = Number(location.query.get('smooth') ?? 0);
  return {
    xMode: x === 'time' || x === 'relative' ? x : 'step',
    logY: location.query.get('log') === '1',
    smoothing: Number.isFinite(smoothing) ? Math.min(0.99, Math.max(0, smoothing)) : 0,
  };
}

/** The x axis, log scale and smoothing controls. */
export function ChartControls({ location }: { location: Location }) {
  const s = chartSettings(location);
  const set = (changes: Record<string, string | null>) =>
    navigate(hrefWith(location, changes), { replace: true });
  return (
    <div className="chart-controls">
      <label>
        X axis{' '}
        <select
          value={s.xMode}
          onChange={(e) => set({ x: e.target.value === 'step' ? null : e.target.value })}
        >
          <option value="step">Step</option>
          <option value="time">Time (wall)</option>
          <option value="relative">Time (relative)</option>
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          checked={s.logY}
          onChange={(e) => set({ log: e.target.checked ? '1' : null })}
        />{' '}
        Log scale
      </label>
      <label>
        Smoothing{' '}
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={s.smoothing}
          aria-label="Smoothing"
          onChange={(e) => set({ smooth: e.target.value === '0' ? null : e.target.value })}
        />{' '}
        {s.smoothing.toFixed(2)}
      </label>
    </div>
  );
}

/** One metric of some runs, sampled by the server (`get-history-bulk-interval`) and charted. */
export function RunsMetricChart(props: {
  metricKey: string;
  runIds: string[];
  labels: Record<string, string>;
  location: Location;
}) {
  const { metricKey, runIds, labels } = props;
  const settings = chartSettings(props.location);
  const history = useAsync(
    (signal) => sampledHistory(runIds, metricKey, 320, signal),
    [metricKey, runIds.join(',')],
  );
  const series = useMemo(
    () => (history.data ? seriesFromHistory(history.data, runIds, labels, settings.xMode) : []),
    [history.data, runIds, labels, settings.xMode],
  );
  if (history.error) return <ErrorBox error={history.error} />;
  if (!history.data) return <Loading what={`Loading ${metricKey}`} />;
  return (
    <MetricChart
      title={metricKey}
      series={series}
      xMode={settings.xMode}
      logY={settings.logY}
      smoothing={settings.smoothing}
    />
  );
}

/** A grid of charts, one per metric key; the first 24 at once, the rest on request. */
export function MetricGrid(props: {
  keys: string[];
  runIds: string[];
  labels: Record<string, string>;
  location: Location;
}) {
  const [all, setAll] = useState(false);
  const keys = all ? props.keys : props.keys.slice(0, 24);
  return (
    <>
      <ChartControls location={props.location} />
      <div className="chart-grid">
        {keys.map((key) => (
          <RunsMetricChart
            key={key}
            metricKey={key}
            runIds={props.runIds}
            labels={props.labels}
            location={props.location}
          />
        ))}
      </div>
      {!all && props.keys.length > keys.length ? (
        <button type="button" onClick={() => setAll(true)}>
          Show all {props.keys.length} charts
        </button>
      ) : null}
    </>
  );
}
