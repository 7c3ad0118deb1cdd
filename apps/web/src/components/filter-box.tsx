import { type FormEvent, useEffect, useState } from 'react';

/** Props of the filter box. */
export interface FilterBoxProps {
  /** The applied filter (from the URL). */
  value: string;
  onSubmit: (filter: string) => void;
  /** The server's message when the applied filter was rejected. */
  error?: string;
  placeholder?: string;
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
  return (
    <form className="filter-box" onSubmit={submit} aria-label="Filter runs">
      <input
        type="search"
        aria-label="Filter runs"
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? 'filter-error' : undefined}
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
        <div id="filter-error" className="filter-error" role="alert">
          {props.error}
        </div>
      ) : null}
    </form>
  );
}
