import { type FormEvent, useState } from 'react';
import { ErrorBox } from './states.js';

/**
 * A version's aliases (MLflow's `@alias`): each with Remove (`canRemove`, MANAGE in MLflow's rules), and a
 * field to add one (`canAdd`); an alias already on another version moves here, as MLflow does. A refused
 * alias shows the server's message and keeps what was typed.
 */
export function AliasEditor({
  aliases,
  canAdd,
  canRemove,
  onAdd,
  onRemove,
}: {
  aliases: string[];
  canAdd: boolean;
  canRemove: boolean;
  onAdd: (alias: string) => Promise<void>;
  onRemove: (alias: string) => Promise<void>;
}) {
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<unknown>();
  const run = (work: Promise<void>, after?: () => void) =>
    work.then(
      () => {
        setError(undefined);
        after?.();
      },
      (e: unknown) => setError(e),
    );
  const add = (e: FormEvent) => {
    e.preventDefault();
    const alias = draft.trim();
    if (alias) void run(onAdd(alias), () => setDraft(''));
  };
  return (
    <div className="alias-editor">
      <ul className="aliases">
        {aliases.map((a) => (
          <li key={a}>
            <span className="badge">@{a}</span>
            {canRemove ? (
              <button type="button" aria-label={`Remove alias ${a}`} onClick={() => void run(onRemove(a))}>
                ×
              </button>
            ) : null}
          </li>
        ))}
        {aliases.length === 0 ? <li className="muted">No aliases.</li> : null}
      </ul>
      {canAdd ? (
        <form className="inline-form" onSubmit={add}>
          <input
            aria-label="New alias"
            placeholder="alias"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
          <button type="submit" disabled={!draft.trim()}>
            Add alias
          </button>
        </form>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
    </div>
  );
}
