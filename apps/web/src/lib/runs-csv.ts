/**
 * The runs table as CSV, in the shape MLflow's UI downloads: one row per run with its start time, duration,
 * id, name, source, user and status, then a column per param, metric and tag key.
 */

/** The parts of a run the CSV reads (a `Run` from `runs/search` fits). */
export interface CsvRun {
  info: {
    run_id: string;
    run_name?: string;
    status: string;
    start_time?: number;
    end_time?: number;
    user_id?: string;
  };
  data: {
    params?: { key: string; value?: string }[];
    metrics?: { key: string; value?: number | string }[];
    tags?: { key: string; value?: string }[];
  };
}

/** Which param, metric and tag keys get a column, in order. */
export interface CsvKeys {
  params: readonly string[];
  metrics: readonly string[];
  tags: readonly string[];
}

/** One CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled), as RFC 4180 writes. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Lines of fields joined by commas and CRLF (RFC 4180), ending with a line break. */
export function csvText(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}

function isoTime(ms: number | undefined): string {
  return ms === undefined || ms === null || !Number.isFinite(ms) ? '' : new Date(ms).toISOString();
}

function duration(start: number | undefined, end: number | undefined): string {
  if (start === undefined || end === undefined || start === null || end === null) return '';
  const s = Math.max(0, end - start) / 1000;
  return s < 60 ? `${s.toFixed(1)}s` : s < 3600 ? `${(s / 60).toFixed(1)}min` : `${(s / 3600).toFixed(1)}h`;
}

function tag(run: CsvRun, key: string): string {
  return run.data.tags?.find((t) => t.key === key)?.value ?? '';
}

/** The header and a row per run: MLflow's fixed columns, then the chosen param, metric and tag keys. */
export function runsCsvRows(runs: readonly CsvRun[], keys: CsvKeys): string[][] {
  const header = [
    'Start Time',
    'Duration',
    'Run ID',
    'Name',
    'Source Type',
    'Source Name',
    'User',
    'Status',
    ...keys.params,
    ...keys.metrics,
    ...keys.tags,
  ];
  const rows = runs.map((run) => {
    const params = new Map((run.data.params ?? []).map((p) => [p.key, p.value]));
    const metrics = new Map((run.data.metrics ?? []).map((m) => [m.key, m.value]));
    return [
      isoTime(run.info.start_time),
      duration(run.info.start_time, run.info.end_time),
      run.info.run_id,
      run.info.run_name ?? '',
      tag(run, 'mlflow.source.type'),
      tag(run, 'mlflow.source.name'),
      run.info.user_id ?? '',
      run.info.status,
      ...keys.params.map((k) => params.get(k) ?? ''),
      ...keys.metrics.map((k) => {
        const v = metrics.get(k);
        return v === undefined || v === null ? '' : String(v);
      }),
      ...keys.tags.map((k) => tag(run, k)),
    ];
  });
  return [header, ...rows];
}

/** The CSV text of some runs (see `runsCsvRows`). */
export function runsCsv(runs: readonly CsvRun[], keys: CsvKeys): string {
  return csvText(runsCsvRows(runs, keys));
}

/** The param, metric and tag keys of the shown column ids (`param:lr`, `metric:loss`, `tag:team`). */
export function csvKeysOf(columnIds: readonly string[]): CsvKeys {
  const pick = (prefix: string) =>
    columnIds.filter((id) => id.startsWith(prefix)).map((id) => id.slice(prefix.length));
  return { params: pick('param:'), metrics: pick('metric:'), tags: pick('tag:') };
}

/** Saves text as a file through a temporary object URL and a clicked `<a download>`. */
export function downloadText(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: some browsers read the URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
