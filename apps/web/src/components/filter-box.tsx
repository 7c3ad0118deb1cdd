import { type FormEvent, useEffect, useState } from 'react';

/** Props of the filter box. */
export interface FilterBoxProps {
  /** The applied filter (from the URL). */
  value: string;
  onSubmit: (filter: string) => void;
  /** The server's message when the applied filter was rejected. */
  error?: string;
  placeholder?: string;
  /** The accessible name of the box and its form. */
  label?: string;
  /** The id of the error message (unique on the page). */
  errorId?: string;
  /** Extra classes on the form. */
  className?: string;
  /** Example filters of the grammar, shown under the box (as `e.g. a, b`) while no error is. */
  examples?: { id: string; filters: readonly string[] };
}

/**
 * The search box for MLflow's filter grammar (`metrics.rmse < 1 and params.model = "tree"`). The server
 * parses the filter; when it refuses one, its message shows under the box and the box is marked invalid.
 * Enter applies, Escape reverts the draft to what is applied.
 */
export function FilterBox(props: FilterBoxProps) {
  const [draft, setDraft] = useState(props.value);
  useEffect(() => setDraft(props.value), [props.value]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onSubmit(draft.trim());
  };
  const label = props.label ?? 'Filter runs';
  const errorId = props.errorId ?? 'filter-error';
  return (
    <form
      className={props.className ? `filter-box ${props.className}` : 'filter-box'}
      onSubmit={submit}
      aria-label={label}
    >
      <input
        type="search"
        aria-label={label}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? errorId : props.examples?.id}
        spellCheck={false}
        value={draft}
        placeholder={props.placeholder ?? 'metrics.rmse < 1 and params.model = "tree"'}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setDraft(props.value);
        }}
      />
      <button type="submit">Search</button>
      {draft !== '' || props.value !== '' ? (
        <button
          type="button"
          onClick={() => {
            setDraft('');
            props.onSubmit('');
          }}
        >
          Clear
        </button>
      ) : null}
      {props.error ? (
        <div id={errorId} className="filter-error" role="alert">
          {props.error}
        </div>
      ) : props.examples ? (
        <div id={props.examples.id} className="filter-help muted">
          e.g.{' '}
          {props.examples.filters.map((example, i) => (
            <span key={example}>
              {i > 0 ? ', ' : ''}
              <code>{example}</code>
            </span>
          ))}
        </div>
      ) : null}
    </form>
  );
}
