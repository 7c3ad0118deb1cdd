import { setHovered, useHovered } from '../lib/chart-hover.js';
import { formatValue } from '../lib/format.js';

/** One dot: a run's x and y. */
export interface Dot {
  id: string;
  label: string;
  color: string;
  x: number;
  y: number;
}

const [W, H, PAD] = [480, 220, 36];

/** A scatter of one param or metric against another, a dot per run in its colour; hover highlights the run. */
export function ScatterChart({ dots, x, y }: { dots: readonly Dot[]; x: string; y: string }) {
  const hovered = useHovered();
  if (dots.length === 0) return <div className="state empty">No run has numeric values for both.</div>;
  const xs = dots.map((d) => d.x);
  const ys = dots.map((d) => d.y);
  const [xLo, xHi, yLo, yHi] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const at = (v: number, lo: number, hi: number, a: number, b: number) =>
    hi === lo ? (a + b) / 2 : a + ((v - lo) / (hi - lo)) * (b - a);
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      className="scatter-plot chart-scatter"
      role="img"
      aria-label={`${y} against ${x}`}
      data-highlighted={hovered ?? ''}
    >
      <line x1={PAD} y1={H - PAD} x2={W - 8} y2={H - PAD} stroke="currentColor" />
      <line x1={PAD} y1={8} x2={PAD} y2={H - PAD} stroke="currentColor" />
      <text x={PAD} y={H - 8} fill="currentColor" fontSize="10">
        {formatValue(xLo)}
      </text>
      <text x={W - 8} y={H - 8} fill="currentColor" fontSize="10" textAnchor="end">
        {formatValue(xHi)}
      </text>
      <text x={2} y={H - PAD} fill="currentColor" fontSize="10">
        {formatValue(yLo)}
      </text>
      <text x={2} y={16} fill="currentColor" fontSize="10">
        {formatValue(yHi)}
      </text>
      {dots.map((d) => (
        // biome-ignore lint/a11y/noStaticElementInteractions: hovering a dot only highlights its run elsewhere.
        <circle
          key={d.id}
          data-id={d.id}
          cx={at(d.x, xLo, xHi, PAD + 6, W - 14)}
          cy={at(d.y, yLo, yHi, H - PAD - 6, 14)}
          r={hovered === d.id ? 7 : 5}
          fill={d.color}
          opacity={hovered && hovered !== d.id ? 0.3 : 1}
          onMouseEnter={() => setHovered(d.id)}
          onMouseLeave={() => setHovered(null)}
        >
          <title>{`${d.label}: ${x}=${d.x}, ${y}=${d.y}`}</title>
        </circle>
      ))}
    </svg>
  );
}
