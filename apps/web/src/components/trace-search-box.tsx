import { FilterBox } from './filter-box.js';

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
 * The filter box for MLflow's trace filter grammar (`trace.status = 'OK' AND tags.env = 'prod'`), with
 * examples of it under the box while no error shows.
 */
export function TraceSearchBox(props: TraceSearchBoxProps) {
  return (
    <FilterBox
      {...props}
      label="Filter traces"
      className="trace-search"
      errorId="trace-filter-error"
      placeholder="trace.status = 'OK' AND trace.execution_time_ms > 100"
      examples={{ id: 'trace-filter-help', filters: TRACE_FILTER_EXAMPLES }}
    />
  );
}
