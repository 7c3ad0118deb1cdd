import { getRun } from '../api/endpoints.js';
import { useAsync } from '../lib/use-async.js';

/** A run's name, looked up by id (the id itself until it loads, or if the run cannot be read). */
export function RunName({ runId }: { runId: string }) {
  const run = useAsync((signal) => getRun(runId, signal), [runId]);
  return <>{run.data?.info.run_name || runId}</>;
}
