import { tagOf } from '../api/endpoints.js';
import type { Run } from '../api/types.js';
import type { Column, RunRow } from '../components/runs-table.js';
import { formatDuration, formatTime, formatValue } from './format.js';

/** The keys seen across loaded runs, sorted; MLflow's own `mlflow.*` tags are left out. */
export function discoverKeys(runs: readonly Run[]): { params: string[]; metrics: string[]; tags: string[] } {
  const params = new Set<string>();
  const metrics = new Set<string>();
  const tags = new Set<string>();
  for (const run of runs) {
    for (const p of run.data.params ?? []) params.add(p.key);
    for (const m of run.data.metrics ?? []) metrics.add(m.key);
    for (const t of run.data.tags ?? []) if (!t.key.startsWith('mlflow.')) tags.add(t.key);
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { params: sorted(params), metrics: sorted(metrics), tags: sorted(tags) };
}

/** An MLflow search key with backticks, as `order_by` and filters write keys that need quoting. */
export function quoted(entity: 'params' | 'metrics' | 'tags', key: string): string {
  return `${entity}.\`${key}\``;
}

/** The status cell: a coloured dot and MLflow's status name. */
export function StatusCell({ status }: { status: string }) {
  return (
    <span className={`status status-${status.toLowerCase()}`}>
      <span className="dot" aria-hidden="true" />
      {status}
    </span>
  );
}

const ATTRIBUTES: Column[] = [
  {
    id: 'attr:start_time',
    label: 'Created',
    group: 'Attributes',
    width: 190,
    sortKey: 'attributes.start_time',
    render: (r: RunRow) => formatTime(r.run.info.start_time),
  },
  {
    id: 'attr:duration',
    label: 'Duration',
    group: 'Attributes',
    width: 90,
    render: (r: RunRow) => formatDuration(r.run.info.start_time, r.run.info.end_time),
  },
  {
    id: 'attr:status',
    label: 'Status',
    group: 'Attributes',
    width: 110,
    sortKey: 'attributes.status',
    render: (r: RunRow) => <StatusCell status={r.run.info.status} />,
  },
  {
    id: 'attr:user_id',
    label: 'User',
    group: 'Attributes',
    width: 110,
    sortKey: 'attributes.user_id',
    render: (r: RunRow) => r.run.info.user_id ?? '',
  },
  {
    id: 'attr:source',
    label: 'Source',
    group: 'Attributes',
    width: 160,
    render: (r: RunRow) => tagOf(r.run.data.tags, 'mlflow.source.name') ?? '',
  },
];

/** Every column the loaded runs offer: attributes, then params, metrics and tags. */
export function allColumns(keys: ReturnType<typeof discoverKeys>): Column[] {
  return [
    ...ATTRIBUTES,
    ...keys.params.map((key) => ({
      id: `param:${key}`,
      label: key,
      group: 'Parameters',
      width: 120,
      sortKey: quoted('params', key),
      render: (r: RunRow) => r.run.data.params?.find((p) => p.key === key)?.value ?? '',
    })),
    ...keys.metrics.map((key) => ({
      id: `metric:${key}`,
      label: key,
      group: 'Metrics',
      width: 120,
      sortKey: quoted('metrics', key),
      render: (r: RunRow) => formatValue(r.run.data.metrics?.find((m) => m.key === key)?.value),
    })),
    ...keys.tags.map((key) => ({
      id: `tag:${key}`,
      label: key,
      group: 'Tags',
      width: 120,
      sortKey: quoted('tags', key),
      render: (r: RunRow) => tagOf(r.run.data.tags, key) ?? '',
    })),
  ];
}

/** The columns shown by default: attributes, params and metrics (tags are opt-in, as in MLflow). */
export function defaultColumnIds(columns: readonly Column[]): string[] {
  return columns.filter((c) => !c.id.startsWith('tag:') && c.id !== 'attr:source').map((c) => c.id);
}

/** Splits MLflow's `order_by` item into key and direction (`metrics.\`loss\` DESC`). */
export function parseOrder(order: string): { key: string; descending: boolean } {
  const m = /^(.*?)(?:\s+(ASC|DESC))?$/i.exec(order.trim());
  return { key: (m?.[1] ?? '').trim(), descending: (m?.[2] ?? 'ASC').toUpperCase() === 'DESC' };
}

/** The pinned column ids of the URL's `pin=` (comma-separated, as `cols=`). */
export function pinnedOf(pinParam: string | null): Set<string> {
  return new Set((pinParam ?? '').split(',').filter(Boolean));
}

/**
 * The URL changes that pin or unpin a column: `pin` without or with it (null when none is left), and a
 * column pinned while hidden is shown too (`cols`).
 */
export function pinChanges(
  pinned: ReadonlySet<string>,
  shownIds: readonly string[],
  id: string,
): Record<string, string | null> {
  const next = new Set(pinned);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  const changes: Record<string, string | null> = { pin: [...next].join(',') || null };
  if (next.has(id) && !shownIds.includes(id)) changes.cols = [...shownIds, id].join(',');
  return changes;
}
