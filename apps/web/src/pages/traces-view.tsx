import type { Experiment } from '../api/types.js';
import { ExperimentHead } from '../components/experiment-head.js';
import { Empty, ErrorBox, errorMessage, LoadMore } from '../components/states.js';
import { TraceSearchBox } from '../components/trace-search-box.js';
import { TraceTable } from '../components/trace-table.js';
import { listQuery } from '../lib/list-query.js';
import type { Location } from '../lib/router.js';
import { useTracePages } from '../lib/trace-pages.js';
import './traces.css';

/** Props of the traces view. */
export interface TracesViewProps {
  experimentIds: string[];
  experiments: Experiment[];
  location: Location;
}

/**
 * The traces of one or more experiments (MLflow's Traces tab): MLflow's trace filter grammar in `q`, the
 * server's `order_by` in `order`, pages by the server's page tokens ("Load more"). A filter the server
 * refuses shows its message under the box.
 */
export function TracesView({ experimentIds, experiments, location }: TracesViewProps) {
  const { filter, order, sort, update, onSort } = listQuery(location, {
    shownOrder: 'timestamp_ms DESC',
    descendingFirst: () => true,
  });
  const pages = useTracePages(experimentIds, filter, order);
  const error = errorMessage(pages.error);
  return (
    <section className="traces-view" aria-label="Traces">
      <ExperimentHead experimentIds={experimentIds} experiments={experiments} active="traces" pages={pages} />
      <div className="toolbar">
        <TraceSearchBox
          value={filter}
          error={filter ? error : undefined}
          onSubmit={(q) => update({ q: q || null })}
        />
      </div>
      {pages.error && !filter ? <ErrorBox error={pages.error} /> : null}
      {!pages.loading && !pages.error && pages.items.length === 0 ? (
        <Empty>{filter ? 'No traces match this filter.' : 'No traces in this experiment yet.'}</Empty>
      ) : null}
      {pages.items.length > 0 ? (
        <TraceTable traces={pages.items} experimentId={experimentIds[0]} sort={sort} onSort={onSort} />
      ) : null}
      <LoadMore pages={pages} what="traces" />
    </section>
  );
}
