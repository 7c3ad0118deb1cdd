// JSON as MLflow's Python store writes it: core's one codec (`dumpMlflowJson`, `loadMlflowJson`), under the
// names the store's areas use.
export { dumpMlflowJson as dumpJson, loadMlflowJson as loadJson } from '@flowline/core';

/** Cuts text to `max` characters (MLflow truncates previews and tag values rather than refusing them). */
export function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}
