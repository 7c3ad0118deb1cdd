import type { Experiment } from '../api/types.js';
import { TraceTabs } from './trace-tabs.js';

/** Props of an experiment page's head. */
export interface ExperimentHeadProps {
  experimentIds: string[];
  experiments: Experiment[];
  /** Which view is shown (and what is counted: its runs or its traces). */
  active: 'runs' | 'traces';
  /** How many items are loaded, and whether the server has more. */
  count: number;
  hasMore: boolean;
}

/** The head of an experiment's runs or traces view: the experiments' names, the item count and the tabs. */
export function ExperimentHead({ experimentIds, experiments, active, count, hasMore }: ExperimentHeadProps) {
  const names = experimentIds.map((id) => experiments.find((e) => e.experiment_id === id)?.name ?? id);
  const noun = active === 'runs' ? 'run' : 'trace';
  return (
    <>
      <header className="page-head">
        <h1>{names.join(', ')}</h1>
        <span className="muted" data-testid={`${noun}-count`}>
          {count}
          {hasMore ? '+' : ''} {active}
        </span>
      </header>
      <TraceTabs experimentIds={experimentIds} active={active} />
    </>
  );
}
