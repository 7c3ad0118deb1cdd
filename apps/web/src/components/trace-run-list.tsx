import { ApiError } from '../api/client.js';
import { searchTraces, type TracePage } from '../api/traces.js';
import { useAsync } from '../lib/use-async.js';
import { Link } from './link.js';
import { Empty, ErrorBox, Loading } from './states.js';
import { TraceTable } from './trace-table.js';

/** A run id as a filter literal (run ids are hex: nothing to escape). */
function literal(value: string): string {
  return `'${value}'`;
}

/**
 * The traces of a run: MLflow's `run_id = '<id>'` (traces whose `mlflow.sourceRun` is the run, or that were
 * linked to it). A server whose grammar lacks `run_id` is asked by the metadata key instead.
 */
export async function searchRunTraces(
  experimentId: string,
  runId: string,
  pageToken?: string,
  signal?: AbortSignal,
): Promise<TracePage> {
  const query = { experimentIds: [experimentId], maxResults: 100, pageToken };
  try {
    return await searchTraces({ ...query, filter: `run_id = ${literal(runId)}` }, signal);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'INVALID_PARAMETER_VALUE') throw error;
    return searchTraces({ ...query, filter: `metadata.\`mlflow.sourceRun\` = ${literal(runId)}` }, signal);
  }
}

/** The run page's Traces tab: the run's traces, linked to their trace pages. */
export function RunTraces({ experimentId, runId }: { experimentId: string; runId: string }) {
  const page = useAsync(
    (signal) => searchRunTraces(experimentId, runId, undefined, signal),
    [experimentId, runId],
  );
  if (page.error) return <ErrorBox error={page.error} />;
  if (!page.data) return <Loading what="Loading traces" />;
  if (page.data.traces.length === 0) return <Empty>No traces were logged in this run.</Empty>;
  return (
    <div className="run-traces">
      <TraceTable traces={page.data.traces} experimentId={experimentId} compact />
      {page.data.nextPageToken ? (
        <p className="muted">
          Showing the first {page.data.traces.length}:{' '}
          <Link
            href={`/experiments/${experimentId}/traces?q=${encodeURIComponent(`run_id = ${literal(runId)}`)}`}
          >
            all traces of this run
          </Link>
        </p>
      ) : null}
    </div>
  );
}
