import { useMemo } from 'react';
import { type LoggedModelJson, latestMetrics } from '../api/logged-models.js';
import { formatTime, formatValue } from '../lib/format.js';
import { Link } from './link.js';
import { RunName } from './run-name.js';

/** How the table is sorted: an `order_by` field of MLflow's logged-model search and its direction. */
export interface LoggedModelSort {
  key: string;
  descending: boolean;
}

/** Props of the logged-model table. */
export interface LoggedModelTableProps {
  models: LoggedModelJson[];
  sort: LoggedModelSort;
  onSort: (key: string) => void;
  /** At most this many metric columns (the most common metric names first). */
  maxMetrics?: number;
  /** At most this many param columns. */
  maxParams?: number;
}

/** `LOGGED_MODEL_READY` as `READY` (MLflow's entity names: PENDING, READY, FAILED). */
export function statusLabel(status: string): string {
  if (status === 'LOGGED_MODEL_UPLOAD_FAILED') return 'FAILED';
  return status.replace(/^LOGGED_MODEL_(STATUS_)?/, '');
}

/** A logged model's status with its coloured dot. */
export function LoggedModelStatus({ status }: { status: string }) {
  const label = statusLabel(status);
  return (
    <span className={`status lm-status-${label.toLowerCase()}`}>
      <span className="dot" aria-hidden="true" />
      {label}
    </span>
  );
}

/** A logged model's page. */
export const loggedModelHref = (m: LoggedModelJson) =>
  `/experiments/${m.info.experiment_id}/models/${encodeURIComponent(m.info.model_id)}`;

/** The most used keys across items, most used first, then by name. */
function commonKeys(lists: string[][], max: number): string[] {
  const counts = new Map<string, number>();
  for (const list of lists) for (const key of new Set(list)) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([key]) => key);
}

/**
 * An experiment's logged models (MLflow's Models tab): name (linked), status, creation time, source run
 * (linked, by name), model type, and the common metrics (latest value) and params as columns. Creation
 * time and metrics sort on the server (MLflow orders logged models by attributes and metrics only).
 */
export function LoggedModelTable({
  models,
  sort,
  onSort,
  maxMetrics = 5,
  maxParams = 3,
}: LoggedModelTableProps) {
  const metricKeys = useMemo(
    () =>
      commonKeys(
        models.map((m) => (m.data.metrics ?? []).map((x) => x.key)),
        maxMetrics,
      ),
    [models, maxMetrics],
  );
  const paramKeys = useMemo(
    () =>
      commonKeys(
        models.map((m) => (m.data.params ?? []).map((x) => x.key)),
        maxParams,
      ),
    [models, maxParams],
  );
  const latest = useMemo(() => new Map(models.map((m) => [m.info.model_id, latestMetrics(m)])), [models]);
  const sortable = (label: string, key: string) => {
    const active = sort.key === key;
    return (
      <th key={key} aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : undefined}>
        <button type="button" className="rt-sort" onClick={() => onSort(key)}>
          {label}
          {active ? (sort.descending ? ' ↓' : ' ↑') : ''}
        </button>
      </th>
    );
  };
  return (
    <div className="table-scroll">
      <table className="data-table logged-model-table">
        <thead>
          <tr>
            {sortable('Name', 'name')}
            <th>Status</th>
            {sortable('Created', 'creation_timestamp_ms')}
            <th>Source run</th>
            <th>Type</th>
            {metricKeys.map((k) => sortable(k, `metrics.${k}`))}
            {paramKeys.map((k) => (
              <th key={`param:${k}`} className="param-col">
                {k}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {models.map((m) => {
            const values = latest.get(m.info.model_id);
            return (
              <tr key={m.info.model_id} data-model-id={m.info.model_id}>
                <td>
                  <Link href={loggedModelHref(m)} className="model-link" title={m.info.model_id}>
                    {m.info.name}
                  </Link>
                </td>
                <td>
                  <LoggedModelStatus status={m.info.status} />
                </td>
                <td>{formatTime(m.info.creation_timestamp_ms)}</td>
                <td>
                  {m.info.source_run_id ? (
                    <Link
                      href={`/experiments/${m.info.experiment_id}/runs/${m.info.source_run_id}`}
                      title={m.info.source_run_id}
                    >
                      <RunName runId={m.info.source_run_id} />
                    </Link>
                  ) : (
                    '—'
                  )}
                </td>
                <td>{m.info.model_type || '—'}</td>
                {metricKeys.map((k) => {
                  const v = values?.get(k)?.value;
                  return (
                    <td key={k} className="num">
                      {v === undefined ? '' : formatValue(typeof v === 'string' ? Number(v) : v)}
                    </td>
                  );
                })}
                {paramKeys.map((k) => (
                  <td key={`param:${k}`}>{m.data.params?.find((p) => p.key === k)?.value ?? ''}</td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
