/** Sixteen distinct colours that read on both themes; a run's colour is one of them, picked from its id. */
export const RUN_PALETTE: readonly string[] = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#d97706',
  '#7c3aed',
  '#db2777',
  '#0891b2',
  '#65a30d',
  '#ea580c',
  '#4f46e5',
  '#0d9488',
  '#c026d3',
  '#ca8a04',
  '#be123c',
  '#64748b',
  '#92400e',
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
