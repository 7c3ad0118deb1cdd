import type { Run } from '../api/types.js';
import type { RunRow } from '../components/runs-table.js';

/** MLflow's tag naming a run's parent. */
export const PARENT_TAG = 'mlflow.parentRunId';

/**
 * Orders loaded runs as a tree: each run whose parent is also loaded goes under it (shown when the parent
 * is expanded); the rest keep the server's order at the top level, as in MLflow's runs table.
 */
export function buildRows(runs: readonly Run[], expanded: ReadonlySet<string>): RunRow[] {
  const ids = new Set(runs.map((r) => r.info.run_id));
  const children = new Map<string, Run[]>();
  const roots: Run[] = [];
  for (const run of runs) {
    const parent = run.data.tags?.find((t) => t.key === PARENT_TAG)?.value;
    if (parent && parent !== run.info.run_id && ids.has(parent)) {
      const list = children.get(parent);
      if (list) list.push(run);
      else children.set(parent, [run]);
    } else roots.push(run);
  }
  const out: RunRow[] = [];
  const seen = new Set<string>();
  const visit = (run: Run, depth: number) => {
    const id = run.info.run_id;
    if (seen.has(id)) return;
    seen.add(id);
    const kids = children.get(id) ?? [];
    const open = expanded.has(id);
    out.push({ run, depth, childCount: kids.length, expanded: open });
    if (open) for (const kid of kids) visit(kid, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return out;
}
