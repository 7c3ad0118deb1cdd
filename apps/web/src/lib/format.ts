/** Display helpers shared by the pages. */

/** A timestamp in ms as local date and time. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined || ms === null || !Number.isFinite(Number(ms))) return '';
  return new Date(Number(ms)).toLocaleString();
}

/** A duration in ms as `1.2s`, `3.4min`, `2.0h`. */
export function formatDuration(start: number | undefined, end: number | undefined): string {
  if (!start) return '';
  const ms = (end ?? Date.now()) - start;
  if (ms < 0) return '';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)}min`;
  return `${(ms / 3_600_000).toFixed(1)}h`;
}

/** A byte count as `12 B`, `3.4 KiB`, `1.2 MiB`. */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A metric value, short but exact enough to compare. */
export function formatValue(value: number | string | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1e6 || Math.abs(value) < 1e-4
    ? value.toExponential(4)
    : String(+value.toPrecision(6));
}
