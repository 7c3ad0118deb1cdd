import { useMemo, useState } from 'react';
import type { Run } from '../api/types.js';
import { setHovered, useHovered } from '../lib/chart-hover.js';
import { formatValue } from '../lib/format.js';
import {
  type AxisChoice,
  buildAxis,
  defaultAxes,
  numberOf,
  polylinePath,
  position,
  rampColor,
  rawValue,
} from '../lib/parallel-coords.js';
import { Empty } from './states.js';

const [HEIGHT, TOP, BOTTOM, SIDE, GAP] = [340, 36, 304, 70, 150];
const MAX_CATEGORY_TICKS = 12;

/**
 * Parallel coordinates of some runs: one vertical axis per chosen param or metric (numbers scaled between
 * their min and max, other params as ordered categories), one line per run coloured by a chosen metric
 * (blue low → red high); hovering a line names the run and its values. Hover is the page's shared one
 * (`chart-hover`): a line hovered here highlights the run in the other charts, and a run hovered elsewhere
 * is drawn emphasised here; the container's `data-highlighted` names it, as in the other charts.
 */
export function ParallelCoordinates({
  runs,
  choices,
  labels,
}: {
  runs: readonly Run[];
  /** Every param and metric that can be an axis (`param:<key>` / `metric:<key>`). */
  choices: readonly AxisChoice[];
  labels: Readonly<Record<string, string>>;
}) {
  const metricChoices = choices.filter((c) => c.startsWith('metric:'));
  const [colorBy, setColorBy] = useState<AxisChoice>(metricChoices[0] ?? '');
  const [chosen, setChosen] = useState<AxisChoice[]>(() => defaultAxes(runs, choices, colorBy));
  const shared = useHovered();
  const axes = useMemo(() => chosen.map((c) => buildAxis(runs, c)), [runs, chosen]);
  const colorAxis = useMemo(() => (colorBy ? buildAxis(runs, colorBy) : null), [runs, colorBy]);
  if (choices.length === 0) return <Empty>These runs have no params or metrics.</Empty>;

  const width = SIDE * 2 + GAP * Math.max(1, axes.length - 1);
  const xs = axes.map((_, i) => (axes.length === 1 ? width / 2 : SIDE + i * GAP));
  const toggle = (c: AxisChoice) =>
    setChosen((now) => (now.includes(c) ? now.filter((x) => x !== c) : [...now, c]));
  const hoveredRun = runs.find((r) => r.info.run_id === shared);
  // A hovered group (or a run not drawn here) emphasises nothing, rather than fading every line.
  const hovered = hoveredRun ? shared : null;
  const yOf = (t: number) => BOTTOM - t * (BOTTOM - TOP);

  return (
    <div className="parallel-coords" data-highlighted={shared ?? ''}>
      <div className="pc-controls">
        <label>
          Colour by{' '}
          <select value={colorBy} onChange={(e) => setColorBy(e.target.value)} aria-label="Colour by metric">
            {metricChoices.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <details className="pc-axes">
          <summary>Axes ({chosen.length})</summary>
          {choices.map((c) => (
            <label key={c}>
              <input
                type="checkbox"
                checked={chosen.includes(c)}
                onChange={() => toggle(c)}
                aria-label={`Axis ${c}`}
              />{' '}
              {c}
            </label>
          ))}
        </details>
      </div>
      {axes.length === 0 ? (
        <Empty>Choose at least one axis.</Empty>
      ) : (
        <svg
          width={width}
          height={HEIGHT}
          role="img"
          aria-label={`Parallel coordinates of ${runs.length} runs over ${axes.map((a) => a.label).join(', ')}`}
          className="pc-plot"
          onMouseLeave={() => setHovered(null)}
        >
          {runs.map((run) => {
            const id = run.info.run_id;
            const d = polylinePath(
              axes.map((a) => position(a, run)),
              xs,
              TOP,
              BOTTOM,
            );
            const color = rampColor(colorAxis ? position(colorAxis, run) : undefined);
            return (
              // biome-ignore lint/a11y/useSemanticElements: an SVG line cannot be a <button>; it takes focus and hover like one.
              <path
                key={id}
                className={`pc-line${hovered === id ? ' hovered' : ''}${hovered && hovered !== id ? ' dimmed' : ''}`}
                data-run-id={id}
                d={d}
                fill="none"
                stroke={color}
                strokeWidth={hovered === id ? 4 : 2}
                role="button"
                tabIndex={0} // focusable, so the keyboard steps through runs as the mouse does
                aria-label={`Run ${labels[id] ?? id}`}
                onMouseEnter={() => setHovered(id)}
                onMouseLeave={() => setHovered(null)}
                onFocus={() => setHovered(id)}
                onBlur={() => setHovered(null)}
              >
                <title>{labels[id] ?? id}</title>
              </path>
            );
          })}
          {axes.map((axis, i) => (
            <g key={axis.choice} className="pc-axis" data-axis={axis.choice} data-kind={axis.kind}>
              <line x1={xs[i]} x2={xs[i]} y1={TOP} y2={BOTTOM} stroke="currentColor" />
              <text x={xs[i]} y={TOP - 18} textAnchor="middle" fontSize="12" fill="currentColor">
                {axis.label}
              </text>
              {axis.kind === 'numeric' ? (
                <>
                  <text x={xs[i]! + 4} y={TOP + 4} fontSize="10" fill="currentColor">
                    {formatValue(axis.max)}
                  </text>
                  <text x={xs[i]! + 4} y={BOTTOM} fontSize="10" fill="currentColor">
                    {formatValue(axis.min)}
                  </text>
                </>
              ) : (
                axis.categories.slice(0, MAX_CATEGORY_TICKS).map((c, j) => (
                  <text
                    key={c}
                    className="pc-category"
                    x={xs[i]! + 4}
                    y={yOf(axis.categories.length === 1 ? 0.5 : j / (axis.categories.length - 1)) + 4}
                    fontSize="10"
                    fill="currentColor"
                  >
                    {c}
                  </text>
                ))
              )}
            </g>
          ))}
        </svg>
      )}
      <p className="pc-hover muted" aria-live="polite">
        {hoveredRun
          ? `${labels[hoveredRun.info.run_id] ?? hoveredRun.info.run_id}: ${chosen
              .map((c) => `${c.replace(/^(param|metric):/, '')}=${describe(rawValue(hoveredRun, c))}`)
              .join(', ')}`
          : colorBy
            ? `Colour: ${colorBy.replace(/^metric:/, '')}, blue low → red high. Hover a line to see its run.`
            : 'Hover a line to see its run.'}
      </p>
    </div>
  );
}

function describe(text: string | undefined): string {
  if (text === undefined) return '—';
  const n = numberOf(text);
  return n === undefined ? text : formatValue(n);
}
