import { type FormEvent, useState } from 'react';
import { createExperiment, deleteExperiment, renameExperiment } from '../api/endpoints.js';
import type { Experiment } from '../api/types.js';
import { DeletedExperiments } from '../components/deleted-experiments.js';
import { Link } from '../components/link.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { navigate } from '../lib/router.js';
import { useAccess } from '../lib/use-access.js';

/** Props of the experiments sidebar. */
export interface ExperimentsSidebarProps {
  experiments?: Experiment[];
  error?: unknown;
  loading: boolean;
  selected: readonly string[];
  reload: () => void;
}

/** The experiments list: search by name, pick one or several, create, rename, delete, and restore deleted ones. */
export function ExperimentsSidebar(props: ExperimentsSidebarProps) {
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<{ id: string; mode: 'rename' | 'delete' } | null>(null);
  const [name, setName] = useState('');
  const [actionError, setActionError] = useState<unknown>();
  const [showDeleted, setShowDeleted] = useState(false);
  // Reloaded with the list: creating an experiment makes its creator its manager.
  const access = useAccess([props.experiments]);
  const needle = search.toLowerCase();
  const shown = (props.experiments ?? []).filter((e) => e.name.toLowerCase().includes(needle));

  const act = async (work: () => Promise<void>) => {
    setActionError(undefined);
    try {
      await work();
      setCreating(false);
      setEditing(null);
      setName('');
      props.reload();
    } catch (error) {
      setActionError(error);
    }
  };
  const create = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      const id = await createExperiment(name.trim());
      navigate(`/experiments/${id}`);
    });
  };
  const toggleSelected = (id: string) => {
    const next = props.selected.includes(id)
      ? props.selected.filter((s) => s !== id)
      : [...props.selected, id];
    navigate(next.length ? `/experiments/${next.join(',')}` : '/');
  };

  // After deleting a shown experiment: keep the others shown, else open the newest one left.
  const leave = (id: string) => {
    const rest = props.selected.filter((s) => s !== id);
    const next = rest.length ? rest : [props.experiments?.find((x) => x.experiment_id !== id)?.experiment_id];
    navigate(next[0] === undefined ? '/' : `/experiments/${next.join(',')}`);
  };

  return (
    <nav className="sidebar" aria-label="Experiments">
      <div className="sidebar-head">
        <h2>Experiments</h2>
        <button type="button" onClick={() => setCreating((c) => !c)} aria-label="Create experiment">
          +
        </button>
      </div>
      {creating ? (
        <form className="inline-form" onSubmit={create}>
          <input
            aria-label="New experiment name"
            placeholder="Experiment name"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit" disabled={!name.trim()}>
            Create
          </button>
        </form>
      ) : null}
      <input
        type="search"
        className="sidebar-search"
        aria-label="Search experiments"
        placeholder="Search experiments"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
      />
      <fieldset className="sidebar-view" aria-label="Which experiments">
        <button
          type="button"
          className={showDeleted ? '' : 'active'}
          aria-pressed={!showDeleted}
          onClick={() => setShowDeleted(false)}
        >
          Active
        </button>
        <button
          type="button"
          className={showDeleted ? 'active' : ''}
          aria-pressed={showDeleted}
          onClick={() => setShowDeleted(true)}
        >
          Deleted
        </button>
      </fieldset>
      {showDeleted ? <DeletedExperiments search={search} onRestored={props.reload} /> : null}
      {actionError ? <ErrorBox error={actionError} /> : null}
      {props.loading && !props.experiments ? <Loading what="Loading experiments" /> : null}
      {props.error ? <ErrorBox error={props.error} /> : null}
      {props.experiments && shown.length === 0 && !showDeleted ? <Empty>No experiments match.</Empty> : null}
      <ul className="experiment-list" hidden={showDeleted}>
        {shown.map((e) => {
          const isSelected = props.selected.includes(e.experiment_id);
          const mode = editing?.id === e.experiment_id ? editing.mode : null;
          return (
            <li key={e.experiment_id} className={isSelected ? 'selected' : ''}>
              <input
                type="checkbox"
                aria-label={`Show runs of ${e.name}`}
                checked={isSelected}
                onChange={() => toggleSelected(e.experiment_id)}
              />
              {mode === 'rename' ? (
                <form
                  className="inline-form"
                  onSubmit={(ev) => {
                    ev.preventDefault();
                    void act(() => renameExperiment(e.experiment_id, name.trim()));
                  }}
                >
                  <input aria-label="New name" value={name} onChange={(ev) => setName(ev.target.value)} />
                  <button type="submit">Save</button>
                  <button type="button" onClick={() => setEditing(null)}>
                    Cancel
                  </button>
                </form>
              ) : (
                <Link href={`/experiments/${e.experiment_id}`} className="experiment-link" title={e.name}>
                  {e.name}
                </Link>
              )}
              {mode === 'delete' ? (
                <span className="confirm">
                  Delete?
                  <button
                    type="button"
                    className="danger"
                    onClick={() =>
                      void act(async () => {
                        await deleteExperiment(e.experiment_id);
                        if (isSelected) leave(e.experiment_id);
                      })
                    }
                  >
                    Yes
                  </button>
                  <button type="button" onClick={() => setEditing(null)}>
                    No
                  </button>
                </span>
              ) : mode === null ? (
                <span className="row-actions">
                  <button
                    type="button"
                    hidden={!access.experiment(e.experiment_id).update}
                    aria-label={`Rename ${e.name}`}
                    title="Rename"
                    onClick={() => {
                      setName(e.name);
                      setEditing({ id: e.experiment_id, mode: 'rename' });
                    }}
                  >
                    ✎
                  </button>
                  <button
                    type="button"
                    hidden={!access.experiment(e.experiment_id).delete}
                    aria-label={`Delete ${e.name}`}
                    title="Delete"
                    onClick={() => setEditing({ id: e.experiment_id, mode: 'delete' })}
                  >
                    ✕
                  </button>
                </span>
              ) : null}
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
