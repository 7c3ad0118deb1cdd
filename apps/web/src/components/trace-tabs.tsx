import { Link } from './link.js';

/** The Runs | Traces switch of an experiment page (MLflow's experiment tabs). */
export function TraceTabs({ experimentIds, active }: { experimentIds: string[]; active: 'runs' | 'traces' }) {
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
    </nav>
  );
}
