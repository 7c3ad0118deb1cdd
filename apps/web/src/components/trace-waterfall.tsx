import { type KeyboardEvent, useMemo, useState } from 'react';
import { type SpanRow, visibleRows } from '../lib/trace-spans.js';
import { axisTicks, barOf, formatNanos, traceWindow } from '../lib/trace-waterfall.js';

/** Props of the waterfall. */
export interface TraceWaterfallProps {
  /** All rows of the span tree (from `buildSpanTree`). */
  rows: SpanRow[];
  selected?: string;
  onSelect: (spanId: string) => void;
}

/** The CSS class naming a span's colour: red for errors, else one per span type family. */
export function spanColorClass(type: string, status: string): string {
  if (status === 'ERROR') return 'wf-error';
  const t = type.toUpperCase();
  if (t === 'LLM' || t === 'CHAT_MODEL') return 'wf-llm';
  if (t === 'TOOL' || t === 'FUNCTION') return 'wf-tool';
  if (t === 'RETRIEVER' || t === 'RERANKER' || t === 'EMBEDDING' || t === 'MEMORY') return 'wf-retriever';
  if (t === 'AGENT' || t === 'CHAIN' || t === 'PARSER') return 'wf-chain';
  return 'wf-other';
}

/**
 * A trace's spans as a waterfall: one row per span, its name indented under its parent, and a bar placed
 * on the trace's time axis from the span's start to its end, coloured by type (red when it failed), with its
 * duration. ▾/▸ folds a span's children; ↑/↓ move the selection, ←/→ fold and unfold.
 */
export function TraceWaterfall({ rows, selected, onSelect }: TraceWaterfallProps) {
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const window = useMemo(() => traceWindow(rows.map((r) => r.span)), [rows]);
  const shown = useMemo(() => visibleRows(rows, collapsed), [rows, collapsed]);
  if (!window) return null;
  const total = Number(window.endNs - window.startNs);
  const ticks = axisTicks(total);
  const toggle = (id: string, open?: boolean) =>
    setCollapsed((prev) => {
      const next = new Set(prev);
      const isOpen = !next.has(id);
      if (open === undefined ? isOpen : !open) next.add(id);
      else next.delete(id);
      return next;
    });
  const onKeyDown = (event: KeyboardEvent) => {
    const index = shown.findIndex((r) => r.span.spanId === selected);
    const row = shown[index];
    let next: number | undefined;
    if (event.key === 'ArrowDown') next = Math.min(index + 1, shown.length - 1);
    else if (event.key === 'ArrowUp') next = Math.max(index - 1, 0);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = shown.length - 1;
    else if (row && (event.key === 'ArrowLeft' || event.key === 'ArrowRight') && row.descendants > 0)
      toggle(row.span.spanId, event.key === 'ArrowRight');
    else return;
    event.preventDefault();
    const target = next === undefined ? undefined : shown[next];
    if (target) onSelect(target.span.spanId);
  };
  return (
    <div className="waterfall">
      <div className="wf-head" aria-hidden="true">
        <div className="wf-name">Span</div>
        <div className="wf-axis">
          {ticks.map((t) => (
            <span key={t.ns} className="wf-tick" style={{ left: `${t.percent}%` }}>
              {t.ns === 0 ? '0' : formatNanos(t.ns)}
            </span>
          ))}
        </div>
      </div>
      <div className="wf-rows" role="tree" aria-label="Spans" tabIndex={0} onKeyDown={onKeyDown}>
        {shown.map((row) => {
          const { span } = row;
          const bar = barOf(span, window);
          const open = !collapsed.has(span.spanId);
          const isSelected = span.spanId === selected;
          const duration = bar.durationNs === undefined ? 'running' : formatNanos(bar.durationNs);
          return (
            // biome-ignore lint/a11y/useKeyWithClickEvents: the tree holds the focus; its keys move the selection.
            <div
              key={span.spanId}
              role="treeitem"
              aria-level={row.depth + 1}
              aria-selected={isSelected}
              aria-expanded={row.descendants > 0 ? open : undefined}
              tabIndex={-1}
              data-span-id={span.spanId}
              data-depth={row.depth}
              className={`wf-row${isSelected ? ' selected' : ''}${row.orphan ? ' orphan' : ''}`}
              onClick={() => onSelect(span.spanId)}
            >
              <div className="wf-name" style={{ paddingLeft: `${row.depth * 16 + 4}px` }}>
                {row.descendants > 0 ? (
                  <button
                    type="button"
                    className="wf-fold"
                    tabIndex={-1}
                    aria-label={open ? `Collapse ${span.name}` : `Expand ${span.name}`}
                    onClick={(e) => {
                      e.stopPropagation();
                      toggle(span.spanId);
                    }}
                  >
                    {open ? '▾' : '▸'}
                  </button>
                ) : (
                  <span className="wf-fold-space" />
                )}
                <span className={`wf-type ${spanColorClass(span.type, span.status)}`}>{span.type}</span>
                <span
                  className="wf-span-name"
                  title={row.orphan ? `${span.name} (parent span not in this trace)` : span.name}
                >
                  {span.name || span.spanId}
                </span>
              </div>
              <div className="wf-track">
                <div
                  className={`wf-bar ${spanColorClass(span.type, span.status)}${bar.durationNs === undefined ? ' open' : ''}`}
                  style={{ left: `${bar.left}%`, width: `${bar.width}%` }}
                  title={`${span.name}: starts at +${formatNanos(bar.offsetNs)}, ${duration}`}
                />
                <span
                  className="wf-duration"
                  // The track keeps a margin on its right, so the label always fits after the bar.
                  style={{ left: `calc(${bar.left + bar.width}% + 4px)` }}
                >
                  {duration}
                </span>
              </div>
            </div>
          );
        })}
      </div>
    </div>
  );
}
