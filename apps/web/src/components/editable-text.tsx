import { useState } from 'react';
import { Markdown } from './markdown.js';
import { ErrorBox } from './states.js';

/**
 * A text shown (rendered as Markdown, as MLflow shows descriptions) with an Edit button that turns it into a
 * textarea with Save and Cancel. `onSave` rejecting keeps the editor open with the draft; with `inlineErrors`
 * the failure is also shown here (otherwise the caller shows it).
 */
export function EditableText({
  label,
  value,
  onSave,
  rows = 4,
  empty = 'None.',
  inlineErrors = false,
  readOnly = false,
}: {
  label: string;
  value: string;
  onSave: (v: string) => Promise<void>;
  rows?: number;
  empty?: string;
  inlineErrors?: boolean;
  /** No Edit button (the user may not change it). */
  readOnly?: boolean;
}) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(value);
  const [error, setError] = useState<unknown>();
  const save = () =>
    onSave(draft).then(
      () => {
        setError(undefined);
        setEditing(false);
      },
      (e: unknown) => {
        if (inlineErrors) setError(e);
      },
    );
  return (
    <div className="description">
      <h3>
        {label}{' '}
        {editing || readOnly ? null : (
          <button
            type="button"
            onClick={() => {
              setDraft(value);
              setEditing(true);
            }}
          >
            Edit
          </button>
        )}
      </h3>
      {editing ? (
        <>
          <textarea aria-label={label} rows={rows} value={draft} onChange={(e) => setDraft(e.target.value)} />
          <div>
            <button type="button" onClick={() => void save()}>
              Save
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
          {error ? <ErrorBox error={error} /> : null}
        </>
      ) : value ? (
        <Markdown className="note" source={value} />
      ) : (
        <p className="muted">{empty}</p>
      )}
    </div>
  );
}
