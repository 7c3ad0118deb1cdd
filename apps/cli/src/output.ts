import { createRequire } from 'node:module';

// cli-table3 is CommonJS: required on the first table, so commands that print none (and --help) skip it.
const require = createRequire(import.meta.url);

/** Where a command writes: human text, or JSON for scripts. */
export interface Output {
  json: boolean;
  /** Writes a result: `human` as text, or `data` as JSON with --json. */
  result(data: unknown, human: () => string): void;
}

/** An output bound to stdout. */
export function createOutput(
  json: boolean,
  write: (text: string) => void = (t) => process.stdout.write(t),
): Output {
  return {
    json,
    result(data, human) {
      write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
    },
  };
}

/** A plain table for terminals: header row, then one row per item. */
export function table(head: string[], rows: Array<Array<string | number | null | undefined>>): string {
  if (rows.length === 0) return '(none)';
  const Table = require('cli-table3') as typeof import('cli-table3');
  const t = new Table({
    head,
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of rows) t.push(row.map((c) => (c === null || c === undefined ? '' : String(c))));
  return t.toString();
}

/** A timestamp in milliseconds as an ISO-like local string, or empty. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}
