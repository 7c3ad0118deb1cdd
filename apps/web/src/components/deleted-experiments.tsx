import { useState } from 'react';
import { restoreExperiment, searchExperiments } from '../api/endpoints.js';
import { useAccess } from '../lib/use-access.js';
import { useAsync } from '../lib/use-async.js';
import { Empty, ErrorBox, Loading } from './states.js';
import './writes.css';

/**
 * The sidebar's "Deleted" view: experiments searched with `view_type = DELETED_ONLY`, each with Restore
 * (MANAGE, as MLflow's auth rules for restoring); a refusal is shown inline.
 */
export function DeletedExperiments({ search, onRestored }: { search: string; onRestored: () => void }) {
  const deleted = useAsync(() => searchExperiments('', 'DELETED_ONLY'), []);
  const access = useAccess([deleted.data]);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<string | null>(null);
  const needle = search.toLowerCase();
  const shown = (deleted.data ?? []).filter((e) => e.name.toLowerCase().includes(needle));
  const restore = async (id: string) => {
    setBusy(id);
    setError(undefined);
    try {
      await restoreExperiment(id);
      deleted.reload();
      onRestored();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="deleted-experiments">
      {error ? <ErrorBox error={error} /> : null}
      {deleted.error ? <ErrorBox error={deleted.error} /> : null}
      {deleted.loading && !deleted.data ? <Loading what="Loading deleted experiments" /> : null}
      {deleted.data && shown.length === 0 ? <Empty>No deleted experiments.</Empty> : null}
      <ul className="experiment-list">
        {shown.map((e) => (
          <li key={e.experiment_id} data-experiment-id={e.experiment_id}>
            <span className="experiment-link muted" title={e.name}>
              {e.name}
            </span>
            {access.experiment(e.experiment_id).delete ? (
              <button
                type="button"
                aria-label={`Restore ${e.name}`}
                disabled={busy !== null}
                onClick={() => void restore(e.experiment_id)}
              >
                Restore
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
