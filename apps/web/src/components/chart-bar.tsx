import { setHovered, useHovered } from '../lib/chart-hover.js';
import { formatValue } from '../lib/format.js';

/** One bar: a run's value, or a group's mean with its min and max. */
export interface Bar {
  id: string;
  label: string;
  color: string;
  value: number;
  min?: number;
  max?: number;
}

/**
 * A bar chart of one value per run (or per group, the mean with a min–max whisker), as MLflow's chart view
 * draws metrics logged once. Bars scroll inside the chart when there are many; log scale is honoured for
 * positive values.
 */
export function BarChart({ bars, logY }: { bars: readonly Bar[]; logY: boolean }) {
  const hovered = useHovered();
  const scale = (v: number) => (logY ? (v > 0 ? Math.log10(v) : Number.NaN) : v);
  const values = bars.flatMap((b) => [b.value, b.max ?? b.value, b.min ?? b.value].map(scale));
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(0, ...finite);
  const hi = Math.max(0, ...finite);
  const span = hi - lo || 1;
  const pct = (v: number) => {
    const s = scale(v);
    return Number.isFinite(s) ? ((s - lo) / span) * 100 : 0;
  };
  const zero = pct(logY ? 1 : 0);
  return (
    <div className="bar-chart" data-highlighted={hovered ?? ''}>
      {bars.map((b) => {
        const [a, z] = [Math.min(zero, pct(b.value)), Math.max(zero, pct(b.value))];
        const on = hovered === b.id;
        return (
          // biome-ignore lint/a11y/noStaticElementInteractions: hovering a bar only highlights its run elsewhere.
          <div
            key={b.id}
            className={on ? 'bar-row highlighted' : hovered ? 'bar-row dimmed' : 'bar-row'}
            data-id={b.id}
            onMouseEnter={() => setHovered(b.id)}
            onMouseLeave={() => setHovered(null)}
          >
            <span className="bar-label" title={b.label}>
              {b.label}
            </span>
            <span className="bar-track">
              <span className="bar" style={{ left: `${a}%`, width: `${z - a}%`, background: b.color }} />
              {b.min !== undefined && b.max !== undefined ? (
                <span
                  className="bar-whisker"
                  style={{ left: `${pct(b.min)}%`, width: `${pct(b.max) - pct(b.min)}%` }}
                />
              ) : null}
            </span>
            <span className="bar-value">{formatValue(b.value)}</span>
          </div>
        );
      })}
    </div>
  );
}
