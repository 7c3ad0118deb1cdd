import { type FormEvent, useState } from 'react';
import { ErrorBox } from './states.js';

/** Props of the delete control. */
export interface ConfirmDeleteProps {
  /** What the button says ("Delete model"). */
  label: string;
  /** What is deleted, in the confirmation ("the registered model clf and all its versions"). */
  what: string;
  /** When set, the user must type this (the model's name, as MLflow asks) before Delete is enabled. */
  typeToConfirm?: string;
  onDelete: () => Promise<void>;
}

/**
 * A delete button that first asks: a confirmation panel (with the name to type, when given); a refusal is
 * shown there and keeps what was typed.
 */
export function ConfirmDelete({ label, what, typeToConfirm, onDelete }: ConfirmDeleteProps) {
  const [asking, setAsking] = useState(false);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const ready = typeToConfirm === undefined || typed === typeToConfirm;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!ready || busy) return;
    setBusy(true);
    setError(undefined);
    onDelete().then(
      () => setBusy(false),
      (err: unknown) => {
        setBusy(false);
        setError(err);
      },
    );
  };
  if (!asking)
    return (
      <button type="button" className="danger" onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <form className="confirm-delete" aria-label={label} onSubmit={submit}>
      <p>
        Delete {what}? This cannot be undone.
        {typeToConfirm !== undefined ? (
          <>
            {' '}
            Type <code>{typeToConfirm}</code> to confirm.
          </>
        ) : null}
      </p>
      {typeToConfirm !== undefined ? (
        <input aria-label="Name to confirm" value={typed} onChange={(e) => setTyped(e.target.value)} />
      ) : null}
      <button type="submit" className="danger" disabled={!ready || busy}>
        Delete
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
      {error ? <ErrorBox error={error} /> : null}
    </form>
  );
}
