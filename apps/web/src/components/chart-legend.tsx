import { useState } from 'react';
import { setHovered, useHovered } from '../lib/chart-hover.js';

/** One entry of a chart legend. */
export interface LegendItem {
  id: string;
  label: string;
  color: string;
}

/** How many entries a legend shows before collapsing the rest into "+ N more". */
export const LEGEND_INLINE = 6;

function Entry({ item, hovered }: { item: LegendItem; hovered: string | null }) {
  const on = hovered === item.id;
  return (
    <li
      className={on ? 'legend-item highlighted' : 'legend-item'}
      data-id={item.id}
      data-highlighted={on ? 'true' : undefined}
      onMouseEnter={() => setHovered(item.id)}
      onMouseLeave={() => setHovered(null)}
      title={item.label}
    >
      <span className="swatch" style={{ background: item.color }} />
      {item.label}
    </li>
  );
}

/**
 * A chart's legend that never pushes the chart down: a few entries on one line, the rest behind
 * "+ N more", which opens a scrollable overlay over the chart. Hovering an entry highlights its run or
 * group in every chart; the hovered one is marked.
 */
export function ChartLegend({ items }: { items: readonly LegendItem[] }) {
  const hovered = useHovered();
  const [open, setOpen] = useState(false);
  const inline = items.slice(0, LEGEND_INLINE);
  const rest = items.length - inline.length;
  return (
    <div className="chart-legend">
      <ul className="legend-inline">
        {inline.map((item) => (
          <Entry key={item.id} item={item} hovered={hovered} />
        ))}
        {rest > 0 ? (
          <li>
            <button
              type="button"
              className="legend-more link-button"
              aria-expanded={open}
              onClick={() => setOpen((o) => !o)}
            >
              {open ? 'Show less' : `+ ${rest} more`}
            </button>
          </li>
        ) : null}
      </ul>
      {open ? (
        <ul className="legend-overlay" aria-label="All entries">
          {items.map((item) => (
            <Entry key={item.id} item={item} hovered={hovered} />
          ))}
        </ul>
      ) : null}
    </div>
  );
}
