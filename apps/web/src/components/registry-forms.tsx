import { type FormEvent, useState } from 'react';
import type { KeyValue } from '../api/types.js';

/** For a failed action whose error the page already shows. */
export const shown = (): void => {};

/**
 * A page's writes: `act(work)` shows the failure of `work` and rethrows it, so the form that asked keeps
 * what was typed; after a success it reloads the page's data.
 */
export function useAction(reload: () => void): {
  error: unknown;
  act: (work: () => Promise<void>) => Promise<void>;
} {
  const [error, setError] = useState<unknown>();
  const act = async (work: () => Promise<void>) => {
    setError(undefined);
    try {
      await work();
    } catch (e) {
      setError(e);
      throw e;
    }
    reload();
  };
  return { error, act };
}

/** Two fields and a button; cleared after `onSubmit` resolves, kept when it rejects. */
export function PairForm(props: {
  labels: [string, string];
  submit: string;
  onSubmit: (a: string, b: string) => Promise<void>;
}) {
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    props.onSubmit(a.trim(), b.trim()).then(() => {
      setA('');
      setB('');
    }, shown);
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <input
        aria-label={props.labels[0]}
        placeholder={props.labels[0]}
        value={a}
        onChange={(e) => setA(e.target.value)}
      />
      <input
        aria-label={props.labels[1]}
        placeholder={props.labels[1]}
        value={b}
        onChange={(e) => setB(e.target.value)}
      />
      <button type="submit" disabled={!a.trim() || !b.trim()}>
        {props.submit}
      </button>
    </form>
  );
}

/** Tags with Remove buttons and a form to set one (`onSet(key, null)` removes). */
export function TagList({
  tags,
  onSet,
  readOnly = false,
  canRemove = !readOnly,
}: {
  tags?: KeyValue[];
  onSet: (key: string, value: string | null) => Promise<void>;
  /** Tags shown without the controls to change them. */
  readOnly?: boolean;
  /** Whether Remove is offered (a version's tags need MANAGE to remove, as in MLflow's rules). */
  canRemove?: boolean;
}) {
  return (
    <>
      <ul className="tags">
        {(tags ?? []).map((t) => (
          <li key={t.key}>
            <code>{t.key}</code> = {t.value}{' '}
            <button
              type="button"
              hidden={!canRemove}
              aria-label={`Remove tag ${t.key}`}
              onClick={() => onSet(t.key, null).catch(shown)}
            >
              Remove
            </button>
          </li>
        ))}
        {(tags ?? []).length === 0 ? <li className="muted">No tags.</li> : null}
      </ul>
      {readOnly ? null : (
        <PairForm labels={['Tag key', 'Tag value']} submit="Set tag" onSubmit={(k, v) => onSet(k, v)} />
      )}
    </>
  );
}
