import type { TraceInfoJson } from '../api/traces.js';
import { formatTime } from '../lib/format.js';
import {
  executionMs,
  experimentOf,
  formatTokens,
  previewText,
  requestTimeMs,
  tokenUsageOf,
  traceNameOf,
  userTags,
} from '../lib/trace-info.js';
import { formatNanos } from '../lib/trace-waterfall.js';
import { Link } from './link.js';

/** A trace's state as a coloured dot and MLflow's state name (`OK`, `ERROR`, `IN_PROGRESS`). */
export function TraceStateCell({ state }: { state: string | undefined }) {
  const name = state ?? 'STATE_UNSPECIFIED';
  return (
    <span className={`status trace-state-${name.toLowerCase()}`}>
      <span className="dot" aria-hidden="true" />
      {name}
    </span>
  );
}

/** The URL of a trace's page. */
export function traceHref(info: TraceInfoJson, fallbackExperiment = ''): string {
  const experiment = experimentOf(info) ?? fallbackExperiment;
  return `/experiments/${encodeURIComponent(experiment)}/traces/${encodeURIComponent(info.trace_id)}`;
}

/** A sortable header: which `order_by` key it sorts by. */
export interface TraceSort {
  key: string;
  descending: boolean;
}

/** Columns that sort on the server, by MLflow's trace `order_by` keys. */
const SORT_KEYS: Record<string, string> = {
  'Request time': 'timestamp_ms',
  Latency: 'execution_time_ms',
  Status: 'status',
};

/** Props of the traces table. */
export interface TraceTableProps {
  traces: TraceInfoJson[];
  /** Experiment id for links when a trace lacks its location. */
  experimentId?: string;
  sort?: TraceSort;
  onSort?: (key: string) => void;
  /** Leave out the preview columns (the run page's short list). */
  compact?: boolean;
}

/** Traces as a table: id (linked), name, previews, request time, latency, tokens, status and tags. */
export function TraceTable({ traces, experimentId, sort, onSort, compact }: TraceTableProps) {
  const headers = [
    'Trace ID',
    'Name',
    ...(compact ? [] : ['Request', 'Response']),
    'Request time',
    'Latency',
    'Tokens',
    'Status',
    'Tags',
  ];
  return (
    <div className="table-scroll trace-table-scroll">
      <table className="data-table trace-table">
        <thead>
          <tr>
            {headers.map((h) => {
              const key = SORT_KEYS[h];
              if (!key || !onSort) return <th key={h}>{h}</th>;
              const active = sort?.key === key;
              return (
                <th key={h} aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : undefined}>
                  <button type="button" className="rt-sort" onClick={() => onSort(key)}>
                    {h}
                    {active ? (sort.descending ? ' ↓' : ' ↑') : ''}
                  </button>
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {traces.map((t) => {
            const ms = executionMs(t);
            return (
              <tr key={t.trace_id} data-trace-id={t.trace_id}>
                <td className="trace-id" title={t.trace_id}>
                  <Link href={traceHref(t, experimentId)} className="trace-link">
                    <code>{t.trace_id}</code>
                  </Link>
                </td>
                <td>{traceNameOf(t) ?? ''}</td>
                {compact ? null : (
                  <>
                    <td className="trace-preview" title={t.request_preview}>
                      {previewText(t.request_preview)}
                    </td>
                    <td className="trace-preview" title={t.response_preview}>
                      {previewText(t.response_preview)}
                    </td>
                  </>
                )}
                <td className="nowrap">{formatTime(requestTimeMs(t))}</td>
                <td className="nowrap num">{ms === undefined ? '' : formatNanos(ms * 1e6)}</td>
                <td className="nowrap num">{formatTokens(tokenUsageOf(t.trace_metadata))}</td>
                <td className="nowrap">
                  <TraceStateCell state={t.state} />
                </td>
                <td className="trace-tags">
                  {userTags(t.tags).map(([k, v]) => (
                    <span key={k} className="trace-tag" title={`${k} = ${v}`}>
                      {k}: {v}
                    </span>
                  ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
