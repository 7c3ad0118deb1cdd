import { useMemo, useState } from 'react';
import { getRun } from '../api/endpoints.js';
import type { Run } from '../api/types.js';
import { Link } from '../components/link.js';
import { MetricGrid } from '../components/metric-panel.js';
import { ParallelCoordinates } from '../components/parallel-coordinates.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { formatValue } from '../lib/format.js';
import { numericValue } from '../lib/parallel-coords.js';
import type { Location } from '../lib/router.js';
import { runColor } from '../lib/run-colors.js';
import { useAsync } from '../lib/use-async.js';

/** A row of the diff table: one param or metric across the compared runs. */
export interface DiffRow {
  kind: 'param' | 'metric';
  key: string;
  values: string[];
  differs: boolean;
}

/** The params/metrics diff of some runs: every key any run has, marked where the runs disagree. */
export function diffRows(runs: readonly Run[]): DiffRow[] {
  const rows: DiffRow[] = [];
  const keys = (pick: (r: Run) => { key: string }[] | undefined) =>
    [...new Set(runs.flatMap((r) => (pick(r) ?? []).map((x) => x.key)))].sort((a, b) => a.localeCompare(b));
  for (const key of keys((r) => r.data.params)) {
    const values = runs.map((r) => r.data.params?.find((p) => p.key === key)?.value ?? '');
    rows.push({ kind: 'param', key, values, differs: new Set(values).size > 1 });
  }
  for (const key of keys((r) => r.data.metrics)) {
    const values = runs.map((r) => formatValue(r.data.metrics?.find((m) => m.key === key)?.value));
    rows.push({ kind: 'metric', key, values, differs: new Set(values).size > 1 });
  }
  return rows;
}

/**
 * Compare runs: the diff table, overlaid metric charts, parallel coordinates of params and metrics, and a
 * scatter of a param or metric against a metric.
 */
