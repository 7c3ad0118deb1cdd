import { type FormEvent, useState } from 'react';
import type { KeyValue } from '../api/types.js';
import { Empty, ErrorBox } from './states.js';
import './writes.css';

/** Props of the tag editor. */
export interface TagEditorProps {
  /** The tags to show (callers leave MLflow's own `mlflow.*` tags out, as MLflow's UI does). */
  tags: KeyValue[];
  /** Sets a tag (a new key adds it); rejecting keeps what was typed and shows the error. */
  onSet: (key: string, value: string) => Promise<void>;
  /** Removes a tag. */
  onDelete: (key: string) => Promise<void>;
  /** Only the table: the user may not change these tags. */
  readOnly?: boolean;
}

/**
 * A tags table with an add form and, per tag, edit value and delete; each change waits for the server and
 * shows its error inline, keeping the user's input.
 */
export function TagEditor({ tags, onSet, onDelete, readOnly = false }: TagEditorProps) {
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState<{ where: string; error: unknown } | null>(null);
  const [busy, setBusy] = useState(false);
  const sorted = [...tags].sort((a, b) => a.key.localeCompare(b.key));

  const act = async (where: string, work: () => Promise<void>, done: () => void) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      done();
    } catch (e) {
      setError({ where, error: e });
    } finally {
      setBusy(false);
    }
  };
  const add = (event: FormEvent) => {
    event.preventDefault();
    void act(
      'add',
      () => onSet(key.trim(), value),
      () => {
        setKey('');
        setValue('');
      },
    );
  };
  const errorAt = (where: string) => (error?.where === where ? <ErrorBox error={error.error} /> : null);

  return (
    <div className="tag-editor">
      {sorted.length === 0 ? (
        <Empty>No tags.</Empty>
      ) : (
        <table className="data-table kv">
          <thead>
            <tr>
              <th>Key</th>
              <th>Value</th>
              {readOnly ? null : <th aria-label="Actions" />}
            </tr>
          </thead>
          <tbody>
            {sorted.map((t) => (
              <tr key={t.key} data-tag={t.key}>
                <td>{t.key}</td>
                <td>
                  {editing === t.key ? (
                    <form
                      className="inline-form"
                      onSubmit={(e) => {
                        e.preventDefault();
                        void act(
                          `edit:${t.key}`,
                          () => onSet(t.key, draft),
                          () => setEditing(null),
                        );
                      }}
                    >
                      <input
                        aria-label={`Value of tag ${t.key}`}
                        value={draft}
                        onChange={(e) => setDraft(e.target.value)}
                      />
                      <button type="submit" disabled={busy}>
                        Save
                      </button>
                      <button type="button" onClick={() => setEditing(null)}>
                        Cancel
                      </button>
                    </form>
                  ) : (
                    t.value
                  )}
                  {errorAt(`edit:${t.key}`)}
                  {errorAt(`delete:${t.key}`)}
                </td>
                {readOnly ? null : (
                  <td className="tag-actions">
                    <button
                      type="button"
                      aria-label={`Edit tag ${t.key}`}
                      title="Edit value"
                      hidden={editing === t.key}
                      onClick={() => {
                        setDraft(t.value ?? '');
                        setEditing(t.key);
                        setError(null);
                      }}
                    >
                      ✎
                    </button>
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Delete tag ${t.key}`}
                      title="Delete tag"
                      disabled={busy}
                      onClick={() =>
                        void act(
                          `delete:${t.key}`,
                          () => onDelete(t.key),
                          () => undefined,
                        )
                      }
                    >
                      ✕
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {readOnly ? null : (
        <form className="inline-form tag-add" onSubmit={add} aria-label="Add tag">
          <input
            aria-label="Tag key"
            placeholder="Key"
            value={key}
            onChange={(e) => setKey(e.target.value)}
          />
          <input
            aria-label="Tag value"
            placeholder="Value"
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
          <button type="submit" disabled={busy || !key.trim()}>
            Add tag
          </button>
        </form>
      )}
      {errorAt('add')}
    </div>
  );
}
