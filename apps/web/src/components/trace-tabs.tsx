import { Link } from './link.js';

/** The views of an experiment page. */
export type ExperimentView = 'runs' | 'traces' | 'models';

/** The Runs | Traces | Models switch of an experiment page (MLflow's experiment tabs). */
export function TraceTabs({ experimentIds, active }: { experimentIds: string[]; active: ExperimentView }) {
  const base = `/experiments/${experimentIds.join(',')}`;
  return (
    <nav className="tabs experiment-tabs" aria-label="Experiment views">
      <Link
        href={base}
        className={active === 'runs' ? 'active' : ''}
        aria-current={active === 'runs' ? 'page' : undefined}
      >
        Runs
      </Link>
      <Link
        href={`${base}/traces`}
        className={active === 'traces' ? 'active' : ''}
        aria-current={active === 'traces' ? 'page' : undefined}
      >
        Traces
      </Link>
      <Link
        href={`${base}/models`}
        className={active === 'models' ? 'active' : ''}
        aria-current={active === 'models' ? 'page' : undefined}
      >
        Models
      </Link>
    </nav>
  );
}
