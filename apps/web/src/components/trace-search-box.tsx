import { type FormEvent, useEffect, useState } from 'react';

/** Props of the trace search box. */
export interface TraceSearchBoxProps {
  /** The applied filter (from the URL). */
  value: string;
  onSubmit: (filter: string) => void;
  /** The server's message when the applied filter was rejected. */
  error?: string;
}

/** Filters MLflow's trace grammar takes, offered as examples under the box. */
export const TRACE_FILTER_EXAMPLES = [
  "trace.status = 'ERROR'",
  'trace.execution_time_ms > 1000',
  "trace.name = 'predict'",
  "tags.env = 'prod'",
  "metadata.`mlflow.sourceRun` = '…'",
] as const;

/**
 * The search box for MLflow's trace filter grammar (`trace.status = 'OK' AND tags.env = 'prod'`). The server
 * parses it; a refused filter shows the server's message under the box, which is marked invalid. Enter
 * applies, Escape reverts the draft to what is applied.
 */
export function TraceSearchBox(props: TraceSearchBoxProps) {
  const [draft, setDraft] = useState(props.value);
  useEffect(() => setDraft(props.value), [props.value]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onSubmit(draft.trim());
  };
  return (
    <form className="filter-box trace-search" onSubmit={submit} aria-label="Filter traces">
      <input
        type="search"
        aria-label="Filter traces"
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? 'trace-filter-error' : 'trace-filter-help'}
        spellCheck={false}
        value={draft}
        placeholder="trace.status = 'OK' AND trace.execution_time_ms > 100"
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
        <div id="trace-filter-error" className="filter-error" role="alert">
          {props.error}
        </div>
      ) : (
        <div id="trace-filter-help" className="trace-filter-help muted">
          e.g.{' '}
          {TRACE_FILTER_EXAMPLES.map((example, i) => (
            <span key={example}>
              {i > 0 ? ', ' : ''}
              <code>{example}</code>
            </span>
          ))}
        </div>
      )}
    </form>
  );
}
