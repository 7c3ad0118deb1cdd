import { type KeyboardEvent, type ReactNode, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { Run } from '../api/types.js';
import { offsetsOf, scrollToShow, visibleColumns, visibleRange } from '../lib/virtual.js';
import './runs-table.css';

/** A pushpin drawn in the text colour (an emoji would need a colour-emoji font). */
export function PinIcon() {
  return (
    <svg viewBox="0 0 16 16" width="11" height="11" aria-hidden="true" focusable="false">
      <path d="M5 1h6l-1 5 3 3H8.8L8 15l-.8-6H3l3-3z" fill="currentColor" />
    </svg>
  );
}

/** One column of the runs table. */
export interface Column {
  /** Stable id: `attr:start_time`, `param:lr`, `metric:loss`, `tag:team`. */
  id: string;
  label: string;
  /** Shown above the label: Attributes, Parameters, Metrics, Tags. */
  group: string;
  width: number;
  /** MLflow's order_by key (`metrics.\`loss\``), when the server can sort by this column. */
  sortKey?: string;
  /** The cell's content for one row. */
  render: (row: RunRow) => ReactNode;
}

/** A row: a run, with its place in the parent/child tree. */
export interface RunRow {
  run: Run;
  depth: number;
  childCount: number;
  expanded: boolean;
}

/** What the runs table shows and reports. */
export interface RunsTableProps {
  rows: RunRow[];
  /** Columns after the pinned checkbox and name columns. */
  columns: Column[];
  /** Renders the pinned run-name cell. */
  renderName: (row: RunRow) => ReactNode;
  sort?: { key: string; descending: boolean };
  onSort?: (key: string) => void;
  selected: ReadonlySet<string>;
  onToggleSelect: (runId: string) => void;
  onToggleAll?: () => void;
  onOpen: (runId: string) => void;
  onToggleExpand?: (runId: string) => void;
  /** Called when the last rows come into view (load the next page). */
  onEndReached?: () => void;
  rowHeight?: number;
  /** Viewport size used before layout (and where there is none, as in tests). */
  fallbackSize?: { width: number; height: number };
  /** Ids of the columns pinned at the left (after the name), in `columns` order. */
  pinned?: ReadonlySet<string>;
  /** Pins or unpins a column (the header's pin button); without it no pin button shows. */
  onTogglePin?: (columnId: string) => void;
  /** Called with a row's run id when the pointer enters it, and null when it leaves. */
  onHoverRun?: (runId: string | null) => void;
  /** A run's colour (as in the charts), shown as a swatch before its name. */
  colorOf?: (runId: string) => string;
  /** The run hovered elsewhere (a chart line): its row is highlighted (`data-highlighted`). */
  highlightedRunId?: string | null;
}

// The ARIA grid pattern on divs: a virtualized grid cannot be a <table> (rows are absolutely positioned and
// most are absent). The grid holds focus and points at the active row with aria-activedescendant.
const ROLE = { row: 'row', header: 'columnheader', cell: 'gridcell' } as const;
const CHECK_WIDTH = 36;
const NAME_WIDTH = 240;
const HEADER_HEIGHT = 44;

/**
 * The runs table: rows and columns both virtualized, so only what is on screen is in the DOM (10,000 runs
 * by 1,000 columns render about as fast as 10 by 10). The checkbox and name columns, and any columns in
 * `pinned`, stay at the left (sticky) while the rest scroll; a new sort scrolls its column into view.
 * Keyboard: arrows move, Enter opens, Space selects, Right/Left expand or collapse child runs.
 */
export function RunsTable(props: RunsTableProps) {
  const { rows, columns, rowHeight = 32 } = props;
  const ref = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState({ top: 0, left: 0 });
  const [size, setSize] = useState(props.fallbackSize ?? { width: 1200, height: 600 });
  const [active, setActive] = useState(0);
  const pinnedIds = props.pinned;
  const [pinnedCols, scrollCols] = useMemo(() => {
    if (!pinnedIds || pinnedIds.size === 0) return [[], columns];
    return [columns.filter((c) => pinnedIds.has(c.id)), columns.filter((c) => !pinnedIds.has(c.id))];
  }, [columns, pinnedIds]);
  const pinnedWidth = CHECK_WIDTH + NAME_WIDTH + pinnedCols.reduce((sum, c) => sum + c.width, 0);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      if (el.clientHeight > 0 && el.clientWidth > 0)
        setSize({ width: el.clientWidth, height: el.clientHeight });
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const offsets = useMemo(() => offsetsOf(scrollCols.map((c) => c.width)), [scrollCols]);
  const totalWidth = pinnedWidth + offsets[offsets.length - 1]!;
  const scrollViewport = Math.max(0, size.width - pinnedWidth);
  const [rowStart, rowEnd] = visibleRange(scroll.top, size.height - HEADER_HEIGHT, rowHeight, rows.length);
  const [colStart, colEnd] = visibleColumns(offsets, scroll.left, scrollViewport);
  const visibleCols = scrollCols.slice(colStart, colEnd);
  const leftPad = offsets[colStart]!;

  // A new sort (the table reloads, often remounting) scrolls its column into view, once per sort key.
  const sortKey = props.sort?.key;
  const shownSort = useRef<string | undefined>(undefined);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || sortKey === undefined || shownSort.current === sortKey) return;
    const index = scrollCols.findIndex((c) => c.sortKey === sortKey);
    if (index < 0) {
      if (pinnedCols.some((c) => c.sortKey === sortKey)) shownSort.current = sortKey;
      return;
    }
    shownSort.current = sortKey;
    // The element's own width: on mount `size` still holds the fallback until the measure lands.
    const viewport = el.clientWidth > 0 ? Math.max(0, el.clientWidth - pinnedWidth) : scrollViewport;
    const left = scrollToShow(offsets, index, el.scrollLeft, viewport);
    if (left !== el.scrollLeft) {
      el.scrollLeft = left;
      setScroll({ top: el.scrollTop, left: el.scrollLeft });
    }
  }, [sortKey, scrollCols, pinnedCols, pinnedWidth, offsets, scrollViewport]);

  const endReached = props.onEndReached;
  const nearEnd = rows.length > 0 && rowEnd >= rows.length - 10;
  useLayoutEffect(() => {
    if (nearEnd) endReached?.();
  }, [nearEnd, endReached]);

  const scrollToRow = (index: number) => {
    const el = ref.current;
    if (!el) return;
    const top = index * rowHeight;
    const viewport = size.height - HEADER_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + viewport) el.scrollTop = top + rowHeight - viewport;
    setScroll({ top: el.scrollTop, left: el.scrollLeft });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (rows.length === 0 || event.target !== event.currentTarget) return;
    const page = Math.max(1, Math.floor((size.height - HEADER_HEIGHT) / rowHeight) - 1);
    const moves: Record<string, number> = {
      ArrowDown: active + 1,
      ArrowUp: active - 1,
      PageDown: active + page,
      PageUp: active - page,
      Home: 0,
      End: rows.length - 1,
    };
    const row = rows[active];
    if (event.key in moves) {
      const next = Math.min(rows.length - 1, Math.max(0, moves[event.key]!));
      setActive(next);
      scrollToRow(next);
    } else if (event.key === 'Enter' && row) props.onOpen(row.run.info.run_id);
    else if (event.key === ' ' && row) props.onToggleSelect(row.run.info.run_id);
    else if (event.key === 'ArrowRight' && row && row.childCount > 0 && !row.expanded)
      props.onToggleExpand?.(row.run.info.run_id);
    else if (event.key === 'ArrowLeft' && row?.expanded) props.onToggleExpand?.(row.run.info.run_id);
    else return;
    event.preventDefault();
  };

  const header = (c: Column) => {
    const sorted = c.sortKey !== undefined && props.sort?.key === c.sortKey;
    const isPinned = pinnedIds?.has(c.id) ?? false;
    return (
      // biome-ignore lint/a11y/useAriaPropsSupportedByRole: the role is columnheader, which has aria-sort.
      <div
        key={c.id}
        className={isPinned ? 'rt-cell rt-pinned-col' : 'rt-cell'}
        role={ROLE.header}
        style={{ width: c.width }}
        title={`${c.group}: ${c.label}`}
        data-column-id={c.id}
        aria-sort={sorted ? (props.sort?.descending ? 'descending' : 'ascending') : undefined}
      >
        <span className="rt-group">
          {c.group}
          {props.onTogglePin ? (
            <button
              type="button"
              className={isPinned ? 'rt-pin on' : 'rt-pin'}
              aria-label={`${isPinned ? 'Unpin' : 'Pin'} column ${c.label}`}
              aria-pressed={isPinned}
              title={isPinned ? 'Unpin' : 'Pin to the left'}
              onClick={() => props.onTogglePin?.(c.id)}
            >
              <PinIcon />
            </button>
          ) : null}
        </span>
        {c.sortKey ? (
          <button type="button" className="rt-sort" onClick={() => props.onSort?.(c.sortKey!)}>
            {c.label}
            {sorted ? (props.sort?.descending ? ' ↓' : ' ↑') : ''}
          </button>
        ) : (
          <span className="rt-label">{c.label}</span>
        )}
      </div>
    );
  };
  const cell = (c: Column, row: RunRow) => (
    <div key={c.id} className="rt-cell" role={ROLE.cell} style={{ width: c.width }}>
      {c.render(row)}
    </div>
  );

  const allSelected = rows.length > 0 && rows.every((r) => props.selected.has(r.run.info.run_id));
  const activeId = rows[active] ? `run-row-${active}` : undefined;

  return (
    // biome-ignore lint/a11y/useSemanticElements: a virtualized grid cannot be a <table>.
    <div
      ref={ref}
      className="runs-table"
      role="grid"
      tabIndex={0}
      aria-rowcount={rows.length + 1}
      aria-colcount={columns.length + 2}
      aria-activedescendant={activeId}
      onKeyDown={onKeyDown}
      onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, left: e.currentTarget.scrollLeft })}
    >
      <div
        style={{ width: totalWidth, height: HEADER_HEIGHT + rows.length * rowHeight, position: 'relative' }}
      >
        <div className="rt-header" role={ROLE.row} style={{ width: totalWidth, height: HEADER_HEIGHT }}>
          <div className="rt-pinned">
            <div className="rt-cell rt-check" role={ROLE.header} style={{ width: CHECK_WIDTH }}>
              <input
                type="checkbox"
                aria-label="Select all runs"
                checked={allSelected}
                onChange={() => props.onToggleAll?.()}
              />
            </div>
            <div className="rt-cell" role={ROLE.header} style={{ width: NAME_WIDTH }}>
              <span className="rt-group">Run</span>
              <span className="rt-label">Run name</span>
            </div>
            {pinnedCols.map(header)}
          </div>
          <div style={{ width: leftPad, flex: 'none' }} />
          {visibleCols.map(header)}
        </div>
        {rows.slice(rowStart, rowEnd).map((row, i) => {
          const index = rowStart + i;
          const id = row.run.info.run_id;
          const classes = ['rt-row'];
          if (index === active) classes.push('active');
          if (props.selected.has(id)) classes.push('selected');
          const highlighted = props.highlightedRunId === id;
          if (highlighted) classes.push('highlighted');
          return (
            // biome-ignore lint/a11y/useAriaPropsSupportedByRole: the role is row, which has aria-rowindex.
            // biome-ignore lint/a11y/noStaticElementInteractions: a click makes the row the active one; keys act on the grid.
            <div
              key={id}
              id={`run-row-${index}`}
              className={classes.join(' ')}
              role={ROLE.row}
              aria-rowindex={index + 2}
              aria-selected={props.selected.has(id)}
              data-run-id={id}
              data-highlighted={highlighted ? 'true' : undefined}
              style={{ top: HEADER_HEIGHT + index * rowHeight, height: rowHeight, width: totalWidth }}
              onMouseDown={() => setActive(index)}
              onMouseEnter={props.onHoverRun ? () => props.onHoverRun?.(id) : undefined}
              onMouseLeave={props.onHoverRun ? () => props.onHoverRun?.(null) : undefined}
            >
              <div className="rt-pinned">
                <div className="rt-cell rt-check" role={ROLE.cell} style={{ width: CHECK_WIDTH }}>
                  <input
                    type="checkbox"
                    aria-label={`Select run ${row.run.info.run_name ?? id}`}
                    checked={props.selected.has(id)}
                    onChange={() => props.onToggleSelect(id)}
                  />
                </div>
                <div className="rt-cell rt-name" role={ROLE.cell} style={{ width: NAME_WIDTH }}>
                  <span style={{ width: row.depth * 16, flex: 'none' }} />
                  {row.childCount > 0 ? (
                    <button
                      type="button"
                      className="rt-expand"
                      aria-label={row.expanded ? 'Collapse child runs' : 'Expand child runs'}
                      aria-expanded={row.expanded}
                      onClick={() => props.onToggleExpand?.(id)}
                    >
                      {row.expanded ? '▾' : '▸'}
                    </button>
                  ) : null}
                  {props.colorOf ? (
                    <span
                      className="rt-swatch"
                      aria-hidden="true"
                      style={{ background: props.colorOf(id) }}
                    />
                  ) : null}
                  {props.renderName(row)}
                </div>
                {pinnedCols.map((c) => cell(c, row))}
              </div>
              <div style={{ width: leftPad, flex: 'none' }} />
              {visibleCols.map((c) => cell(c, row))}
            </div>
          );
        })}
      </div>
    </div>
  );
}
