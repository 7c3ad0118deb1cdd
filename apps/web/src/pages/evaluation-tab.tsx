import { useMemo } from 'react';
import { getRun } from '../api/endpoints.js';
import { comparableRuns, listEvaluationTables, loadEvaluationTable } from '../api/evaluation.js';
import type { Run } from '../api/types.js';
import { AggregateComparison, type EvalSide, RowComparison } from '../components/eval-compare.js';
import { type EvalSort, EvalTable } from '../components/eval-table.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { classifyColumns, filterRows, type MetricLike, sortRows, tableMetrics } from '../lib/evaluation.js';
import { formatValue } from '../lib/format.js';
import { hrefWith, type Location, navigate } from '../lib/router.js';
import { useAsync } from '../lib/use-async.js';
import './evaluation.css';

const runLabel = (run: Run) => run.info.run_name || run.info.run_id;
/** Changes the URL in place: typing and picking keep one history entry. */
const update = (location: Location, changes: Record<string, string | null>) =>
  navigate(hrefWith(location, changes), { replace: true });

/** The aggregate metrics of one evaluation as a compact name/value list. */
function MetricList({ metrics }: { metrics: readonly MetricLike[] }) {
  if (metrics.length === 0) return <Empty>No aggregate metrics logged with this table.</Empty>;
  return (
    <dl className="eval-aggregates" aria-label="Aggregate metrics">
      {metrics.map((m) => (
        <div key={m.key} data-metric={m.key}>
          <dt>{m.key}</dt>
          <dd>{formatValue(m.value)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A select of a run's tables, shown when it has several. */
function TablePicker(props: {
  label: string;
  tables: string[];
  value: string;
  onChange: (path: string) => void;
}) {
  if (props.tables.length < 2) return null;
  return (
    <label>
      {props.label}{' '}
      <select aria-label={props.label} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.tables.map((t) => (
          <option key={t}>{t}</option>
        ))}
      </select>
    </label>
  );
}

/** The "Compare with…" select: the experiment's other runs, those with an evaluation table first. */
function ComparePicker({ run, location }: { run: Run; location: Location }) {
  const runs = useAsync(
    (signal) => comparableRuns(run.info.experiment_id, run.info.run_id, signal),
    [run.info.experiment_id, run.info.run_id],
  );
  const compare = location.query.get('compare') ?? '';
  const listed = [...(runs.data?.withTables ?? []), ...(runs.data?.others ?? [])];
  // A run of another experiment (a link from the compare page) is not in the lists: keep it selectable.
  const outside = compare !== '' && runs.data !== undefined && !listed.some((r) => r.info.run_id === compare);
  const option = (r: Run) => (
    <option key={r.info.run_id} value={r.info.run_id}>
      {runLabel(r)}
    </option>
  );
  return (
    <label>
      Compare with{' '}
      <select
        aria-label="Compare with"
        value={compare}
        onChange={(e) => update(location, { compare: e.target.value || null, compareTable: null })}
      >
        <option value="">{runs.loading ? 'Loading runs…' : 'Another run…'}</option>
        {outside ? <option value={compare}>{compare}</option> : null}
        {runs.data?.withTables.length ? (
          <optgroup label="Runs with an evaluation">{runs.data.withTables.map(option)}</optgroup>
        ) : null}
        {runs.data?.others.length ? (
          <optgroup label="Other runs">{runs.data.others.map(option)}</optgroup>
        ) : null}
      </select>
    </label>
  );
}

/** The search box over the rows (kept in the URL's `q`). */
function RowSearch({ location }: { location: Location }) {
  return (
    <input
      type="search"
      className="eval-search"
      aria-label="Filter rows"
      placeholder="Filter rows by any text"
      value={location.query.get('q') ?? ''}
      onChange={(e) => update(location, { q: e.target.value })}
    />
  );
}

/**
 * A run's evaluation results (the Evaluation tab): the chosen results table's aggregate metrics and its rows,
 * filtered and sorted, or its comparison with another run's evaluation. All choices live in the URL (`table`,
 * `q`, `sort`, `desc`, `compare`, `compareTable`, `changed`), so a link shows the same view.
 */
export function EvaluationTab({ run, location }: { run: Run; location: Location }) {
  const tables = useAsync(() => listEvaluationTables(run), [run]);
  if (tables.error) return <ErrorBox error={tables.error} />;
  if (!tables.data) return <Loading what="Looking for evaluation results" />;
  if (tables.data.length === 0) {
    return (
      <Empty>
        No evaluation results in this run. Log some with{' '}
        <code>
          flowline evaluate --model runs:/…/model --data eval.csv --model-type question-answering --run-id{' '}
          {run.info.run_id}
        </code>
        , <code>evaluate()</code> or <code>evaluateWithJudges()</code> from <code>@flowline/evaluation</code>,
        or MLflow's <code>mlflow.evaluate</code>: each writes <code>eval_results_table.json</code>.
      </Empty>
    );
  }
  const chosen = location.query.get('table');
  const path = chosen && tables.data.includes(chosen) ? chosen : tables.data[0]!;
  const compare = location.query.get('compare');
  return (
    <div className="evaluation-tab">
      <div className="toolbar eval-toolbar">
        <TablePicker
          label="Evaluation table"
          tables={tables.data}
          value={path}
          onChange={(t) => update(location, { table: t, sort: null, desc: null })}
        />
        <RowSearch location={location} />
        <ComparePicker run={run} location={location} />
        {compare ? (
          <>
            <label>
              <input
                type="checkbox"
                checked={location.query.get('changed') === '1'}
                onChange={(e) => update(location, { changed: e.target.checked ? '1' : null })}
              />{' '}
              Only changed rows
            </label>
            <button
              type="button"
              onClick={() => update(location, { compare: null, compareTable: null, changed: null })}
            >
              Stop comparing
            </button>
          </>
        ) : null}
      </div>
      {compare ? (
        <Comparison run={run} path={path} tables={tables.data} otherId={compare} location={location} />
      ) : (
        <Results run={run} path={path} tables={tables.data} location={location} />
      )}
    </div>
  );
}

/** One evaluation: its aggregates and its rows. */
function Results({
  run,
  path,
  tables,
  location,
}: {
  run: Run;
  path: string;
  tables: string[];
  location: Location;
}) {
  const table = useAsync(
    (signal) => loadEvaluationTable(run.info.run_id, path, signal),
    [run.info.run_id, path],
  );
  const columns = useMemo(() => (table.data ? classifyColumns(table.data) : []), [table.data]);
  const q = location.query.get('q') ?? '';
  const sortName = location.query.get('sort');
  const descending = location.query.get('desc') === '1';
  const sortIndex = sortName === null ? -1 : (table.data?.columns.indexOf(sortName) ?? -1);
  const order = useMemo(() => {
    if (!table.data) return [];
    const kept = filterRows(table.data, q);
    return sortIndex < 0 ? kept : sortRows(table.data, kept, sortIndex, descending);
  }, [table.data, q, sortIndex, descending]);
  const metrics = tableMetrics(run.data.metrics ?? [], path, tables);
  const sort: EvalSort | undefined = sortIndex < 0 ? undefined : { column: sortName!, descending };
  return (
    <>
      <h3>Aggregate metrics</h3>
      <MetricList metrics={metrics} />
      <h3>
        Rows{' '}
        {table.data ? (
          <span className="muted" data-testid="eval-row-count">
            {order.length === table.data.rows.length
              ? `${order.length} rows`
              : `${order.length} of ${table.data.rows.length} rows`}
          </span>
        ) : null}
      </h3>
      {table.error ? <ErrorBox error={table.error} /> : null}
      {!table.data && !table.error ? <Loading what={`Loading ${path}`} /> : null}
      {table.data && order.length === 0 ? <Empty>No rows match.</Empty> : null}
      {table.data && order.length > 0 ? (
        <EvalTable
          key={`${path}\n${q}`}
          columns={columns}
          rows={table.data.rows}
          order={order}
          sort={sort}
          onSort={(column) =>
            update(location, {
              sort: column,
              desc: sort?.column === column ? (descending ? null : '1') : null,
            })
          }
        />
      ) : null}
    </>
  );
}

/** This run's evaluation beside another run's: aggregates with their change, then the joined rows. */
function Comparison(props: {
  run: Run;
  path: string;
  tables: string[];
  otherId: string;
  location: Location;
}) {
  const { run, path, tables, otherId, location } = props;
  const other = useAsync(
    async (signal) => {
      const r = await getRun(otherId, signal);
      return { run: r, tables: await listEvaluationTables(r) };
    },
    [otherId],
  );
  const wanted = location.query.get('compareTable');
  const otherPath = other.data
    ? wanted && other.data.tables.includes(wanted)
      ? wanted
      : other.data.tables.includes(path)
        ? path
        : other.data.tables[0]
    : undefined;
  const loaded = useAsync(
    async (signal) =>
      otherPath === undefined
        ? undefined
        : Promise.all([
            loadEvaluationTable(run.info.run_id, path, signal),
            loadEvaluationTable(otherId, otherPath, signal),
          ]),
    [run.info.run_id, path, otherId, otherPath],
  );
  if (other.error) return <ErrorBox error={other.error} />;
  if (!other.data) return <Loading what="Loading the other run" />;
  const otherRun = other.data.run;
  if (otherPath === undefined)
    return <Empty>{runLabel(otherRun)} has no evaluation results to compare with.</Empty>;
  if (loaded.error) return <ErrorBox error={loaded.error} />;
  if (!loaded.data) return <Loading what="Loading both evaluations" />;
  const [leftLabel, rightLabel] =
    runLabel(run) === runLabel(otherRun)
      ? [
          `${runLabel(run)} (${run.info.run_id.slice(0, 6)})`,
          `${runLabel(otherRun)} (${otherId.slice(0, 6)})`,
        ]
      : [runLabel(run), runLabel(otherRun)];
  const left: EvalSide = {
    label: leftLabel,
    table: loaded.data[0],
    metrics: tableMetrics(run.data.metrics ?? [], path, tables),
  };
  const right: EvalSide = {
    label: rightLabel,
    table: loaded.data[1],
    metrics: tableMetrics(otherRun.data.metrics ?? [], otherPath, other.data.tables),
  };
  return (
    <section className="eval-comparison" aria-label="Compare evaluations">
      <p>
        Comparing <strong>{leftLabel}</strong> <code>{path}</code> with <strong>{rightLabel}</strong>{' '}
        <TablePicker
          label="Other table"
          tables={other.data.tables}
          value={otherPath}
          onChange={(t) => update(location, { compareTable: t })}
        />
        {other.data.tables.length < 2 ? <code>{otherPath}</code> : null}
      </p>
      <h3>Aggregate metrics</h3>
      <AggregateComparison left={left} right={right} />
      <h3>Rows</h3>
      <RowComparison
        key={`${otherId}\n${otherPath}\n${location.query.get('q') ?? ''}`}
        left={left}
        right={right}
        search={location.query.get('q') ?? ''}
        onlyChanged={location.query.get('changed') === '1'}
      />
    </section>
  );
}
