import { useCallback, useMemo, useState } from 'react';
import type { Experiment } from '../api/types.js';
import { ColumnChooser } from '../components/column-chooser.js';
import { ExperimentHead } from '../components/experiment-head.js';
import { FilterBox } from '../components/filter-box.js';
import { Link } from '../components/link.js';
import { RunSelectionTools } from '../components/run-actions.js';
import { type RunRow, RunsTable, type RunsTableProps } from '../components/runs-table.js';
import { Empty, ErrorBox, errorMessage } from '../components/states.js';
import { setHovered, useHovered } from '../lib/chart-hover.js';
import {
  allColumns,
  defaultColumnIds,
  discoverKeys,
  parseOrder,
  pinChanges,
  pinnedOf,
} from '../lib/columns.js';
import { hrefWith, type Location, navigate } from '../lib/router.js';
import { runColor } from '../lib/run-colors.js';
import { buildRows } from '../lib/run-tree.js';
import { csvKeysOf, downloadText, runsCsv } from '../lib/runs-csv.js';
import { useFilterSuggest } from '../lib/use-filter-suggest.js';
import { useRunPages } from '../lib/use-run-pages.js';
import { RunsChartView, ViewToggle } from './chart-view.js';

const DEFAULT_ORDER = 'attributes.start_time DESC';

/** Props of the runs view. */
export interface RunsViewProps {
  experimentIds: string[];
  /** The active experiments. */
  experiments: Experiment[];
  /** Whether `experiments` is a finished, current load (not one being refreshed). */
  experimentsFresh?: boolean;
  location: Location;
}

/**
 * The runs of one or more experiments: filter, sort, columns, selection and expanded state of the table
 * all live in the URL (`q`, `order`, `cols`, `pin`, `sel`), so a link reproduces the view.
 */
