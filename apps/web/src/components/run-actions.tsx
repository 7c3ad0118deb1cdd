import { type FormEvent, useState } from 'react';
import { deleteRun, renameRun, restoreRun } from '../api/endpoints.js';
import type { Run } from '../api/types.js';
import { hrefWith, type Location } from '../lib/router.js';
import { useAccess } from '../lib/use-access.js';
import { Link } from './link.js';
import { ErrorBox } from './states.js';
import './writes.css';

/**
 * The run page's own writes beside its title: rename (EDIT on the experiment), delete or, for a deleted run,
 * restore (MANAGE, as MLflow's auth rules). Each waits for the server and shows its error inline.
 */
export function RunActions({ run, onChanged }: { run: Run; onChanged: () => void }) {
  const access = useAccess([run.info.experiment_id]).experiment(run.info.experiment_id);
  const [mode, setMode] = useState<'idle' | 'rename' | 'delete'>('idle');
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const deleted = run.info.lifecycle_stage === 'deleted';

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      setMode('idle');
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const rename = (event: FormEvent) => {
    event.preventDefault();
    void act(() => renameRun(run.info.run_id, name.trim()));
  };

  return (
    <span className="run-actions">
      {deleted ? <span className="badge deleted-banner">Deleted</span> : null}
      {mode === 'rename' ? (
        <form className="inline-form" onSubmit={rename} aria-label="Rename run">
          <input aria-label="Run name" value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit" disabled={busy || !name.trim()}>
            Save
          </button>
          <button type="button" onClick={() => setMode('idle')}>
            Cancel
          </button>
        </form>
      ) : null}
      {mode === 'delete' ? (
        <span className="confirm-bar">
          Delete this run?
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => void act(() => deleteRun(run.info.run_id))}
          >
            Delete
          </button>
          <button type="button" onClick={() => setMode('idle')}>
            Cancel
          </button>
        </span>
      ) : null}
      {mode === 'idle' && access.update ? (
        <button
          type="button"
          aria-label="Rename run"
          onClick={() => {
            setName(run.info.run_name ?? '');
            setError(undefined);
            setMode('rename');
          }}
        >
          Rename
        </button>
      ) : null}
      {mode === 'idle' && access.delete && !deleted ? (
        <button type="button" className="danger" onClick={() => setMode('delete')}>
          Delete run
        </button>
      ) : null}
      {mode === 'idle' && access.delete && deleted ? (
        <button type="button" disabled={busy} onClick={() => void act(() => restoreRun(run.info.run_id))}>
          Restore run
        </button>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
    </span>
  );
}

/** Props of a bulk action on selected runs. */
export interface BulkRunActionProps {
  /** `Delete` asks for confirmation first; `Restore` does not. */
  verb: 'Delete' | 'Restore';
  runIds: readonly string[];
  /** The experiments the runs belong to (the action needs MANAGE on each). */
  experimentIds: readonly string[];
  /** Called after every run went through (the caller reloads and clears its selection). */
  onDone: () => void;
}

/**
 * "Delete (n)" or "Restore (n)" for the selected runs: one request per run, as MLflow's UI sends them; a
 * refusal stops and is shown inline with the runs left selected. Hidden without MANAGE.
 */
export function BulkRunAction({ verb, runIds, experimentIds, onDone }: BulkRunActionProps) {
  const access = useAccess([experimentIds.join(',')]);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  if (!experimentIds.every((id) => access.experiment(id).delete)) return null;
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      for (const id of runIds) await (verb === 'Delete' ? deleteRun(id) : restoreRun(id));
      setConfirming(false);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const n = runIds.length;
  return (
    <span className="confirm-bar">
      {confirming ? (
        <>
          Delete {n} run{n === 1 ? '' : 's'}?
          <button type="button" className="danger" disabled={busy} onClick={() => void run()}>
            Delete
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </>
      ) : (
        <button
          type="button"
          className={verb === 'Delete' ? 'danger' : ''}
          disabled={n === 0 || busy}
          onClick={() => (verb === 'Delete' ? setConfirming(true) : void run())}
        >
          {verb} ({n})
        </button>
      )}
      {error ? <ErrorBox error={error} /> : null}
    </span>
  );
}

/** Props of the runs view's write tools. */
export interface RunSelectionToolsProps {
  selected: ReadonlySet<string>;
  experimentIds: readonly string[];
  location: Location;
  /** Called after the selected runs were deleted. */
  onDeleted: () => void;
}

/** The runs view's "Delete (n)" for the selected runs and the way to the experiment's deleted runs. */
export function RunSelectionTools({ selected, experimentIds, location, onDeleted }: RunSelectionToolsProps) {
  return (
    <>
      <BulkRunAction verb="Delete" runIds={[...selected]} experimentIds={experimentIds} onDone={onDeleted} />
      <Link href={hrefWith(location, { lifecycle: 'deleted', sel: null })} className="deleted-runs-link">
        Deleted runs
      </Link>
    </>
  );
}
