import { type FormEvent, useEffect, useState } from 'react';
import { PENDING_ACCESS } from '../api/access.js';
import { searchModels } from '../api/endpoints.js';
import { withoutPrompts } from '../api/prompts.js';
import { type RegisterSource, registerModel } from '../api/registry.js';
import type { ModelVersion } from '../api/types.js';
import { useAccess } from '../lib/use-access.js';
import { useAsync } from '../lib/use-async.js';
import { useFocusTrap } from '../lib/use-focus-trap.js';
import { Link } from './link.js';
import { ErrorBox } from './states.js';
import './registry.css';

const NEW = '\u0000new';

/** The registry page of one version. */
export const versionHref = (name: string, version: string): string =>
  `/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`;

/** Props of the register button. */
export interface RegisterModelButtonProps {
  from: RegisterSource;
  /** Called with the new version after a registration. */
  onRegistered?: (version: ModelVersion) => void;
}

/**
 * MLflow's "Register model" button and dialog: registers `from` as a new version of an existing registered
 * model (those the user may edit) or of a new one typed in. Shown once the access answer is in (anyone
 * signed in may create a registered model, as in MLflow).
 */
export function RegisterModelButton({ from, onRegistered }: RegisterModelButtonProps) {
  const [open, setOpen] = useState(false);
  const access = useAccess([]);
  if (access === PENDING_ACCESS) return null;
  return (
    <>
      <button type="button" className="register-model" onClick={() => setOpen(true)}>
        Register model
      </button>
      {open ? (
        <RegisterModelDialog
          from={from}
          canUse={(name) => access.model(name).update}
          onClose={() => setOpen(false)}
          onRegistered={onRegistered}
        />
      ) : null}
    </>
  );
}

/** Props of the dialog. */
export interface RegisterModelDialogProps {
  from: RegisterSource;
  /** Whether the user may add versions to an existing model. */
  canUse: (name: string) => boolean;
  onClose: () => void;
  onRegistered?: (version: ModelVersion) => void;
}

/**
 * The dialog: pick a model or type a new name; a refusal is shown here and keeps the choice. It is modal:
 * focus starts on its first field and stays inside it, Escape closes it, and closing gives focus back to
 * the button that opened it.
 */
export function RegisterModelDialog({ from, canUse, onClose, onRegistered }: RegisterModelDialogProps) {
  const models = useAsync(async () => withoutPrompts(await searchModels()), []);
  const [choice, setChoice] = useState(NEW);
  const [newName, setNewName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<ModelVersion>();
  const trap = useFocusTrap<HTMLDivElement>(onClose);
  // The form (and its focused button) is gone once registered: focus the new version's link instead.
  useEffect(() => {
    if (done) trap.current?.querySelector<HTMLElement>('.register-done a')?.focus();
  }, [done, trap]);
  const isNew = choice === NEW;
  const name = isNew ? newName.trim() : choice;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name || busy) return;
    setBusy(true);
    setError(undefined);
    // Once a new model is made it is the choice, so a retry after a refused version adds to it.
    registerModel(from, { name, isNew }, (made) => setChoice(made)).then(
      (v) => {
        setBusy(false);
        setDone(v);
        onRegistered?.(v);
      },
      (err: unknown) => {
        setBusy(false);
        setError(err);
      },
    );
  };
  const existing = (models.data ?? []).map((m) => m.name).filter(canUse);
  if (!isNew && !existing.includes(choice)) existing.unshift(choice);
  return (
    <div className="modal-backdrop">
      <div
        ref={trap}
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="register-model-title"
      >
        <h2 id="register-model-title">Register model</h2>
        {done ? (
          <>
            <p className="register-done">
              Registered as{' '}
              <Link href={versionHref(done.name, done.version)}>
                {done.name} version {done.version}
              </Link>
              .
            </p>
            <div className="modal-actions">
              <button type="button" onClick={onClose}>
                Close
              </button>
            </div>
          </>
        ) : (
          <form onSubmit={submit}>
            <p className="muted">
              From <code>{from.source}</code>
            </p>
            <label className="field">
              Model
              <select value={choice} onChange={(e) => setChoice(e.target.value)}>
                <option value={NEW}>Create new model</option>
                {existing.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
            {isNew ? (
              <label className="field">
                Model name
                <input value={newName} onChange={(e) => setNewName(e.target.value)} />
              </label>
            ) : null}
            {models.error ? <ErrorBox error={models.error} /> : null}
            {error ? <ErrorBox error={error} /> : null}
            <div className="modal-actions">
              <button type="submit" disabled={!name || busy}>
                {busy ? 'Registering…' : 'Register'}
              </button>
              <button type="button" onClick={onClose}>
                Cancel
              </button>
            </div>
          </form>
        )}
      </div>
    </div>
  );
}