export function RunsView({ experimentIds, experiments, experimentsFresh, location }: RunsViewProps) {
  const filter = location.query.get('q') ?? '';
  const order = location.query.get('order') ?? DEFAULT_ORDER;
  const selected = useMemo(
    () => new Set((location.query.get('sel') ?? '').split(',').filter(Boolean)),
    [location.query],
  );
  const pages = useRunPages(experimentIds, filter, order);
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [choosing, setChoosing] = useState(false);

  const keys = useMemo(() => discoverKeys(pages.items), [pages.items]);
  const columns = useMemo(() => allColumns(keys), [keys]);
  const colsParam = location.query.get('cols');
  const shownIds = useMemo(
    () => (colsParam === null ? defaultColumnIds(columns) : colsParam.split(',').filter(Boolean)),
    [colsParam, columns],
  );
  const shown = useMemo(() => {
    const byId = new Map(columns.map((c) => [c.id, c]));
    return shownIds.map((id) => byId.get(id)).filter((c) => c !== undefined);
  }, [columns, shownIds]);
  const rows = useMemo(() => buildRows(pages.items, expanded), [pages.items, expanded]);
  const suggest = useFilterSuggest(experimentIds, pages.items);
  const pinParam = location.query.get('pin');
  const pinned = useMemo(() => pinnedOf(pinParam), [pinParam]);

  const update = useCallback(
    (changes: Record<string, string | null>, replace = false) =>
      navigate(hrefWith(location, changes), { replace }),
    [location],
  );
  const sort = parseOrder(order);
  const togglePin = (id: string) => update(pinChanges(pinned, shownIds, id), true);
  const downloadCsv = () => downloadText('runs.csv', runsCsv(pages.items, csvKeysOf(shown.map((c) => c.id))));
  const onSort = (key: string) => {
    const descending = sort.key === key ? !sort.descending : false;
    update({ order: `${key} ${descending ? 'DESC' : 'ASC'}` });
  };
  const setSelected = (next: Set<string>) => update({ sel: [...next].join(',') || null }, true);
  const toggleSelect = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const toggleAll = () =>
    setSelected(
      rows.every((r) => selected.has(r.run.info.run_id))
        ? new Set()
        : new Set(rows.map((r) => r.run.info.run_id)),
    );
  const toggleExpand = (id: string) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const runHref = (row: RunRow) => `/experiments/${row.run.info.experiment_id}/runs/${row.run.info.run_id}`;
  // An id the (fresh) list lacks names a deleted or unknown experiment: say so, not "no runs yet".
  const missing = experimentsFresh
    ? experimentIds.filter((id) => !experiments.some((e) => e.experiment_id === id))
    : [];
  const filterError = errorMessage(pages.error);
  // Table, charts, or both (the table above, its hovered row highlighted in the charts): `view=` in the URL.
  const view = location.query.get('view') ?? 'table';

  return (
    <section className="runs-view" aria-label="Runs" data-view={view}>
      <ExperimentHead experimentIds={experimentIds} experiments={experiments} active="runs" pages={pages} />
      <div className="toolbar">
        <ViewToggle location={location} />
        <FilterBox
          value={filter}
          error={filterError}
          onSubmit={(q) => update({ q: q || null })}
          suggest={suggest}
        />
        <button type="button" onClick={() => setChoosing((c) => !c)} aria-expanded={choosing}>
          Columns ({shown.length}/{columns.length})
        </button>
        <button type="button" className="runs-csv" disabled={pages.items.length === 0} onClick={downloadCsv}>
          Download CSV
        </button>
        <button
          type="button"
          disabled={selected.size < 2}
          onClick={() =>
            navigate(`/compare?runs=${[...selected].join(',')}&experiments=${experimentIds.join(',')}`)
          }
        >
          Compare ({selected.size})
        </button>
        <RunSelectionTools
          selected={selected}
          experimentIds={experimentIds}
          location={location}
          onDeleted={() => {
            setSelected(new Set());
            pages.reload();
          }}
        />
      </div>
      {choosing ? (
        <ColumnChooser
          columns={columns}
          shown={new Set(shownIds)}
          onChange={(ids) => update({ cols: ids.join(',') }, true)}
          onClose={() => setChoosing(false)}
          pinned={pinned}
          onTogglePin={togglePin}
        />
      ) : null}
      {pages.error && filterError === undefined ? <ErrorBox error={pages.error} /> : null}
      {missing.length > 0 ? (
        <ErrorBox
          error={`Experiment ${missing.join(', ')} does not exist or was deleted. Pick another in the sidebar.`}
        />
      ) : null}
      {!pages.loading && !pages.error && rows.length === 0 && missing.length === 0 ? (
        <Empty>{filter ? 'No runs match this filter.' : 'No runs in this experiment yet.'}</Empty>
      ) : null}
      {rows.length > 0 && (view === 'charts' || view === 'both') ? (
        <RunsChartView
          runs={pages.items}
          selected={selected}
          location={location}
          onLoadMore={pages.hasMore ? pages.loadMore : undefined}
        />
      ) : null}
      {rows.length > 0 && view !== 'charts' ? (
        <HoverAwareRunsTable
          linked={view === 'both'}
          colorOf={runColor}
          onHoverRun={view === 'both' ? setHovered : undefined}
          rows={rows}
          columns={shown}
          sort={sort}
          onSort={onSort}
          selected={selected}
          onToggleSelect={toggleSelect}
          onToggleAll={toggleAll}
          onOpen={(id) => {
            const row = rows.find((r) => r.run.info.run_id === id);
            if (row) navigate(runHref(row));
          }}
          onToggleExpand={toggleExpand}
          onEndReached={pages.hasMore ? pages.loadMore : undefined}
          pinned={pinned}
          onTogglePin={togglePin}
          renderName={(row) => (
            <Link href={runHref(row)} className="run-link">
              {row.run.info.run_name || row.run.info.run_id}
            </Link>
          )}
        />
      ) : null}
      {pages.loading ? (
        <div className="state loading" role="status">
          Loading runs…
        </div>
      ) : null}
    </section>
  );
}

/**
 * The runs table, with the run hovered in a chart highlighted when `linked`: only this component follows the
 * shared hover, so a hover change re-renders the table's visible rows, not the whole view.
 */
function HoverAwareRunsTable({ linked, ...props }: RunsTableProps & { linked: boolean }) {
  const hovered = useHovered();
  return <RunsTable {...props} highlightedRunId={linked ? hovered : null} />;
}