export function ComparePage({ location }: { location: Location }) {
  const ids = (location.query.get('runs') ?? '').split(',').filter(Boolean);
  const from = location.query.get('experiments');
  const runs = useAsync(() => Promise.all(ids.map((id) => getRun(id))), [ids.join(',')]);
  const [onlyDiff, setOnlyDiff] = useState(false);
  const data = runs.data;
  const rows = useMemo(() => (data ? diffRows(data) : []), [data]);
  const labels = useMemo(
    () => Object.fromEntries((data ?? []).map((r) => [r.info.run_id, r.info.run_name || r.info.run_id])),
    [data],
  );
  const runIds = useMemo(() => (data ?? []).map((r) => r.info.run_id), [data]);
  if (ids.length < 2) return <Empty>Select two or more runs in the runs table to compare them.</Empty>;
  if (runs.error) return <ErrorBox error={runs.error} />;
  if (!data) return <Loading what="Loading runs" />;
  const metricKeys = rows.filter((r) => r.kind === 'metric').map((r) => r.key);
  return (
    <section className="compare-page" aria-label="Compare runs">
      {from ? (
        <nav className="crumbs">
          <Link href={`/experiments/${from}`}>Back to the runs</Link>
        </nav>
      ) : null}
      <header className="page-head">
        <h1>Comparing {data.length} runs</h1>
      </header>
      {data.length === 2 ? (
        <p>
          <Link
            href={`/experiments/${data[0]!.info.experiment_id}/runs/${runIds[0]}?tab=evaluation&compare=${runIds[1]}`}
          >
            Compare their evaluation results
          </Link>
        </p>
      ) : null}
      <h2>Parameters and metrics</h2>
      <label>
        <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} /> Only show
        differences
      </label>
      <div className="table-scroll">
        <table className="data-table diff-table">
          <thead>
            <tr>
              <th>Key</th>
              {data.map((r) => (
                <th key={r.info.run_id}>
                  <span className="swatch" style={{ background: runColor(r.info.run_id) }} />
                  <Link href={`/experiments/${r.info.experiment_id}/runs/${r.info.run_id}`}>
                    {labels[r.info.run_id]}
                  </Link>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows
              .filter((r) => !onlyDiff || r.differs)
              .map((r) => (
                <tr
                  key={`${r.kind}:${r.key}`}
                  className={r.differs ? 'differs' : ''}
                  data-differs={r.differs}
                >
                  <th scope="row">
                    <span className="muted">{r.kind === 'param' ? 'param' : 'metric'}</span> {r.key}
                  </th>
                  {r.values.map((v, i) => (
                    <td key={runIds[i]}>{v}</td>
                  ))}
                </tr>
              ))}
          </tbody>
        </table>
      </div>
      <h2>Metrics</h2>
      {metricKeys.length === 0 ? <Empty>These runs logged no metrics.</Empty> : null}
      {metricKeys.length > 0 ? (
        <MetricGrid keys={metricKeys} runIds={runIds} labels={labels} location={location} />
      ) : null}
      <h2>Parallel coordinates</h2>
      <ParallelCoordinates runs={data} choices={rows.map((r) => `${r.kind}:${r.key}`)} labels={labels} />
      <h2>Scatter</h2>
      <Scatter runs={data} rows={rows} labels={labels} />
    </section>
  );
}

/** A scatter of one param or metric (x) against a metric (y), one dot per run. */
function Scatter({ runs, rows, labels }: { runs: Run[]; rows: DiffRow[]; labels: Record<string, string> }) {
  const options = rows.map((r) => `${r.kind}:${r.key}`);
  const metricOptions = rows.filter((r) => r.kind === 'metric').map((r) => `metric:${r.key}`);
  const [x, setX] = useState(options[0] ?? '');
  const [y, setY] = useState(metricOptions[0] ?? '');
  if (metricOptions.length === 0) return <Empty>A scatter needs a metric.</Empty>;
  const points = runs
    .map((r, i) => ({ run: r, i, x: numericValue(r, x), y: numericValue(r, y) }))
    .filter(
      (p): p is { run: Run; i: number; x: number; y: number } => p.x !== undefined && p.y !== undefined,
    );
  const [w, h, pad] = [560, 320, 40];
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const scale = (v: number, lo: number, hi: number, a: number, b: number) =>
    hi === lo ? (a + b) / 2 : a + ((v - lo) / (hi - lo)) * (b - a);
  const [xLo, xHi, yLo, yHi] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  return (
    <div className="scatter">
      <label>
        X{' '}
        <select value={x} onChange={(e) => setX(e.target.value)} aria-label="Scatter x">
          {options.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      </label>{' '}
      <label>
        Y{' '}
        <select value={y} onChange={(e) => setY(e.target.value)} aria-label="Scatter y">
          {metricOptions.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      </label>
      {points.length === 0 ? (
        <Empty>No run has numeric values for both.</Empty>
      ) : (
        <svg width={w} height={h} role="img" aria-label={`${y} against ${x}`} className="scatter-plot">
          <line x1={pad} y1={h - pad} x2={w - pad} y2={h - pad} stroke="currentColor" />
          <line x1={pad} y1={pad} x2={pad} y2={h - pad} stroke="currentColor" />
          <text x={pad} y={h - 10} fill="currentColor" fontSize="11">
            {formatValue(xLo)}
          </text>
          <text x={w - pad} y={h - 10} fill="currentColor" fontSize="11" textAnchor="end">
            {formatValue(xHi)}
          </text>
          <text x={4} y={h - pad} fill="currentColor" fontSize="11">
            {formatValue(yLo)}
          </text>
          <text x={4} y={pad} fill="currentColor" fontSize="11">
            {formatValue(yHi)}
          </text>
          {points.map((p) => (
            <circle
              key={p.run.info.run_id}
              cx={scale(p.x, xLo, xHi, pad, w - pad)}
              cy={scale(p.y, yLo, yHi, h - pad, pad)}
              r={6}
              fill={runColor(p.run.info.run_id)}
            >
              <title>{`${labels[p.run.info.run_id]}: ${x}=${p.x}, ${y}=${p.y}`}</title>
            </circle>
          ))}
        </svg>
      )}
    </div>
  );
}
