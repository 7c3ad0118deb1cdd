/** Twenty colours that read on both themes; a run's colour is one of them, picked from its id. */
export const RUN_PALETTE: readonly string[] = [
  '#3b82f6',
  '#ef4444',
  '#10b981',
  '#f59e0b',
  '#8b5cf6',
  '#ec4899',
  '#14b8a6',
  '#84cc16',
  '#f97316',
  '#6366f1',
  '#06b6d4',
  '#d946ef',
  '#22c55e',
  '#eab308',
  '#0ea5e9',
  '#e11d48',
  '#a855f7',
  '#65a30d',
  '#b45309',
  '#64748b',
];

/** FNV-1a (32-bit) of a string: cheap, well spread, and the same in every browser. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A run's colour, the same in the table, the chart view and the compare page, whatever the order or the
 * other runs shown (as MLflow's run colours are stable): derived from the run id alone.
 */
export function runColor(runId: string): string {
  return RUN_PALETTE[hashString(runId) % RUN_PALETTE.length]!;
}

/** A group's colour (grouped charts), from the grouping key and the group's value, so it too is stable. */
export function groupColor(groupBy: string, value: string): string {
  return RUN_PALETTE[hashString(`${groupBy}\u0000${value}`) % RUN_PALETTE.length]!;
}
