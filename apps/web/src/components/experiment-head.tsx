import type { Experiment } from '../api/types.js';
import type { Pages } from '../lib/use-pages.js';
import { ExperimentAbout } from './experiment-about.js';
import { type ExperimentView, TraceTabs } from './trace-tabs.js';

/** Props of an experiment page's head. */
export interface ExperimentHeadProps {
  experimentIds: string[];
  experiments: Experiment[];
  /** Which view is shown (and what is counted: its runs, traces or logged models). */
  active: ExperimentView;
  /** What is loaded (counted, with a `+` while the server has more). */
  pages: Pick<Pages<unknown>, 'items' | 'hasMore'>;
}

/**
 * The head of an experiment's runs, traces or models view: the experiments' names, the item count, one
 * experiment's description and tags (runs view), and the tabs.
 */
export function ExperimentHead({ experimentIds, experiments, active, pages }: ExperimentHeadProps) {
  const names = experimentIds.map((id) => experiments.find((e) => e.experiment_id === id)?.name ?? id);
  const noun = active.slice(0, -1);
  return (
    <>
      <header className="page-head">
        <h1>{names.join(', ')}</h1>
        <span className="muted" data-testid={`${noun}-count`}>
          {pages.items.length}
          {pages.hasMore ? '+' : ''} {active}
        </span>
      </header>
      {/* On the runs view, as MLflow's experiment page shows them; one experiment only. */}
      {active === 'runs' && experimentIds.length === 1 ? (
        <ExperimentAbout experimentId={experimentIds[0]!} />
      ) : null}
      <TraceTabs experimentIds={experimentIds} active={active} />
    </>
  );
}
