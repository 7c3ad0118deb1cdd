import { useMemo, useState } from 'react';
import { searchRuns } from '../api/endpoints.js';
import type { Experiment, Run } from '../api/types.js';
import { Link } from '../components/link.js';
import { BulkRunAction } from '../components/run-actions.js';
import { Empty, ErrorBox, LoadMore } from '../components/states.js';
import { formatTime } from '../lib/format.js';
import { hrefWith, type Location } from '../lib/router.js';
import { type PageQuery, usePages } from '../lib/use-pages.js';

/** MLflow's "Deleted" state of the runs list: `runs/search` with `run_view_type = DELETED_ONLY`. */
const searchDeleted = (query: PageQuery) => searchRuns({ ...query, runViewType: 'DELETED_ONLY' });

/** Props of the deleted-runs view. */
export interface DeletedRunsViewProps {
  experimentIds: string[];
  experiments: Experiment[];
  location: Location;
}

/**
 * The deleted runs of the experiments (`?lifecycle=deleted` on the runs URL): tick runs and restore them,
 * as MLflow's runs list in its "Deleted" state does. Newest first; pages by the server's token.
 */
export function DeletedRunsView({ experimentIds, experiments, location }: DeletedRunsViewProps) {
  const pages = usePages<Run>(searchDeleted, experimentIds, '', 'attributes.start_time DESC', {
    idOf: (r) => r.info.run_id,
  });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const names = experimentIds.map((id) => experiments.find((e) => e.experiment_id === id)?.name ?? id);
  const shownIds = useMemo(() => new Set(pages.items.map((r) => r.info.run_id)), [pages.items]);
  const picked = [...selected].filter((id) => shownIds.has(id));
  const toggle = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <section className="runs-view deleted-runs" aria-label="Deleted runs">
      <header className="page-head">
        <h1>Deleted runs of {names.join(', ')}</h1>
        <span className="muted" data-testid="deleted-run-count">
          {pages.items.length}
          {pages.hasMore ? '+' : ''} deleted
        </span>
      </header>
      <div className="toolbar">
        <Link href={hrefWith(location, { lifecycle: null })}>← Active runs</Link>
        <BulkRunAction
          verb="Restore"
          runIds={picked}
          experimentIds={experimentIds}
          onDone={() => {
            setSelected(new Set());
            pages.reload();
          }}
        />
      </div>
      {pages.error ? <ErrorBox error={pages.error} /> : null}
      {!pages.loading && !pages.error && pages.items.length === 0 ? (
        <Empty>No deleted runs in this experiment.</Empty>
      ) : null}
      {pages.items.length > 0 ? (
        <table className="data-table">
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label="Select all deleted runs"
                  checked={picked.length === pages.items.length}
                  onChange={() =>
                    setSelected(picked.length === pages.items.length ? new Set() : new Set(shownIds))
                  }
                />
              </th>
              <th>Run</th>
              <th>Started</th>
              <th>Ended</th>
              <th>User</th>
            </tr>
          </thead>
          <tbody>
            {pages.items.map((r) => {
              const name = r.info.run_name || r.info.run_id;
              return (
                <tr key={r.info.run_id} data-run-id={r.info.run_id}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${name}`}
                      checked={selected.has(r.info.run_id)}
                      onChange={() => toggle(r.info.run_id)}
                    />
                  </td>
                  <td>
                    <Link href={`/experiments/${r.info.experiment_id}/runs/${r.info.run_id}`}>{name}</Link>
                  </td>
                  <td>{formatTime(r.info.start_time)}</td>
                  <td>{formatTime(r.info.end_time) || '—'}</td>
                  <td>{r.info.user_id || '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <LoadMore pages={pages} what="deleted runs" />
    </section>
  );
}
